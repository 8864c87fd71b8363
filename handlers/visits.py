"""/visit (民情日记): an officer records a home visit; /visits: their recent visits and who is due.

household (search, or a new one: address → name → consent) → day/night → what was learned
(text, photos, location) → matters raised (kind → category → text, any number, or none) → review.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update

from core.cases.errors import CaseError
from core.cases.filing import FormSentAlready
from core.cases.lifecycle import TransitionRefused
from core.cases.texts import local
from core.dialog_state import clear, get, put
from core.dialogs import Dialog
from core.i18n import N_, Safe, t
from core.models import ButtonGrant, Kind, Staff
from core.outgoing import Outgoing
from core.visits import form, rules, texts
from handlers import common, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

log = logging.getLogger(__name__)

FORM_GONE = N_("This visit is recorded or was cancelled. Send /visit to start again.")
STEP_PAST = N_("This step is already past; please use the latest message.")
DUE_SHOWN = 5
RECENT_SHOWN = 10


async def start(update: Update, context: JmContext) -> None:
    """/visit: a new visit, or the one in progress where it was left."""
    staff = await common.staff_member(update, context)
    if staff is None or staff.telegram_id is None:
        return
    existing = await get(context.services, staff.telegram_id)
    if existing is not None and existing.flow == form.FLOW:
        await _show(update, context, staff, existing)
        return
    due = await rules.households_due(context.services, staff, DUE_SHOWN)
    data = {"found": rules.labelled(staff.language, due), "searched": False}
    dialog = await put(context.services, staff.telegram_id, form.FLOW, form.HOUSEHOLD, data)
    await _show(update, context, staff, dialog)


async def _screen(context: JmContext, staff: Staff, dialog: Dialog) -> Outgoing:
    lang, data, step = staff.language, dialog.data, dialog.step
    services = context.services
    if step == form.ADDRESS:
        return form.address_screen(lang)
    if step == form.NAME:
        return form.name_screen(lang)
    if step == form.CONSENT:
        return form.consent_screen(lang)
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
    return form.household_screen(lang, list(data.get("found") or []), bool(data.get("searched")))


async def _show(update: Update, context: JmContext, staff: Staff, dialog: Dialog, *, edit: bool = False) -> None:
    out = await _screen(context, staff, dialog)
    if edit:
        await render.edit(update, context.services, context.bot, out)
    else:
        await render.reply(update, context.services, context.bot, out)


async def _form(update: Update, context: JmContext, expected: frozenset[str] | None) -> tuple[Dialog, Staff] | None:
    """The staff member's visit for a button press, if the button belongs to the step they are at."""
    staff = await common.staff_member(update, context)
    if staff is None or staff.telegram_id is None:
        return None
    dialog = await get(context.services, staff.telegram_id)
    if dialog is None or dialog.flow != form.FLOW:
        await common.alert(update, staff.language, FORM_GONE)
        return None
    if expected is not None and dialog.step not in expected:
        await common.alert(update, staff.language, STEP_PAST)
        return None
    return dialog, staff


async def _advance(
    update: Update,
    context: JmContext,
    found: tuple[Dialog, Staff],
    step: str,
    changes: dict[str, Any],
    *,
    edit: bool = True,
) -> None:
    dialog, staff = found
    dialog = await put(context.services, dialog.user_id, form.FLOW, step, {**dialog.data, **changes})
    if edit:
        await common.ack(update)
    await _show(update, context, staff, dialog, edit=edit)


def _only(step: str) -> frozenset[str]:
    return frozenset({step})


async def pick(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, _only(form.HOUSEHOLD))
    if found:
        changes = {"resident_id": int(grant.payload["resident_id"]), "found": []}
        await _advance(update, context, found, form.KIND, changes)


async def new_household(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, _only(form.HOUSEHOLD))
    if found:
        await _advance(update, context, found, form.ADDRESS, {"resident_id": None, "found": []})


async def consent(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, _only(form.CONSENT))
    if found:
        await _advance(update, context, found, form.KIND, {"consent": bool(grant.payload["consent"])})


async def pick_kind(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, _only(form.KIND))
    if found:
        await _advance(update, context, found, form.NOTES, {"kind": grant.payload["kind"]})


async def notes_done(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, _only(form.NOTES))
    if found and found[0].data.get("notes"):
        await _advance(update, context, found, form.MATTERS, {})


async def add_matter(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, _only(form.MATTERS))
    if found:
        await _advance(update, context, found, form.MATTER_KIND, {"matter": {}})


async def matter_kind(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, _only(form.MATTER_KIND))
    if found:
        await _advance(update, context, found, form.MATTER_CATEGORY, {"matter": {"kind": grant.payload["kind"]}})


async def matter_category(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, _only(form.MATTER_CATEGORY))
    if found:
        matter = {**(found[0].data.get("matter") or {}), "category": grant.payload["category"]}
        await _advance(update, context, found, form.MATTER_TEXT, {"matter": matter})


async def to_matters(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    steps = frozenset({form.MATTER_KIND, form.MATTER_CATEGORY, form.MATTER_TEXT, form.REVIEW})
    found = await _form(update, context, steps)
    if found:
        await _advance(update, context, found, form.MATTERS, {"matter": {}})


async def matters_done(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, _only(form.MATTERS))
    if found:
        await _advance(update, context, found, form.REVIEW, {})


async def cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, None)
    if found:
        dialog, staff = found
        await clear(context.services, dialog.user_id)
        await common.ack(update)
        text = t(staff.language, "Cancelled. No visit was recorded.")
        await render.edit(update, context.services, context.bot, Outgoing(Safe(text)))


async def confirm(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Records the visit and files its matters; the update id makes a replay find the same visit."""
    staff = await common.staff_member(update, context)
    if staff is None or staff.telegram_id is None:
        return
    dialog = await get(context.services, staff.telegram_id)
    data = dialog.data if dialog is not None and dialog.flow == form.FLOW else {}
    try:
        recorded = await rules.record(context.services, staff, data, update.update_id)
    except FormSentAlready:
        await common.alert(update, staff.language, FORM_GONE)
        return
    except (CaseError, TransitionRefused) as refused:
        await common.alert(update, staff.language, refused.reason)
        return
    await common.ack(update)
    text = form.recorded_text(staff.language, recorded.numbers)
    await render.edit(update, context.services, context.bot, Outgoing(text))


async def _typed(update: Update, context: JmContext, staff: Staff, dialog: Dialog, text: str | None) -> None:
    found = (dialog, staff)
    step = dialog.step
    if step == form.HOUSEHOLD:
        query = form.check_text(text, form.NAME_MAX, N_("Please type a name, a phone number or an area."))
        matches = await rules.search(context.services, staff, query)
        changes = {"found": rules.labelled(staff.language, matches), "searched": True}
        await _advance(update, context, found, form.HOUSEHOLD, changes, edit=False)
    elif step == form.ADDRESS:
        address = form.check_text(text, form.ADDRESS_MAX, N_("Please type the household's address."))
        await _advance(update, context, found, form.NAME, {"address": address}, edit=False)
    elif step == form.NAME:
        name = form.check_text(
            text, form.NAME_MAX, N_("Please type the person's name (a surname and title is enough).")
        )
        await _advance(update, context, found, form.CONSENT, {"name": name}, edit=False)
    elif step == form.NOTES:
        notes = form.check_text(text, form.NOTES_MAX, N_("Please write down what you learned."))
        await _advance(update, context, found, form.NOTES, {"notes": notes}, edit=False)
    elif step == form.MATTER_TEXT:
        limit = context.services.config.description_max_chars
        description = form.check_text(text, limit, N_("Please write down the matter."))
        matter = {**(dialog.data.get("matter") or {}), "description": description}
        matters = [*(dialog.data.get("matters") or []), matter]
        await _advance(update, context, found, form.MATTERS, {"matters": matters, "matter": {}}, edit=False)
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
            await _advance(update, context, (dialog, staff), form.NOTES, changes, edit=False)
            return
        await _typed(update, context, staff, dialog, message.text)
    except form.FormError as bad:
        explained = Outgoing(Safe(t(staff.language, bad.reason, **bad.values)))
        await render.reply(update, context.services, context.bot, explained)
        await _show(update, context, staff, dialog)


async def list_visits(update: Update, context: JmContext) -> None:
    """/visits: the officer's recent visits and the households of their area due longest."""
    staff = await common.staff_member(update, context)
    if staff is None:
        return
    recent = await rules.recent(context.services, staff, RECENT_SHOWN)
    due = await rules.households_due(context.services, staff, DUE_SHOWN)
    out = texts.visits_list(staff.language, recent, due, context.services.config.tz)
    await render.reply(update, context.services, context.bot, out)


COMMANDS = [("visit", start), ("visits", list_visits)]

# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    form.ACT_PICK: pick,
    form.ACT_NEW: new_household,
    form.ACT_CONSENT: consent,
    form.ACT_KIND: pick_kind,
    form.ACT_NOTES_DONE: notes_done,
    form.ACT_ADD: add_matter,
    form.ACT_MATTER_KIND: matter_kind,
    form.ACT_MATTER_CATEGORY: matter_category,
    form.ACT_TO_MATTERS: to_matters,
    form.ACT_MATTERS_DONE: matters_done,
    form.ACT_CANCEL: cancel,
    form.ACT_CONFIRM: confirm,
}

# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {form.FLOW: visit_input}
