"""/register (说事厅): staff register a case for someone who came to the station or phoned.

channel → kind → category → name → phone → area → description → review (where the number of a
回音卡 handed to the person can be typed) → registered.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update

from core.cards import handover
from core.cards.printing import card_number
from core.dialogs import Dialog
from core.i18n import N_
from core.models import ButtonGrant, Staff
from core.outgoing import Outgoing
from core.register import form, rules
from handlers import common
from handlers.context import JmContext
from handlers.form_steps import StaffForm
from handlers.notes import note_case
from handlers.router import ActionHandler, FlowHandler

log = logging.getLogger(__name__)

FORM_GONE = N_("This registration is finished or was cancelled. Send /register to start again.")
CANCELLED = N_("Cancelled. Nothing was registered.")


async def start(update: Update, context: JmContext) -> None:
    """/register: a new form, or the one in progress where it was left."""
    await FORM.start(update, context, form.CHANNEL, _nothing_yet)


async def _nothing_yet(context: JmContext, staff: Staff) -> dict[str, Any]:
    return {}


async def _screen(context: JmContext, staff: Staff, dialog: Dialog) -> Outgoing:
    lang, data, step = staff.language, dialog.data, dialog.step
    if step == form.KIND:
        return form.kind_screen(lang)
    if step == form.CATEGORY:
        return form.category_screen(lang)
    if step == form.NAME:
        return form.name_screen(lang, data)
    if step == form.PHONE:
        return form.phone_screen(lang, data)
    if step == form.AREA:
        parent_id = data.get("area_parent")
        parent, options, own = await rules.area_choices(context.services, staff, parent_id)
        return form.area_screen(lang, parent, options, own)
    if step == form.DESCRIPTION:
        return form.description_screen(lang, data, context.services.config.description_max_chars)
    if step == form.REVIEW:
        area, _parts = await rules.area_and_parts(context.services, int(data["area_id"]))
        return form.review_screen(lang, data, area)
    if step == form.CARD:
        return form.card_screen(lang, card_number(context.services.config.code, 1))
    return form.channel_screen(lang)


FORM = StaffForm(form.FLOW, FORM_GONE, _screen)


async def pick_channel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Keeps how the person reached the station and asks what kind of matter it is."""
    await FORM.press(update, context, form.CHANNEL, form.KIND, {"channel": grant.payload["channel"]})


async def pick_kind(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Keeps the kind of matter and asks what it is about."""
    await FORM.press(update, context, form.KIND, form.CATEGORY, {"kind": grant.payload["kind"]})


async def pick_category(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Keeps what the matter is about and asks for the person's name."""
    await FORM.press(update, context, form.CATEGORY, form.NAME, {"category": grant.payload["category"]})


async def pick_area(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """An area pressed: its parts are shown, or (where people live) it is chosen."""
    await FORM.pick_area(update, context, grant, at=form.AREA, then=form.DESCRIPTION)


async def area_up(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows the areas one level up, to choose the case's area from there."""
    await FORM.area_up(update, context, grant, at=form.AREA)


async def keep_description(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Keeps the description typed before and goes on to the review."""
    found = await FORM.at(update, context, form.DESCRIPTION)
    if found and found[0].data.get("description"):
        await FORM.advance(update, context, found, form.REVIEW, {})


async def back(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Goes back to the form's step before."""
    found = await FORM.at(update, context, str(grant.payload.get("step")))
    if found:
        await FORM.advance(update, context, found, form.previous(found[0].step), {})


async def _register(context: JmContext, staff: Staff, data: dict[str, Any], update_id: int) -> Outgoing:
    done = await rules.register(context.services, staff, data, update_id)
    note_case(done.case.number)
    in_telegram = done.person.telegram_id is not None
    return Outgoing(form.registered_text(staff.language, done.case.number, in_telegram, done.card))


async def register_input(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The name, the phone number and the description are typed; anything else is explained."""
    message = update.effective_message
    staff = await common.staff_member(update, context)
    if message is None or staff is None:
        return
    found = (dialog, staff)
    try:
        if dialog.step == form.NAME:
            await FORM.advance(update, context, found, form.PHONE, {"name": form.check_name(message.text)}, edit=False)
        elif dialog.step == form.PHONE:
            phone = form.check_phone(message.text)
            await FORM.advance(update, context, found, form.AREA, {"phone": phone, "area_parent": None}, edit=False)
        elif dialog.step == form.DESCRIPTION:
            limit = context.services.config.description_max_chars
            text = form.check_description(message.text, limit)
            await FORM.advance(update, context, found, form.REVIEW, {"description": text}, edit=False)
        elif dialog.step == form.CARD:
            number = await handover.check(context.services, message.text, staff.id)
            await FORM.advance(update, context, found, form.REVIEW, {"card": number}, edit=False)
        else:
            raise form.FormError(N_("Please use the buttons above to choose."))
    except (form.FormError, handover.HandoverError) as bad:
        await FORM.refuse(update, context, staff, dialog, bad)


COMMANDS = [("register", start)]

# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    form.ACT_CHANNEL: pick_channel,
    form.ACT_KIND: pick_kind,
    form.ACT_CATEGORY: pick_category,
    form.ACT_AREA: pick_area,
    form.ACT_AREA_UP: area_up,
    form.ACT_KEEP: keep_description,
    form.ACT_BACK: back,
    # From the review: asks for the number of the 回音卡 handed to the person; or no card after all.
    form.ACT_CARD: FORM.pressing(form.REVIEW, form.CARD, {}),
    form.ACT_NO_CARD: FORM.pressing(form.REVIEW, form.REVIEW, {"card": None}),
    form.ACT_CANCEL: FORM.cancelling(CANCELLED),  # nothing is registered
    # Registers the case; the update id makes a replay find the same case.
    form.ACT_CONFIRM: FORM.sending(_register),
}

# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {form.FLOW: register_input}
