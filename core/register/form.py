"""/register (说事厅, 首问责任制): a case for someone who came to the counter or phoned, as pure functions.

The form's data lives in the dialog row, committed at every step:
{"channel": "counter" | "phone", "kind", "category", "name", "phone", "area_id",
 "area_parent": the part of the area tree the picker shows, "description",
 "card": the number of the 回音卡 handed over, if any}.
"""

from __future__ import annotations

import re
from typing import Any

from core import labels
from core.cards.model import Channel
from core.cases.texts import mask_phone
from core.i18n import N_, Safe, fmt, t, tp
from core.models import REPORTABLE_KINDS, Area, Category, Kind, Language
from core.names import area_name
from core.outgoing import Button, Outgoing, rows

FLOW = "register"
CHANNEL, KIND, CATEGORY, NAME, PHONE, AREA, DESCRIPTION, REVIEW = (
    "channel",
    "kind",
    "category",
    "name",
    "phone",
    "area",
    "description",
    "review",
)
STEPS = (CHANNEL, KIND, CATEGORY, NAME, PHONE, AREA, DESCRIPTION, REVIEW)
CARD = "card"  # the number of the 回音卡 handed over, typed from the review (not a numbered step)
TYPED_STEPS = frozenset({NAME, PHONE, DESCRIPTION, CARD})

# Button actions (answered in handlers/register.py).
ACT_CHANNEL, ACT_KIND, ACT_CATEGORY = "reg_channel", "reg_kind", "reg_category"
ACT_AREA, ACT_AREA_UP, ACT_KEEP = "reg_area", "reg_area_up", "reg_keep"
ACT_BACK, ACT_CANCEL, ACT_CONFIRM = "reg_back", "reg_cancel", "reg_confirm"
ACT_CARD, ACT_NO_CARD = "reg_card", "reg_nocard"

CHANNELS: dict[Channel, str] = {
    Channel.COUNTER: N_("🏠 Came to the station"),
    Channel.PHONE: N_("☎️ Phoned in"),
}
CHANNEL_NAMES: dict[Channel, str] = {Channel.COUNTER: N_("in person"), Channel.PHONE: N_("by phone")}

NAME_MAX = 64
_PHONE_CHARS = re.compile(r"^\+?[0-9][0-9 -]{5,22}$")


class FormError(Exception):
    """Input that does not fit the current step; `reason` is a msgid, `values` fill it in."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


def previous(step: str) -> str:
    """The step before this one (the first step stays where it is; the card's goes back to the review)."""
    if step == CARD:
        return REVIEW
    return STEPS[max(0, STEPS.index(step) - 1)]


def check_name(text: str | None) -> str:
    """The person's name without surrounding spaces; raises FormError when it is empty or too long."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise FormError(N_("Please type the person's name (a surname and title is enough)."))
    if len(cleaned) > NAME_MAX:
        raise FormError(N_("The name is too long; at most {limit} characters."), limit=NAME_MAX)
    return cleaned


def check_phone(text: str | None) -> str:
    """The phone number without spaces or dashes; it must look like one (7 to 15 digits)."""
    cleaned = (text or "").strip()
    digits = re.sub(r"[ -]", "", cleaned)
    if not _PHONE_CHARS.match(cleaned) or not 7 <= len(digits.lstrip("+")) <= 15:
        raise FormError(N_("This does not look like a phone number. Please type the digits, e.g. 13812345678."))
    return digits


def check_description(text: str | None, limit: int) -> str:
    """The description without surrounding spaces; raises FormError when it is empty or longer than `limit`."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise FormError(N_("Please write down what the person told you."))
    if len(cleaned) > limit:
        raise FormError(
            N_("The description is {length} characters long; the limit is {limit}."), length=len(cleaned), limit=limit
        )
    return cleaned


def _nav(lang: Language, step: str) -> list[Button]:
    buttons = [Button(tp(lang, "✖️ Cancel"), ACT_CANCEL, {})]
    if step != CHANNEL:
        buttons.insert(0, Button(tp(lang, "◀️ Back"), ACT_BACK, {"step": step}))
    return buttons


def _title(lang: Language, step: str) -> str:
    number = STEPS.index(step if step in STEPS else REVIEW) + 1
    return t(lang, "<b>Register a case</b> (step {n} of {total})", n=number, total=len(STEPS) - 1)


def channel_screen(lang: Language) -> Outgoing:
    """The step asking how the person reached the station: in person or by phone."""
    text = _title(lang, CHANNEL) + "\n" + t(lang, "How did the person reach the station?")
    buttons = [Button(tp(lang, label), ACT_CHANNEL, {"channel": c.value}) for c, label in CHANNELS.items()]
    return Outgoing(Safe(text), rows(buttons, _nav(lang, CHANNEL)))


def kind_screen(lang: Language) -> Outgoing:
    """The step asking what kind of matter it is."""
    text = _title(lang, KIND) + "\n" + t(lang, "What kind of matter is it?")
    kinds = [Button(labels.kind(lang, k), ACT_KIND, {"kind": k.value}) for k in REPORTABLE_KINDS]
    return Outgoing(Safe(text), rows(kinds[:2], kinds[2:], _nav(lang, KIND)))


def category_screen(lang: Language) -> Outgoing:
    """The step asking what the matter is about."""
    text = _title(lang, CATEGORY) + "\n" + t(lang, "What is it about?")
    cats = [Button(labels.category(lang, c), ACT_CATEGORY, {"category": c.value}) for c in Category]
    return Outgoing(Safe(text), rows(cats[0:2], cats[2:4], cats[4:6], cats[6:9], _nav(lang, CATEGORY)))


def name_screen(lang: Language, data: dict[str, Any]) -> Outgoing:
    """The step asking for the person's name, showing the one typed before."""
    text = _title(lang, NAME) + "\n" + t(lang, "Type the person's name.")
    if data.get("name"):
        text += "\n" + t(lang, "Now: {name}. Type another name to change it.", name=data["name"])
    return Outgoing(Safe(text), rows(_nav(lang, NAME)))


def phone_screen(lang: Language, data: dict[str, Any]) -> Outgoing:
    """The step asking for the person's phone number, showing the one typed before masked."""
    text = _title(lang, PHONE) + "\n" + t(lang, "Type the person's phone number, for the call back.")
    if data.get("phone"):
        text += "\n" + t(lang, "Now: {phone}. Type another number to change it.", phone=mask_phone(data["phone"]))
    return Outgoing(Safe(text), rows(_nav(lang, PHONE)))


def area_screen(lang: Language, parent: Area | None, options: list[Area], own: list[Area]) -> Outgoing:
    """Where the person lives: the officer's own areas first, then the station's areas level by level."""
    where = t(lang, "Where does the person live?")
    if parent is not None:
        where = t(lang, "Which part of {area}?", area=area_name(parent, lang))
    text = _title(lang, AREA) + "\n" + where
    shortcuts = [Button("📍 " + area_name(a, lang), ACT_AREA, {"area_id": a.id, "pick": True}) for a in own]
    choices = [[Button(area_name(a, lang), ACT_AREA, {"area_id": a.id})] for a in options]
    up = [Button(tp(lang, "⬆️ Up one level"), ACT_AREA_UP, {"area_id": parent.id})] if parent else []
    if parent is not None:
        shortcuts = []
    pairs = [shortcuts[i : i + 2] for i in range(0, len(shortcuts), 2)]
    return Outgoing(Safe(text), rows(*pairs, *choices, up, _nav(lang, AREA)))


def description_screen(lang: Language, data: dict[str, Any], limit: int) -> Outgoing:
    """The step asking what the person told, showing the text written before."""
    text = (
        _title(lang, DESCRIPTION)
        + "\n"
        + t(
            lang,
            "Write down what the person told you: what happened, where and when (up to {limit} characters).",
            limit=limit,
        )
    )
    if data.get("description"):
        text += "\n\n" + t(
            lang, "Current text: <blockquote>{text}</blockquote>Send new text to replace it.", text=data["description"]
        )
        keep = Button(tp(lang, "Keep this text"), ACT_KEEP, {})
        return Outgoing(Safe(text), rows([keep], _nav(lang, DESCRIPTION)))
    return Outgoing(Safe(text), rows(_nav(lang, DESCRIPTION)))


def review_screen(lang: Language, data: dict[str, Any], area: Area | None) -> Outgoing:
    """Everything typed into the form, to check before the case is registered."""
    channel = Channel(data["channel"])
    lines = [
        t(lang, "<b>Please check the case before registering it</b>"),
        t(lang, "Came: {channel}", channel=tp(lang, CHANNEL_NAMES[channel])),
        t(
            lang,
            "Kind: {kind} · {category}",
            kind=labels.kind(lang, Kind(data["kind"])),
            category=labels.category(lang, Category(data["category"])),
        ),
        t(lang, "Person: {name} · phone {phone}", name=data["name"], phone=mask_phone(data["phone"])),
        t(lang, "Area: {area}", area=area_name(area, lang)),
        fmt("<blockquote>{text}</blockquote>", text=data["description"]),
        t(lang, "You received it first, so it is yours to handle unless you transfer it."),
    ]
    card = [Button(tp(lang, "🎫 Echo card handed over"), ACT_CARD, {})]
    if data.get("card"):
        lines.append(t(lang, "Echo card handed over: card number {number}", number=data["card"]))
        card = [Button(tp(lang, "🎫 Another card"), ACT_CARD, {}), Button(tp(lang, "No card"), ACT_NO_CARD, {})]
    return Outgoing(
        Safe("\n".join(lines)),
        rows([Button(tp(lang, "✅ Register the case"), ACT_CONFIRM, {})], card, _nav(lang, REVIEW)),
    )


def card_screen(lang: Language, example: str) -> Outgoing:
    """The number of the 回音卡 handed to a person who uses Telegram: their scan links them to the case."""
    text = (
        _title(lang, CARD)
        + "\n"
        + t(
            lang,
            "Type the number printed on the echo card you handed over, e.g. {example} (the last digits are enough).",
            example=example,
        )
        + "\n"
        + t(lang, "When the person scans it, they are linked to this case and hear of it in Telegram.")
    )
    return Outgoing(Safe(text), rows(_nav(lang, CARD)))


def registered_text(lang: Language, number: str, in_telegram: bool, card: str | None = None) -> str:
    """The officer's confirmation with the case number, and how the person will hear of the case."""
    lines = [t(lang, "✅ Registered as case <code>{number}</code>. Please give the person this number.", number=number)]
    if card and not in_telegram:
        lines.append(
            t(
                lang,
                "The echo card with card number {card} is theirs: once they scan it, they hear of the case and its "
                "follow-up in Telegram; until then the follow-up is a phone call.",
                card=card,
            )
        )
    elif in_telegram:
        if card:
            lines.append(t(lang, "The echo card with card number {card} is theirs.", card=card))
        lines.append(
            t(lang, "The person uses this bot: they are told of every step here, and asked for the follow-up.")
        )
    else:
        lines.append(t(lang, "The person does not use this bot: the follow-up after resolving will be a phone call."))
    lines.append(t(lang, "The case card is in your /queue."))
    return Safe("\n".join(lines))
