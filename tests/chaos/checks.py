"""What a chaos run found (`Report`), and the check of the end state: every confirmed form one case
with one officer card and one resident notice per transition (受理, and 办结 where the officer
resolved it), every confirmed booking one booking row with one card to its officer and one
confirmation to the resident, the database whole and drained."""

from __future__ import annotations

import sqlite3
import statistics
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.chaos.people import ACCEPTED, BOOKING_CONFIRMED, OFFICERS, RESOLVED, Town, area_of
from tests.e2e.sandbox_client import Chat

# Outbox rows still to send now; reminders and follow-ups booked for later days are not "left".
OUTBOX_LEFT = "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= ?"
OUTBOX_LATER = "SELECT count(*) FROM outbox WHERE status = 'pending' AND next_attempt_at > ?"


def now_stored() -> str:
    """Now as the database stores times (UTC, without the zone)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")


# Cases filed with /report, not the case a booking opens.
REPORT_CASES = (
    "SELECT c.number, s.telegram_id FROM cases c JOIN staff s ON s.id = c.assignee_id "
    "WHERE c.id NOT IN (SELECT case_id FROM bookings)"
)


@dataclass
class Report:
    """What a run found; `problems` lists every broken promise, empty when all held."""

    residents: int
    kills: int
    seconds: float = 0.0
    lost_answers: int = 0
    residents_done: int = 0
    interrupted_forms: int = 0  # residents whose form was under way at a kill, and went on after it
    cases: int = 0
    cases_by_officer: dict[str, int] = field(default_factory=dict)
    duplicate_cases: int = 0
    duplicate_cards: int = 0
    duplicate_notices: int = 0
    missing_cards: int = 0
    missing_notices: int = 0
    notices: dict[str, int] = field(default_factory=dict)  # transition → notices recorded as sent
    bookings: int = 0  # bookings the residents saw confirmed
    booking_rows: int = 0
    booking_problems: int = 0  # a confirmed booking without exactly one row, card and confirmation
    taken_retries: int = 0
    repeated_in_flight: int = 0  # a copy Telegram accepted just before a kill, never recorded, sent again
    inbox_left: int = 0
    outbox_left: int = 0
    outbox_later: int = 0  # rows due on later days: booking reminders, follow-ups, visit reminders
    integrity: str = ""
    card_latency_after_restart_s: list[float] = field(default_factory=list)
    first_card_after_restart_s: list[float] = field(default_factory=list)  # per restart and officer chat
    first_card_by_officer: dict[str, list[float]] = field(default_factory=dict)
    restart_seconds: list[float] = field(default_factory=list)
    log_tracebacks: int = 0
    problems: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """The report as plain data (for JSON)."""
        latencies = self.card_latency_after_restart_s
        return {
            "residents": self.residents,
            "kills": self.kills,
            "seconds": round(self.seconds, 1),
            "lost_answers": self.lost_answers,
            "residents_done": self.residents_done,
            "interrupted_forms_resumed": self.interrupted_forms,
            "cases": self.cases,
            "cases_by_officer": self.cases_by_officer,
            "duplicate_cases": self.duplicate_cases,
            "duplicate_cards": self.duplicate_cards,
            "duplicate_notices": self.duplicate_notices,
            "missing_cards": self.missing_cards,
            "missing_notices": self.missing_notices,
            "notices_by_transition": self.notices,
            "bookings_confirmed": self.bookings,
            "booking_rows": self.booking_rows,
            "booking_problems": self.booking_problems,
            "booking_time_taken_retries": self.taken_retries,
            "repeated_in_flight_at_a_kill": self.repeated_in_flight,
            "inbox_left": self.inbox_left,
            "outbox_left": self.outbox_left,
            "outbox_due_later": self.outbox_later,
            "integrity_check": self.integrity,
            "cards_pending_at_a_kill": len(latencies),
            "card_latency_after_restart_p50_s": _round(statistics.median(latencies)) if latencies else None,
            "card_latency_after_restart_max_s": _round(max(latencies)) if latencies else None,
            "first_card_after_restart_max_s": _round(max(self.first_card_after_restart_s, default=None)),
            "first_card_after_restart_by_officer": {
                name: {"restarts": len(waits), "p50_s": _round(statistics.median(waits)), "max_s": _round(max(waits))}
                for name, waits in self.first_card_by_officer.items()
                if waits
            },
            "bot_start_p50_s": _round(statistics.median(self.restart_seconds)) if self.restart_seconds else None,
            "log_tracebacks": self.log_tracebacks,
            "problems": self.problems[:20],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _copies(messages: list[dict[str, Any]], recorded: set[int], *needles: str) -> tuple[int, int]:
    """The copies of a message in a chat: (recorded as sent by an outbox row, not recorded).

    A copy nobody recorded is one Telegram accepted just before a kill, before the bot could
    write down that it was sent: the restarted bot sends that row again (the one case of
    at-least-once delivery, scheduler/dispatcher.py). Two recorded copies are a real duplicate."""
    ids = [m["message_id"] for m in messages if all(n in (m.get("text") or "") for n in needles)]
    kept = sum(1 for i in ids if i in recorded)
    return kept, len(ids) - kept


class _Tally:
    """Counts one message's copies into the report: exactly `expected` (0 or 1) recorded."""

    def __init__(self, report: Report, recorded: dict[int, set[int]]) -> None:
        self.report, self.recorded = report, recorded

    def __call__(self, chat_id: int, messages: list[dict[str, Any]], expected: int, kind: str, *needles: str) -> int:
        kept, again = _copies(messages, self.recorded.get(chat_id, set()), *needles)
        self.report.repeated_in_flight += again
        if expected and kept + again == 0:
            self.report.problems.append(f"missing {kind}: {' '.join(needles)}")
        elif kept > expected:
            self.report.problems.append(f"{kept} {kind}s: {' '.join(needles)}")
        return kept


async def check(town: Town, chat: Chat, db_file: Path, report: Report) -> None:
    """Every confirmed form one case, one card and one notice per transition; every confirmed
    booking one row, one card and one confirmation; the database whole and drained."""
    report.lost_answers = len(town.lost)
    report.problems += town.lost
    report.residents_done = len(town.numbers)
    report.taken_retries = town.taken_retries
    officers = {officer_id: await chat.messages(officer_id) for officer_id in OFFICERS}
    with closing(sqlite3.connect(db_file, timeout=30)) as db:
        per_resident = list(
            db.execute(
                "SELECT r.telegram_id, count(*) FROM cases c JOIN residents r ON r.id = c.resident_id "
                "WHERE c.id NOT IN (SELECT case_id FROM bookings) GROUP BY r.telegram_id"
            )
        )
        owners = {str(number): int(chat_id) for number, chat_id in db.execute(REPORT_CASES)}
        bookings = dict(
            db.execute(
                "SELECT r.telegram_id, count(*) FROM bookings b JOIN residents r ON r.id = b.resident_id "
                "GROUP BY r.telegram_id"
            ).fetchall()
        )
        booking_officers = dict(
            db.execute(
                "SELECT c.number, s.telegram_id FROM bookings b JOIN cases c ON c.id = b.case_id "
                "JOIN staff s ON s.id = b.officer_id WHERE b.status = 'confirmed'"
            ).fetchall()
        )
        report.integrity = str(db.execute("PRAGMA integrity_check").fetchone()[0])
        report.inbox_left = int(db.execute("SELECT count(*) FROM inbox WHERE status != 'done'").fetchone()[0])
        report.outbox_left = int(db.execute(OUTBOX_LEFT, (now_stored(),)).fetchone()[0])
        report.outbox_later = int(db.execute(OUTBOX_LATER, (now_stored(),)).fetchone()[0])
        recorded: dict[int, set[int]] = {}
        for chat_id, message_id in db.execute(
            "SELECT chat_id, sent_message_id FROM outbox WHERE sent_message_id IS NOT NULL"
        ):
            recorded.setdefault(int(chat_id), set()).add(int(message_id))
    report.cases = sum(n for _, n in per_resident)
    report.duplicate_cases = sum(n - 1 for _, n in per_resident if n > 1)
    report.booking_rows = sum(bookings.values())
    for chat_id in owners.values():
        name = OFFICERS.get(chat_id, str(chat_id))
        report.cases_by_officer[name] = report.cases_by_officer.get(name, 0) + 1
    tally = _Tally(report, recorded)
    report.notices = {ACCEPTED: 0, RESOLVED: 0}
    for user_id, number in town.numbers.items():
        own = area_of(user_id)[2]
        if owners.get(number) != own:
            report.problems.append(f"{number} went to {owners.get(number)}, not to {OFFICERS[own]} of its area")
        messages = await chat.messages(user_id)
        answers_from = town.resolve_from.get(number, 1 << 62)
        shown = [m for m in officers.get(own, []) if m["message_id"] <= answers_from]
        cards = tally(own, shown, 1, "card", number)
        report.duplicate_cards += max(0, cards - 1)
        report.missing_cards += _absent(shown, number)
        for transition, expected in ((ACCEPTED, 1), (RESOLVED, int(number in town.resolved))):
            notices = tally(user_id, messages, expected, "notice", number, transition)
            report.notices[transition] += notices
            report.duplicate_notices += max(0, notices - 1)
            report.missing_notices += expected and _absent(messages, number, transition)
        confirmations = sum(1 for m in messages if "回音卡编号" in (m.get("text") or "") and number in m["text"])
        if confirmations != 1:
            report.problems.append(f"{user_id} was shown {confirmations} confirmations")
    for user_id in town.confirmed:
        number = town.bookings[user_id]
        staff = booking_officers.get(number)
        before = len(report.problems)
        if bookings.get(user_id) != 1 or staff is None:
            report.problems.append(f"{user_id}'s confirmed booking {number}: {bookings.get(user_id)} rows, {staff}")
        else:
            tally(staff, officers.get(staff, []), 1, "booking card", number)
            tally(user_id, await chat.messages(user_id), 1, "booking confirmation", BOOKING_CONFIRMED)
        report.booking_problems += len(report.problems) > before
    report.bookings = len(town.confirmed)
    for name in ("duplicate_cases", "duplicate_cards", "duplicate_notices", "missing_cards", "missing_notices"):
        if getattr(report, name):
            report.problems.append(f"{name}: {getattr(report, name)}")
    for name in ("inbox_left", "outbox_left"):
        if getattr(report, name):
            report.problems.append(f"{name}: {getattr(report, name)}")
    if report.cases != len(town.numbers):
        report.problems.append(f"{report.cases} cases for {len(town.numbers)} confirmed forms")
    if report.integrity != "ok":
        report.problems.append(f"integrity_check: {report.integrity}")


def _absent(messages: list[dict[str, Any]], *needles: str) -> int:
    return int(not any(all(n in (m.get("text") or "") for n in needles) for m in messages))
