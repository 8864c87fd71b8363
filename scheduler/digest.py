"""The 08:30 digest (每日提醒): each officer's and supervisor's open cases, those due today and
those overdue, counted when the message is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.areas
from core import labels
from core.cases.texts import local
from core.i18n import N_, Safe, fmt, t, tp
from core.models import Language
from core.outbox import payload_tz
from core.outgoing import Outgoing
from storage import people, schedule
from storage.schedule import CaseClock

DIGEST = "digest"


@dataclass(frozen=True, slots=True)
class DigestCounts:
    open: int
    due_today: list[CaseClock]
    overdue: list[CaseClock]


def next_deadline(case: CaseClock) -> datetime | None:
    """The deadline that matters now: acknowledgement until accepted, then resolution."""
    pending = [d for d in (case.ack_due_at if case.accepted_at is None else None, case.resolve_due_at) if d]
    return min(pending) if pending else None


def count(cases: list[CaseClock], now: datetime, today: date, tz: ZoneInfo) -> DigestCounts:
    """The morning digest's figures: the cases, those due today and those past their deadline."""
    due_today: list[CaseClock] = []
    overdue: list[CaseClock] = []
    for case in cases:
        deadline = next_deadline(case)
        if deadline is None:
            continue
        if deadline < now:
            overdue.append(case)
        elif deadline.astimezone(tz).date() == today:
            due_today.append(case)
    return DigestCounts(len(cases), due_today, overdue)


def digest_text(
    lang: Language,
    counts: DigestCounts,
    today: date,
    *,
    areas: bool,
    tz: ZoneInfo,
    names: dict[int, str] | None = None,
    limit: int = 10,
) -> Outgoing:
    """The morning digest for an officer's cases or a supervisor's areas, the first `limit` cases of each list named."""
    title = (
        t(lang, "📋 <b>Daily digest for your areas — {day}</b>", day=today.isoformat())
        if areas
        else t(lang, "📋 <b>Your daily digest — {day}</b>", day=today.isoformat())
    )
    lines = [
        title,
        t(lang, "Open cases: {count}", count=counts.open),
        t(lang, "Due today: {count}", count=len(counts.due_today)),
        t(lang, "Overdue: {count}", count=len(counts.overdue)),
    ]
    for heading, group in ((N_("Overdue"), counts.overdue), (N_("Due today"), counts.due_today)):
        if not group:
            continue
        lines += ["", fmt("<b>{heading}</b>", heading=tp(lang, heading))]
        for case in group[:limit]:
            who = (names or {}).get(case.assignee_id or 0, "—") if areas else ""
            line = t(
                lang,
                "• <code>{number}</code> {kind} — due {due} {who}",
                number=case.number,
                kind=labels.kind(lang, case.kind),
                due=local(next_deadline(case), tz),
                who=who,
            )
            lines.append(line.rstrip())
        if len(group) > limit:
            lines.append(t(lang, "… and {count} more", count=len(group) - limit))
    return Outgoing(Safe("\n".join(lines)))


async def areas_under(conn: AsyncConnection, staff_id: int) -> list[int]:
    """The areas a supervisor covers, with every area below them in the tree."""
    every = await storage.areas.all_areas(conn)
    frontier = [a.id for a in every if a.supervisor_id == staff_id]
    found: set[int] = set()
    while frontier:
        current = frontier.pop()
        if current in found:
            continue
        found.add(current)
        frontier += [a.id for a in every if a.parent_id == current]
    return sorted(found)


async def render_digest(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The staff member's morning digest as the outbox sends it; None when they left or have nothing open."""
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if member is None or not member.active:
        return None
    tz = payload_tz(payload)
    today = date.fromisoformat(payload["day"])
    now = datetime.fromisoformat(payload["at"])
    supervisor = payload.get("scope") == "areas"
    if supervisor:
        found = await schedule.open_in_areas(conn, await areas_under(conn, member.id))
    else:
        found = await schedule.open_for_assignee(conn, member.id)
    if not found:
        return None  # nothing to report: no message rather than an empty one
    names: dict[int, str] = {}
    if supervisor:
        for staff_id in {c.assignee_id for c in found if c.assignee_id}:
            other = await people.staff_member(conn, staff_id)
            names[staff_id] = other.name if other else "—"
    counts = count(found, now, today, tz)
    return digest_text(member.language, counts, today, areas=supervisor, tz=tz, names=names)
