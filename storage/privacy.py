"""Where personal data lives: the one inventory that deleting an account and the retention sweep use.

Every column that can hold a resident's name, phone number, Telegram id, personal numbers typed
into free text, photos or location is listed in `INVENTORY` with how forgetting treats it; every
other text column of the schema is listed in `NOT_PERSONAL` with why (tests/resident/test_privacy.py
fails on a column in neither, so a new column has to be thought about). `forget_resident` and
`scrub_cases` walk the inventory; they run in the caller's write transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

import storage.alerts
import storage.cards
import storage.inbox
import storage.jobs
import storage.visit_plans
import storage.visits
from core import pii
from core.models import Resident
from storage.schema import (
    bookings,
    buttons,
    case_events,
    case_photos,
    cases,
    dialog_drafts,
    dialogs,
    followups,
    outbox,
    rate_events,
    residents,
    visits,
)

# What a column holds.
IDENTITY = "who the resident is (name, phone, Telegram id)"
FREE_TEXT = "text typed by a resident or by staff about them (personal numbers in it)"
ATTACHMENT = "photos and location"
RAW = "raw Telegram updates and drafts (anything the resident sent)"
VISIT = "what an officer recorded on a home visit to the household"
FILE = "a prepared ledger, with its residents' cases"


@dataclass(frozen=True, slots=True)
class Place:
    """A column holding personal data, and what forgetting a resident does to it."""

    table: str
    column: str
    holds: str
    forgetting: str


INVENTORY: tuple[Place, ...] = (
    Place("residents", "first_name", IDENTITY, "emptied"),
    Place("residents", "phone", IDENTITY, "emptied"),
    Place("residents", "telegram_id", IDENTITY, "emptied"),
    Place("cases", "description", FREE_TEXT, "personal numbers, name and phone replaced by stars"),
    Place("cases", "resolution_note", FREE_TEXT, "personal numbers, name and phone replaced by stars"),
    Place("cases", "location_lat", ATTACHMENT, "emptied"),
    Place("cases", "location_lon", ATTACHMENT, "emptied"),
    Place("case_photos", "file_id", ATTACHMENT, "rows deleted"),
    Place("case_events", "note", FREE_TEXT, "personal numbers, name and phone replaced by stars"),
    Place("case_events", "data", FREE_TEXT, "personal numbers, name and phone replaced by stars"),
    Place("followups", "comment", FREE_TEXT, "personal numbers, name and phone replaced by stars"),
    Place("visits", "note", FREE_TEXT, "personal numbers, name and phone replaced by stars"),
    Place("bookings", "cancel_reason", FREE_TEXT, "personal numbers, name and phone replaced by stars"),
    Place("bookings", "outcome_note", FREE_TEXT, "personal numbers, name and phone replaced by stars"),
    Place("dialogs", "data", RAW, "the resident's rows deleted"),
    Place("dialog_drafts", "data", RAW, "the resident's rows deleted"),
    Place(
        "inbox", "payload", RAW, "emptied (the update id stays, to refuse a replay); others' updates quoting them too"
    ),
    Place("inbox", "user_id", IDENTITY, "emptied"),
    Place("buttons", "user_id", IDENTITY, "the resident's grants deleted"),
    Place("rate_events", "user_id", IDENTITY, "the resident's rows deleted"),
    Place("cards", "resident_id", IDENTITY, "emptied (the card stays used, so nobody else can take it)"),
    Place("card_handovers", "resident_id", IDENTITY, "emptied (the card stays handed over)"),
    Place("outbox", "chat_id", IDENTITY, "set to 0; rows not sent yet cancelled"),
    Place("outbox", "payload", RAW, "emptied for rows to the resident"),
    Place("home_visits", "address", VISIT, "emptied"),
    Place("home_visits", "notes", VISIT, "personal numbers, name and phone replaced by stars, in every visit"),
    Place("home_visits", "photos", VISIT, "emptied"),
    Place("home_visits", "location_lat", VISIT, "emptied"),
    Place("home_visits", "location_lon", VISIT, "emptied"),
    Place("job_parts", "data", FILE, "every stored file dropped (they are dropped a day after sending anyway)"),
)

# Text columns that never hold a resident's personal data, and why.
NOT_PERSONAL: dict[str, str] = {
    "alembic_version.version_num": "schema revision",
    "staff.badge": "staff data",
    "staff.name": "staff data",
    "staff.role": "staff data",
    "staff.language": "staff data",
    "staff_invites.code_hash": "staff data",
    "areas.code": "the area tree",
    "areas.name": "the area tree",
    "areas.level": "the area tree",
    "areas.names": "the area tree (its names in other languages)",
    "areas.station_type": "the area tree (the kind of station)",
    "areas.titles": "the area tree (the titles of the station's roles)",
    "residents.language": "a setting",
    "cases.number": "the ledger",
    "cases.kind": "the ledger",
    "cases.category": "the ledger",
    "cases.status": "the ledger",
    "cases.close_reason": "a code",
    "case_events.action": "a code",
    "case_events.actor_kind": "a code",
    "case_events.from_status": "a code",
    "case_events.to_status": "a code",
    "case_counters.day": "a counter",
    "dialogs.flow": "a code",
    "dialogs.step": "a code",
    "dialog_drafts.flow": "a code",
    "dialog_drafts.step": "a code",
    "inbox.status": "a code",
    "inbox.claimed_by": "a process name",
    "buttons.token": "a random token",
    "buttons.action": "a code",
    "buttons.payload": "ids of cases, bookings and steps",
    "audit_log.actor": "who looked (staff or system)",
    "audit_log.action": "a code",
    "audit_log.subject": "an internal id",
    "audit_log.detail": "a case number or the reason of a look-up",
    "rate_events.kind": "a code",
    "outbox.dedupe_key": "internal ids",
    "outbox.audience": "a code",
    "outbox.kind": "a code",
    "outbox.status": "a code",
    "outbox.last_error": "Telegram's error text",
    "outbox.claimed_by": "a process name",
    "followups.satisfaction": "a code",
    "followups.outcome": "a code",
    "bookings.topic": "a code",
    "bookings.status": "a code",
    "bookings.room": "a random room name",
    "bookings.video_url": "the room's link",
    "bookings.cancelled_by": "a code",
    "alerts.status": "a code",
    "alerts.topic": "a code",
    "alerts.area_ids": "ids of areas",
    "alerts.texts": "a public alert written by staff for every resident of an area",
    "alerts.source_language": "a setting",
    "alerts.photo_file_id": "a public alert's photo chosen by staff",
    "alert_deliveries.status": "a code",
    "alert_deliveries.language": "a setting",
    "alert_choices.topic": "a code",
    "card_counters.series": "a counter",
    "card_profiles.title": "staff data",
    "card_profiles.contact": "staff data (the officer's own contact line)",
    "cards.number": "the ledger (the card's printed number)",
    "cards.code_hash": "a hash of a random code",
    "case_sources.channel": "a code (家访, 来访, 来电, 回音卡)",
    "case_sources.echo": "a code (suggestion, problem, praise, complaint)",
    "home_visits.kind": "a code (昼访, 夜访)",
    "phone_followups.reason": "a code (why the resident is called)",
    "jobs.kind": "a code",
    "jobs.status": "a code",
    "jobs.claimed_by": "a process name",
    "jobs.payload": "what was asked for (period, area, language)",
    "jobs.result_meta": "the file's name and caption (period, area, count)",
    "jobs.last_error": "the error text of a failed attempt",
}

# The free-text columns, and the column naming the case each row belongs to.
_FREE_TEXTS: tuple[tuple[sa.Table, str, sa.Column[Any]], ...] = (
    (cases, "description", cases.c.id),
    (cases, "resolution_note", cases.c.id),
    (case_events, "note", case_events.c.case_id),
    (case_events, "data", case_events.c.case_id),
    (followups, "comment", followups.c.case_id),
    (visits, "note", visits.c.case_id),
    (bookings, "cancel_reason", bookings.c.case_id),
    (bookings, "outcome_note", bookings.c.case_id),
)
assert {(t.name, c) for t, c, _ in _FREE_TEXTS} == {(p.table, p.column) for p in INVENTORY if p.holds == FREE_TEXT}

DELETED = "已删除"  # what the bot's quoted screens say instead of a deleted resident's name or phone
_MIN_NAME = 2  # a one-character name is too common to search other texts for


def _stars(text: str, needles: Iterable[str]) -> str:
    for needle in needles:
        text = text.replace(needle, "*" * len(needle))
    return text


def _scrubbed(value: Any, needles: tuple[str, ...]) -> Any:
    """A column's value with personal numbers and the needles replaced by stars (JSON walked)."""
    if isinstance(value, str):
        return _stars(pii.scrub(value), needles)
    if isinstance(value, dict):
        return {k: _scrubbed(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, needles) for v in value]
    return value


async def scrub_cases(conn: AsyncConnection, case_ids: list[int], needles: tuple[str, ...] = ()) -> list[str]:
    """Replaces personal numbers (and `needles`: a name, a phone) in every free text of the cases.

    Returns the personal numbers that were there, so their other copies can be looked for too.
    """
    seen: list[str] = []
    if not case_ids:
        return seen
    for table, column, case_column in _FREE_TEXTS:
        key = table.c.id
        col = table.c[column]
        rows = await conn.execute(sa.select(key, col).where(case_column.in_(case_ids), col.is_not(None)))
        for row_id, value in rows.all():
            text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            found = pii.numbers(text)
            if not found and not any(n in text for n in needles):
                continue
            seen.extend(found)
            await conn.execute(table.update().where(key == row_id).values({column: _scrubbed(value, needles)}))
    return seen


def _needles(resident: Resident) -> tuple[str, ...]:
    found = [resident.phone] if resident.phone else []
    if len(resident.first_name) >= _MIN_NAME:
        found.append(resident.first_name)
    return tuple(found)


async def forget_resident(conn: AsyncConnection, resident: Resident, now: datetime) -> list[int]:
    """Forgets a resident everywhere the inventory lists; their cases stay, anonymised.

    Returns the ids of their cases, whose officers' cards the caller has redrawn.
    """
    needles = _needles(resident)
    theirs = [r for (r,) in await conn.execute(sa.select(cases.c.id).where(cases.c.resident_id == resident.id))]
    numbers = await scrub_cases(conn, theirs, needles)
    if theirs:
        await conn.execute(case_photos.delete().where(case_photos.c.case_id.in_(theirs)))
        await conn.execute(cases.update().where(cases.c.id.in_(theirs)).values(location_lat=None, location_lon=None))
    await storage.cards.forget_resident(conn, resident.id)
    await conn.execute(
        residents.update()
        .where(residents.c.id == resident.id)
        .values(telegram_id=None, first_name="", phone=None, consented_at=None, deleted_at=now)
    )
    await storage.alerts.forget_resident(conn, resident.id)
    await storage.visits.forget_resident(conn, resident.id, needles, lambda text: _scrubbed(text, needles))
    await storage.visit_plans.forget_residents(conn, [resident.id])
    await storage.jobs.forget_files(conn)
    telegram_id = resident.telegram_id
    if telegram_id is not None:
        await conn.execute(dialogs.delete().where(dialogs.c.user_id == telegram_id))
        await conn.execute(dialog_drafts.delete().where(dialog_drafts.c.user_id == telegram_id))
        await conn.execute(buttons.delete().where(buttons.c.user_id == telegram_id))
        await conn.execute(rate_events.delete().where(rate_events.c.user_id == telegram_id))
        await conn.execute(
            outbox.update()
            .where(outbox.c.chat_id == telegram_id, outbox.c.status.in_(("pending", "sending")))
            .values(status="cancelled", last_error="the resident deleted their data")
        )
        await conn.execute(outbox.update().where(outbox.c.chat_id == telegram_id).values(chat_id=0, payload={}))
        await storage.inbox.forget_user(conn, telegram_id)
    await storage.inbox.scrub_mentions(conn, (*needles, *numbers), DELETED)
    return theirs
