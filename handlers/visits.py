"""/visit (民情日记): an officer records a home visit; /visits: their recent visits and who is due.

household (search, or a new one: address → consent → name (only with consent) → village or
community) → day/night → what was learned
(text, photos, location) → matters raised (kind → category → text, any number, or none) → review
(where the number of a 回音卡 handed over can be typed) → recorded.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update

from core.cards import handover
from core.cards.printing import card_number
from core.cases.texts import local
from core.dialogs import Dialog
from core.i18n import N_
from core.models import ButtonGrant, Kind, Staff
from core.outgoing import Outgoing
from core.visits import form, rules
from handlers import common, visit_plans
from handlers.context import JmContext
from handlers.form_steps import StaffForm
from handlers.router import ActionHandler, FlowHandler

log = logging.getLogger(__name__)

FORM_GONE = N_("This visit is recorded or was cancelled. Send /visit to start again.")
CANCELLED = N_("Cancelled. No visit was recorded.")
DUE_SHOWN = 5


async def start(update: Update, context: JmContext) -> None:
    """/visit: a new visit, or the one in progress where it was left."""
    await FORM.start(update, context, form.HOUSEHOLD, _due)


async def _due(context: JmContext, staff: Staff) -> dict[str, Any]:
    due = await rules.households_due(context.services, staff, DUE_SHOWN)
    return {"found": rules.labelled(staff.language, due), "searched": False}


async def _screen(context: JmContext, staff: Staff, dialog: Dialog) -> Outgoing:
    lang, data, step = staff.language, dialog.data, dialog.step
    services = context.services
    if step == form.ADDRESS:
        return form.address_screen(lang)
    if step == form.NAME:
        return form.name_screen(lang)
    if step == form.CONSENT:
        return form.consent_screen(lang)
    if step == form.AREA:
        parent, options, own = await rules.area_choices(services, staff, data.get("area_parent"))
        return form.area_screen(lang, parent, options, own)
    if step == form.KIND:
        now = services.clock.now()
        return form.kind_screen(lang, rules.recognised_kind(services, now), local(now, services.config.tz))
    if step == form.NOTES:
        return form.notes_screen(lang, data)
    if step == form.MATTERS:
        return form.matters_screen(lang, data)
    if step == form.MATTER_KIND:
        return form.matter_kind_screen(lang)
    if step == form.MATTER_CATEGORY:
        return form.matter_category_screen(lang, Kind((data.get("matter") or {}).get("kind", Kind.HELP.value)))
    if step == form.MATTER_TEXT:
        return form.matter_text_screen(lang)
    if step == form.REVIEW:
        name, area = await rules.household_of(services, staff, data)
        return form.review_screen(lang, data, name, area)
    if step == form.CARD:
        return form.card_screen(lang, card_number(services.config.code, 1))
    return form.household_screen(lang, list(data.get("found") or []), bool(data.get("searched")))


FORM = StaffForm(form.FLOW, FORM_GONE, _screen)


async def pick(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A known household is chosen; the form asks for the kind of visit."""
    found = await FORM.at(update, context, form.HOUSEHOLD)
    if found:
        changes = {"resident_id": int(grant.payload["resident_id"]), "found": []}
        await FORM.advance(update, context, found, form.KIND, changes)


async def new_household(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The household is a new one; the form asks for its address."""
    found = await FORM.at(update, context, form.HOUSEHOLD)
    if found:
        await FORM.advance(update, context, found, form.ADDRESS, {"resident_id": None, "found": []})


async def consent(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The person's consent is recorded: with it, the form asks for their name; without it, no name
    is asked for (nor kept), and the form goes on to the household's area."""
    agreed = bool(grant.payload["consent"])
    if agreed:
        await FORM.press(update, context, form.CONSENT, form.NAME, {"consent": True})
    else:
        await FORM.press(update, context, form.CONSENT, form.AREA, {"consent": False, "name": None})


async def pick_area(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """An area pressed: its parts are shown, or (where households live) it is the household's."""
    await FORM.pick_area(update, context, grant, at=form.AREA, then=form.KIND)


async def area_up(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows the areas one level up."""
    await FORM.area_up(update, context, grant, at=form.AREA)


async def pick_kind(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The kind of visit is chosen; the form asks for the notes."""
    await FORM.press(update, context, form.KIND, form.NOTES, {"kind": grant.payload["kind"]})


async def notes_done(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The notes are done; the form goes on to the matters raised."""
    found = await FORM.at(update, context, form.NOTES)
    if found and found[0].data.get("notes"):
        await FORM.advance(update, context, found, form.MATTERS, {})


async def add_matter(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Starts a new matter with its kind."""
    await FORM.press(update, context, form.MATTERS, form.MATTER_KIND, {"matter": {}})


async def matter_kind(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The matter's kind is chosen; the form asks for its category."""
    await FORM.press(
        update, context, form.MATTER_KIND, form.MATTER_CATEGORY, {"matter": {"kind": grant.payload["kind"]}}
    )


async def matter_category(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The matter's category is chosen; the form asks for its text."""
    found = await FORM.at(update, context, form.MATTER_CATEGORY)
    if found:
        matter = {**(found[0].data.get("matter") or {}), "category": grant.payload["category"]}
        await FORM.advance(update, context, found, form.MATTER_TEXT, {"matter": matter})


async def to_matters(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Back to the list of matters, dropping a matter not finished."""
    steps = frozenset({form.MATTER_KIND, form.MATTER_CATEGORY, form.MATTER_TEXT, form.REVIEW})
    await FORM.press(update, context, steps, form.MATTERS, {"matter": {}})


async def matters_done(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """No more matters; the form shows the visit to check."""
    await FORM.press(update, context, form.MATTERS, form.REVIEW, {})


async def _record(context: JmContext, staff: Staff, data: dict[str, Any], update_id: int) -> Outgoing:
    recorded = await rules.record(context.services, staff, data, update_id)
    unnamed = recorded.visit.consent is False
    return Outgoing(form.recorded_text(staff.language, recorded.numbers, recorded.card, unnamed))


async def _typed(update: Update, context: JmContext, staff: Staff, dialog: Dialog, text: str | None) -> None:
    found = (dialog, staff)
    step = dialog.step
    if step == form.HOUSEHOLD:
        query = form.check_text(text, form.NAME_MAX, N_("Please type a name, a phone number or an area."))
        matches = await rules.search(context.services, staff, query)
        changes = {"found": rules.labelled(staff.language, matches), "searched": True}
        await FORM.advance(update, context, found, form.HOUSEHOLD, changes, edit=False)
    elif step == form.ADDRESS:
        address = form.check_text(text, form.ADDRESS_MAX, N_("Please type the household's address."))
        await FORM.advance(update, context, found, form.CONSENT, {"address": address}, edit=False)
    elif step == form.NAME:
        name = form.check_text(
            text, form.NAME_MAX, N_("Please type the person's name (a surname and title is enough).")
        )
        await FORM.advance(update, context, found, form.AREA, {"name": name}, edit=False)
    elif step == form.NOTES:
        notes = form.check_text(text, form.NOTES_MAX, N_("Please write down what you learned."))
        await FORM.advance(update, context, found, form.NOTES, {"notes": notes}, edit=False)
    elif step == form.MATTER_TEXT:
        limit = context.services.config.description_max_chars
        description = form.check_text(text, limit, N_("Please write down the matter."))
        matter = {**(dialog.data.get("matter") or {}), "description": description}
        matters = [*(dialog.data.get("matters") or []), matter]
        await FORM.advance(update, context, found, form.MATTERS, {"matters": matters, "matter": {}}, edit=False)
    elif step == form.CARD:
        number = await handover.check(context.services, text, staff.id)
        await FORM.advance(update, context, found, form.REVIEW, {"card": number}, edit=False)
    else:
        raise form.FormError(N_("Please use the buttons above to choose."))


async def visit_input(update: Update, context: JmContext, dialog: Dialog) -> None:
    """Typed text for the steps that take it; photos and a location while writing down the visit."""
    message = update.effective_message
    staff = await common.staff_member(update, context)
    if message is None or staff is None:
        return
    try:
        if message.photo or message.location:
            if dialog.step != form.NOTES:
                raise form.FormError(N_("Photos and the location are added while you write down what you learned."))
            changes: dict[str, Any] = {}
            if message.photo:
                photos = list(dialog.data.get("photos") or [])
                if len(photos) >= context.services.config.max_photos:
                    raise form.FormError(
                        N_("At most {limit} photos per visit."), limit=context.services.config.max_photos
                    )
                changes["photos"] = [*photos, message.photo[-1].file_id]
            if message.location:
                changes["location"] = [message.location.latitude, message.location.longitude]
            await FORM.advance(update, context, (dialog, staff), form.NOTES, changes, edit=False)
            return
        await _typed(update, context, staff, dialog, message.text)
    except (form.FormError, handover.HandoverError) as bad:
        await FORM.refuse(update, context, staff, dialog, bad)


COMMANDS = [("visit", start), ("visits", visit_plans.list_visits)]

# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    form.ACT_PICK: pick,
    form.ACT_NEW: new_household,
    form.ACT_CONSENT: consent,
    form.ACT_AREA: pick_area,
    form.ACT_AREA_UP: area_up,
    form.ACT_KIND: pick_kind,
    form.ACT_NOTES_DONE: notes_done,
    form.ACT_ADD: add_matter,
    form.ACT_MATTER_KIND: matter_kind,
    form.ACT_MATTER_CATEGORY: matter_category,
    form.ACT_TO_MATTERS: to_matters,
    form.ACT_MATTERS_DONE: matters_done,
    # From the review: asks for the number of the 回音卡 handed over; no card after all; back from the
    # card's number to the review, keeping what it had.
    form.ACT_CARD: FORM.pressing(form.REVIEW, form.CARD, {}),
    form.ACT_NO_CARD: FORM.pressing(form.REVIEW, form.REVIEW, {"card": None}),
    form.ACT_TO_REVIEW: FORM.pressing(form.CARD, form.REVIEW, {}),
    form.ACT_CANCEL: FORM.cancelling(CANCELLED),  # nothing is recorded
    # Records the visit and files its matters; the update id makes a replay find the same visit.
    form.ACT_CONFIRM: FORM.sending(_record),
}

# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {form.FLOW: visit_input}
