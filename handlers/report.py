"""/report: kind → category → description → photos and location → review → submit."""

from __future__ import annotations

from typing import Any

from telegram import Update

from core import report
from core.cases.errors import CaseError
from core.cases.filing import DailyLimitReached, check_daily_limit, filed_by, submit
from core.cases.lifecycle import TransitionRefused
from core.dialog_state import clear, get, put, take_back
from core.dialogs import Dialog
from core.i18n import N_, Safe, t
from core.models import ButtonGrant, Case, Language, Resident
from core.outgoing import Outgoing
from handlers import common, form_screen, render
from handlers.context import JmContext
from handlers.notes import note_case
from handlers.router import ActionHandler, FlowHandler


async def _resident_ready(update: Update, context: JmContext) -> Resident | None:
    """The resident, if they have consented and chosen an area; otherwise says what is missing."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None or resident.consented_at is None:
        await render.reply(update, context.services, context.bot, common.menu(lang, consented=False))
        return None
    if resident.area_id is None:
        await render.reply(
            update,
            context.services,
            context.bot,
            Outgoing(common.screen(lang, t(lang, "Please choose your neighbourhood first in /settings."))),
        )
        return None
    return resident


async def start(update: Update, context: JmContext) -> None:
    """Opens a new form (a form in progress is kept and shown instead).

    A resident who has filed the day's most cases is told so now, not after filling in the form;
    a form they have in progress is left as it is, for tomorrow.
    """
    resident = await _resident_ready(update, context)
    if resident is None or resident.telegram_id is None:
        return
    try:
        await check_daily_limit(context.services, resident)
    except DailyLimitReached as refused:
        await _refuse(update, context, resident.language, refused)
        return
    existing = await get(context.services, resident.telegram_id)
    if existing is not None and existing.flow == report.FLOW:
        await _show_step(update, context, resident.language, existing)
        return
    kept = await take_back(context.services, resident.telegram_id, report.FLOW)
    if kept is not None:
        note = t(resident.language, "You had a report half filled in: here it is, as you left it.")
        await _show_step(update, context, resident.language, kept, note=note)
        return
    dialog = await put(context.services, resident.telegram_id, report.FLOW, report.KIND, {"photos": []})
    await _show_step(update, context, resident.language, dialog)


def _screen(context: JmContext, lang: Language, dialog: Dialog, note: str = "") -> Outgoing:
    config = context.services.config
    data = dialog.data
    if dialog.step == report.CATEGORY:
        out = report.category_screen(lang, data)
    elif dialog.step == report.DESCRIPTION:
        out = report.description_screen(lang, data, config.description_max_chars)
    elif dialog.step == report.ATTACH:
        out = report.attach_screen(lang, data, config.max_photos)
    elif dialog.step == report.REVIEW:
        out = report.review_screen(lang, data)
    else:  # the form's first screen: with the 110 reminder
        out = report.kind_screen(lang)
        return Outgoing(common.with_emergency(lang, note, out.text), out.buttons)
    return Outgoing(common.screen(lang, note, out.text), out.buttons)


async def _show_step(
    update: Update, context: JmContext, lang: Language, dialog: Dialog, *, edit: bool = False, note: str = ""
) -> None:
    await form_screen.show(update, context, dialog, _screen(context, lang, dialog, note), edit=edit)


async def _form(update: Update, context: JmContext, expected: str | None) -> tuple[Dialog, Language] | None:
    """The resident's form for a button press, if the button belongs to the step they are at."""
    user = update.effective_user
    lang = await common.language_for(update, context)
    dialog = await get(context.services, user.id) if user else None
    if dialog is None or dialog.flow != report.FLOW:
        await common.alert(update, lang, "This form is finished or was cancelled. Send /report to start again.")
        return None
    if expected is not None and dialog.step != expected:
        # A second tap, or a press handled again after a crash whose screen was never redrawn:
        # the pressed message shows the step the form is at now, so the screen matches the form.
        await common.alert(update, lang, "This step is already past; please use the latest message.")
        await _show_step(update, context, lang, dialog, edit=True)
        return None
    return dialog, lang


async def _advance(
    update: Update,
    context: JmContext,
    dialog: Dialog,
    lang: Language,
    step: str,
    changes: dict[str, Any],
    *,
    edit: bool = True,
) -> None:
    data = {**dialog.data, "refused": 0, **changes}  # photos over the limit are told once, on their album's screen
    dialog = Dialog(dialog.user_id, report.FLOW, step, data)
    await common.ack(update)
    await form_screen.step(update, context, dialog, _screen(context, lang, dialog), edit=edit)


async def pick_kind(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The kind is chosen; the form asks for the category."""
    found = await _form(update, context, report.KIND)
    if found:
        await _advance(update, context, found[0], found[1], report.CATEGORY, {"kind": grant.payload["kind"]})


async def pick_category(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The category is chosen; the form asks for the description."""
    found = await _form(update, context, report.CATEGORY)
    if found:
        await _advance(update, context, found[0], found[1], report.DESCRIPTION, {"category": grant.payload["category"]})


async def keep_description(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Keeps the description typed before and goes on to the attachments."""
    found = await _form(update, context, report.DESCRIPTION)
    if found and found[0].data.get("description"):
        await _advance(update, context, found[0], found[1], report.ATTACH, {})


async def attachments_done(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """No more attachments; the form shows the report to check."""
    found = await _form(update, context, report.ATTACH)
    if found:
        await _advance(update, context, found[0], found[1], report.REVIEW, {})


async def remove_photos(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Drops the photos attached so far; the description and location stay."""
    found = await _form(update, context, report.ATTACH)
    if found:
        await _advance(update, context, found[0], found[1], report.ATTACH, {"photos": [], "refused": 0})


async def remove_location(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Drops the shared location; the description and photos stay."""
    found = await _form(update, context, report.ATTACH)
    if found:
        await _advance(update, context, found[0], found[1], report.ATTACH, {"location": None})


async def toggle_priority(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Marks the report urgent, or no longer urgent."""
    found = await _form(update, context, report.REVIEW)
    if found:
        dialog, lang = found
        await _advance(update, context, dialog, lang, report.REVIEW, {"priority": not dialog.data.get("priority")})


async def back(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Goes back to the step before."""
    found = await _form(update, context, str(grant.payload.get("step")))
    if found:
        dialog, lang = found
        await _advance(update, context, dialog, lang, report.previous(dialog.step), {})


async def cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Closes the form without filing anything."""
    found = await _form(update, context, None)
    if found:
        dialog, lang = found
        await clear(context.services, dialog.user_id)
        await common.ack(update)
        await form_screen.retire(update, context, dialog)
        await render.edit(
            update, context.services, context.bot, Outgoing(Safe(t(lang, "Cancelled. Nothing was sent.")))
        )


async def confirm(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Files the case. The update id makes a replay find the same case instead of a second one."""
    filed = await filed_by(context.services, update.update_id)
    if filed is not None:  # a crash came between filing and answering: the form is closed by now
        await _submitted(update, context, await common.language_for(update, context), filed)
        return
    found = await _form(update, context, report.REVIEW)
    resident = await common.current_resident(update, context)
    if not found or resident is None:
        return
    dialog, lang = found
    try:
        case, _created = await submit(
            context.services,
            resident,
            report.to_case(dialog.data),
            update.update_id,
            from_step=(report.FLOW, report.REVIEW),
        )
    except (CaseError, TransitionRefused) as refused:
        await common.ack(update)
        await _refuse(update, context, lang, refused)
        return
    await form_screen.retire(update, context, dialog)
    await _submitted(update, context, lang, case)


async def _submitted(update: Update, context: JmContext, lang: Language, case: Case) -> None:
    note_case(case.number)
    said = report.submitted_text(lang, case.number, case.assignee_id is not None)
    await common.answer(
        update, context, Outgoing(common.with_emergency(lang, said), common.main_buttons(lang)), edit=True
    )


async def _refuse(update: Update, context: JmContext, lang: Language, refused: CaseError | TransitionRefused) -> None:
    values = {"limit": getattr(refused, "limit", "")}
    await render.reply(
        update, context.services, context.bot, Outgoing(common.screen(lang, t(lang, refused.reason, **values)))
    )


async def report_input(update: Update, context: JmContext, dialog: Dialog) -> None:
    """Typed text, photos and locations while the form is open; anything else is explained."""
    message = update.effective_message
    if message is None:
        return
    lang = await common.language_for(update, context)
    config = context.services.config
    if dialog.step == report.DESCRIPTION:
        try:
            description = report.check_description(message.text, config.description_max_chars)
        except report.FormError as bad:
            await _explain(update, context, lang, bad, dialog)
            return
        await _advance(update, context, dialog, lang, report.ATTACH, {"description": description}, edit=False)
        return
    if dialog.step == report.ATTACH:
        document = message.document
        if document is not None and not report.is_image_file(document.mime_type):
            await _explain(
                update,
                context,
                lang,
                report.FormError(
                    N_(
                        "This file is not an image. Here you can attach photos (or images sent as files) "
                        "and a location."
                    )
                ),
                dialog,
            )
            return
        if message.photo or document is not None:
            file_id = report.DOCUMENT + document.file_id if document is not None else message.photo[-1].file_id
            await _take_photo(update, context, lang, dialog, file_id)
            return
        if message.location:
            location = [message.location.latitude, message.location.longitude]
            await _advance(update, context, dialog, lang, report.ATTACH, {"location": location}, edit=False)
            return
        await _explain(
            update,
            context,
            lang,
            report.FormError(N_("Here you can send photos or a location, or press “Continue”.")),
            dialog,
        )
        return
    await _explain(update, context, lang, report.FormError(N_("Please use the buttons above to choose.")), dialog)


async def _take_photo(update: Update, context: JmContext, lang: Language, dialog: Dialog, file_id: str) -> None:
    """One photo (or one of an album): kept while there is room, and the attach screen shown.

    The photos of an album arrive as one update each; they share one screen, updated in place,
    which counts the photos over the limit. A single photo over the limit is refused with a message.
    """
    message = update.effective_message
    chat = update.effective_chat
    assert message is not None and chat is not None
    services, max_photos = context.services, context.services.config.max_photos
    group = message.media_group_id
    if group is None and len(dialog.data.get("photos", [])) >= max_photos:
        await _explain(
            update,
            context,
            lang,
            report.FormError(N_("You have already added {max} photos, the most allowed."), max=max_photos),
            dialog,
        )
        return
    data = report.add_photo(dialog.data, file_id, group, max_photos)
    editing = report.same_album(data, group)
    dialog = await put(services, dialog.user_id, report.FLOW, report.ATTACH, data | {"group": group})
    out = _screen(context, lang, dialog)
    if editing and await form_screen.redraw_in_place(context, dialog, out):
        return
    await form_screen.show(update, context, dialog, out, edit=False)


async def _explain(update: Update, context: JmContext, lang: Language, bad: report.FormError, dialog: Dialog) -> None:
    """Bad input: a brief line says why; the step's screen stays live (or is shown anew below)."""

    async def redraw() -> Outgoing:
        return _screen(context, lang, dialog)

    await form_screen.explain(update, context, dialog, t(lang, bad.reason, **bad.values), redraw)


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    "report_kind": pick_kind,
    "report_category": pick_category,
    "report_keep": keep_description,
    "report_attach_done": attachments_done,
    "report_rm_photos": remove_photos,
    "report_rm_location": remove_location,
    "report_priority": toggle_priority,
    "report_back": back,
    "report_cancel": cancel,
    "report_confirm": confirm,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    report.FLOW: report_input,
}
