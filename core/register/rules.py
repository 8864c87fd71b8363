"""/register: a case for someone who came in or phoned, filed by the officer who received them.

The officer who registers the case is its first receiver and owns it (首问责任制) unless they
transfer it: it goes to their own queue, not to the area's officer. The person is found by their
phone number among the residents the bot knows, or kept as a new household without Telegram,
whose follow-up will be a phone call. The case is in the ledger like any other, its channel
(来访 or 来电) recorded in case_sources.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

import storage.areas
import storage.cards
import storage.cases
from core import areas
from core.cards import handover
from core.cards.model import Channel
from core.cases import filing, notify
from core.cases.filing import FormSentAlready, NewCase
from core.models import DEFAULT_LANGUAGE, Area, Case, Category, Kind, Resident, Staff
from core.register import form
from core.services import Services
from storage import dialogs, people

log = logging.getLogger(__name__)


async def person_for(services: Services, phone: str) -> Resident | None:
    """The resident the bot already knows by this phone number, if any."""
    async with services.db.read() as conn:
        return await people.resident_by_phone(conn, phone)


@dataclass(frozen=True, slots=True)
class Registered:
    case: Case
    person: Resident
    card: str | None = None  # the 回音卡 handed over with the case


async def register(services: Services, staff: Staff, data: dict[str, Any], update_id: int | None) -> Registered:
    """Files the registered case (the form must still be at its review step); a replay finds it again.

    A 回音卡 handed over with it is the person's: their first scan attaches them (core/cards/handover.py).
    """
    now = services.clock.now()
    async with services.db.write() as conn:
        if update_id is not None:
            existing = await storage.cases.by_source_update(conn, update_id)
            if existing is not None and existing.resident_id is not None:
                found = await people.resident(conn, existing.resident_id)
                assert found is not None
                return Registered(existing, found, await storage.cards.handed_with_case(conn, existing.id))
        if staff.telegram_id is None or not await dialogs.close_at(conn, staff.telegram_id, form.FLOW, form.REVIEW):
            raise FormSentAlready
        area_id = int(data["area_id"]) if data.get("area_id") else None
        if area_id is not None and await storage.areas.area(conn, area_id) is None:
            area_id = None
        resident = await people.resident_by_phone(conn, str(data["phone"]))
        if resident is None:
            resident = await people.insert_offline_resident(
                conn,
                first_name=str(data["name"]),
                phone=str(data["phone"]),
                area_id=area_id,
                language=DEFAULT_LANGUAGE,
                now=now,
            )
        elif resident.area_id is None and area_id is not None:
            await people.update_resident(conn, resident.id, area_id=area_id)
        kind, channel = Kind(data["kind"]), Channel(data["channel"])
        case_id, event_id = await filing.file_in(
            conn,
            services,
            dataclasses.replace(resident, area_id=area_id or resident.area_id),
            NewCase(kind=kind, category=Category(data["category"]), description=str(data["description"])),
            now=now,
            update_id=update_id,
            assignee_id=staff.id,
            ack_due_at=services.deadlines.ack_deadline(kind, now),
            resolve_due_at=services.deadlines.resolve_deadline(kind, now, services.calendar),
            event_data={"channel": channel.value, "registered_by": staff.id},
        )
        await storage.cards.add_source(conn, case_id, channel)
        await notify.notify_staff(conn, staff.id, case_id, event_id, "new", now, services.config.tz.key)
        card = await handover.hand_over_typed(
            conn, data.get("card"), staff_id=staff.id, household=resident, now=now, case_id=case_id
        )
        case = await storage.cases.get(conn, case_id)
    assert case is not None
    services.wake_sender()
    log.info("case %s registered by staff %s (%s)", case.id, staff.id, channel.value)
    return Registered(case, resident, card)


async def area_choices(
    services: Services, staff: Staff, parent_id: int | None
) -> tuple[Area | None, list[Area], list[Area]]:
    """The area picker: the part shown, its choices, and the areas the officer covers themselves."""
    parent, options = await areas.choices(services, parent_id)
    async with services.db.read() as conn:
        own = [a for a in await storage.areas.covered_by(conn, staff.id) if a.officer_id == staff.id]
    return parent, options, sorted(own, key=lambda a: a.id)


async def area_and_parts(services: Services, area_id: int) -> tuple[Area | None, bool]:
    """The area, and whether it has parts to choose among (then it is not where someone lives)."""
    found, parts = await areas.with_parts(services, area_id)
    return found, bool(parts)
