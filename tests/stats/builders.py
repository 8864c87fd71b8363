"""Hand-made fixtures for the statistics tests: a small station and cases with known timestamps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from core.models import Role
from storage.db import Database
from storage.schema import areas, case_events, cases, followups, residents, staff

SH = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
D = timedelta(days=1)
_numbers = count(1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware datetime in the station's time zone."""
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@dataclass(frozen=True)
class Station:
    """Ids of the fixture station.

    西丰派出所 (root) → 东城街道 (town_a: villages a1, a2; supervisor sup_a)
                    → 西河镇 (town_b: village b1; supervisor sup_b on b1 only)
    Officers o1 (a1), o2 (a2), o3 (b1); leader; admin.
    """

    root: int = 1
    town_a: int = 2
    a1: int = 3
    a2: int = 4
    town_b: int = 5
    b1: int = 6
    leader: int = 1
    sup_a: int = 2
    sup_b: int = 3
    o1: int = 4
    o2: int = 5
    o3: int = 6
    admin: int = 7
    resident: int = 1


STATION = Station()
CREATED = local(2025, 1, 1)


async def make_station(db: Database) -> Station:
    s = STATION
    async with db.write() as conn:
        people = [
            (s.leader, "赵局长", Role.LEADER, 9001),
            (s.sup_a, "张所长", Role.SUPERVISOR, 9002),
            (s.sup_b, "钱所长", Role.SUPERVISOR, 9003),
            (s.o1, "王建国", Role.OFFICER, 9004),
            (s.o2, "李明", Role.OFFICER, 9005),
            (s.o3, "孙丽", Role.OFFICER, 9006),
            (s.admin, "管理员", Role.ADMIN, 9007),
        ]
        for sid, name, role, tg in people:
            await conn.execute(
                staff.insert().values(
                    id=sid,
                    badge=f"B{sid:03d}",
                    name=name,
                    role=role.value,
                    telegram_id=tg,
                    created_at=CREATED,
                )
            )
        tree = [
            (s.root, "XF", "西丰派出所", "station", None, None, None, s.leader),
            (s.town_a, "XF-A", "东城街道", "town", s.root, None, s.sup_a, s.leader),
            (s.a1, "XF-A-1", "幸福里社区", "village", s.town_a, s.o1, None, None),
            (s.a2, "XF-A-2", "光明社区", "village", s.town_a, s.o2, None, None),
            (s.town_b, "XF-B", "西河镇", "town", s.root, None, None, s.leader),
            (s.b1, "XF-B-1", "柳河村", "village", s.town_b, s.o3, s.sup_b, None),
        ]
        for aid, code, name, level, parent, officer, supervisor, leader in tree:
            await conn.execute(
                areas.insert().values(
                    id=aid,
                    code=code,
                    name=name,
                    level=level,
                    parent_id=parent,
                    officer_id=officer,
                    supervisor_id=supervisor,
                    leader_id=leader,
                )
            )
        await conn.execute(
            residents.insert().values(
                id=s.resident,
                telegram_id=5001,
                first_name="刘阿姨",
                phone="13800138000",
                area_id=s.a1,
                created_at=CREATED,
            )
        )
    return s


async def add_case(
    conn: AsyncConnection,
    *,
    kind: str,
    category: str,
    area: int,
    owner: int,
    created: datetime,
    status: str,
    accepted: timedelta | None = None,
    resolved: timedelta | None = None,
    closed: timedelta | None = None,
    ack_hours: float = 24,
    resolve_days: float = 3,
    close_reason: str | None = None,
    reopened: int = 0,
    resident: int | None = STATION.resident,
) -> int:
    """A case; `accepted`, `resolved` and `closed` are offsets from `created`."""
    n = next(_numbers)
    result = await conn.execute(
        cases.insert().values(
            number=f"XF-{created:%Y%m%d}-{n:04d}",
            resident_id=resident,
            kind=kind,
            category=category,
            area_id=area,
            status=status,
            description="楼上噪音扰民",
            owner_id=owner,
            assignee_id=owner,
            created_at=created,
            updated_at=created,
            ack_due_at=created + timedelta(hours=ack_hours),
            resolve_due_at=created + timedelta(days=resolve_days),
            accepted_at=created + accepted if accepted is not None else None,
            resolved_at=created + resolved if resolved is not None else None,
            closed_at=created + closed if closed is not None else None,
            close_reason=close_reason,
            reopened_count=reopened,
        )
    )
    case_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    await add_event(conn, case_id, "submit", created)
    return case_id


async def add_event(conn: AsyncConnection, case_id: int, action: str, at: datetime) -> None:
    await conn.execute(
        case_events.insert().values(case_id=case_id, at=at, action=action, actor_kind="staff", actor_id=None)
    )


async def add_followup(
    conn: AsyncConnection,
    case_id: int,
    round_: int,
    asked: datetime | None,
    *,
    answered: datetime | None = None,
    satisfaction: str | None = None,
    solved: bool | None = None,
    outcome: str | None = None,
) -> None:
    await conn.execute(
        followups.insert().values(
            case_id=case_id,
            round=round_,
            due_at=asked or CREATED,
            asked_at=asked,
            answered_at=answered,
            satisfaction=satisfaction,
            solved=solved,
            outcome=outcome or ("answered" if answered is not None else None),
        )
    )


async def march_2025(db: Database) -> dict[str, int]:
    """The hand-computed fixture of tests/stats/test_figures.py (see the table there)."""
    ids: dict[str, int] = {}
    s = STATION
    async with db.write() as conn:
        c = await add_case(
            conn,
            kind="inquiry",
            category="household_id",
            area=s.a1,
            owner=s.o1,
            created=local(2025, 3, 3, 10),
            status="closed",
            accepted=2 * H,
            resolved=1 * D,
            closed=2 * D,
            close_reason="confirmed",
        )
        ids["c1"] = c
        await add_followup(
            conn,
            c,
            1,
            local(2025, 3, 5, 10),
            answered=local(2025, 3, 5, 11),
            satisfaction="satisfied",
            solved=True,
        )
        c = await add_case(
            conn,
            kind="dispute",
            category="public_security",
            area=s.a1,
            owner=s.o1,
            created=local(2025, 3, 4, 9),
            status="resolved",
            accepted=30 * H,
            resolved=20 * D,
            resolve_days=13,
        )
        ids["c2"] = c
        await add_followup(conn, c, 1, local(2025, 3, 25, 10))
        c = await add_case(
            conn,
            kind="dispute",
            category="public_security",
            area=s.a2,
            owner=s.o2,
            created=local(2025, 3, 5, 9),
            status="closed",
            accepted=1 * H,
            resolved=12 * D,
            closed=13 * D,
            resolve_days=13,
            reopened=1,
            close_reason="confirmed",
        )
        ids["c3"] = c
        await add_followup(
            conn,
            c,
            1,
            local(2025, 3, 11, 10),
            answered=local(2025, 3, 11, 12),
            satisfaction="unsatisfied",
            solved=False,
        )
        await add_followup(
            conn,
            c,
            2,
            local(2025, 3, 18, 10),
            answered=local(2025, 3, 18, 12),
            satisfaction="basically",
            solved=True,
        )
        await add_event(conn, c, "reopen", local(2025, 3, 11, 12))
        ids["c4"] = await add_case(
            conn,
            kind="help",
            category="anti_fraud",
            area=s.b1,
            owner=s.o3,
            created=local(2025, 3, 10, 15),
            status="in_progress",
            accepted=3 * H,
        )
        ids["c5"] = await add_case(
            conn,
            kind="suggestion",
            category="traffic",
            area=s.b1,
            owner=s.o3,
            created=local(2025, 3, 12, 8),
            status="withdrawn",
            closed=2 * H,
            close_reason="withdrawn",
        )
        c = await add_case(
            conn,
            kind="inquiry",
            category="exit_entry",
            area=s.a1,
            owner=s.o1,
            created=local(2025, 3, 15, 9),
            status="rejected",
            closed=5 * H,
            close_reason="rejected",
        )
        ids["c6"] = c
        await add_event(conn, c, "reject", local(2025, 3, 15, 14))
        c = await add_case(
            conn,
            kind="consultation",
            category="other",
            area=s.a2,
            owner=s.o2,
            created=local(2025, 3, 20, 9),
            status="closed",
            accepted=1 * H,
            resolved=2 * D,
            closed=4 * D,
            close_reason="no_feedback",
        )
        ids["c7"] = c
        await add_event(conn, c, "held", local(2025, 3, 21, 9))
        await add_followup(conn, c, 1, local(2025, 3, 23, 10), outcome="no_feedback")
        c = await add_case(
            conn,
            kind="consultation",
            category="other",
            area=s.a1,
            owner=s.o1,
            created=local(2025, 3, 21, 9),
            status="resolved",
            accepted=50 * H,
            resolved=4 * D,
        )
        ids["c8"] = c
        await add_event(conn, c, "no_show", local(2025, 3, 24, 9))
        c = await add_case(
            conn,
            kind="dispute",
            category="public_security",
            area=s.b1,
            owner=s.o3,
            created=local(2025, 3, 31, 23, 30),
            status="closed",
            accepted=1 * H,
            resolved=1 * D,
            closed=3 * D,
            resolve_days=13,
            close_reason="confirmed",
        )
        ids["c9"] = c
        await add_followup(
            conn,
            c,
            1,
            local(2025, 4, 2, 10),
            answered=local(2025, 4, 2, 10, 30),
            satisfaction="satisfied",
            solved=True,
        )
        # Received in April (00:10 local on 1 April is still 31 March in UTC): not March.
        c = await add_case(
            conn,
            kind="inquiry",
            category="household_id",
            area=s.a1,
            owner=s.o1,
            created=local(2025, 4, 1, 0, 10),
            status="closed",
            accepted=1 * H,
            resolved=1 * D,
            closed=2 * D,
            close_reason="confirmed",
        )
        ids["c10"] = c
        await add_followup(
            conn,
            c,
            1,
            local(2025, 4, 3, 10),
            answered=local(2025, 4, 3, 11),
            satisfaction="unsatisfied",
            solved=False,
        )
        # Received in February (23:50 local on 28 February): not March.
        ids["c11"] = await add_case(
            conn,
            kind="help",
            category="other",
            area=s.a1,
            owner=s.o1,
            created=local(2025, 2, 28, 23, 50),
            status="submitted",
        )
        ids["c12"] = await add_case(
            conn,
            kind="suggestion",
            category="police_conduct",
            area=s.a2,
            owner=s.o2,
            created=local(2025, 3, 25, 9),
            status="submitted",
        )
        # A follow-up made pointless by the case moving on is not counted as asked.
        await add_followup(conn, ids["c12"], 1, local(2025, 3, 26, 10), outcome="void")
    return ids
