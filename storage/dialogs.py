"""Dialog state: a half-filled form is a row, committed at every step.

Each user has one active dialog. A form worth keeping (core.dialogs.worth_keeping) that another
dialog replaces is put aside in `dialog_drafts`, one per user and form, until it is taken back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.dialogs import Dialog, worth_keeping
from storage.db import upsert
from storage.schema import dialog_drafts, dialogs

# Built once: building a statement and its cache key costs more than running it (about 65 µs
# against 40 µs here), and these run several times per update.
_DIALOG = sa.select(dialogs).where(dialogs.c.user_id == sa.bindparam("user_id"))


async def get(conn: AsyncConnection, user_id: int) -> Dialog | None:
    """The user's form in progress, or None."""
    row = (await conn.execute(_DIALOG, {"user_id": user_id})).first()
    if row is None:
        return None
    return Dialog(user_id=row.user_id, flow=row.flow, step=row.step, data=dict(row.data))


async def put(conn: AsyncConnection, user_id: int, flow: str, step: str, data: dict[str, Any], now: datetime) -> Dialog:
    """Makes this the user's dialog; a different form worth keeping is put aside first.

    A form worth keeping that becomes the dialog again drops its copy put aside: there is only
    ever one of each form, so a report given back and then filed cannot come back a second time.
    """
    dialog = Dialog(user_id=user_id, flow=flow, step=step, data=data)
    values = {"flow": flow, "step": step, "data": data, "updated_at": now}
    keep = worth_keeping(dialog)
    if keep:
        await conn.execute(
            dialog_drafts.delete().where(dialog_drafts.c.user_id == user_id, dialog_drafts.c.flow == flow)
        )
        # The next step of the same form (the usual case): nothing to put aside, one UPDATE.
        result = await conn.execute(
            dialogs.update().where(dialogs.c.user_id == user_id, dialogs.c.flow == flow).values(**values)
        )
        if result.rowcount == 1:
            return dialog
    current = await get(conn, user_id)
    if current is not None and (current.flow != flow or not keep):
        await _put_aside(conn, current, now)
    await conn.execute(
        upsert(conn, dialogs)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=[dialogs.c.user_id], set_=values)
    )
    return dialog


async def close_at(conn: AsyncConnection, user_id: int, flow: str, step: str) -> bool:
    """Ends the dialog only if it is still at `flow`'s `step`; False if it was not (compare-and-set).

    A one-shot step (submitting a form) does its work only if this returns True, so two presses
    handled at the same time, in one process or two, do it once.
    """
    result = await conn.execute(
        dialogs.delete().where(dialogs.c.user_id == user_id, dialogs.c.flow == flow, dialogs.c.step == step)
    )
    return result.rowcount == 1


async def clear(conn: AsyncConnection, user_id: int) -> None:
    """Ends the user's dialog (the form is done with, or the user cancelled it)."""
    await conn.execute(dialogs.delete().where(dialogs.c.user_id == user_id))


async def step_away(conn: AsyncConnection, user_id: int, now: datetime) -> None:
    """Ends the user's dialog, putting a form worth keeping aside rather than dropping it."""
    current = await get(conn, user_id)
    if current is not None:
        await _put_aside(conn, current, now)
        await clear(conn, user_id)


async def _put_aside(conn: AsyncConnection, dialog: Dialog, now: datetime) -> None:
    if not worth_keeping(dialog):
        return
    values = {"step": dialog.step, "data": dialog.data, "updated_at": now}
    await conn.execute(
        upsert(conn, dialog_drafts)
        .values(user_id=dialog.user_id, flow=dialog.flow, **values)
        .on_conflict_do_update(index_elements=[dialog_drafts.c.user_id, dialog_drafts.c.flow], set_=values)
    )


async def take_back(conn: AsyncConnection, user_id: int, flow: str, now: datetime) -> Dialog | None:
    """Makes the form put aside for `flow` the user's dialog again; None when there is none."""
    where = sa.and_(dialog_drafts.c.user_id == user_id, dialog_drafts.c.flow == flow)
    row = (await conn.execute(sa.select(dialog_drafts).where(where))).first()
    if row is None:
        return None
    await conn.execute(dialog_drafts.delete().where(where))
    return await put(conn, user_id, flow, row.step, dict(row.data), now)


async def forget(conn: AsyncConnection, user_id: int) -> None:
    """Drops the user's dialog and every form put aside (the account is deleted)."""
    await conn.execute(dialogs.delete().where(dialogs.c.user_id == user_id))
    await conn.execute(dialog_drafts.delete().where(dialog_drafts.c.user_id == user_id))
