"""回音卡: the number series, the cards, officers' card profiles and where a case came from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from core.cards.model import Card, Channel, Echo, Handover, Profile
from storage.db import set_once, upsert
from storage.schema import card_counters, card_profiles, cards, case_sources, cases, residents
from storage.schema_visits import card_handovers, home_visits


def _card(row: Row[Any]) -> Card:
    return Card(
        id=row.id,
        number=row.number,
        officer_id=row.officer_id,
        area_id=row.area_id,
        printed_at=row.printed_at,
        resident_id=row.resident_id,
        linked_at=row.linked_at,
        case_id=row.case_id,
        answered_at=row.answered_at,
    )


async def next_numbers(conn: AsyncConnection, series: str, count: int) -> range:
    """`count` fresh numbers of the series, in one upsert; numbers are never handed out twice."""
    statement = (
        upsert(conn, card_counters)
        .values(series=series, value=count)
        .on_conflict_do_update(index_elements=[card_counters.c.series], set_={"value": card_counters.c.value + count})
        .returning(card_counters.c.value)
    )
    last = int((await conn.execute(statement)).scalar_one())
    return range(last - count + 1, last + 1)


async def insert(
    conn: AsyncConnection, *, number: str, code_hash: str, officer_id: int, area_id: int | None, now: datetime
) -> Card:
    """Saves a newly printed card; returns it."""
    result = await conn.execute(
        cards.insert()
        .values(number=number, code_hash=code_hash, officer_id=officer_id, area_id=area_id, printed_at=now)
        .returning(*cards.c)
    )
    return _card(result.one())


async def by_code_hash(conn: AsyncConnection, code_hash: str) -> Card | None:
    """The card whose code has this fingerprint, or None."""
    row = (await conn.execute(sa.select(cards).where(cards.c.code_hash == code_hash))).first()
    return _card(row) if row else None


async def get(conn: AsyncConnection, card_id: int) -> Card | None:
    """The card with this id, or None."""
    row = (await conn.execute(sa.select(cards).where(cards.c.id == card_id))).first()
    return _card(row) if row else None


async def by_number(conn: AsyncConnection, number: str) -> Card | None:
    """The card with this printed number, or None."""
    row = (await conn.execute(sa.select(cards).where(cards.c.number == number))).first()
    return _card(row) if row else None


async def link(conn: AsyncConnection, card_id: int, resident_id: int, now: datetime) -> bool:
    """Makes the card the resident's, if nobody has it yet; False when someone else was first."""
    return await set_once(conn, cards, cards.c.id == card_id, ["linked_at"], resident_id=resident_id, linked_at=now)


async def answer(conn: AsyncConnection, card_id: int, case_id: int, now: datetime) -> bool:
    """Records the card's 回音; False when the card was answered already."""
    return await set_once(conn, cards, cards.c.id == card_id, ["case_id"], case_id=case_id, answered_at=now)


async def profile(conn: AsyncConnection, staff_id: int) -> Profile | None:
    """The title and contact line an officer's cards show, or None."""
    row = (await conn.execute(sa.select(card_profiles).where(card_profiles.c.staff_id == staff_id))).first()
    return Profile(title=row.title, contact=row.contact) if row else None


async def save_profile(conn: AsyncConnection, staff_id: int, found: Profile, now: datetime) -> None:
    """Keeps the title and contact line of an officer's cards, replacing the ones before."""
    values = {"title": found.title, "contact": found.contact, "updated_at": now}
    statement = (
        upsert(conn, card_profiles)
        .values(staff_id=staff_id, **values)
        .on_conflict_do_update(index_elements=[card_profiles.c.staff_id], set_=values)
    )
    await conn.execute(statement)


async def add_source(
    conn: AsyncConnection, case_id: int, channel: Channel, *, card_id: int | None = None, echo: Echo | None = None
) -> None:
    """Records how a case came in (and the card and kind of 回音 when it came from a card)."""
    await conn.execute(
        case_sources.insert().values(
            case_id=case_id, channel=channel.value, card_id=card_id, echo=echo.value if echo else None
        )
    )


async def source_of(conn: AsyncConnection, case_id: int) -> tuple[Channel, Card | None, Echo | None]:
    """The case's channel, its card and what kind of 回音 it is; Telegram when nothing is recorded."""
    row = (
        await conn.execute(
            sa.select(case_sources.c.channel, case_sources.c.echo, cards)
            .select_from(case_sources.outerjoin(cards, cards.c.id == case_sources.c.card_id))
            .where(case_sources.c.case_id == case_id)
        )
    ).first()
    if row is None:
        return Channel.TELEGRAM, None, None
    card = _card(row) if row.id is not None else None
    return Channel(row.channel), card, Echo(row.echo) if row.echo else None


async def latest_unanswered(conn: AsyncConnection, resident_id: int) -> Card | None:
    """The resident's most recently linked card that has no 回音 yet, or None."""
    row = (
        await conn.execute(
            sa.select(cards)
            .where(cards.c.resident_id == resident_id, cards.c.case_id.is_(None))
            .order_by(cards.c.linked_at.desc(), cards.c.id.desc())
            .limit(1)
        )
    ).first()
    return _card(row) if row else None


async def period_figures(
    conn: AsyncConnection, start: datetime, end: datetime, area_ids: Sequence[int] | None, officer_id: int | None
) -> tuple[int, int, int, int]:
    """(issued, answered, printed, printed and not yet issued) of the cards of these areas (None: all)
    and this officer (if set). Issued: the card reached a household in [start, end): handed over on a
    visit or with a case, or, without a hand-over, first scanned; answered: an issued card with its
    回音, whenever it came. Printed: the cards printed in [start, end), and of those the ones that
    have reached nobody yet."""
    issued_at = sa.func.coalesce(card_handovers.c.handed_at, cards.c.linked_at)
    answered = sa.or_(cards.c.case_id.is_not(None), cards.c.answered_at.is_not(None))
    scoped: list[Any] = []
    if area_ids is not None:
        scoped.append(cards.c.area_id.in_(area_ids))
    if officer_id is not None:
        scoped.append(cards.c.officer_id == officer_id)
    joined = cards.outerjoin(card_handovers, card_handovers.c.card_id == cards.c.id)
    issued_query = (
        sa.select(sa.func.count(), sa.func.count().filter(answered))
        .select_from(joined)
        .where(issued_at >= start, issued_at < end, *scoped)
    )
    issued, replied = (await conn.execute(issued_query)).one()
    printed_query = (
        sa.select(sa.func.count(), sa.func.count().filter(issued_at.is_(None)))
        .select_from(joined)
        .where(cards.c.printed_at >= start, cards.c.printed_at < end, *scoped)
    )
    printed, waiting = (await conn.execute(printed_query)).one()
    return int(issued), int(replied), int(printed), int(waiting)


async def forget_resident(conn: AsyncConnection, resident_id: int) -> None:
    """A deleted household's cards name nobody any more; linked_at stays, so nobody else can take them."""
    await conn.execute(cards.update().where(cards.c.resident_id == resident_id).values(resident_id=None))
    await conn.execute(
        card_handovers.update().where(card_handovers.c.resident_id == resident_id).values(resident_id=None)
    )


async def hand_over(
    conn: AsyncConnection,
    card_id: int,
    *,
    staff_id: int,
    resident_id: int,
    now: datetime,
    visit_id: int | None = None,
    case_id: int | None = None,
) -> bool:
    """Records that the card was given to the household; False when it was handed over before
    (also by a concurrent transaction: the card's row is the conflict, not a second hand-over)."""
    statement = (
        upsert(conn, card_handovers)
        .values(
            card_id=card_id,
            handed_by=staff_id,
            handed_at=now,
            resident_id=resident_id,
            visit_id=visit_id,
            case_id=case_id,
        )
        .on_conflict_do_nothing(index_elements=[card_handovers.c.card_id])
    )
    return (await conn.execute(statement)).rowcount == 1


async def handover_of(conn: AsyncConnection, card_id: int) -> Handover | None:
    """To whom, by whom and on what the card was handed over, or None."""
    row = (await conn.execute(sa.select(card_handovers).where(card_handovers.c.card_id == card_id))).first()
    if row is None:
        return None
    return Handover(row.card_id, row.handed_by, row.handed_at, row.resident_id, row.visit_id, row.case_id)


async def move_household(conn: AsyncConnection, from_id: int, to_id: int, now: datetime) -> list[int]:
    """The household record `from_id` (kept without Telegram) becomes the resident `to_id`: its cases,
    visits and cards move over, its phone and area fill the ones `to_id` lacks, and the empty record
    is closed (name and phone emptied, deleted). Returns the ids of the cases moved."""
    old = (await conn.execute(sa.select(residents).where(residents.c.id == from_id))).one()
    new = (await conn.execute(sa.select(residents).where(residents.c.id == to_id))).one()
    moved = list((await conn.execute(sa.select(cases.c.id).where(cases.c.resident_id == from_id))).scalars())
    await conn.execute(cases.update().where(cases.c.resident_id == from_id).values(resident_id=to_id))
    await conn.execute(home_visits.update().where(home_visits.c.resident_id == from_id).values(resident_id=to_id))
    await conn.execute(card_handovers.update().where(card_handovers.c.resident_id == from_id).values(resident_id=to_id))
    await conn.execute(cards.update().where(cards.c.resident_id == from_id).values(resident_id=to_id))
    fill: dict[str, Any] = {}
    if new.phone is None and old.phone is not None:
        fill["phone"] = old.phone
    if new.area_id is None and old.area_id is not None:
        fill["area_id"] = old.area_id
    if old.priority and not new.priority:
        fill["priority"] = True  # 绿色通道 stays with the person
    await conn.execute(
        residents.update().where(residents.c.id == from_id).values(first_name="", phone=None, deleted_at=now)
    )
    if fill:
        await conn.execute(residents.update().where(residents.c.id == to_id).values(fill))
    return moved


async def handed_on_visit(conn: AsyncConnection, visit_id: int) -> str | None:
    """The number of the card handed over on this visit, or None."""
    row = (
        await conn.execute(
            sa.select(cards.c.number)
            .join(card_handovers, card_handovers.c.card_id == cards.c.id)
            .where(card_handovers.c.visit_id == visit_id)
            .limit(1)
        )
    ).first()
    return row.number if row else None


async def handed_with_case(conn: AsyncConnection, case_id: int) -> str | None:
    """The number of the card handed over with this registered case, or None."""
    row = (
        await conn.execute(
            sa.select(cards.c.number)
            .join(card_handovers, card_handovers.c.card_id == cards.c.id)
            .where(card_handovers.c.case_id == case_id)
            .limit(1)
        )
    ).first()
    return row.number if row else None
