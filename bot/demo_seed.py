"""Demo data: a station with its area tree, staff, residents and years of cases, for demos and benchmarks.

`seed(db, cases=N, clock=..., rng_seed=...)` fills an empty database with a believable station
(towns and villages named like the seeds' 舒坪镇上阳村, 局领导/中层干部/民警 on the area tree) and
N cases over the last `days` days: the seeds' matters (邻里纠纷, 噪音扰民, 电信诈骗, 户籍迁移,
车辆乱停 …) with the whole lifecycle a real case would have by now — acknowledgement, resolution,
next-day follow-up with satisfaction, reopening on "不满意", closing without feedback, consultations
held or missed — each step also written as a case event. The same seed gives the same data.

Rows are generated a batch at a time and inserted with executemany in one transaction per batch,
so a million cases take minutes and little memory.
"""

from __future__ import annotations

import logging
import math
import random
import time as timer
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from core.clock import Clock
from core.config import StationConfig
from core.deadlines import DeadlinePolicy
from core.models import Category, Kind, Language, Role, Status
from core.workdays import WorkCalendar
from storage import demo_seed as repo
from storage.db import Database

log = logging.getLogger(__name__)

Row = dict[str, Any]
C, K = Category, Kind

TOWNS = ("舒坪镇", "仲权镇", "荣边镇", "漆树乡", "东兴街道", "五星街道")
VILLAGES = (
    "上阳村",
    "和平村",
    "新华村",
    "红旗村",
    "双河村",
    "石桥村",
    "光明社区",
    "幸福社区",
    "长征村",
    "团结村",
    "民主村",
    "新民村",
    "龙井村",
    "白鹤村",
    "桂花村",
    "青龙村",
    "金竹村",
    "大安社区",
    "丹桂社区",
    "汇东社区",
    "高峰村",
    "黄桷村",
    "柏杨村",
    "三合村",
    "五一村",
    "东风村",
    "向阳村",
    "胜利村",
    "建设村",
    "联合村",
    "凉水村",
    "白岩村",
    "大坪村",
    "新桥村",
    "水井村",
    "茶园村",
    "马鞍村",
    "长田村",
    "板桥村",
    "沙坝村",
    "观音村",
    "同心社区",
    "滨江社区",
    "兴隆社区",
    "锦绣社区",
    "檀木村",
    "鹿鸣村",
    "梨园村",
)
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = (
    "建国",
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "平",
    "刚",
    "桂英",
    "志强",
    "海燕",
    "波",
    "红梅",
    "国华",
    "春兰",
    "文",
    "玉兰",
    "建华",
    "小红",
    "德明",
    "淑珍",
    "卫东",
    "丽娟",
    "永红",
    "晓东",
    "宏伟",
    "秀兰",
)


@dataclass(frozen=True, slots=True)
class Topic:
    kind: Kind
    category: Category
    weight: float
    details: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        K.DISPUTE,
        C.PUBLIC_SECURITY,
        6,
        (
            "邻里纠纷：因宅基地边界与邻居发生争执，多次协商未果，请求民警调解",
            "邻里纠纷：邻居在公共楼道堆放杂物，沟通后仍不清理",
            "邻里纠纷：楼上住户长期漏水，与其协商未果",
        ),
    ),
    Topic(
        K.DISPUTE,
        C.PUBLIC_SECURITY,
        6,
        (
            "噪音扰民：楼下商铺夜间音响声音过大，影响休息",
            "噪音扰民：邻居装修晚上十点后仍在施工",
            "噪音扰民：广场舞音量过大，影响周边居民休息",
        ),
    ),
    Topic(
        K.DISPUTE,
        C.LITIGATION,
        2,
        (
            "征地拆迁补偿款分配存在争议，希望协调",
            "承包地界线不清，与邻村村民发生纠纷",
            "住房安置问题与施工方产生矛盾",
        ),
    ),
    Topic(K.DISPUTE, C.OTHER, 2, ("家庭赡养老人问题产生矛盾，希望民警上门调解", "租房押金纠纷，房东拒不退还")),
    Topic(
        K.HELP,
        C.ANTI_FRAUD,
        5,
        (
            "电信诈骗：接到自称客服的电话要求转账，怀疑是诈骗",
            "电信诈骗：家中老人被冒充公检法的电话骗取钱财",
            "电信诈骗：网上刷单被骗，请求帮助",
        ),
    ),
    Topic(
        K.HELP,
        C.PUBLIC_SECURITY,
        4,
        (
            "家中老人走失，请求帮助寻找",
            "电动车被盗，请求协助查找",
            "夜间有陌生人在小区徘徊，请求加强巡逻",
        ),
    ),
    Topic(K.HELP, C.TRAFFIC, 1, ("高速施工造成村民出行不便，请求协调", "车辆被剐蹭，对方驾车离开")),
    Topic(
        K.INQUIRY,
        C.HOUSEHOLD_ID,
        9,
        (
            "户籍迁移：咨询户口迁移入户需要准备哪些材料",
            "新生儿落户办理流程咨询",
            "身份证到期换领需要预约吗",
            "居住证办理条件咨询",
        ),
    ),
    Topic(K.INQUIRY, C.EXIT_ENTRY, 2, ("护照办理需要多长时间", "港澳通行证续签流程咨询")),
    Topic(K.INQUIRY, C.LAW_ENFORCEMENT, 3, ("无犯罪记录证明如何开具", "交通事故处理进度查询", "报案后案件进展查询")),
    Topic(
        K.SUGGESTION,
        C.TRAFFIC,
        4,
        (
            "车辆乱停：小区门口车辆乱停乱放，堵塞消防通道",
            "学校门口上下学时段交通拥堵，建议增派警力",
            "建议在主干道增设停车泊位",
        ),
    ),
    Topic(
        K.SUGGESTION,
        C.PUBLIC_SECURITY,
        3,
        (
            "建议在村口增设监控探头",
            "建议夜间加强巡逻",
            "小区后门长期无人看管，存在安防漏洞",
        ),
    ),
    Topic(
        K.SUGGESTION,
        C.POLICE_CONDUCT,
        2,
        (
            "窗口民警服务热情，提出表扬",
            "建议延长户籍窗口周末服务时间",
            "建议精简证明材料",
        ),
    ),
    Topic(K.CONSULTATION, C.HOUSEHOLD_ID, 3, ("视频约访：咨询户口迁移事宜", "视频约访：咨询身份证补办")),
    Topic(K.CONSULTATION, C.LITIGATION, 2, ("视频约访：反映涉法涉诉问题", "视频约访：咨询调解进展")),
    Topic(K.CONSULTATION, C.OTHER, 1, ("视频约访：反映村里治安情况",)),
)
_TOPIC_CUMULATIVE = list(accumulate(t.weight for t in TOPICS))

# Median days from acknowledgement to resolution per kind (log-normal, sigma 0.7).
RESOLVE_MEDIAN_DAYS = {K.INQUIRY: 0.8, K.HELP: 1.2, K.CONSULTATION: 2.0, K.SUGGESTION: 5.0, K.DISPUTE: 6.0}
# The hours of the day residents write at (local), as relative weights.
HOUR_WEIGHTS = (1, 1, 0, 0, 0, 1, 2, 4, 7, 9, 9, 8, 6, 7, 8, 8, 7, 6, 6, 7, 7, 5, 3, 2)
_HOUR_CUMULATIVE = list(accumulate(HOUR_WEIGHTS))


@dataclass(slots=True)
class SeedReport:
    """What the seed wrote and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class _Village:
    area_id: int
    officer_id: int
    residents: tuple[int, int]  # first id, count


class _Station:
    """The generated station: ids of areas, staff and residents, and the rows to insert."""

    def __init__(self, rng: random.Random, config: StationConfig, now: datetime, residents: int) -> None:
        self.staff: list[Row] = []
        self.areas: list[Row] = []
        self.residents: list[Row] = []
        self.villages: list[_Village] = []
        names = _names(rng)
        village_names = list(VILLAGES)
        rng.shuffle(village_names)

        def person(role: Role, prefix: str) -> int:
            sid = len(self.staff) + 1
            self.staff.append(
                {
                    "id": sid,
                    "badge": f"{prefix}{sid:04d}",
                    "name": next(names),
                    "role": role.value,
                    "telegram_id": None,
                    "language": Language.ZH_HANS.value,
                    "active": True,
                    "created_at": now,
                }
            )
            return sid

        def area(code: str, name: str, level: str, parent: int | None, **people: int | None) -> int:
            aid = len(self.areas) + 1
            self.areas.append(
                {
                    "id": aid,
                    "code": code,
                    "name": name,
                    "level": level,
                    "parent_id": parent,
                    "position": aid,
                    "officer_id": people.get("officer"),
                    "supervisor_id": people.get("supervisor"),
                    "leader_id": people.get("leader"),
                }
            )
            return aid

        person(Role.ADMIN, "A")
        chief = person(Role.LEADER, "L")
        root = area(config.code, config.name, "station", None, leader=chief)
        leaders = [chief, person(Role.LEADER, "L"), person(Role.LEADER, "L")]
        per_village = max(1, residents // (len(TOWNS) * 7))
        next_resident = 1
        for t, town in enumerate(TOWNS):
            supervisor = person(Role.SUPERVISOR, "S")
            town_id = area(
                f"{config.code}-{t + 1:02d}",
                town,
                "town",
                root,
                supervisor=supervisor,
                leader=leaders[t % len(leaders)],
            )
            for v in range(7):
                officer = person(Role.OFFICER, "P")
                village_id = area(
                    f"{config.code}-{t + 1:02d}-{v + 1:02d}",
                    village_names[t * 7 + v],
                    "village",
                    town_id,
                    officer=officer,
                )
                self.villages.append(_Village(village_id, officer, (next_resident, per_village)))
                next_resident += per_village
        self.resident_count = next_resident - 1
        self._village_weights = list(accumulate(rng.uniform(0.5, 1.5) for _ in self.villages))

    def resident_rows(self, rng: random.Random, now: datetime) -> Iterator[Row]:
        names = _names(rng)
        for village in self.villages:
            first, count = village.residents
            for rid in range(first, first + count):
                roll = rng.random()
                language = Language.ZH_HANS if roll < 0.9 else Language.EN if roll < 0.96 else Language.ZH_HANT
                yield {
                    "id": rid,
                    "telegram_id": None,
                    "first_name": next(names),
                    "language": language.value,
                    "consented_at": now,
                    "area_id": village.area_id,
                    "phone": _phone(rng),
                    "priority": rng.random() < 0.05,
                    "unreachable": False,
                    "created_at": now,
                    "deleted_at": None,
                }

    def village(self, rng: random.Random) -> _Village:
        return self.villages[bisect(self._village_weights, rng.random() * self._village_weights[-1])]


def _names(rng: random.Random) -> Iterator[str]:
    while True:
        yield rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17")) + f"{rng.randrange(10**9):09d}"


class _Deadlines:
    """Deadlines as core/deadlines computes them, memoised per kind and local day (1M calls)."""

    def __init__(self, config: StationConfig) -> None:
        self.tz = config.tz
        self.policy = DeadlinePolicy()
        self.calendar = WorkCalendar(config.tz)
        self._memo: dict[tuple[Kind, date], tuple[date, bool]] = {}

    def resolve(self, kind: Kind, created: datetime) -> datetime:
        local = created.astimezone(self.tz)
        key = (kind, local.date())
        found = self._memo.get(key)
        if found is None:
            noon = datetime.combine(local.date(), time(12, 0), tzinfo=self.tz)
            due = self.policy.resolve_deadline(kind, noon, self.calendar).astimezone(self.tz).date()
            found = (due, self.calendar.is_workday(local.date()))
            self._memo[key] = found
        due_day, workday = found
        clock = local.time() if workday else time(0, 0)
        return datetime.combine(due_day, clock, tzinfo=self.tz).astimezone(UTC)

    def ack(self, kind: Kind, created: datetime) -> datetime:
        return self.policy.ack_deadline(kind, created)


class _CaseMaker:
    """Writes one case's rows (case, events, follow-ups) as it would stand at `now`."""

    def __init__(self, rng: random.Random, station: _Station, config: StationConfig, now: datetime) -> None:
        self.rng = rng
        self.station = station
        self.config = config
        self.now = now
        self.deadlines = _Deadlines(config)
        self.counters: dict[str, int] = {}
        self.cases: list[Row] = []
        self.events: list[Row] = []
        self.followups: list[Row] = []

    def take(self) -> dict[str, list[Row]]:
        batch = {"cases": self.cases, "case_events": self.events, "followups": self.followups}
        self.cases, self.events, self.followups = [], [], []
        return batch

    def event(
        self,
        case_id: int,
        at: datetime,
        action: str,
        actor: tuple[str, int | None],
        before: Status | None,
        after: Status | None,
    ) -> None:
        self.events.append(
            {
                "case_id": case_id,
                "at": at,
                "action": action,
                "actor_kind": actor[0],
                "actor_id": actor[1],
                "from_status": before.value if before else None,
                "to_status": after.value if after else None,
                "note": None,
                "data": {},
                "update_id": None,
            }
        )

    def make(self, case_id: int, created: datetime) -> None:
        rng = self.rng
        topic = TOPICS[bisect(_TOPIC_CUMULATIVE, rng.random() * _TOPIC_CUMULATIVE[-1])]
        village = self.station.village(rng)
        first, count = village.residents
        resident = first + rng.randrange(count)
        officer = village.officer_id
        local = created.astimezone(self.config.tz)
        day = f"{local:%Y%m%d}"
        seq = self.counters[day] = self.counters.get(day, 0) + 1
        row: Row = {
            "id": case_id,
            "number": f"{self.config.code}-{day}-{seq:04d}",
            "resident_id": resident,
            "kind": topic.kind.value,
            "category": topic.category.value,
            "area_id": village.area_id,
            "description": rng.choice(topic.details),
            "priority": rng.random() < 0.04,
            "owner_id": officer,
            "assignee_id": officer,
            "location_lat": None,
            "location_lon": None,
            "created_at": created,
            "version": 1,
            "ack_due_at": self.deadlines.ack(topic.kind, created),
            "resolve_due_at": self.deadlines.resolve(topic.kind, created),
            "accepted_at": None,
            "resolved_at": None,
            "closed_at": None,
            "resolution_note": None,
            "close_reason": None,
            "reopened_count": 0,
            "escalation_level": 0,
            "source_update_id": None,
        }
        first_event = len(self.events)
        self.event(case_id, created, "submit", ("resident", resident), None, Status.SUBMITTED)
        status = self._lifecycle(case_id, row, topic.kind, officer, resident)
        row["status"] = status.value
        row["updated_at"] = max(e["at"] for e in self.events[first_event:])
        self.cases.append(row)

    def _lifecycle(self, case_id: int, row: Row, kind: Kind, officer: int, resident: int) -> Status:
        rng, now, created = self.rng, self.now, row["created_at"]
        staff = ("staff", officer)
        roll = rng.random()
        if roll < 0.02:
            at = created + timedelta(hours=rng.uniform(0.5, 20))
            if at > now:
                return Status.SUBMITTED
            row.update(closed_at=at, close_reason="withdrawn")
            self.event(case_id, at, "withdraw", ("resident", resident), Status.SUBMITTED, Status.WITHDRAWN)
            return Status.WITHDRAWN
        ack = created + timedelta(hours=min(rng.lognormvariate(math.log(2.5), 1.5), 24 * 20))
        if ack > now:
            return Status.SUBMITTED
        if roll < 0.05:
            row.update(closed_at=ack, close_reason="rejected")
            self.event(case_id, ack, "reject", staff, Status.SUBMITTED, Status.REJECTED)
            return Status.REJECTED
        row["accepted_at"] = ack
        self.event(case_id, ack, "accept", staff, Status.SUBMITTED, Status.ACCEPTED)
        status = Status.ACCEPTED
        for round_ in (1, 2):
            days = rng.lognormvariate(math.log(RESOLVE_MEDIAN_DAYS[kind]), 0.7)
            if rng.random() < 0.01:
                days *= 12  # the hard cases: waiting on another department, a court, a family
            resolved = ack + timedelta(days=days)
            if kind is K.CONSULTATION and round_ == 1:
                meeting = ack + (resolved - ack) / 2
                if meeting > now:
                    return status
                self.event(case_id, meeting, "held" if rng.random() < 0.86 else "no_show", staff, status, status)
            if resolved > now:
                if round_ == 1 and now > row["resolve_due_at"] and rng.random() < 0.5:
                    self.event(
                        case_id, max(row["resolve_due_at"], ack), "escalate", ("system", None), status, Status.ESCALATED
                    )
                    row["escalation_level"] = 1
                    return Status.ESCALATED
                return status
            row["resolved_at"] = resolved
            self.event(case_id, resolved, "resolve", staff, status, Status.RESOLVED)
            outcome = self._followup(case_id, round_, resolved)
            if outcome is None:
                return Status.RESOLVED
            at, answer = outcome
            if answer == "no_feedback":
                row.update(closed_at=at, close_reason="no_feedback")
                self.event(case_id, at, "close", ("system", None), Status.RESOLVED, Status.CLOSED)
                return Status.CLOSED
            if answer == "ok" or round_ == 2:
                row.update(closed_at=at, close_reason="confirmed")
                self.event(case_id, at, "close", ("system", None), Status.RESOLVED, Status.CLOSED)
                return Status.CLOSED
            row.update(resolved_at=None, reopened_count=1)
            self.event(case_id, at, "reopen", ("resident", resident), Status.RESOLVED, Status.REOPENED)
            ack = at + timedelta(hours=rng.uniform(0.5, 8))
            if ack > now:
                return Status.REOPENED
            self.event(case_id, ack, "accept", staff, Status.REOPENED, Status.ACCEPTED)
        return status

    def _followup(self, case_id: int, round_: int, resolved: datetime) -> tuple[datetime, str] | None:
        """The follow-up the next day at the configured time: (when it ended, ok|reopen|no_feedback)."""
        rng, tz = self.rng, self.config.tz
        due = datetime.combine(resolved.astimezone(tz).date() + timedelta(days=1), self.config.followup_time, tz)
        due = due.astimezone(UTC)
        row: Row = {
            "case_id": case_id,
            "round": round_,
            "due_at": due,
            "asked_at": None,
            "reminded_at": None,
            "answered_at": None,
            "solved": None,
            "satisfaction": None,
            "comment": None,
            "outcome": None,
        }
        self.followups.append(row)
        if due > self.now:
            return None
        row["asked_at"] = due
        if rng.random() < 0.74:
            answered = due + timedelta(minutes=rng.uniform(3, 20 * 60))
            if answered > self.now:
                return None
            roll = rng.random() if round_ == 1 else rng.random() * 0.93
            satisfaction = "satisfied" if roll < 0.70 else "basically" if roll < 0.93 else "unsatisfied"
            solved = satisfaction != "unsatisfied" or rng.random() < 0.3
            row.update(answered_at=answered, satisfaction=satisfaction, solved=solved, outcome="answered")
            return answered, "ok" if solved and satisfaction != "unsatisfied" else "reopen"
        reminded = due + timedelta(days=1)
        if reminded <= self.now:
            row["reminded_at"] = reminded
        closed = due + timedelta(days=3)
        if closed > self.now:
            return None
        row["outcome"] = "no_feedback"
        return closed, "no_feedback"


def _created_times(rng: random.Random, n: int, now: datetime, days: int, tz: Any) -> list[float]:
    """n instants over the last `days` days, fewer at night and on weekends, growing over time, sorted."""
    start_day = now.astimezone(tz).date() - timedelta(days=days)
    day_weights = []
    for offset in range(days):
        d = start_day + timedelta(days=offset + 1)
        day_weights.append((0.6 if d.weekday() >= 5 else 1.0) * (0.8 + 0.4 * offset / max(days, 1)))
    cumulative = list(accumulate(day_weights))
    latest = now.timestamp() - 1
    out: list[float] = []
    for _ in range(n):
        d = start_day + timedelta(days=bisect(cumulative, rng.random() * cumulative[-1]) + 1)
        hour = bisect(_HOUR_CUMULATIVE, rng.random() * _HOUR_CUMULATIVE[-1])
        at = datetime.combine(d, time(hour), tzinfo=tz) + timedelta(seconds=rng.randrange(3600))
        out.append(min(at.timestamp(), latest))
    out.sort()  # case ids follow the order of receipt, as in a real ledger
    return out


async def seed(
    db: Database,
    *,
    cases: int,
    clock: Clock,
    rng_seed: int = 1,
    days: int | None = None,
    config: StationConfig | None = None,
    batch: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Fills an empty database with a demo station and `cases` cases over the last `days` days.

    `days` defaults to the station's retention period (three years): a ledger never holds
    older cases, so that is the history a real database of this size would have.
    Raises storage.demo_seed.NotEmpty when areas, staff or cases exist already.
    """
    config = config or StationConfig()
    days = config.retention_days if days is None else days
    if cases < 0 or days < 1 or batch < 1:
        raise ValueError("cases must be >= 0, days and batch >= 1")
    began = timer.perf_counter()
    rng = random.Random(rng_seed)
    now = clock.now()
    station = _Station(rng, config, now - timedelta(days=days + 1), residents=max(42, cases // 4))
    async with db.write() as conn:
        await repo.ensure_empty(conn)
        await repo.insert_rows(conn, "staff", station.staff)
        await repo.insert_rows(conn, "areas", station.areas)
    pending: list[Row] = []
    for resident in station.resident_rows(rng, now - timedelta(days=days + 1)):
        pending.append(resident)
        if len(pending) >= batch:
            async with db.write() as conn:
                await repo.insert_rows(conn, "residents", pending)
            pending = []
    async with db.write() as conn:
        await repo.insert_rows(conn, "residents", pending)
    maker = _CaseMaker(rng, station, config, now)
    times = _created_times(rng, cases, now, days, config.tz)
    for first in range(0, cases, batch):
        for offset, created in enumerate(times[first : first + batch]):
            maker.make(first + offset + 1, datetime.fromtimestamp(created, UTC))
        rows = maker.take()
        async with db.write() as conn:
            for table in ("cases", "case_events", "followups"):
                await repo.insert_rows(conn, table, rows[table])
        if progress is not None:
            progress(min(first + batch, cases), cases)
    async with db.write() as conn:
        await repo.set_counters(conn, maker.counters)
        await repo.follow_sequences(conn)
    async with db.read() as conn:
        counts = await repo.row_counts(conn)
    report = SeedReport(rows=counts, seconds=timer.perf_counter() - began)
    log.info("demo seed: %s in %.1f s", counts, report.seconds)
    return report
