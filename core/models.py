"""Domain models: plain dataclasses and enums, free of Telegram and SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Language(StrEnum):
    """The languages the bot speaks; the value is the catalogue's locale name."""

    ZH_HANS = "zh_Hans"
    ZH_HANT = "zh_Hant"
    EN = "en"


DEFAULT_LANGUAGE = Language.ZH_HANS


class Kind(StrEnum):
    """What a resident brings (诉求的类型)."""

    SUGGESTION = "suggestion"  # 意见建议
    DISPUTE = "dispute"  # 矛盾纠纷
    HELP = "help"  # 求助
    INQUIRY = "inquiry"  # 咨询
    CONSULTATION = "consultation"  # 视频约访 (a booking is a case too)


# The kinds a resident picks in /report; consultations come through /book.
REPORTABLE_KINDS: tuple[Kind, ...] = (Kind.SUGGESTION, Kind.DISPUTE, Kind.HELP, Kind.INQUIRY)


class Category(StrEnum):
    """The subject of a case (分类), as the 回音卡 ledger sorts them."""

    PUBLIC_SECURITY = "public_security"  # 治安防范
    LAW_ENFORCEMENT = "law_enforcement"  # 执法服务
    POLICE_CONDUCT = "police_conduct"  # 民警作风/队伍建设
    LITIGATION = "litigation"  # 涉法涉诉
    HOUSEHOLD_ID = "household_id"  # 户籍证件
    TRAFFIC = "traffic"  # 交通管理
    EXIT_ENTRY = "exit_entry"  # 出入境
    ANTI_FRAUD = "anti_fraud"  # 反诈防骗
    OTHER = "other"  # 其他
    # What a dispute (矛盾纠纷) is about.
    NEIGHBOURS = "neighbours"  # 邻里纠纷
    FAMILY = "family"  # 家庭纠纷
    RELATIONSHIP = "relationship"  # 婚恋纠纷
    DEBT = "debt"  # 债务纠纷
    PROPERTY_MANAGEMENT = "property_management"  # 物业纠纷
    OTHER_DISPUTE = "other_dispute"  # 其他纠纷


# The categories a resident chooses among for each kind: a dispute by what it is about, the rest
# by the police work they concern.
DISPUTE_CATEGORIES: tuple[Category, ...] = (
    Category.NEIGHBOURS,
    Category.FAMILY,
    Category.RELATIONSHIP,
    Category.DEBT,
    Category.PROPERTY_MANAGEMENT,
    Category.OTHER_DISPUTE,
)
POLICE_CATEGORIES: tuple[Category, ...] = tuple(c for c in Category if c not in DISPUTE_CATEGORIES)


def categories_for(kind: Kind) -> tuple[Category, ...]:
    """The sub-categories a resident picks from for this kind of case."""
    return DISPUTE_CATEGORIES if kind is Kind.DISPUTE else POLICE_CATEGORIES


class Role(StrEnum):
    """A staff member's role."""

    OFFICER = "officer"  # 民警
    SUPERVISOR = "supervisor"  # 中层干部
    LEADER = "leader"  # 局领导
    ADMIN = "admin"  # 系统管理员
    FOLLOWUP = "followup"  # 访评员: the follow-up centre's phone callers (民意访评中心)


class Status(StrEnum):
    """Where a case stands in its lifecycle."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"


OPEN_STATUSES: frozenset[Status] = frozenset(
    {
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.TRANSFERRED,
        Status.ESCALATED,
        Status.REOPENED,
    }
)


@dataclass(frozen=True, slots=True)
class Area:
    id: int
    code: str
    name: str
    parent_id: int | None
    level: str  # station | town | village
    officer_id: int | None = None
    supervisor_id: int | None = None
    leader_id: int | None = None
    # Names the area file gives in other languages, as (language, name) pairs (see core/names.py).
    names: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    name: str
    role: Role
    telegram_id: int | None
    badge: str
    language: Language = DEFAULT_LANGUAGE
    active: bool = True


@dataclass(frozen=True, slots=True)
class Resident:
    id: int
    telegram_id: int | None
    first_name: str
    language: Language
    consented_at: datetime | None
    area_id: int | None
    phone: str | None
    priority: bool = False  # 绿色通道: elderly or disabled
    unreachable: bool = False
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    number: str
    resident_id: int | None
    kind: Kind
    category: Category
    area_id: int | None
    status: Status
    description: str
    priority: bool
    owner_id: int | None  # the first assignee (首问责任人)
    assignee_id: int | None  # who handles it now
    created_at: datetime
    updated_at: datetime
    version: int
    location: tuple[float, float] | None = None
    photos: tuple[str, ...] = ()
    ack_due_at: datetime | None = None
    resolve_due_at: datetime | None = None
    accepted_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolution_note: str | None = None
    close_reason: str | None = None
    reopened_count: int = 0


@dataclass(frozen=True, slots=True)
class CaseEvent:
    id: int
    case_id: int
    at: datetime
    action: str
    actor_kind: str  # resident | staff | system
    actor_id: int | None
    from_status: Status | None
    to_status: Status | None
    note: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ButtonGrant:
    """What an inline button's opaque token stands for, and whom it was given to."""

    token: str
    user_id: int
    action: str
    payload: dict[str, Any]
    expires_at: datetime
