"""Shared pieces of the resident-facing screens: who is talking, the menu, the 110 line."""

from __future__ import annotations

import logging

from telegram import MaybeInaccessibleMessage, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from core import buttons, dialog_state, enrolment, residents
from core.dialogs import Dialog
from core.i18n import N_, Safe, language_of, t, tp
from core.models import Language, Resident, Staff
from core.outgoing import Button, Outgoing, rows
from core.screens import emergency_screen, resident_screen
from handlers import notes, render
from handlers.context import JmContext

log = logging.getLogger(__name__)

NOT_IN_A_FORM = N_(
    "What you sent has not been passed on to the police. To report something, send /report; "
    "to add to a case you have filed, open it in /mycases."
)
NOT_STAFF = N_("This is only for enrolled station staff, in a private chat with the bot.")


async def staff_member(update: Update, context: JmContext) -> Staff | None:
    """The staff guard of the officer and booking handlers: the sender as active staff in a
    private chat; anyone else is told no (a pop-up for a button) and gets None."""
    user, chat = update.effective_user, update.effective_chat
    member = await enrolment.staff_for(context.services, user.id) if user else None
    if member is not None and member.active and chat is not None and chat.type == ChatType.PRIVATE:
        return member
    log.info("refused a staff action from a non-staff user or chat")
    lang = await language_for(update, context)
    if update.callback_query is not None:
        await alert(update, lang, NOT_STAFF)
    elif chat is not None and chat.type == ChatType.PRIVATE:
        await render.reply(update, context.services, context.bot, Outgoing(Safe(t(lang, NOT_STAFF))))
    return None


screen = resident_screen
with_emergency = emergency_screen  # the welcome, the menu, a form's first screen, a filing's confirmation


async def language_for(update: Update, context: JmContext) -> Language:
    """The user's language: as stored for a resident or staff member, else Telegram's guess."""
    user = update.effective_user
    if user is None:
        return language_of(None)
    stored = await residents.stored_language(context.services, user.id)
    return stored if stored is not None else language_of(user.language_code)


async def current_resident(update: Update, context: JmContext) -> Resident | None:
    """The resident behind this update, or None when they have no account."""
    user = update.effective_user
    return await residents.find(context.services, user.id) if user else None


def menu(lang: Language, consented: bool, note: str = "") -> Outgoing:
    """The resident's main menu, under a line `note` where the menu answers something else."""
    if not consented:
        text = with_emergency(
            lang,
            note,
            t(lang, "Without your consent this bot can only give general information."),
            t(lang, "Press the button below whenever you are ready to read the privacy notice."),
        )
        return Outgoing(text, rows([Button(tp(lang, "📄 Privacy notice"), "onb_privacy", {})]))
    text = with_emergency(
        lang,
        note,
        t(lang, "<b>What would you like to do?</b>"),
        Safe(
            t(
                lang,
                "/report — file an issue\n/book — book a video consultation\n"
                "/mycases — my cases\n/mybookings — my video consultations\n"
                "/settings — language, area, phone",
            )
            + "\n"
            + t(lang, "/alerts — safety alerts for my area (choose which ones in /settings)")
        ),
    )
    return Outgoing(text, main_buttons(lang))


def main_buttons(lang: Language) -> tuple[tuple[Button, ...], ...]:
    """The main menu's buttons: file an issue, book a video call, my cases, settings."""
    return rows(
        [
            Button(tp(lang, "📝 File an issue"), "menu_report", {}),
            Button(tp(lang, "📅 Book a video call"), "menu_book", {}),
        ],
        [Button(tp(lang, "📂 My cases"), "menu_mycases", {}), Button(tp(lang, "⚙️ Settings"), "menu_settings", {})],
    )


async def show_menu(update: Update, context: JmContext, note: str = "") -> None:
    """The answer to anything outside a dialog: the menu (or the staff help), in one message.

    `note` is a msgid said first, in the same message: why the menu is shown instead of what
    was asked (an unknown command, a photo sent outside any form).
    """
    user = update.effective_user
    if user is None:
        return
    member = await enrolment.staff_for(context.services, user.id)
    if member is not None:
        lang = member.language
        staff_help = t(lang, "Staff commands: /queue — my open cases; /help — all commands.")
        said = t(lang, note) if note and note != NOT_IN_A_FORM else ""  # staff file nothing with /report
        out = Outgoing(screen(lang, said, staff_help))
        await render.reply(update, context.services, context.bot, out)
        return
    resident = await current_resident(update, context)
    lang = await language_for(update, context)
    said = t(lang, note) if note else ""
    if resident is None:
        welcome = with_emergency(lang, said, t(lang, "Welcome! Send /start to begin."))
        await render.reply(update, context.services, context.bot, Outgoing(welcome))
        return
    await render.reply(update, context.services, context.bot, menu(lang, resident.consented_at is not None, said))


REFUSALS = {
    buttons.Refusal.UNKNOWN: N_("This button is no longer valid."),
    buttons.Refusal.USED: N_("This button has already been used. Please use the latest message."),
    buttons.Refusal.EXPIRED: N_("This button has expired. Please use the latest message."),
    buttons.Refusal.NOT_YOURS: N_("This button was given to someone else, so it does nothing for you."),
}


async def answer_expired(update: Update, context: JmContext) -> None:
    """A button of the presser's that no longer fits their state: already used, the screen moved on."""
    await answer_refused(update, context, buttons.Refusal.USED)


async def answer_refused(update: Update, context: JmContext, reason: buttons.Refusal) -> None:
    """A button whose token is unknown, used, expired or someone else's: a short alert says which.

    The screen in the presser's own chat that still shows the pressed button is out of date: it
    loses its buttons, where Telegram still lets the bot edit it, so they are not pressed again.
    A screen that no longer shows it (redrawn since, or a forged token) is left as it is.
    """
    lang = await language_for(update, context)
    await answer_query(update, tp(lang, REFUSALS[reason]), show_alert=True)
    if reason is not buttons.Refusal.NOT_YOURS:
        await drop_pressed_buttons(update, context)


async def drop_pressed_buttons(update: Update, context: JmContext) -> None:
    """Removes the buttons of the presser's own message that still shows the pressed, dead button."""
    query = update.callback_query
    message = query.message if query is not None else None
    if query is None or message is None:
        return
    if message.chat.id != query.from_user.id or not _shows(message, query.data):
        return
    try:
        await context.bot.edit_message_reply_markup(message.chat.id, message.message_id, reply_markup=None)
    except TelegramError as exc:
        log.info("old buttons not removed (%s)", exc.message)


def _shows(message: MaybeInaccessibleMessage, data: str | None) -> bool:
    """Whether the message's keyboard, as Telegram sent it with the press, has this button."""
    markup = getattr(message, "reply_markup", None)
    keyboard = markup.inline_keyboard if markup is not None else ()
    return data is not None and any(button.callback_data == data for row in keyboard for button in row)


async def alert(update: Update, lang: Language, message: str, **values: object) -> None:
    """Answers a button press with a pop-up (plain text)."""
    await answer_query(update, tp(lang, message, **values), show_alert=True)


async def ack(update: Update) -> None:
    """Stops the button's spinner."""
    await answer_query(update)


async def answer(update: Update, context: JmContext, out: Outgoing, *, edit: bool = False) -> None:
    """Stops the button's spinner and shows `out`: in place of the pressed message when `edit`, else below it."""
    await ack(update)
    await render.show(update, context.services, context.bot, out, edit=edit)


async def answer_query(update: Update, text: str | None = None, *, show_alert: bool = False) -> None:
    """Answers the button press, if Telegram still takes the answer.

    Telegram refuses answers to presses older than a few seconds ("query is too old"); that
    happens when an update is handled again after a restart. The work the press asked for still
    has to be done, so the refusal is logged and the handler goes on.
    """
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text, show_alert=show_alert)
        notes.note_answered()
    except BadRequest as exc:
        notes.note_answered()  # Telegram will not take another answer either
        log.info("callback answer refused (%s); the press is handled anyway", exc.message)


async def save_shared_contact(update: Update, context: JmContext, resident: Resident) -> bool:
    """The message's contact as the resident's phone number; someone else's is refused and said so."""
    message = update.effective_message
    assert message is not None and message.contact is not None
    contact = message.contact
    if await residents.save_own_contact(context.services, resident, contact.user_id, contact.phone_number):
        return True
    await render.reply(
        update,
        context.services,
        context.bot,
        Outgoing(
            Safe(
                t(
                    resident.language,
                    "Please share your own number with the button below; other people's contacts are not accepted.",
                )
            )
        ),
    )
    return False


async def staff_note(update: Update, context: JmContext, dialog: Dialog, limit: int) -> tuple[Staff, str] | None:
    """The staff member and the note they typed for `dialog`; None when they are no longer staff
    (the dialog is dropped) or the text does not fit (they were told why, the dialog stays)."""
    member = await staff_member(update, context)
    if member is None:
        await dialog_state.clear(context.services, dialog.user_id)
        return None
    text = await typed_text(update, context, member.language, limit)
    return None if text is None else (member, text)


async def typed_text(update: Update, context: JmContext, lang: Language, limit: int) -> str | None:
    """The text of a message typed for a note or a reason; None, after a short answer saying why,
    when the message has no text or is longer than `limit` (the form stays where it is)."""
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    if text and len(text) <= limit:
        return text
    problem = (
        N_("Please write the text as a message.")
        if not text
        else N_("That is {length} characters; please keep it to {limit}.")
    )
    await render.reply(update, context.services, context.bot, Outgoing(t(lang, problem, length=len(text), limit=limit)))
    return None
