"""/visit (民情日记): the screens of an officer's home visit, as pure functions.

The form's data lives in the dialog row, committed at every step:
{"resident_id" | ("address", "consent", "name" (only with consent), "area_id", "area_parent": the part
 of the area tree the picker shows), "found": [[resident id, label], …], "kind",
 "notes", "photos": [file ids], "location": [lat, lon], "matters": [{"kind", "category",
 "description"}, …], "matter": the one being added {"kind", "category"},
 "card": the number of the 回音卡 handed over, if any}.
"""

from __future__ import annotations

from typing import Any

from core import labels
from core.i18n import N_, Safe, fmt, t, tp
from core.models import REPORTABLE_KINDS, Area, Category, Kind, Language, categories_for
from core.names import area_name
from core.outgoing import Button, Outgoing, rows
from core.visits.model import Household, VisitKind

FLOW = "visit"
CARD = "card"  # the number of the 回音卡 handed over, typed from the review
AREA = "area"  # a new household's village or community
HOUSEHOLD, ADDRESS, NAME, CONSENT, KIND, NOTES, MATTERS, MATTER_KIND, MATTER_CATEGORY, MATTER_TEXT, REVIEW = (
    "household",
    "address",
    "name",
    "consent",
    "kind",
    "notes",
    "matters",
    "matter_kind",
    "matter_category",
    "matter_text",
    "review",
)
TYPED_STEPS = frozenset({HOUSEHOLD, ADDRESS, NAME, NOTES, MATTER_TEXT, CARD})

# Button actions (answered in handlers/visits.py).
ACT_PICK, ACT_NEW, ACT_CONSENT, ACT_KIND = "vis_pick", "vis_new", "vis_consent", "vis_kind"
ACT_NOTES_DONE, ACT_ADD, ACT_MATTER_KIND, ACT_MATTER_CATEGORY = "vis_notes", "vis_add", "vis_mkind", "vis_mcat"
ACT_MATTERS_DONE, ACT_TO_MATTERS, ACT_CANCEL, ACT_CONFIRM = "vis_done", "vis_matters", "vis_cancel", "vis_confirm"
ACT_CARD, ACT_NO_CARD, ACT_TO_REVIEW = "vis_card", "vis_nocard", "vis_review"
ACT_AREA, ACT_AREA_UP = "vis_area", "vis_area_up"

KIND_NAMES: dict[VisitKind, str] = {VisitKind.DAY: N_("☀️ Day visit"), VisitKind.NIGHT: N_("🌙 Night visit")}
NAME_MAX, ADDRESS_MAX, NOTES_MAX, FOUND_MAX = 64, 200, 2000, 8


class FormError(Exception):
    """Input that does not fit the current step; `reason` is a msgid, `values` fill it in."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


def check_text(text: str | None, limit: int, empty: str) -> str:
    """The typed text, stripped; `empty` (a msgid) explains a blank one."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise FormError(empty)
    if len(cleaned) > limit:
        raise FormError(N_("This is {length} characters long; the limit is {limit}."), length=len(cleaned), limit=limit)
    return cleaned


def _cancel(lang: Language) -> list[Button]:
    return [Button(tp(lang, "✖️ Cancel"), ACT_CANCEL, {})]


def _title(lang: Language) -> str:
    return t(lang, "<b>Home visit diary</b>")


def household_label(lang: Language, household: Household, area: str) -> str:
    """A household on a button: name, area and when last visited."""
    if household.last_visit is None:
        return tp(lang, "{name} · {area} · never visited", name=household.name, area=area)
    day = household.last_visit.strftime("%Y-%m-%d")
    return tp(lang, "{name} · {area} · last visit {day}", name=household.name, area=area, day=day)


def household_screen(lang: Language, found: list[list[Any]], searched: bool) -> Outgoing:
    """Choosing the household: the search results (or the households due longest) and a new household."""
    lines = [_title(lang), t(lang, "Whom are you visiting? Type a name, a phone number or an area to look them up.")]
    if searched and not found:
        lines.append(t(lang, "Nobody the bot knows matches. Type something else, or record a new household."))
    elif searched:
        lines.append(t(lang, "Choose the household:"))
    elif found:
        lines.append(t(lang, "Households of your area not visited for the longest time:"))
    picks = [[Button(str(label), ACT_PICK, {"resident_id": int(rid)})] for rid, label in found[:FOUND_MAX]]
    new = [Button(tp(lang, "🏠 A new household"), ACT_NEW, {})]
    return Outgoing(Safe("\n".join(lines)), rows(*picks, new, _cancel(lang)))


def address_screen(lang: Language) -> Outgoing:
    """The step asking for the address of a household the station does not know yet."""
    text = _title(lang) + "\n" + t(lang, "Type the household's address.")
    return Outgoing(Safe(text), rows(_cancel(lang)))


def name_screen(lang: Language) -> Outgoing:
    """The step asking for the name of the person spoken with."""
    text = _title(lang) + "\n" + t(lang, "Type the name of the person you spoke with (a surname and title is enough).")
    return Outgoing(Safe(text), rows(_cancel(lang)))


def unnamed(lang: Language, address: str) -> str:
    """How a household that did not agree to be kept on record is known: by its address alone."""
    return tp(lang, "Household at {address} (no name kept)", address=address)


def consent_screen(lang: Language) -> Outgoing:
    """The step asking whether the person agreed to their details being kept, and what follows if not."""
    text = (
        _title(lang)
        + "\n"
        + t(
            lang,
            "Did the person agree to their name being kept on record? If not, the bot asks for no name "
            "and keeps none: the household is known by its address only, and its matters are filed "
            "without a name or phone number.",
        )
    )
    yes = Button(tp(lang, "✅ Agreed"), ACT_CONSENT, {"consent": True})
    no = Button(tp(lang, "Did not agree"), ACT_CONSENT, {"consent": False})
    return Outgoing(Safe(text), rows([yes, no], _cancel(lang)))


def area_screen(lang: Language, parent: Area | None, options: list[Area], own: list[Area]) -> Outgoing:
    """Where the new household lives: the officer's own areas first, then the station's areas level by level."""
    where = t(lang, "Which village or community does the household belong to?")
    if parent is not None:
        where = t(lang, "Which part of {area}?", area=area_name(parent, lang))
    shortcuts = [Button("📍 " + area_name(a, lang), ACT_AREA, {"area_id": a.id, "pick": True}) for a in own]
    if parent is not None:
        shortcuts = []
    choices = [[Button(area_name(a, lang), ACT_AREA, {"area_id": a.id})] for a in options]
    up = [Button(tp(lang, "⬆️ Up one level"), ACT_AREA_UP, {"area_id": parent.id})] if parent else []
    pairs = [shortcuts[i : i + 2] for i in range(0, len(shortcuts), 2)]
    return Outgoing(Safe(_title(lang) + "\n" + where), rows(*pairs, *choices, up, _cancel(lang)))


def kind_screen(lang: Language, recognised: VisitKind, now_text: str) -> Outgoing:
    """Day or night visit, the one recognised from the time marked."""
    which = tp(lang, KIND_NAMES[recognised])
    text = (
        _title(lang) + "\n" + t(lang, "It is {now}: recorded as {kind}. Change it if needed.", now=now_text, kind=which)
    )
    buttons = [
        Button(("✓ " if k is recognised else "") + tp(lang, name), ACT_KIND, {"kind": k.value})
        for k, name in KIND_NAMES.items()
    ]
    return Outgoing(Safe(text), rows(buttons, _cancel(lang)))


def notes_screen(lang: Language, data: dict[str, Any]) -> Outgoing:
    """The notes step: what was written so far, photos and location, and Continue once there are notes."""
    lines = [_title(lang), t(lang, "What did you learn? Type it; you may also send photos and share the location.")]
    if data.get("notes"):
        lines.append(t(lang, "Written so far: <blockquote>{text}</blockquote>", text=data["notes"]))
    if data.get("photos"):
        lines.append(t(lang, "Photos: {count}", count=len(data["photos"])))
    if data.get("location"):
        lines.append(t(lang, "📍 Location added."))
    nav = _cancel(lang)
    if data.get("notes"):
        nav.insert(0, Button(tp(lang, "Continue ▶️"), ACT_NOTES_DONE, {}))
    return Outgoing(Safe("\n".join(lines)), rows(nav))


def _matter_line(lang: Language, index: int, matter: dict[str, Any]) -> str:
    return fmt(
        "{n}. {kind} · {category}: {text}",
        n=index,
        kind=labels.kind(lang, Kind(matter["kind"])),
        category=labels.category(lang, Category(matter["category"])),
        text=matter["description"],
    )


def matters_screen(lang: Language, data: dict[str, Any]) -> Outgoing:
    """The matters the household raised so far; each becomes a case when the visit is recorded."""
    matters = data.get("matters") or []
    lines = [_title(lang), t(lang, "Did the household raise any matters? Each becomes a case of its own.")]
    lines += [_matter_line(lang, i, m) for i, m in enumerate(matters, 1)]
    add = Button(tp(lang, "➕ Add a matter"), ACT_ADD, {})
    if matters:
        done = Button(tp(lang, "Continue ▶️"), ACT_MATTERS_DONE, {})
    else:
        done = Button(tp(lang, "Nothing raised"), ACT_MATTERS_DONE, {})
    return Outgoing(Safe("\n".join(lines)), rows([add, done], _cancel(lang)))


def matter_kind_screen(lang: Language) -> Outgoing:
    """The step choosing the kind of a matter raised during the visit."""
    text = _title(lang) + "\n" + t(lang, "What kind of matter is it?")
    kinds = [Button(labels.kind(lang, k), ACT_MATTER_KIND, {"kind": k.value}) for k in REPORTABLE_KINDS]
    back = [Button(tp(lang, "◀️ Back"), ACT_TO_MATTERS, {})]
    return Outgoing(Safe(text), rows(kinds[:2], kinds[2:], back))


def matter_category_screen(lang: Language, kind: Kind) -> Outgoing:
    """The categories for the matter's kind: a dispute by what it is about, the rest by police work."""
    text = _title(lang) + "\n" + t(lang, "What is it about?")
    choices = categories_for(kind)
    cats = [Button(labels.category(lang, c), ACT_MATTER_CATEGORY, {"category": c.value}) for c in choices]
    pairs = [cats[i : i + 2] for i in range(0, len(cats), 2)]
    back = [Button(tp(lang, "◀️ Back"), ACT_TO_MATTERS, {})]
    return Outgoing(Safe(text), rows(*pairs, back))


def matter_text_screen(lang: Language) -> Outgoing:
    """The step asking for the matter's text."""
    text = _title(lang) + "\n" + t(lang, "Write down the matter as the household told it.")
    back = [Button(tp(lang, "◀️ Back"), ACT_TO_MATTERS, {})]
    return Outgoing(Safe(text), rows(back))


def review_screen(lang: Language, data: dict[str, Any], household: str, area: str) -> Outgoing:
    """The visit as it will be recorded, with its matters, for the officer to check before saving."""
    matters = data.get("matters") or []
    lines = [
        t(lang, "<b>Please check the visit before recording it</b>"),
        t(lang, "Household: {name} · {area}", name=household, area=area),
        t(lang, "Visit: {kind}", kind=tp(lang, KIND_NAMES[VisitKind(data["kind"])])),
        fmt("<blockquote>{text}</blockquote>", text=data["notes"]),
    ]
    if data.get("address"):
        lines.insert(2, t(lang, "Address: {address}", address=data["address"]))
    if data.get("photos"):
        lines.append(t(lang, "Photos: {count}", count=len(data["photos"])))
    if data.get("location"):
        lines.append(t(lang, "📍 Location added."))
    if matters:
        lines.append(
            t(lang, "Matters raised: {count}, each filed as a case for the area's officer.", count=len(matters))
        )
        lines += [_matter_line(lang, i, m) for i, m in enumerate(matters, 1)]
    else:
        lines.append(t(lang, "Nothing raised."))
    card = [Button(tp(lang, "🎫 Echo card handed over"), ACT_CARD, {})]
    if data.get("card"):
        lines.append(t(lang, "Echo card handed over: card number {number}", number=data["card"]))
        card = [Button(tp(lang, "🎫 Another card"), ACT_CARD, {}), Button(tp(lang, "No card"), ACT_NO_CARD, {})]
    confirm = Button(tp(lang, "✅ Record the visit"), ACT_CONFIRM, {})
    return Outgoing(
        Safe("\n".join(lines)),
        rows([confirm], card, [Button(tp(lang, "◀️ Back"), ACT_TO_MATTERS, {})], _cancel(lang)),
    )


def card_screen(lang: Language, example: str) -> Outgoing:
    """The number of the 回音卡 the officer handed to the household."""
    text = (
        _title(lang)
        + "\n"
        + t(
            lang,
            "Type the number printed on the echo card you handed over, e.g. {example} (the last digits are enough).",
            example=example,
        )
    )
    return Outgoing(Safe(text), rows([Button(tp(lang, "◀️ Back"), ACT_TO_REVIEW, {})], _cancel(lang)))


def recorded_text(lang: Language, numbers: list[str], card: str | None = None, unnamed: bool = False) -> str:
    """What the officer reads once the visit is in the diary (and the card handed over, if any)."""
    lines = [t(lang, "✅ The visit is in your diary.")]
    if unnamed:
        lines.append(t(lang, "The household did not agree to be kept on record: no name or phone number is kept."))
    if card:
        lines.append(
            t(
                lang,
                "The echo card with card number {number} is the household's: "
                "when they scan it, they are linked to you.",
                number=card,
            )
        )
    if numbers:
        listed = "、".join(fmt("<code>{n}</code>", n=n) for n in numbers)
        lines.append(
            t(
                lang,
                "Cases filed: {numbers}. They go to the area's officer and are worked like any case.",
                numbers=Safe(listed),
            )
        )
    lines.append(t(lang, "Your recent visits: /visits"))
    return Safe("\n".join(lines))
