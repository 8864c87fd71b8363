"""Staff enrolment (`/start staff_<code>`) and the staff's help.

The code arrives through the deep link of `jingmin staff invite`; /start hands it here. What
went wrong is said in the language Telegram reports for the user, since a newcomer has no
stored language yet.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType

from core import areas, enrolment
from core.i18n import Safe, language_of, t
from core.menus import staff_commands
from core.models import Language, Staff
from core.names import Titles
from core.outgoing import Outgoing
from handlers import common, menus, render
from handlers.context import JmContext

log = logging.getLogger(__name__)


def help_text(lang: Language, member: Staff) -> str:
    """The commands this staff member can use, with how cases reach them."""
    lines = [
        t(lang, "<b>Staff commands</b>"),
        *(f"/{command} — {t(lang, text)}" for command, text in staff_commands(member.role)),
        "",
        t(
            lang,
            "New cases arrive here as cards; work them with the buttons under each card. "
            "Staff commands work only in this private chat.",
        ),
    ]
    return Safe("\n".join(lines))


def welcome(lang: Language, member: Staff, titles: Titles) -> Outgoing:
    """The staff member's welcome once enrolled: their role and badge, then what they can do."""
    greeting = t(
        lang,
        "Welcome, {name}. You are enrolled as {role} (badge {badge}).",
        name=member.name,
        role=titles.of(member.role, lang),
        badge=member.badge,
    )
    return Outgoing(Safe(greeting + "\n\n" + help_text(lang, member)))


async def enroll_from_start(update: Update, context: JmContext, code: str) -> None:
    """`/start staff_<code>`: binds this Telegram account to the invited staff member."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return
    lang = language_of(user.language_code)
    try:
        member = await enrolment.enroll(context.services, code, user.id, lang)
    except enrolment.StaffError as exc:
        log.info("refused an enrolment: %s", exc.reason)
        await render.reply(update, context.services, context.bot, Outgoing(t(lang, exc.reason)))
        return
    await menus.set_for_chat(context.bot, user.id, member.language, member.role)
    titles = await areas.titles(context.services)
    await render.reply(update, context.services, context.bot, welcome(member.language, member, titles))


async def help_for_staff(update: Update, context: JmContext) -> bool:
    """Shows the staff help if the sender is staff; False (nothing sent) for anyone else.

    /help belongs to the resident side; it calls this first.
    """
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return False
    member = await enrolment.staff_for(context.services, user.id)
    if member is None:
        return False
    # Staff ask for help when something looks off; their menu is set again in case their role
    # changed (through the area file or an invitation) since it was last set.
    await menus.set_for_chat(context.bot, user.id, member.language, member.role)
    await render.reply(update, context.services, context.bot, Outgoing(help_text(member.language, member)))
    return True


async def staff_help(update: Update, context: JmContext) -> None:
    """/staff: the staff help (for staff only; others get the usual menu)."""
    if not await help_for_staff(update, context):
        await common.show_menu(update, context)


COMMANDS = [("staff", staff_help)]
