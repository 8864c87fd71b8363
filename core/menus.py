"""The command menu (Telegram's "/" list) for each audience, in one language at a time.

Residents see the resident commands; staff see the commands their role allows. The bot sets the
list per chat (a BotCommandScopeChat) when someone chooses a language, enrols or changes role, and
a default list for everyone else by Telegram's language code: English for `en`, Simplified Chinese
otherwise (Telegram's scopes know only two-letter codes, so Traditional readers start there too and
get theirs once they pick it).
"""

from __future__ import annotations

from core.i18n import N_, tp
from core.models import Language, Role

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
