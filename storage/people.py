"""Residents and staff."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from core.models import Language, Resident, Role, Staff
from storage.schema import cases, residents, staff


def _resident(row: Row[Any]) -> Resident:
    return Resident(
        id=row.id,
        telegram_id=row.telegram_id,
        first_name=row.first_name,
        language=Language(row.language),
        consented_at=row.consented_at,
        area_id=row.area_id,
        phone=row.phone,
        priority=row.priority,
        unreachable=row.unreachable,
        deleted=row.deleted_at is not None,
    )


def _staff(row: Row[Any]) -> Staff:
    return Staff(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        telegram_id=row.telegram_id,
        badge=row.badge,
        language=Language(row.language),
        active=row.active,
    )


# Built once (each update looks its sender up): building a statement costs more than running it.
_RESIDENT_BY_TELEGRAM = sa.select(residents).where(residents.c.telegram_id == sa.bindparam("telegram_id"))
_RESIDENT = sa.select(residents).where(residents.c.id == sa.bindparam("resident_id"))
_STAFF_BY_TELEGRAM = sa.select(staff).where(staff.c.telegram_id == sa.bindparam("telegram_id"), staff.c.active)


async def resident_by_telegram(conn: AsyncConnection, telegram_id: int) -> Resident | None:
    """The resident who uses this Telegram account, or None before their first /start."""
    row = (await conn.execute(_RESIDENT_BY_TELEGRAM, {"telegram_id": telegram_id})).first()
    return _resident(row) if row else None


async def resident(conn: AsyncConnection, resident_id: int) -> Resident | None:
    """One resident, or None."""
    row = (await conn.execute(_RESIDENT, {"resident_id": resident_id})).first()
    return _resident(row) if row else None


async def first_names(conn: AsyncConnection, resident_ids: Collection[int]) -> dict[int, str]:
    """The first names of these residents by id, in one query (an id with no row is left out)."""
    if not resident_ids:
        return {}
    rows = await conn.execute(
        sa.select(residents.c.id, residents.c.first_name).where(residents.c.id.in_(sorted(resident_ids)))
    )
    return {int(row.id): str(row.first_name) for row in rows}


async def insert_resident(
    conn: AsyncConnection, telegram_id: int, first_name: str, language: Language, now: datetime
) -> Resident:
    """Adds a resident at their first /start and gives them back."""
    result = await conn.execute(
        residents.insert().values(
            telegram_id=telegram_id, first_name=first_name, language=language.value, created_at=now
        )
    )
    created = await resident(conn, result.inserted_primary_key[0])  # type: ignore[index]
    assert created is not None
    return created


async def insert_offline_resident(
    conn: AsyncConnection,
    *,
    first_name: str,
    phone: str | None,
    area_id: int | None,
    language: Language,
    now: datetime,
) -> Resident:
    """A person without a Telegram account the bot knows (registered at the counter or on a visit)."""
    result = await conn.execute(
        residents.insert().values(
            telegram_id=None,
            first_name=first_name,
            phone=phone,
            area_id=area_id,
            language=language.value,
            created_at=now,
        )
    )
    created = await resident(conn, result.inserted_primary_key[0])  # type: ignore[index]
    assert created is not None
    return created


def phone_variants(phone: str) -> list[str]:
    """The ways one mainland number is stored: as typed, and with the country code Telegram adds."""
    national = phone.removeprefix("+").removeprefix("86") if len(phone.lstrip("+")) == 13 else phone
    return sorted({phone, national, "86" + national, "+86" + national})


async def resident_by_phone(conn: AsyncConnection, phone: str) -> Resident | None:
    """The resident (not deleted) whose phone number is `phone`, the one using Telegram first."""
    row = (
        await conn.execute(
            sa.select(residents)
            .where(residents.c.phone.in_(phone_variants(phone)), residents.c.deleted_at.is_(None))
            .order_by(residents.c.telegram_id.is_(None), residents.c.id)
            .limit(1)
        )
    ).first()
    return _resident(row) if row else None


async def update_resident(conn: AsyncConnection, resident_id: int, **values: Any) -> None:
    """Changes a resident's stored fields (language, phone, area, ...)."""
    if "language" in values and isinstance(values["language"], Language):
        values["language"] = values["language"].value
    await conn.execute(residents.update().where(residents.c.id == resident_id).values(**values))


async def staff_by_telegram(conn: AsyncConnection, telegram_id: int) -> Staff | None:
    """The active officer or leader who uses this Telegram account, or None."""
    row = (await conn.execute(_STAFF_BY_TELEGRAM, {"telegram_id": telegram_id})).first()
    return _staff(row) if row else None


async def staff_member(conn: AsyncConnection, staff_id: int) -> Staff | None:
    """One staff member, active or not, or None."""
    row = (await conn.execute(sa.select(staff).where(staff.c.id == staff_id))).first()
    return _staff(row) if row else None


async def staff_by_badge(conn: AsyncConnection, badge: str) -> Staff | None:
    """The staff member with this badge number, or None."""
    row = (await conn.execute(sa.select(staff).where(staff.c.badge == badge))).first()
    return _staff(row) if row else None


async def all_staff(conn: AsyncConnection, role: Role | None = None) -> list[Staff]:
    """Active staff, by role then name; only one role when given."""
    query = sa.select(staff).where(staff.c.active).order_by(staff.c.role, staff.c.name)
    if role is not None:
        query = query.where(staff.c.role == role.value)
    return [_staff(r) for r in await conn.execute(query)]


async def insert_staff(conn: AsyncConnection, badge: str, name: str, role: Role, now: datetime) -> Staff:
    """Adds a staff member (before they enrol in Telegram) and gives them back."""
    result = await conn.execute(staff.insert().values(badge=badge, name=name, role=role.value, created_at=now))
    created = await staff_member(conn, result.inserted_primary_key[0])  # type: ignore[index]
    assert created is not None
    return created


async def update_staff(conn: AsyncConnection, staff_id: int, **values: Any) -> None:
    """Changes a staff member's stored fields (language, role, Telegram account, ...)."""
    if "language" in values and isinstance(values["language"], Language):
        values["language"] = values["language"].value
    if "role" in values and isinstance(values["role"], Role):
        values["role"] = values["role"].value
    await conn.execute(staff.update().where(staff.c.id == staff_id).values(**values))


async def roles_of(conn: AsyncConnection, telegram_ids: list[int]) -> dict[int, str]:
    """The role of each Telegram user the bot knows: a staff role, or "resident"."""
    found: dict[int, str] = {}
    if not telegram_ids:
        return found
    rows = await conn.execute(sa.select(residents.c.telegram_id).where(residents.c.telegram_id.in_(telegram_ids)))
    found.update({r.telegram_id: "resident" for r in rows})
    rows = await conn.execute(
        sa.select(staff.c.telegram_id, staff.c.role).where(staff.c.telegram_id.in_(telegram_ids), staff.c.active)
    )
    found.update({r.telegram_id: r.role for r in rows})
    return found


async def residents_past_retention(
    conn: AsyncConnection, *, quiet_since: datetime, open_statuses: list[str], limit: int = 500
) -> list[Resident]:
    """Residents registered before `quiet_since` with no case open or touched since then."""
    recent = sa.select(cases.c.id).where(
        cases.c.resident_id == residents.c.id,
        sa.or_(cases.c.status.in_(open_statuses), cases.c.updated_at >= quiet_since),
    )
    rows = await conn.execute(
        sa.select(residents)
        .where(residents.c.deleted_at.is_(None), residents.c.created_at < quiet_since, ~sa.exists(recent))
        .order_by(residents.c.id)
        .limit(limit)
    )
    return [_resident(r) for r in rows]
