"""/settings (language, area, phone) and /privacy (the notice, and deleting one's data)."""

from __future__ import annotations

from telegram import Update

from core import areas, residents
from core.alerts import choices
from core.dialog_state import clear, put
from core.dialogs import Dialog
from core.i18n import Safe, t, tp
from core.models import ButtonGrant, Language, Resident
from core.names import area_name
from core.onboarding import LANGUAGE_NAMES, ask_new_phone, ask_phone, new_phone_choice, privacy_notice
from core.outgoing import Button, Outgoing, rows
from handlers import common, menus, onboarding, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler, from_menu

PHONE_FLOW = "settings_phone"


async def show(update: Update, context: JmContext) -> None:
    """The resident's settings with a button for each."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None or resident.consented_at is None:
        await render.reply(update, context.services, context.bot, common.menu(lang, consented=False))
        return
    await render.reply(update, context.services, context.bot, await screen(context, resident, lang))


async def screen(context: JmContext, resident: Resident, lang: Language) -> Outgoing:
    """The settings screen of a resident who consented (also redrawn in place from the alerts screen)."""
    area = await areas.get(context.services, resident.area_id) if resident.area_id else None
    text = "\n".join(
        [
            t(lang, "<b>Settings</b>"),
            t(lang, "Language: {value}", value=LANGUAGE_NAMES[resident.language]),
            t(lang, "Neighbourhood: {value}", value=area_name(area, lang)),
            t(lang, "Phone: {value}", value=resident.phone or tp(lang, "not shared")),
            choices.summary(lang, await choices.current(context.services, resident)),
        ]
    )
    buttons = rows(
        [Button(name, "onb_lang", {"lang": code.value}) for code, name in LANGUAGE_NAMES.items()],
        [
            Button(tp(lang, "🏘 Change neighbourhood"), "settings_area", {}),
            Button(tp(lang, "📱 Change phone"), "settings_phone", {}),
        ],
        [Button(tp(lang, "🔔 Safety alerts"), choices.SHOW, {})],
        [Button(tp(lang, "🗑 Remove my phone number"), "settings_phone_remove", {})] if resident.phone else [],
    )
    return Outgoing(common.screen(lang, text), buttons)


async def change_area(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows the areas to choose where the resident lives now."""
    await common.ack(update)
    await onboarding.show_areas(update, context, await common.language_for(update, context), None, "settings")


async def change_phone(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Without a number on file this is onboarding's phone step ("Skip" leaves none); with one, the
    choices are to share a new number, keep the current one or remove it, and each does what it says."""
    resident = await common.current_resident(update, context)
    if resident is None or resident.telegram_id is None:
        return
    await common.ack(update)
    if not resident.phone:
        await put(context.services, resident.telegram_id, onboarding.FLOW, "phone", {})
        await render.reply(update, context.services, context.bot, ask_phone(resident.language))
        return
    await put(context.services, resident.telegram_id, PHONE_FLOW, "phone", {})
    await render.reply(update, context.services, context.bot, ask_new_phone(resident.language, resident.phone))


async def new_phone_input(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The resident's own contact replaces the number; "keep" changes nothing; "remove" deletes it."""
    message = update.effective_message
    resident = await common.current_resident(update, context)
    if message is None or resident is None or resident.telegram_id is None:
        return
    lang = resident.language
    services = context.services
    choice = new_phone_choice(lang, message.text)
    if message.contact is not None:
        if not await common.save_shared_contact(update, context, resident):
            return
        done = t(lang, "Thank you, your phone number is saved.")
    elif choice == "keep":
        done = t(lang, "Your phone number is unchanged.")
    elif choice == "remove":
        await residents.update(services, resident, phone=None)
        done = t(lang, "Your phone number has been removed.")
    else:
        await render.reply(update, services, context.bot, ask_new_phone(lang, resident.phone or "—"))
        return
    await clear(services, resident.telegram_id)
    await render.reply(update, services, context.bot, Outgoing(Safe(done), remove_reply_keyboard=True))
    await common.show_menu(update, context)


async def remove_phone(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Forgets the resident's phone number and says so."""
    resident = await common.current_resident(update, context)
    if resident is None:
        return
    await residents.update(context.services, resident, phone=None)
    await common.ack(update)
    await render.edit(
        update,
        context.services,
        context.bot,
        Outgoing(Safe(t(resident.language, "Your phone number has been removed."))),
    )


async def privacy(update: Update, context: JmContext) -> None:
    """The privacy notice, with the button to delete one's account data."""
    lang = await common.language_for(update, context)
    config = context.services.config
    resident = await common.current_resident(update, context)
    buttons = rows([Button(tp(lang, "🗑 Delete my data"), "privacy_delete", {})]) if resident else ()
    station = await areas.station_name(context.services, lang)
    text = common.screen(lang, privacy_notice(lang, station, config.retention_days))
    await render.reply(update, context.services, context.bot, Outgoing(text, buttons))


async def ask_delete(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Asks the resident to confirm that their data be deleted, saying what goes and what stays."""
    lang = await common.language_for(update, context)
    await common.ack(update)
    text = t(
        lang,
        "Delete your account data? Your name, phone number and settings are erased. Cases you "
        "filed stay in the station's ledger without your name. This cannot be undone.",
    )
    await render.edit(
        update,
        context.services,
        context.bot,
        Outgoing(
            Safe(text),
            rows(
                [
                    Button(tp(lang, "Yes, delete"), "privacy_delete_yes", {}),
                    Button(tp(lang, "No"), "privacy_keep", {}),
                ]
            ),
        ),
    )


async def delete(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Deletes the resident's data and says how to come back."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None:
        return
    await residents.delete_account(context.services, resident)
    await common.ack(update)
    if update.effective_chat is not None:
        await menus.forget_chat(context.bot, update.effective_chat.id)
    await render.edit(
        update,
        context.services,
        context.bot,
        Outgoing(Safe(t(lang, "Your data has been deleted. Send /start if you ever want to use the bot again."))),
    )


async def keep(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Keeps the resident's data and says nothing was deleted."""
    lang = await common.language_for(update, context)
    await common.ack(update)
    await render.edit(update, context.services, context.bot, Outgoing(Safe(t(lang, "Nothing was deleted."))))


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    "menu_settings": from_menu(show),  # ⚙️ Settings in the main menu.
    "settings_area": change_area,
    "settings_phone": change_phone,
    "settings_phone_remove": remove_phone,
    "privacy_delete": ask_delete,
    "privacy_delete_yes": delete,
    "privacy_keep": keep,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    PHONE_FLOW: new_phone_input,
}
