"""Adding information to an open case (/mycases → ➕ Add information), as a small form of pure functions.

The resident sends text and up to `max_photos` photos in as many messages as they like (an album
arrives as one message per photo), sees what has been collected, and presses “Done”: only then
does it become one "add_info" event of the case and one notification to the officer.

The form lives in the dialog row, committed at every message, so it survives restarts:
{"case_id", "number", "text": str, "photos": [file ids], "seen": [update ids already taken],
 "refused": photos over the limit since the status was last shown anew,
 "group": the album (media_group_id) the status screen belongs to}; the screen itself is the form's
living screen (core.dialogs.SCREEN, handlers/form_screen.py).
"""

from __future__ import annotations

from typing import Any

from core.dialogs import screen_of
from core.i18n import N_, Safe, fmt, t, tp
from core.models import Case, Language
from core.outgoing import Button, Outgoing, rows

FLOW = "case_info"
STEP = "collect"
SEEN_KEPT = 100  # update ids remembered, so a replayed message is not taken twice
PREVIEW_CHARS = 300

DONE, CANCEL = "my_case_add_done", "my_case_add_cancel"


class InfoError(Exception):
    """Input the form cannot take; `reason` is a msgid, `values` fill it in. Nothing was changed."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


def start(case: Case) -> dict[str, Any]:
    """An empty form for `case`."""
    return {
        "case_id": case.id,
        "number": case.number,
        "text": "",
        "photos": [],
        "seen": [],
        "refused": 0,
        "group": None,
    }


def same_album(data: dict[str, Any], group: str | None) -> bool:
    """Whether a message belongs to the album whose status screen is already shown (and can be updated)."""
    return group is not None and group == data.get("group") and screen_of(data) is not None


def take(
    data: dict[str, Any],
    *,
    update_id: int,
    text: str | None,
    photo: str | None,
    group: str | None,
    limit: int,
    max_photos: int,
) -> dict[str, Any]:
    """The form after one message: its text is appended, its photo kept while there is room.

    A photo over `max_photos` is counted in "refused" (the status says so) and the rest of the
    message is still taken. Text that would make the whole longer than `limit`, or a message with
    neither text nor photo, raises InfoError. A message taken before (a replayed update) changes nothing.
    """
    if update_id in data.get("seen", []):
        return data
    cleaned = (text or "").strip()
    if not cleaned and photo is None:
        raise InfoError(N_("Please send text or photos. Press “Done” when you have sent everything."))
    so_far = str(data.get("text", ""))
    joined = f"{so_far}\n{cleaned}" if so_far and cleaned else so_far or cleaned
    if len(joined) > limit:
        raise InfoError(
            N_(
                "With this message the text would be {length} characters long; the limit is "
                "{limit}. This message was not added; please send a shorter one."
            ),
            length=len(joined),
            limit=limit,
        )
    photos = list(data.get("photos", []))
    refused = int(data.get("refused", 0)) if same_album(data, group) else 0
    if photo is not None:
        if len(photos) < max_photos:
            photos.append(photo)
        else:
            refused += 1
    seen = [*data.get("seen", []), update_id][-SEEN_KEPT:]
    return data | {"text": joined, "photos": photos, "seen": seen, "refused": refused}


def is_empty(data: dict[str, Any]) -> bool:
    """True while the addition holds neither text nor photos."""
    return not data.get("text") and not data.get("photos")


def collect_screen(lang: Language, data: dict[str, Any], max_photos: int) -> Outgoing:
    """What has been collected so far, with “Done” and “Cancel”."""
    text, photos = str(data.get("text", "")), len(data.get("photos", []))
    lines = [
        t(lang, "<b>➕ Add information to case <code>{number}</code></b>", number=data.get("number", "")),
        t(
            lang,
            "Send text and up to {max} photos, in as many messages as you like (an album is fine). "
            "Press “✅ Done” when everything is there: only then is it added and the officer told.",
            max=max_photos,
        ),
        "",
        t(
            lang,
            "Collected so far: text {chars} characters · photos {count} of {max}",
            chars=len(text),
            count=photos,
            max=max_photos,
        ),
    ]
    if text:
        preview = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
        lines.append(fmt("<blockquote>{text}</blockquote>", text=preview))
    refused = int(data.get("refused", 0))
    if refused:
        lines.append(
            t(
                lang,
                "⚠️ At most {max} photos can be added at a time; {count} more were not taken.",
                max=max_photos,
                count=refused,
            )
        )
    case_id = data.get("case_id")
    return Outgoing(
        Safe("\n".join(lines)),
        rows(
            [
                Button(tp(lang, "✅ Done"), DONE, {"case_id": case_id}),
                Button(tp(lang, "✖️ Cancel"), CANCEL, {"case_id": case_id}),
            ]
        ),
    )


def added_text(lang: Language, number: str, data: dict[str, Any]) -> str:
    """The resident's confirmation once the addition is recorded."""
    return t(
        lang,
        "Added to case {number} (text {chars} characters, {count} photos). The officer has been told.",
        number=number,
        chars=len(str(data.get("text", ""))),
        count=len(data.get("photos", [])),
    )
