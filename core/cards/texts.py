"""The cards' screens, as pure functions: a resident's card and 回音, the staff's /cards."""

from __future__ import annotations

from core import labels
from core.cards.model import Card, Echo, Profile
from core.cards.printing import MAX_COUNT
from core.cards.scanning import Scan
from core.cards.sheet import PER_PAGE
from core.i18n import Safe, fmt, t, tp
from core.models import Case, Language, Staff
from core.outgoing import Button, Outgoing, rows
from core.screens import emergency_screen, resident_screen

ACT_ECHO, ACT_ECHO_TYPE, ACT_SEND, ACT_AGAIN, ACT_QUIT = (
    "card_echo",
    "card_echo_type",
    "card_send",
    "card_again",
    "card_quit",
)
ACT_PRINT, ACT_PROFILE = "cards_print", "cards_profile"
COUNTS = (10, 20, 30, 50)


def officer_line(lang: Language, officer: Staff | None, found: Profile | None) -> str:
    """Who answers the resident's card, with their title and contact when they set them."""
    if officer is None:
        return t(lang, "The station will answer your card.")
    if found is None:
        return t(lang, "Your community police officer: {name}.", name=officer.name)
    return t(
        lang,
        "Your community police officer: {name}, {title}. Contact: {contact}.",
        name=officer.name,
        title=found.title,
        contact=found.contact,
    )


def card_screen(lang: Language, scan: Scan) -> Outgoing:
    """A resident's own card: who answers it, and either their 回音 case or the offer to send one."""
    card = scan.card
    assert card is not None
    parts = [t(lang, "<b>回音卡 No. {number}</b>", number=card.number), officer_line(lang, scan.officer, scan.profile)]
    if scan.area_preset and scan.area is not None:
        parts.append(t(lang, "Your neighbourhood is set from the card: {area}.", area=scan.area.name))
    if scan.case is not None:
        parts.append(answered_line(lang, scan.case))
        button = Button(tp(lang, "📂 Open the case"), "my_case_open", {"case_id": scan.case.id})
        return Outgoing(resident_screen(lang, *parts), rows([button]))
    parts.append(offer_line(lang))
    return Outgoing(resident_screen(lang, *parts), rows([echo_button(lang, card)]))


def answered_line(lang: Language, case: Case) -> str:
    """The line saying which case the resident's 回音 on this card became, and where it stands."""
    return t(
        lang,
        "You answered this card with case <code>{number}</code> ({status}).",
        number=case.number,
        status=labels.status(lang, case.status),
    )


def offer_line(lang: Language) -> str:
    """The invitation to send a 回音 under a scanned card."""
    return t(
        lang,
        "Tell the police what you think: a suggestion, a problem, praise or a complaint. "
        "Your 回音 gets a case number and an answer.",
    )


def echo_button(lang: Language, card: Card) -> Button:
    """The button that starts a 回音 on the card."""
    return Button(tp(lang, "✍️ Send my 回音"), ACT_ECHO, {"card_id": card.id})


def offer(lang: Language, card: Card) -> Outgoing:
    """After onboarding: the card the resident came with, and its 回音."""
    text = resident_screen(lang, t(lang, "<b>回音卡 No. {number}</b>", number=card.number), offer_line(lang))
    return Outgoing(text, rows([echo_button(lang, card)]))


def choose_echo(lang: Language, card: Card) -> Outgoing:
    """Asks what kind of 回音 the resident sends: suggestion, problem, praise or complaint."""
    text = t(lang, "What is your 回音 on card No. {number}?", number=card.number)
    choices = [
        Button(tp(lang, label), ACT_ECHO_TYPE, {"card_id": card.id, "echo": echo.value})
        for echo, label in labels.ECHO.items()
    ]
    quit_button = Button(tp(lang, "✖️ Cancel"), ACT_QUIT, {"card_id": card.id})
    return Outgoing(emergency_screen(lang, text), rows(choices[:2], choices[2:], [quit_button]))


def ask_text(lang: Language, echo: Echo, limit: int) -> Outgoing:
    """Asks for the 回音's text and says how long it may be."""
    text = t(
        lang,
        "{echo}: please write it in a few sentences (up to {limit} characters). Send /cancel to stop.",
        echo=tp(lang, labels.ECHO[echo]),
        limit=limit,
    )
    return Outgoing(resident_screen(lang, text))


def too_long(lang: Language, limit: int, length: int) -> Outgoing:
    """Says the text is too long and how long it may be."""
    return Outgoing(t(lang, "That is {length} characters; please keep it within {limit}.", length=length, limit=limit))


def text_only(lang: Language) -> Outgoing:
    """Says a 回音 is written as text (after a photo, a sticker or the like)."""
    return Outgoing(t(lang, "Please write your 回音 as text."))


def review(lang: Language, card: Card, echo: Echo, text: str) -> Outgoing:
    """The 回音 shown back to the resident with send, write again and cancel."""
    body = Safe(
        "\n".join(
            [
                t(lang, "<b>Your 回音 on card No. {number}</b>", number=card.number),
                tp(lang, labels.ECHO[echo]),
                "",
                fmt("{text}", text=text),
                "",
                t(lang, "Send it to the station?"),
            ]
        )
    )
    payload = {"card_id": card.id}
    buttons = rows(
        [Button(tp(lang, "✅ Send"), ACT_SEND, payload), Button(tp(lang, "✏️ Write again"), ACT_AGAIN, payload)],
        [Button(tp(lang, "✖️ Cancel"), ACT_QUIT, payload)],
    )
    return Outgoing(body, buttons)


def filed(lang: Language, case: Case, card: Card, officer: Staff | None) -> Outgoing:
    """Thanks the resident, gives the case number and says who will answer."""
    lines = [
        t(
            lang,
            "Thank you. Your 回音 on card No. {card} is case <code>{number}</code>.",
            card=card.number,
            number=case.number,
        )
    ]
    if officer is not None:
        lines.append(t(lang, "{name} will answer it; follow it with /mycases.", name=officer.name))
    else:
        lines.append(t(lang, "The station will answer it; follow it with /mycases."))
    return Outgoing(emergency_screen(lang, *lines))


def cancelled(lang: Language) -> Outgoing:
    """Says nothing was sent after the resident cancelled a 回音."""
    return Outgoing(t(lang, "All right, nothing was sent. Scan the card again whenever you like."))


# --- staff: /cards -------------------------------------------------------------------------


def ask_title(lang: Language) -> Outgoing:
    """Asks the officer for the title their cards show."""
    return Outgoing(
        t(
            lang,
            "Your cards show your name, your title and how residents can reach you.\n\n"
            "What is your title? For example: 社区民警, 警务室民警. Send /cancel to stop.",
        )
    )


def ask_contact(lang: Language) -> Outgoing:
    """Asks the officer how residents can reach them, for their cards."""
    return Outgoing(
        t(
            lang,
            "How can residents reach you? For example: 电话 0813-1234567, 工作日 8:30–17:30 (up to 128 characters).",
        )
    )


def print_screen(lang: Language, member: Staff, found: Profile) -> Outgoing:
    """The officer's card details and the question how many cards to print."""
    text = Safe(
        "\n".join(
            [
                t(lang, "<b>回音卡 for {name}</b>", name=member.name),
                t(lang, "Title: {title}", title=found.title),
                t(lang, "Contact: {contact}", contact=found.contact),
                "",
                t(
                    lang,
                    "How many echo cards shall I print? A page holds {per_page}, each with its contact card "
                    "beside it; each echo card gets the next number of the station's series and works for "
                    "one household.",
                    per_page=PER_PAGE,
                ),
            ]
        )
    )
    counts = [Button(str(n), ACT_PRINT, {"count": n}) for n in COUNTS if n <= MAX_COUNT]
    change = Button(tp(lang, "✏️ Change title and contact"), ACT_PROFILE, {})
    return Outgoing(text, rows(counts, [change]))


def sheet_caption(lang: Language, count: int, first: str, last: str) -> str:
    """The caption under a printed sheet: how many cards, their numbers and how to print them."""
    return t(
        lang,
        "{count} echo cards, No. {first} to {last}, each with its contact card. Print on A4 at actual "
        "size, cut along the marks and hand each pair over together. Each echo card works for the first "
        "household that scans it.",
        count=count,
        first=first,
        last=last,
    )


def staff_card_note(lang: Language, number: str, officer: str) -> Outgoing:
    """Tells a staff member who scanned a card whose card it is and that scanning it changes nothing."""
    return Outgoing(
        t(
            lang,
            "This is 回音卡 No. {number} of {officer}. Cards are answered by residents; scanning it "
            "as staff changes nothing.",
            number=number,
            officer=officer,
        )
    )
