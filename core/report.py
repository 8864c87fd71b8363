"""The /report form as pure functions: steps, validation, and its screens.

The form's data lives in the dialog row (committed at every step), so it survives restarts:
{"kind", "category", "description", "photos": [file ids], "location": [lat, lon] | None,
 "priority": bool, "refused": photos of the shown album over the limit,
 "group": the album (media_group_id) the attach screen was last shown for, and the form's screen
 (core.dialogs.SCREEN), which that album's photos update in place}.

An image sent as a file (a document) is kept with the DOCUMENT prefix on its file id: Telegram
refuses a document's file id in sendPhoto/sendMediaGroup, so it is sent back as a document.
"""

from __future__ import annotations

from typing import Any

from core import labels
from core.cases.filing import NewCase
from core.dialogs import screen_of
from core.i18n import N_, Safe, fmt, t, tp
from core.models import REPORTABLE_KINDS, Category, Kind, Language, categories_for
from core.outgoing import Button, Outgoing, rows

FLOW = "report"
KIND, CATEGORY, DESCRIPTION, ATTACH, REVIEW = "kind", "category", "description", "attach", "review"
STEPS = (KIND, CATEGORY, DESCRIPTION, ATTACH, REVIEW)

KIND_HINTS = {
    Kind.SUGGESTION: "💡",
    Kind.DISPUTE: "🤝",
    Kind.HELP: "🆘",
    Kind.INQUIRY: "❓",
}


class FormError(Exception):
    """Input that does not fit the current step; `reason` is a msgid, `values` fill it in."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


DOCUMENT = "doc:"
IMAGE_TYPES = ("image/",)


def is_image_file(mime_type: str | None) -> bool:
    """Whether a document is an image (jpg, png, webp, heic…) that can stand for a photo."""
    return bool(mime_type) and str(mime_type).lower().startswith(IMAGE_TYPES)


def same_album(data: dict[str, Any], group: str | None) -> bool:
    """Whether a photo belongs to the album whose attach screen is already shown (and can be updated)."""
    return group is not None and group == data.get("group") and screen_of(data) is not None


def add_photo(data: dict[str, Any], file_id: str, group: str | None, max_photos: int) -> dict[str, Any]:
    """The form after one photo: kept while there is room, else counted in "refused" for its album."""
    photos = list(data.get("photos", []))
    refused = int(data.get("refused", 0)) if same_album(data, group) else 0
    if len(photos) < max_photos:
        photos.append(file_id)
    else:
        refused += 1
    return {**data, "photos": photos, "refused": refused}


def previous(step: str) -> str:
    """The step before this one (the first step stays where it is)."""
    index = STEPS.index(step)
    return STEPS[max(0, index - 1)]


def check_description(text: str | None, limit: int) -> str:
    """The description, trimmed; empty or too long input is refused with the reason."""
    if text is None:
        raise FormError(N_("Please describe your issue in words (a text message)."))
    cleaned = text.strip()
    if not cleaned:
        raise FormError(N_("The description is empty. Please write what happened."))
    if len(cleaned) > limit:
        raise FormError(
            N_(
                "The description is {length} characters long; the limit is {limit}. "
                "Please shorten it and send it again."
            ),
            length=len(cleaned),
            limit=limit,
        )
    return cleaned


def to_case(data: dict[str, Any]) -> NewCase:
    """The form's data as the new case to file."""
    location = data.get("location")
    return NewCase(
        kind=Kind(data["kind"]),
        category=Category(data["category"]),
        description=str(data["description"]),
        photos=tuple(data.get("photos", [])),
        location=(float(location[0]), float(location[1])) if location else None,
        priority=bool(data.get("priority", False)),
    )


def _nav(lang: Language, step: str) -> list[Button]:
    buttons = [Button(tp(lang, "✖️ Cancel"), "report_cancel", {})]
    if step != KIND:
        buttons.insert(0, Button(tp(lang, "◀️ Back"), "report_back", {"step": step}))
    return buttons


def kind_screen(lang: Language) -> Outgoing:
    """Step 1 of the form: what kind of issue it is."""
    text = t(lang, "<b>File an issue</b> (step 1 of 4)\nWhat kind of issue is it?")
    kinds = [
        Button(f"{KIND_HINTS[k]} {labels.kind(lang, k)}", "report_kind", {"kind": k.value}) for k in REPORTABLE_KINDS
    ]
    return Outgoing(Safe(text), rows(kinds[:2], kinds[2:], _nav(lang, KIND)))


def category_screen(lang: Language, data: dict[str, Any]) -> Outgoing:
    """Step 2 of the form: what the issue is about, among the kind's categories."""
    text = t(lang, "<b>{kind}</b> (step 2 of 4)\nWhat is it about?", kind=labels.kind(lang, Kind(data["kind"])))
    kind = Kind(data["kind"])
    cats = [Button(labels.category(lang, c), "report_category", {"category": c.value}) for c in categories_for(kind)]
    return Outgoing(Safe(text), rows(*(cats[i : i + 2] for i in range(0, len(cats), 2)), _nav(lang, CATEGORY)))


DESCRIPTION_PROMPT = {
    Kind.INQUIRY: N_(
        "<b>Your question</b> (step 3 of 4)\nWrite what you would like to know, in up to {limit} characters. "
        "If it concerns a certificate or a procedure, say which."
    ),
    Kind.SUGGESTION: N_(
        "<b>Your suggestion</b> (step 3 of 4)\nWrite what you suggest and why, in up to {limit} characters."
    ),
}
DESCRIBE = N_("<b>Describe it</b> (step 3 of 4)\nWrite what happened, where and when, in up to {limit} characters.")


def description_screen(lang: Language, data: dict[str, Any], limit: int) -> Outgoing:
    """Step 3 of the form: describe the issue, keeping the text written before if any."""
    kind = Kind(data["kind"]) if data.get("kind") else None
    text = t(lang, DESCRIPTION_PROMPT.get(kind, DESCRIBE) if kind else DESCRIBE, limit=limit)
    if data.get("description"):
        text += "\n\n" + t(
            lang,
            "Current text: <blockquote>{text}</blockquote>Send new text to replace it, or go back.",
            text=data["description"],
        )
        return Outgoing(
            Safe(text), rows([Button(tp(lang, "Keep this text"), "report_keep", {})], _nav(lang, DESCRIPTION))
        )
    return Outgoing(Safe(text), rows(_nav(lang, DESCRIPTION)))


def attach_screen(lang: Language, data: dict[str, Any], max_photos: int) -> Outgoing:
    """Step 4 of the form: photos and location, with what is attached so far and ways to remove it."""
    photos = len(data.get("photos", []))
    located = bool(data.get("location"))
    text = t(
        lang,
        "<b>Photos and location</b> (step 4 of 4, optional)\nYou can send up to {max} photos "
        "and share a location with the 📎 button. Press “Continue” when you are done.",
        max=max_photos,
    )
    text += "\n" + t(
        lang,
        "Photos so far: {count} · location: {located}",
        count=photos,
        located=tp(lang, "yes") if located else tp(lang, "no"),
    )
    refused = int(data.get("refused", 0))
    if refused:
        text += "\n" + t(
            lang, "⚠️ At most {max} photos can be attached; {count} more were not taken.", max=max_photos, count=refused
        )
    removals = []
    if photos:
        removals.append(Button(tp(lang, "🗑 Remove photos"), "report_rm_photos", {}))
    if located:
        removals.append(Button(tp(lang, "🗑 Remove location"), "report_rm_location", {}))
    return Outgoing(
        Safe(text), rows([Button(tp(lang, "Continue ▶️"), "report_attach_done", {})], removals, _nav(lang, ATTACH))
    )


def review_screen(lang: Language, data: dict[str, Any]) -> Outgoing:
    """Everything in the form, to check before filing."""
    case = to_case(data)
    lines = [
        t(lang, "<b>Please check your issue</b>"),
        t(
            lang,
            "Kind: {kind} · {category}",
            kind=labels.kind(lang, case.kind),
            category=labels.category(lang, case.category),
        ),
        fmt("<blockquote>{text}</blockquote>", text=case.description),
        t(
            lang,
            "Photos: {count} · location: {located}",
            count=len(case.photos),
            located=tp(lang, "yes") if case.location else tp(lang, "no"),
        ),
        t(
            lang,
            "Priority channel (elderly or disabled): {on}",
            on=tp(lang, "yes") if case.priority else tp(lang, "no"),
        ),
    ]
    priority_label = "🟢 Priority channel: on" if case.priority else "Priority channel (elderly/disabled)"
    return Outgoing(
        Safe("\n".join(lines)),
        rows(
            [Button(tp(lang, "✅ Submit"), "report_confirm", {})],
            [Button(tp(lang, priority_label), "report_priority", {})],
            _nav(lang, REVIEW),
        ),
    )


def submitted_text(lang: Language, number: str, routed: bool) -> str:
    """The resident's confirmation with the case number, and whether an officer was told already."""
    lines = [
        t(
            lang,
            "✅ Your issue has been filed. Your case number is <code>{number}</code> — keep it to follow your case.",
            number=number,
        )
    ]
    if routed:
        lines.append(
            t(
                lang,
                "The officer for your neighbourhood has been notified. You will be told here "
                "at each step; see /mycases at any time.",
            )
        )
    else:
        lines.append(t(lang, "The station will assign an officer shortly. See /mycases at any time."))
    return Safe("\n".join(lines))
