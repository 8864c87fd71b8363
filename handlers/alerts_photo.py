"""The optional photo of a safety alert: added to the draft, shown in the preview, sent to residents
with sendPhoto and the alert's text as its caption (so the text must fit a caption)."""

from __future__ import annotations

from telegram import Update

from core.alerts.model import MAX_CAPTION_TEXT
from core.dialogs import Dialog
from core.i18n import N_, t
from core.models import ButtonGrant, Staff
from core.outgoing import Outgoing
from handlers import alerts_draft, common
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

STEP = alerts_draft.PHOTO_STEP
ASK = "alert_photo"
REMOVE = "alert_photo_remove"


async def ask(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """📷 Add a photo: waits for one, unless the texts are too long for a photo's caption."""
    found = await alerts_draft.draft(update, context, "compose", "confirm")
    if found is None:
        return
    member, dialog = found
    if any(len(text) > MAX_CAPTION_TEXT for text in dialog.data.get("texts", {}).values()):
        message = N_("With a photo the text can have at most {limit} characters. Please shorten it first.")
        await common.alert(update, member.language, message, limit=MAX_CAPTION_TEXT)
        return
    await alerts_draft.save(context, member, STEP, dialog.data)
    await common.ack(update)
    await alerts_draft.say(update, context, alerts_draft.photo_prompt(member.language))


async def remove(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Takes the photo off the draft and shows the draft again."""
    found = await alerts_draft.draft(update, context, "compose", "confirm")
    if found is None:
        return
    member, dialog = found
    data = {key: value for key, value in dialog.data.items() if key != "photo"}
    await alerts_draft.save(context, member, "compose", data)
    await common.ack(update)
    await alerts_draft.say(update, context, await alerts_draft.draft_screen(context, member, data))


async def on_photo(update: Update, context: JmContext, member: Staff, dialog: Dialog) -> None:
    """The photo sent at the photo step (the largest size Telegram made of it)."""
    message = update.effective_message
    if message is None or not message.photo:
        await alerts_draft.say(
            update, context, Outgoing(t(member.language, "Please send a photo, or use the buttons above."))
        )
        return
    data = {**dialog.data, "photo": message.photo[-1].file_id}
    await alerts_draft.save(context, member, "compose", data)
    await alerts_draft.say(update, context, await alerts_draft.draft_screen(context, member, data))


ACTIONS: dict[str, ActionHandler] = {ASK: ask, REMOVE: remove}
FLOWS: dict[str, FlowHandler] = {}  # the photo arrives in the draft's own flow (handlers/alerts.py)
