"""/start: language, privacy consent, area, optional phone — and the main menu afterwards."""

from __future__ import annotations

from telegram import Update

from core import areas, residents
from core.dialog_state import clear, put, step_away
from core.dialogs import Dialog
from core.i18n import N_, Safe, language_of, t, tp
from core.models import ButtonGrant, Language, Resident
from core.names import area_name
from core.onboarding import ask_phone, choose_area, choose_language, consent_buttons, privacy_notice
from core.outgoing import Outgoing
from handlers import common, menus, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

FLOW = "onboarding"
STAFF_PREFIX = "staff_"
CARD_PREFIX = "card_"  # a 回音卡's QR code (handlers/cards.py)


async def start(update: Update, context: JmContext) -> None:
    """Greets the user: staff enrolment, the first-time onboarding, or the menu."""
    user = update.effective_user
    if user is None:
        return
    if context.args and context.args[0].startswith(STAFF_PREFIX):
        from handlers.staff import enroll_from_start

        await enroll_from_start(update, context, context.args[0].removeprefix(STAFF_PREFIX))
        return
    if context.args and context.args[0].startswith(CARD_PREFIX):
        from handlers.cards import start_with_card

        await start_with_card(update, context, context.args[0].removeprefix(CARD_PREFIX))
        return
    from handlers.staff import help_for_staff

    if await help_for_staff(update, context):
        return  # staff are not onboarded as residents: they get their commands
    services = context.services
    lang = language_of(user.language_code)
    resident = await residents.get_or_create(services, user.id, user.first_name, lang)
    await step_away(services, user.id)  # a half-filled report is kept for /report
    if resident.consented_at is None:
        await render.reply(
            update,
            services,
            context.bot,
            choose_language(resident.language, await areas.station_name(services, resident.language)),
        )
        return
    await common.show_menu(update, context)


async def help_command(update: Update, context: JmContext) -> None:
    """What the bot can do: the staff commands for staff, the menu for residents."""
    from handlers.staff import help_for_staff

    if await help_for_staff(update, context):
        return
    await common.show_menu(update, context)


async def cancel(update: Update, context: JmContext) -> None:
    """Leaves whatever form the user is in; nothing is filed."""
    user = update.effective_user
    if user is None:
        return
    await clear(context.services, user.id)
    lang = await common.language_for(update, context)
    await render.reply(
        update,
        context.services,
        context.bot,
        Outgoing(Safe(t(lang, "Cancelled. Nothing was sent.")), remove_reply_keyboard=True),
    )
    await common.show_menu(update, context)


UNKNOWN_COMMAND = N_("Sorry, I do not know that command.")


async def unknown_command(update: Update, context: JmContext) -> None:
    """A command the bot does not have: one message, that line above the menu."""
    await common.show_menu(update, context, note=UNKNOWN_COMMAND)


async def pick_language(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Language chosen: remember it, then show the privacy notice."""
    resident = await common.current_resident(update, context)
    if resident is None:
        return
    lang = Language(grant.payload["lang"])
    resident = await residents.update(context.services, resident, language=lang)
    await common.ack(update)
    if resident.telegram_id is not None:
        await menus.set_for_chat(context.bot, resident.telegram_id, lang, None)
    if resident.consented_at is not None:
        await render.edit(
            update,
            context.services,
            context.bot,
            Outgoing(Safe(t(lang, "Language changed to English.")), common.main_buttons(lang)),
        )
        return
    await _show_privacy(update, context, lang)


async def _show_privacy(update: Update, context: JmContext, lang: Language) -> None:
    config = context.services.config
    station = await areas.station_name(context.services, lang)
    text = common.screen(lang, privacy_notice(lang, station, config.retention_days))
    await render.edit(update, context.services, context.bot, Outgoing(text, consent_buttons(lang)))


async def show_privacy(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows the privacy notice."""
    await common.ack(update)
    await _show_privacy(update, context, await common.language_for(update, context))


async def decline(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """No consent: general information and the 110 notice only."""
    lang = await common.language_for(update, context)
    await common.ack(update)
    await render.edit(update, context.services, context.bot, common.menu(lang, consented=False))


async def consent(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Consent given: ask for the neighbourhood."""
    resident = await common.current_resident(update, context)
    if resident is None:
        await common.answer_expired(update, context)
        return
    if resident.consented_at is None:
        resident = await residents.consent(context.services, resident)
    await common.ack(update)
    if resident.area_id is not None:  # preset by the 回音卡 they scanned: straight on to the phone
        chosen = await areas.get(context.services, resident.area_id)
        await _area_set(
            update, context, resident, area_name(chosen, resident.language) if chosen else "—", "onboarding"
        )
        return
    await show_areas(update, context, resident.language, None, "onboarding")


async def show_areas(update: Update, context: JmContext, lang: Language, parent_id: int | None, purpose: str) -> None:
    """The children of `parent_id` (the station's towns when None) as buttons."""
    parent, options = await areas.choices(context.services, parent_id)
    if not options:
        text = common.screen(lang, t(lang, "The station has not set up its neighbourhoods yet. Please try later."))
        await render.edit(update, context.services, context.bot, Outgoing(text))
        return
    await render.edit(update, context.services, context.bot, choose_area(lang, options, parent, purpose))


async def pick_area(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """An area pressed: go deeper if it has parts, else remember it."""
    resident = await common.current_resident(update, context)
    if resident is None or resident.consented_at is None:
        await common.answer_expired(update, context)
        return
    area_id = int(grant.payload["area_id"])
    purpose = str(grant.payload.get("purpose", "onboarding"))
    chosen, parts = await areas.with_parts(context.services, area_id)
    await common.ack(update)
    if chosen is None:
        return
    if parts:
        await show_areas(update, context, resident.language, area_id, purpose)
        return
    resident = await residents.update(context.services, resident, area_id=area_id)
    await _area_set(update, context, resident, area_name(chosen, resident.language), purpose)


async def _area_set(update: Update, context: JmContext, resident: Resident, area: str, purpose: str) -> None:
    lang = resident.language
    await render.edit(
        update,
        context.services,
        context.bot,
        Outgoing(Safe(t(lang, "Neighbourhood set: {area}.", area=area))),
    )
    if purpose == "onboarding":
        await put(context.services, resident.telegram_id or 0, FLOW, "phone", {})
        await render.reply(update, context.services, context.bot, ask_phone(lang))
    else:
        await common.show_menu(update, context)


async def area_up(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows the areas one level up."""
    lang = await common.language_for(update, context)
    parent_id = await areas.level_above(context.services, int(grant.payload["area_id"]))
    await common.ack(update)
    await show_areas(update, context, lang, parent_id, str(grant.payload.get("purpose", "onboarding")))


async def onboarding_input(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The phone step: only the sender's own contact is accepted; "Skip" goes on without it."""
    message = update.effective_message
    resident = await common.current_resident(update, context)
    if message is None or resident is None:
        return
    lang = resident.language
    services = context.services
    if message.contact is not None:
        if not await common.save_shared_contact(update, context, resident):
            return
        done = t(lang, "Thank you, your phone number is saved.")
    elif message.text and message.text.strip() in {tp(lang, "Skip"), "/skip"}:
        done = t(lang, "All right, no phone number.")
    else:
        await render.reply(update, services, context.bot, ask_phone(lang))
        return
    await clear(services, message.chat_id)
    await render.reply(update, services, context.bot, Outgoing(Safe(done), remove_reply_keyboard=True))
    from handlers.cards import offer_after_onboarding

    if await offer_after_onboarding(update, context, resident):
        return  # they came with a 回音卡: its 回音 instead of the menu
    await common.show_menu(update, context)


async def menu_report(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The main menu's report button: starts the report form."""
    from handlers import report

    await common.ack(update)
    await report.start(update, context)


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    "onb_lang": pick_language,
    "onb_privacy": show_privacy,
    "onb_decline": decline,
    "onb_consent": consent,
    "onb_area": pick_area,
    "onb_area_up": area_up,
    "menu_report": menu_report,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    FLOW: onboarding_input,
}
