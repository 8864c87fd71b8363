"""The command menu (Telegram's "/" list) for each audience, in one language at a time.

Residents see the resident commands; staff see the commands their role allows. The bot sets the
list per chat (a BotCommandScopeChat) when someone chooses a language, enrols or changes role, and
a default list for everyone else by Telegram's language code: English for `en`, Simplified Chinese
otherwise (Telegram's scopes know only two-letter codes, so Traditional readers start there too and
get theirs once they pick it).

A change made outside the chat (the CLI changing a role, an area file) reaches the chat through
the outbox: `queue_staff_menu` writes a row in the change's own transaction, and the running
bot's sender sets the menu as it is when the row is sent; start-up sets every staff menu too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from core.i18n import N_, tp
from core.models import Language, Role, Staff
from core.outbox import Renderer
from core.outgoing import Outgoing, Priority
from storage import outbox, people

Menu = list[tuple[str, str]]

RESIDENT_COMMANDS: tuple[tuple[str, str], ...] = (
    ("report", N_("File an issue")),
    ("mycases", N_("My cases")),
    ("book", N_("Book a video consultation")),
    ("mybookings", N_("My video consultations")),
    ("alerts", N_("Recent safety alerts for my neighbourhood")),
    ("settings", N_("Language, neighbourhood, phone and safety alerts")),
    ("privacy", N_("Privacy notice and deleting my data")),
    ("help", N_("What this bot can do")),
    ("start", N_("Start again from the main menu")),
)

_EVERYONE = frozenset(Role)
# Who works cases: everyone but the follow-up centre's callers, who have their calls.
_CASEWORK = _EVERYONE - {Role.FOLLOWUP}
_MANAGERS = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
# (command, what it does, who has it): officers work cases; supervisors and up also read figures.
STAFF_COMMANDS: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("queue", N_("my open cases, priority and oldest first"), _CASEWORK),
    ("mystats", N_("my own figures"), _CASEWORK),
    ("hours", N_("my hours for video consultations"), _CASEWORK),
    ("consultations", N_("my upcoming video consultations"), _CASEWORK),
    ("cards", N_("print 回音卡 with my contact card"), _CASEWORK),
    ("register", N_("register a case for someone who came in or phoned"), _CASEWORK),
    ("visit", N_("record a home visit in my diary"), _CASEWORK),
    ("visits", N_("my recent home visits and the households due"), _CASEWORK),
    ("stats", N_("statistics by period, area and officer"), _MANAGERS),
    ("export", N_("the ledger as a spreadsheet"), _MANAGERS),
    (
        "alert",
        N_("send a safety alert to the residents of areas"),
        frozenset({Role.OFFICER, Role.SUPERVISOR, Role.LEADER}),
    ),
    ("calls", N_("phone follow-ups to make"), frozenset({Role.FOLLOWUP})),
    ("help", N_("all my commands and how cases reach me"), _EVERYONE),
)

# Telegram's language codes under which a default list is kept ("" is every other language).
DEFAULT_MENUS: tuple[tuple[str, Language], ...] = (("", Language.ZH_HANS), ("en", Language.EN))


def staff_commands(role: Role) -> tuple[tuple[str, str], ...]:
    """The staff commands (command, description msgid) a role may use, in menu order."""
    return tuple((command, text) for command, text, roles in STAFF_COMMANDS if role in roles)


def commands(lang: Language, role: Role | None) -> Menu:
    """The menu of a resident (`role` None) or a staff member, translated into `lang`."""
    entries = RESIDENT_COMMANDS if role is None else staff_commands(role)
    return [(command, _capitalised(tp(lang, text))) for command, text in entries]


def _capitalised(text: str) -> str:
    """Menu entries start with a capital, as Telegram shows them; Chinese is unchanged."""
    return text[:1].upper() + text[1:]


# The outbox kind that sets a staff member's command menu in their chat.
MENU_KIND = "staff_menu"


async def queue_staff_menu(conn: AsyncConnection, member: Staff, now: datetime) -> None:
    """Queues setting `member`'s command menu in their chat (nothing when they are not enrolled)."""
    if member.telegram_id is None:
        return
    await outbox.enqueue(
        conn,
        dedupe_key=f"menu:{member.id}:{now.isoformat()}",
        chat_id=member.telegram_id,
        audience=outbox.STAFF,
        kind=MENU_KIND,
        payload={"staff_id": member.id},
        priority=Priority.NORMAL,
        urgent=True,
        due_at=now,
        now=now,
    )


async def render_staff_menu(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The menu of the staff member's role and language as they are now; None once they are gone."""
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if member is None or not member.active or member.telegram_id is None:
        return None
    return Outgoing("", commands=tuple(commands(member.language, member.role)))


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {MENU_KIND: render_staff_menu}
