"""Reading and writing a user's dialog, one committed row per step."""

from __future__ import annotations

from typing import Any

from core import residents
from core.dialogs import Dialog
from core.services import Services
from storage import dialogs


async def get(services: Services, user_id: int) -> Dialog | None:
    """The user's dialog; while an update is handled, read with who they are (one transaction)."""
    if services.db.update_reads() is not None:
        known, dialog = residents.remembered_dialog(services, user_id)
        if not known:
            async with services.db.read() as conn:
                await residents.remember_who(services, conn, user_id)
            known, dialog = residents.remembered_dialog(services, user_id)
        if known:
            return dialog
    async with services.db.read() as conn:
        return await dialogs.get(conn, user_id)


async def put(services: Services, user_id: int, flow: str, step: str, data: dict[str, Any]) -> Dialog:
    """Keeps the user's form at this step with this data, replacing any form before; returns it."""
    async with services.db.write() as conn:
        return await dialogs.put(conn, user_id, flow, step, data, services.clock.now())


async def clear(services: Services, user_id: int) -> None:
    """Drops the user's form, if any."""
    async with services.db.write() as conn:
        await dialogs.clear(conn, user_id)


async def step_away(services: Services, user_id: int) -> None:
    """Ends the user's dialog; a half-filled form is put aside to be given back later."""
    async with services.db.write() as conn:
        await dialogs.step_away(conn, user_id, services.clock.now())


async def take_back(services: Services, user_id: int, flow: str) -> Dialog | None:
    """Gives back the form of `flow` the user left half-filled, as their dialog; None if none."""
    async with services.db.write() as conn:
        return await dialogs.take_back(conn, user_id, flow, services.clock.now())
