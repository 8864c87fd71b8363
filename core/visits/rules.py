"""/visit: finding the household, recording the visit, and filing each matter raised as a case.

Each matter is a case on behalf of the household, channel 家访 (case_sources) and linked to its
visit (home_visit_matters), routed to the area's officer like a resident's own report: it is in
their queue and worked like any case. A visit with nothing raised is a valid visit. The 回音卡
the officer handed over, if any, becomes the visit's and the household's (core/cards/handover.py).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import core.register.rules
import storage.areas
import storage.cards
import storage.cases
import storage.visit_plans
import storage.visits
from core.cards import handover
from core.cards.model import Channel
from core.cases import filing, notify
from core.cases.filing import FormSentAlready, NewCase
from core.cases.routing import area_chain, responsible
from core.i18n import tp
from core.models import DEFAULT_LANGUAGE, Area, Category, Kind, Language, Resident, Staff
from core.names import area_name
from core.services import Services
from core.visits import form
from core.visits.model import Household, Visit, VisitKind
from storage import dialogs, people

log = logging.getLogger(__name__)

FIRST_NAME_MAX = 128  # residents.first_name
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,22}$")


@dataclass(frozen=True, slots=True)
class Recorded:
    visit: Visit
    numbers: list[str]
    card: str | None = None  # the 回音卡 handed over on the visit


def own_area_ids(areas: list[Area], staff_id: int) -> list[int]:
    """The areas an officer looks after (民警联系户) and every part of them."""
    ids = {a.id for a in areas if a.officer_id == staff_id}
    grew = True
    while grew:
        more = {a.id for a in areas if a.parent_id in ids} - ids
        ids |= more
        grew = bool(more)
    return sorted(ids)


async def _names(conn: Any, lang: Language) -> dict[int, str]:
    return {a.id: area_name(a, lang) for a in await storage.areas.all_areas(conn)}


async def households_due(services: Services, staff: Staff, limit: int) -> list[tuple[Household, str]]:
    """The households of the officer's areas not visited for the longest time, with their area's name."""
    async with services.db.read() as conn:
        areas = await storage.areas.all_areas(conn)
        found = await storage.visits.households_by_last_visit(conn, own_area_ids(areas, staff.id), limit)
    names = {a.id: area_name(a, staff.language) for a in areas}
    return [(h, names.get(h.area_id or 0, "—")) for h in found]


async def search(services: Services, staff: Staff, text: str) -> list[tuple[Household, str]]:
    """Residents by name, phone number or area name."""
    cleaned = text.strip()
    phones = people.phone_variants(re.sub(r"[ -]", "", cleaned)) if _PHONE.match(cleaned) else []
    async with services.db.read() as conn:
        areas = await storage.areas.all_areas(conn)
        matching = [a.id for a in areas if cleaned and cleaned in {a.name, area_name(a, staff.language)}]
        found = await storage.visits.find_residents(
            conn, text=cleaned, phones=phones, area_ids=matching, limit=form.FOUND_MAX
        )
    names = {a.id: area_name(a, staff.language) for a in areas}
    return [(h, names.get(h.area_id or 0, "—")) for h in found]


def labelled(lang: Language, found: list[tuple[Household, str]]) -> list[list[Any]]:
    """The form's list of [resident id, button label]."""
    return [[h.resident_id, form.household_label(lang, h, area)] for h, area in found]


async def household_of(services: Services, staff: Staff, data: dict[str, Any]) -> tuple[str, str]:
    """The household's name and area name, for the review."""
    async with services.db.read() as conn:
        names = await _names(conn, staff.language)
        if data.get("resident_id"):
            resident = await people.resident(conn, int(data["resident_id"]))
            if resident is not None:
                return resident.first_name, names.get(resident.area_id or 0, "—")
        area_id = await _new_area(conn, staff, data)
    return new_name(staff.language, data), names.get(area_id or 0, "—")


def new_name(lang: Language, data: dict[str, Any]) -> str:
    """A new household's name: the one typed, or (without consent) its address only."""
    if data.get("consent") is False:
        return form.unnamed(lang, str(data.get("address") or "—"))[:FIRST_NAME_MAX]
    return str(data.get("name") or "—")


async def _new_area(conn: Any, staff: Staff, data: dict[str, Any]) -> int | None:
    """The area chosen for a new household, if it still exists; else the officer's own first area."""
    if data.get("area_id") and await storage.areas.area(conn, int(data["area_id"])) is not None:
        return int(data["area_id"])
    own = own_area_ids(await storage.areas.all_areas(conn), staff.id)
    return own[0] if own else None


async def area_choices(
    services: Services, staff: Staff, parent_id: int | None
) -> tuple[Area | None, list[Area], list[Area]]:
    """The area picker of a new household (as /register's): the part shown, its choices and the
    officer's own areas."""
    return await core.register.rules.area_choices(services, staff, parent_id)


def recognised_kind(services: Services, at: datetime) -> VisitKind:
    """夜访 inside the station's night-visit window, 昼访 otherwise."""
    night = services.config.night_visits.is_night(at, services.config.tz)
    return VisitKind.NIGHT if night else VisitKind.DAY


async def _household(conn: Any, staff: Staff, data: dict[str, Any], now: datetime) -> Resident:
    if data.get("resident_id"):
        resident = await people.resident(conn, int(data["resident_id"]))
        if resident is not None and not resident.deleted:
            return resident
        raise FormSentAlready
    return await people.insert_offline_resident(
        conn,
        first_name=new_name(staff.language, data),
        phone=None,
        area_id=await _new_area(conn, staff, data),
        language=DEFAULT_LANGUAGE,
        now=now,
    )


async def record(services: Services, staff: Staff, data: dict[str, Any], update_id: int | None) -> Recorded:
    """Records the visit and files its matters (the form must still be at its review step)."""
    now = services.clock.now()
    async with services.db.write() as conn:
        if update_id is not None:
            existing = await storage.visits.by_update(conn, update_id)
            if existing is not None:
                card = await storage.cards.handed_on_visit(conn, existing.id)
                return Recorded(existing, list(existing.matters), card)
        if staff.telegram_id is None or not await dialogs.close_at(conn, staff.telegram_id, form.FLOW, form.REVIEW):
            raise FormSentAlready
        resident = await _household(conn, staff, data, now)
        location = data.get("location")
        visit_id = await storage.visits.insert(
            conn,
            officer_id=staff.id,
            resident_id=resident.id,
            area_id=resident.area_id,
            visited_at=now,
            kind=VisitKind(data["kind"]),
            notes=str(data["notes"]),
            photos=[str(p) for p in data.get("photos") or []],
            location=(float(location[0]), float(location[1])) if location else None,
            address=data.get("address"),
            consent=data.get("consent") if not data.get("resident_id") else None,
            update_id=update_id,
        )
        await storage.visit_plans.visited(conn, resident.id, now)
        chain = await area_chain(conn, resident.area_id)
        officer_id = responsible(chain, "officer_id") or responsible(chain, "supervisor_id") or staff.id
        for matter in data.get("matters") or []:
            kind = Kind(matter["kind"])
            case_id, event_id = await filing.file_in(
                conn,
                services,
                resident,
                NewCase(kind=kind, category=Category(matter["category"]), description=str(matter["description"])),
                now=now,
                update_id=None,
                assignee_id=officer_id,
                ack_due_at=services.deadlines.ack_deadline(kind, now),
                resolve_due_at=services.deadlines.resolve_deadline(kind, now, services.calendar),
                event_data={"channel": Channel.VISIT.value, "visit_id": visit_id, "registered_by": staff.id},
            )
            await storage.cards.add_source(conn, case_id, Channel.VISIT)
            await storage.visits.add_matter(conn, visit_id, case_id)
            await notify.notify_staff(conn, officer_id, case_id, event_id, "new", now, services.config.tz.key)
        card = await handover.hand_over_typed(
            conn, data.get("card"), staff_id=staff.id, household=resident, now=now, visit_id=visit_id
        )
        visit = await storage.visits.get(conn, visit_id)
    assert visit is not None
    services.wake_sender()
    log.info("visit %s recorded by staff %s with %s matter(s)", visit.id, staff.id, len(visit.matters))
    return Recorded(visit, list(visit.matters), card)


async def recent(services: Services, staff: Staff, limit: int) -> list[tuple[Visit, str]]:
    """The officer's latest visits, with the household's name."""
    async with services.db.read() as conn:
        visits = await storage.visits.recent_by_officer(conn, staff.id, limit)
        shown: list[tuple[Visit, str]] = []
        for visit in visits:
            resident = await people.resident(conn, visit.resident_id) if visit.resident_id else None
            shown.append((visit, resident.first_name if resident else tp(staff.language, "(removed)")))
    return shown
