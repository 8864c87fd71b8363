"""SQL of safety alerts: the ledger row, one delivery row per alert and resident, residents' topics.

Deliveries and their outbox rows are queued by INSERT … SELECT in the transaction that starts the
broadcast, so a crash queues every copy or none; the unique (alert, resident) key refuses a second
delivery and the unique dedupe key ``alert:{alert}:{resident}`` a second outbox row. From there the
outbox sends and records each copy (claims with a lease, so two dispatchers never both send one).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from core.alerts.model import ALL_TOPICS, Alert, AlertStatus, Counts, DeliveryStatus, Reach, Topic
from core.models import Language
from core.outgoing import Priority
from storage.schema import outbox, residents, staff
from storage.schema_alerts import alert_choices, alert_deliveries, alerts
from storage.types import UtcDateTime

_LANGUAGES = {lang.value for lang in Language}


def _language(value: str | None) -> Language:
    return Language(value) if value in _LANGUAGES else Language.ZH_HANS


def _alert(row: Row[Any]) -> Alert:
    return Alert(
        id=row.id,
        status=AlertStatus(row.status),
        topic=Topic(row.topic),
        area_ids=tuple(int(a) for a in row.area_ids or ()),
        texts=dict(row.texts or {}),
        source_language=_language(row.source_language),
        photo_file_id=row.photo_file_id,
        urgent=bool(row.urgent),
        drafted_by=row.drafted_by,
        approved_by=row.approved_by,
        created_at=row.created_at,
        approved_at=row.approved_at,
        finished_at=row.finished_at,
        stopped_by=row.stopped_by,
        stopped_at=row.stopped_at,
        target_count=row.target_count,
        unreachable_count=row.unreachable_count,
        screen_chat_id=row.screen_chat_id,
        screen_message_id=row.screen_message_id,
    )


async def insert(conn: AsyncConnection, **values: Any) -> int:
    """Saves a new alert; returns its id."""
    result = await conn.execute(alerts.insert().values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def get(conn: AsyncConnection, alert_id: int) -> Alert | None:
    """The alert with this id, or None."""
    row = (await conn.execute(sa.select(alerts).where(alerts.c.id == alert_id))).first()
    return _alert(row) if row else None


async def move(conn: AsyncConnection, alert_id: int, expected: AlertStatus, **values: Any) -> bool:
    """Changes the alert only if it is still in `expected` (two presses cannot both win)."""
    result = await conn.execute(
        alerts.update().where(alerts.c.id == alert_id, alerts.c.status == expected.value).values(**values)
    )
    return result.rowcount == 1


async def in_period(conn: AsyncConnection, start: datetime, end: datetime) -> list[Alert]:
    """Alerts that went out (were approved) in [start, end), oldest first."""
    rows = await conn.execute(
        sa.select(alerts)
        .where(
            alerts.c.approved_at >= start,
            alerts.c.approved_at < end,
            alerts.c.status.in_([s.value for s in (AlertStatus.SENDING, AlertStatus.DONE, AlertStatus.STOPPED)]),
        )
        .order_by(alerts.c.approved_at, alerts.c.id)
    )
    return [_alert(r) for r in rows]


# --- who gets it ------------------------------------------------------------------------------


def _wanted(area_ids: Sequence[int], topic: Topic, default_on: bool) -> sa.Select[Any]:
    """Residents who consented, live in one of `area_ids`, can be written to and want this topic."""
    choice = alert_choices.alias("choice")
    everything = alert_choices.alias("everything")
    switched_off_all = sa.exists().where(
        everything.c.resident_id == residents.c.id,
        everything.c.topic == ALL_TOPICS,
        everything.c.enabled == sa.false(),
    )
    if default_on:
        wants = ~sa.exists().where(
            choice.c.resident_id == residents.c.id, choice.c.topic == topic.value, choice.c.enabled == sa.false()
        )
    else:
        wants = sa.exists().where(
            choice.c.resident_id == residents.c.id, choice.c.topic == topic.value, choice.c.enabled == sa.true()
        )
    return sa.select(residents.c.id, residents.c.language, residents.c.unreachable).where(
        residents.c.area_id.in_(list(area_ids)),
        residents.c.consented_at.is_not(None),
        residents.c.deleted_at.is_(None),
        residents.c.telegram_id.is_not(None),
        ~switched_off_all,
        wants,
    )


async def reach(conn: AsyncConnection, area_ids: Sequence[int], topic: Topic, default_on: bool) -> Reach:
    """How many residents an alert to `area_ids` would reach, by language, and how many blocked the bot."""
    if not area_ids:
        return Reach()
    wanted = _wanted(area_ids, topic, default_on).subquery()
    rows = await conn.execute(
        sa.select(wanted.c.language, wanted.c.unreachable, sa.func.count()).group_by(
            wanted.c.language, wanted.c.unreachable
        )
    )
    by_language: dict[Language, int] = {}
    unreachable = 0
    for language, blocked, count in rows:
        if blocked:
            unreachable += int(count)
        else:
            lang = _language(language)
            by_language[lang] = by_language.get(lang, 0) + int(count)
    return Reach(by_language=by_language, unreachable=unreachable)


async def queue_deliveries(
    conn: AsyncConnection, alert_id: int, area_ids: Sequence[int], topic: Topic, *, default_on: bool, now: datetime
) -> int:
    """One queued delivery per resident the alert reaches, in one statement; returns how many were added.

    Residents who blocked the bot get none (they are counted as unreachable); queueing again adds
    nobody who has a row already.
    """
    if not area_ids:
        return 0
    wanted = _wanted(area_ids, topic, default_on).where(residents.c.unreachable == sa.false()).subquery()
    existing = alert_deliveries.alias("existing")
    select = sa.select(
        sa.literal(alert_id),
        wanted.c.id,
        sa.literal(DeliveryStatus.QUEUED.value),
        wanted.c.language,
        sa.literal(now, type_=UtcDateTime()),
    ).where(~sa.exists().where(existing.c.alert_id == alert_id, existing.c.resident_id == wanted.c.id))
    result = await conn.execute(
        alert_deliveries.insert().from_select(["alert_id", "resident_id", "status", "language", "created_at"], select)
    )
    return int(result.rowcount)


# --- sending ----------------------------------------------------------------------------------


async def recipient(conn: AsyncConnection, delivery_id: int) -> tuple[int, int | None, Language] | None:
    """(resident id, Telegram id, language) of a delivery."""
    row = (
        await conn.execute(
            sa.select(alert_deliveries.c.resident_id, residents.c.telegram_id, alert_deliveries.c.language)
            .join(residents, residents.c.id == alert_deliveries.c.resident_id)
            .where(alert_deliveries.c.id == delivery_id)
        )
    ).first()
    return (int(row[0]), row[1], _language(row[2])) if row else None


async def cancel_queued(conn: AsyncConnection, alert_id: int) -> int:
    """Cancels every delivery of the alert not yet claimed; copies being sent finish."""
    result = await conn.execute(
        alert_deliveries.update()
        .where(alert_deliveries.c.alert_id == alert_id, alert_deliveries.c.status == DeliveryStatus.QUEUED.value)
        .values(status=DeliveryStatus.CANCELLED.value)
    )
    return int(result.rowcount)


async def counts(conn: AsyncConnection, alert_id: int) -> Counts:
    """Where the residents' copies stand, from the delivery rows themselves."""
    rows = await conn.execute(
        sa.select(alert_deliveries.c.status, sa.func.count())
        .where(alert_deliveries.c.alert_id == alert_id)
        .group_by(alert_deliveries.c.status)
    )
    tally = {status.value: 0 for status in DeliveryStatus}
    for status, count in rows:
        tally[status] = int(count)
    return Counts(total=sum(tally.values()), **tally)


# --- residents' choices -----------------------------------------------------------------------


async def choices(conn: AsyncConnection, resident_id: int) -> dict[str, bool]:
    """The topics (and "all") a resident set differently from the default."""
    rows = await conn.execute(
        sa.select(alert_choices.c.topic, alert_choices.c.enabled).where(alert_choices.c.resident_id == resident_id)
    )
    return {r.topic: bool(r.enabled) for r in rows}


async def set_choice(conn: AsyncConnection, resident_id: int, topic: str, enabled: bool, now: datetime) -> None:
    """Records one choice of a resident (a topic, or "all"), replacing the one before."""
    await conn.execute(
        alert_choices.delete().where(alert_choices.c.resident_id == resident_id, alert_choices.c.topic == topic)
    )
    await conn.execute(
        alert_choices.insert().values(resident_id=resident_id, topic=topic, enabled=enabled, updated_at=now)
    )


async def forget_resident(conn: AsyncConnection, resident_id: int) -> None:
    """Deleting an account: their choices go and their queued copies are cancelled."""
    await conn.execute(alert_choices.delete().where(alert_choices.c.resident_id == resident_id))
    await conn.execute(
        alert_deliveries.update()
        .where(
            alert_deliveries.c.resident_id == resident_id,
            alert_deliveries.c.status == DeliveryStatus.QUEUED.value,
        )
        .values(status=DeliveryStatus.CANCELLED.value)
    )


async def update(conn: AsyncConnection, alert_id: int, **values: Any) -> None:
    """Changes the given columns of one alert."""
    await conn.execute(alerts.update().where(alerts.c.id == alert_id).values(**values))


async def with_status(conn: AsyncConnection, status: AlertStatus) -> list[Alert]:
    """The alerts in one status, oldest first."""
    rows = await conn.execute(sa.select(alerts).where(alerts.c.status == status.value).order_by(alerts.c.id))
    return [_alert(r) for r in rows]


# --- copies in the outbox ---------------------------------------------------------------------

OUTBOX_KIND = "alert"
# What the dispatcher writes for a resident who blocked the bot (scheduler/dispatcher.py).
_BLOCKED_PREFIXES = ("403", "resident unreachable")


async def queue_outbox(
    conn: AsyncConnection, alert_id: int, *, urgent: bool, station: str, default_on: bool, now: datetime
) -> int:
    """One outbox row per queued delivery of the alert, in one statement (bulk priority)."""
    head = json.dumps({"alert_id": alert_id, "default_on": default_on, "station": station}, ensure_ascii=False)
    payload = sa.literal(head[:-1] + ', "delivery_id": ') + sa.cast(alert_deliveries.c.id, sa.String) + sa.literal("}")
    moment = sa.literal(now, type_=UtcDateTime())
    select = (
        sa.select(
            sa.literal(f"alert:{alert_id}:") + sa.cast(alert_deliveries.c.resident_id, sa.String),
            residents.c.telegram_id,
            sa.literal("resident"),
            sa.literal(OUTBOX_KIND),
            payload,
            sa.literal(int(Priority.BULK)),
            sa.literal(urgent, type_=sa.Boolean()),
            sa.literal("pending"),
            moment,
            moment,
            moment,
        )
        .select_from(alert_deliveries.join(residents, residents.c.id == alert_deliveries.c.resident_id))
        .where(
            alert_deliveries.c.alert_id == alert_id,
            alert_deliveries.c.status == DeliveryStatus.QUEUED.value,
            residents.c.telegram_id.is_not(None),
        )
    )
    columns = [
        "dedupe_key",
        "chat_id",
        "audience",
        "kind",
        "payload",
        "priority",
        "urgent",
        "status",
        "due_at",
        "next_attempt_at",
        "created_at",
    ]
    result = await conn.execute(outbox.insert().from_select(columns, select))
    return int(result.rowcount)


def _copies(alert_id: int) -> Any:
    return sa.and_(outbox.c.kind == OUTBOX_KIND, outbox.c.dedupe_key.like(f"alert:{alert_id}:%"))


async def outbox_counts(conn: AsyncConnection, alert_id: int) -> Counts:
    """Where the residents' copies stand, read from their outbox rows."""
    reason = sa.func.substr(sa.func.coalesce(outbox.c.last_error, ""), 1, 24)
    rows = await conn.execute(
        sa.select(outbox.c.status, reason, sa.func.count()).where(_copies(alert_id)).group_by(outbox.c.status, reason)
    )
    tally = dict.fromkeys(("queued", "sending", "sent", "blocked", "failed", "cancelled"), 0)
    for status, why, count in rows:
        if status == "sent":
            tally["sent"] += count
        elif status == "pending":
            tally["queued"] += count
        elif status == "sending":
            tally["sending"] += count
        elif str(why).startswith(_BLOCKED_PREFIXES):
            tally["blocked"] += count
        elif status == "failed":
            tally["failed"] += count
        else:
            tally["cancelled"] += count
    return Counts(total=sum(tally.values()), **tally)


async def cancel_outbox(conn: AsyncConnection, alert_id: int) -> int:
    """Cancels the copies not yet claimed by a sender (a claimed one is declined by its renderer)."""
    result = await conn.execute(
        outbox.update()
        .where(_copies(alert_id), outbox.c.status == "pending")
        .values(status="cancelled", last_error="alert stopped by staff")
    )
    return int(result.rowcount)


async def hand_over(conn: AsyncConnection, alert_id: int) -> None:
    """The alert's queued deliveries are in the outbox now, which sends and records each copy."""
    await conn.execute(
        alert_deliveries.update()
        .where(alert_deliveries.c.alert_id == alert_id, alert_deliveries.c.status == DeliveryStatus.QUEUED.value)
        .values(status=DeliveryStatus.SENDING.value)
    )


async def staff_names(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, str]:
    """The names of these staff members, also of those no longer active (the ledger keeps who did it)."""
    if not ids:
        return {}
    rows = await conn.execute(sa.select(staff.c.id, staff.c.name).where(staff.c.id.in_(sorted(set(ids)))))
    return {int(r.id): str(r.name) for r in rows}
