"""What the ledger queues in the outbox: the staff cards (new, transferred, escalated, redrawn) and
the resident's notices of each step.

Every step of a case ends with `redraw_cards` (or `settle_cards` when it ends the case), after
any fresh card of the step is queued: the cards sent before are redrawn in place, and an older
one whose staff member got a newer card becomes a line pointing below (core/cases/redraws.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from core.cases import actions
from core.cases.errors import log
from core.cases.redraws import CARD_REDRAW, CASE_CARD
from core.models import OPEN_STATUSES, Case, Status
from core.outgoing import Priority
from storage import buttons, outbox, people, staff_cards


async def notify_staff(
    conn: AsyncConnection, staff_id: int, case_id: int, event_id: int, reason: str, now: datetime, tz: str
) -> None:
    """Queues the case's card to the staff member, once per event; logs and waits when they are not enrolled."""
    member = await people.staff_member(conn, staff_id)
    if member is None or member.telegram_id is None:
        log.warning("staff %s is not enrolled; case %s waits in their queue", staff_id, case_id)
        return
    await outbox.enqueue(
        conn,
        dedupe_key=f"card:{event_id}:{staff_id}",
        chat_id=member.telegram_id,
        audience="staff",
        kind=CASE_CARD,
        payload={"case_id": case_id, "staff_id": staff_id, "reason": reason, "tz": tz, "event_id": event_id},
        priority=Priority.ASSIGNMENT,
        urgent=True,
        case_id=case_id,
        due_at=now,
        now=now,
    )


async def record_card(
    conn: AsyncConnection,
    staff_id: int,
    chat_id: int,
    case_id: int,
    message_id: int,
    update_id: int,
    now: datetime,
    tz: str,
) -> None:
    """A card a handler showed as a new message (opened from /queue) is one of the case's cards in
    that chat from now on: later steps redraw it, and it supersedes older ones."""
    await staff_cards.record_sent(
        conn,
        dedupe_key=f"card-shown:{update_id}:{staff_id}:{case_id}",
        chat_id=chat_id,
        audience="staff",
        kind=CASE_CARD,
        payload={"case_id": case_id, "staff_id": staff_id, "reason": "current", "tz": tz},
        case_id=case_id,
        message_id=message_id,
        now=now,
    )


async def settle_cards(
    conn: AsyncConnection, case_id: int, status: Status, now: datetime, tz: str, *, step: int | None = None
) -> int:
    """The case is over (resolved, closed, rejected, withdrawn): every card of it the bot sent to
    staff is redrawn in place with its final state and no buttons, and every button of those cards
    (and of the screens shown in their place) only says that the case is over. Returns how many
    cards are redrawn."""
    await buttons.retarget_for_case(conn, case_id, actions.CARD_BUTTONS, actions.CLOSED)
    return await redraw_cards(conn, [case_id], now, tz, final=status, step=step)


async def redraw_cards(
    conn: AsyncConnection,
    case_ids: list[int],
    now: datetime,
    tz: str,
    *,
    final: Status | None = None,
    step: int | None = None,
) -> int:
    """Queues an edit of every officer's card of these cases that Telegram still shows, so it
    shows the case as it is now (a deleted resident's name and phone gone); `final`, the status
    that ended the case: without buttons. `step`, the event that moved the case: one redraw per
    card and step (without it, per card and second). Returns how many."""
    queued = 0
    extra = {"final": final.value} if final is not None else {}
    tag = f"e{step}" if step is not None else f"{now:%Y%m%d%H%M%S}"
    for card in await staff_cards.sent(conn, case_ids, kind=CASE_CARD):
        row = await outbox.enqueue(
            conn,
            dedupe_key=f"redraw:{card.chat_id}:{card.message_id}:{tag}" + (f":{final}" if final else ""),
            chat_id=card.chat_id,
            audience="staff",
            kind=CARD_REDRAW,
            payload={
                "case_id": card.case_id,
                "staff_id": card.payload.get("staff_id"),
                "message_id": card.message_id,
                "card_row": card.row_id,
                "tz": tz,
                **extra,
            },
            priority=Priority.NORMAL,
            case_id=card.case_id,
            due_at=now,
            now=now,
        )
        queued += row is not None
    return queued


async def after_step(conn: AsyncConnection, case_id: int, status: Status, event_id: int, now: datetime, tz: str) -> int:
    """What every step of a case ends with, once its fresh cards are queued: the earlier cards
    settled (the case is over) or redrawn as the case is now."""
    if status in OPEN_STATUSES:
        return await redraw_cards(conn, [case_id], now, tz, step=event_id)
    return await settle_cards(conn, case_id, status, now, tz, step=event_id)


async def notify_resident(conn: AsyncConnection, case: Case, event_id: int, now: datetime, tz: str) -> None:
    """Queues the news of the case's step to its resident, once per event, when they use the bot."""
    if case.resident_id is None:
        return
    resident = await people.resident(conn, case.resident_id)
    if resident is None or resident.telegram_id is None or resident.deleted:
        return
    await outbox.enqueue(
        conn,
        dedupe_key=f"status:{event_id}",
        chat_id=resident.telegram_id,
        audience="resident",
        kind="case_status",
        payload={"case_id": case.id, "event_id": event_id, "tz": tz},
        priority=Priority.NORMAL,
        case_id=case.id,
        due_at=now,
        now=now,
    )
