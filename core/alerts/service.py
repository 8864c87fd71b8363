"""Drafting, approving, starting and stopping alerts, and who they reach.

Who may do what: supervisors and leaders send; officers draft, and their draft goes out once a
supervisor or leader approves it (or at once when the station turns approval off). Every step
re-reads the alert and moves it only from the state it expects, so two presses cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import storage.alerts
import storage.areas
from core.alerts.model import Alert, AlertStatus, Counts, Reach, Topic, covered
from core.models import Area, Language, Resident, Role, Staff
from core.services import Services
from storage import people

SENDERS = (Role.SUPERVISOR, Role.LEADER)


class NotAllowed(Exception):
    """The staff member may not do this with alerts."""


def may_draft(staff: Staff) -> bool:
    """Whether the staff member may write an alert (officers and those who may send)."""
    return staff.active and staff.role in (Role.OFFICER, *SENDERS)


def may_send(staff: Staff, services: Services) -> bool:
    """Sends (and approves) without anyone else: supervisors and leaders, officers only when the
    station does not ask for approval."""
    if not staff.active:
        return False
    if staff.role in SENDERS:
        return True
    return staff.role is Role.OFFICER and not services.config.alerts_need_approval


async def reach(services: Services, area_ids: Sequence[int], topic: Topic) -> Reach:
    """Who an alert to these areas (and every area under them) would reach today."""
    async with services.db.read() as conn:
        areas = await storage.areas.all_areas(conn)
        return await storage.alerts.reach(
            conn, sorted(covered(areas, area_ids)), topic, services.config.alerts_default_on
        )


@dataclass(frozen=True, slots=True)
class Draft:
    area_ids: tuple[int, ...]
    topic: Topic
    texts: dict[str, str]  # {language: text}; the sender's language at least
    source_language: Language
    photo_file_id: str | None = None
    urgent: bool = False


async def submit(services: Services, staff: Staff, draft: Draft) -> Alert:
    """Records the alert, waiting for approval (or for the sender's own confirmation)."""
    if not may_draft(staff):
        raise NotAllowed
    if not draft.area_ids or not any(text.strip() for text in draft.texts.values()):
        raise ValueError("an alert needs an area and a text")
    now = services.clock.now()
    async with services.db.write() as conn:
        alert_id = await storage.alerts.insert(
            conn,
            status=AlertStatus.AWAITING_APPROVAL.value,
            topic=draft.topic.value,
            area_ids=list(draft.area_ids),
            texts={k: v for k, v in draft.texts.items() if v.strip()},
            source_language=draft.source_language.value,
            photo_file_id=draft.photo_file_id,
            urgent=draft.urgent,
            drafted_by=staff.id,
            created_at=now,
        )
        found = await storage.alerts.get(conn, alert_id)
    assert found is not None
    return found


async def start(services: Services, staff: Staff, alert_id: int) -> Alert | None:
    """Approves the alert and queues one delivery per resident it reaches, in one transaction.

    None when it is no longer waiting (approved, declined or stopped by someone else meanwhile).
    """
    if not may_send(staff, services):
        raise NotAllowed
    now = services.clock.now()
    async with services.db.write() as conn:
        alert = await storage.alerts.get(conn, alert_id)
        if alert is None or alert.status is not AlertStatus.AWAITING_APPROVAL:
            return None
        areas = sorted(covered(await storage.areas.all_areas(conn), alert.area_ids))
        default_on = services.config.alerts_default_on
        reached = await storage.alerts.reach(conn, areas, alert.topic, default_on)
        if not await storage.alerts.move(
            conn,
            alert_id,
            AlertStatus.AWAITING_APPROVAL,
            status=AlertStatus.SENDING.value,
            approved_by=staff.id,
            approved_at=now,
            unreachable_count=reached.unreachable,
        ):
            return None
        queued = await storage.alerts.queue_deliveries(
            conn, alert_id, areas, alert.topic, default_on=default_on, now=now
        )
        await storage.alerts.queue_outbox(
            conn, alert_id, urgent=alert.urgent, station=services.config.name, default_on=default_on, now=now
        )
        await storage.alerts.hand_over(conn, alert_id)
        await storage.alerts.move(conn, alert_id, AlertStatus.SENDING, target_count=queued)
        started = await storage.alerts.get(conn, alert_id)
    services.wake_sender()
    return started


async def decline(services: Services, staff: Staff, alert_id: int) -> bool:
    """Declines an alert awaiting approval; False when it was no longer waiting."""
    if not may_send(staff, services):
        raise NotAllowed
    async with services.db.write() as conn:
        return await storage.alerts.move(
            conn,
            alert_id,
            AlertStatus.AWAITING_APPROVAL,
            status=AlertStatus.DECLINED.value,
            stopped_by=staff.id,
            stopped_at=services.clock.now(),
        )


async def stop(services: Services, staff: Staff, alert_id: int) -> Counts | None:
    """Stops a running alert: what was not sent yet is cancelled. None when it was not running."""
    if not may_send(staff, services):
        raise NotAllowed
    now = services.clock.now()
    async with services.db.write() as conn:
        if not await storage.alerts.move(
            conn,
            alert_id,
            AlertStatus.SENDING,
            status=AlertStatus.STOPPED.value,
            stopped_by=staff.id,
            stopped_at=now,
        ):
            return None
        await storage.alerts.cancel_queued(conn, alert_id)
        await storage.alerts.cancel_outbox(conn, alert_id)
        return await storage.alerts.outbox_counts(conn, alert_id)


async def areas(services: Services) -> list[Area]:
    """Every area of the station, for choosing where an alert goes."""
    async with services.db.read() as conn:
        return await storage.areas.all_areas(conn)


async def get(services: Services, alert_id: int) -> Alert | None:
    """The alert with this number, or None."""
    async with services.db.read() as conn:
        return await storage.alerts.get(conn, alert_id)


async def drafter(services: Services, alert: Alert) -> Staff | None:
    """The staff member who wrote the alert, or None when unknown."""
    if alert.drafted_by is None:
        return None
    async with services.db.read() as conn:
        return await people.staff_member(conn, alert.drafted_by)


async def set_screen(services: Services, alert_id: int, chat_id: int, message_id: int) -> None:
    """Where the sender's progress screen is, so that the sender can edit it in place."""
    async with services.db.write() as conn:
        await storage.alerts.update(conn, alert_id, screen_chat_id=chat_id, screen_message_id=message_id)


async def set_topic(services: Services, resident: Resident, topic: str, enabled: bool) -> None:
    """A resident's choice for one topic (or "all")."""
    async with services.db.write() as conn:
        await storage.alerts.set_choice(conn, resident.id, topic, enabled, services.clock.now())


RECENT_DAYS = 30


async def recent_for(services: Services, resident: Resident, limit: int = 10) -> list[Alert]:
    """The alerts of the last RECENT_DAYS days that went to the resident's area, newest first."""
    if resident.area_id is None:
        return []
    now = services.clock.now()
    async with services.db.read() as conn:
        areas = await storage.areas.all_areas(conn)
        sent = await storage.alerts.in_period(conn, now - timedelta(days=RECENT_DAYS), now + timedelta(seconds=1))
    mine = [a for a in sent if resident.area_id in covered(areas, a.area_ids)]
    return list(reversed(mine))[:limit]
