"""Who is writing (and their dialog) is read once per update, and read afresh after a write that
may change them."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from core import dialog_state, residents
from core.models import Language
from core.services import Services
from storage import buttons, people

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _count_selects(services: Services) -> list[str]:
    seen: list[str] = []

    def listen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.startswith("SELECT"):
            seen.append(statement)

    sa.event.listen(services.db.engine.sync_engine, "before_cursor_execute", listen)
    return seen


async def test_known_as_is_read_once_per_update_until_people_change(services: Services) -> None:
    async with services.db.write() as conn:
        await people.insert_resident(conn, 501, "Li", Language.ZH_HANS, NOW)
    selects = _count_selects(services)
    with services.db.update_scope():
        first = await residents.find(services, 501)
        assert await residents.stored_language(services, 501) == Language.ZH_HANS
        assert await residents.find(services, 501) == first
        assert await dialog_state.get(services, 501) is None
        assert len(selects) == 3  # the staff member, the resident and the dialog, once

        async with services.db.write() as conn:  # another table: nothing to read again
            await buttons.insert(conn, "tok", 501, "noop", {}, NOW, NOW)
        await residents.find(services, 501)
        assert len(selects) == 3

        async with services.db.write() as conn:
            assert first is not None
            await people.update_resident(conn, first.id, language=Language.EN)
        assert await residents.stored_language(services, 501) == Language.EN
        assert len(selects) == 6

        dialog = await dialog_state.put(services, 501, "report", "kind", {"photos": []})
        remembered = await dialog_state.get(services, 501)
        assert remembered == dialog and len(selects) == 10  # put read the dialog; then all three again
        assert remembered is not None
        remembered.data["photos"].append("x")  # each caller gets its own copy
        again = await dialog_state.get(services, 501)
        assert again is not None and again.data == {"photos": []}
        assert len(selects) == 10

    # Outside an update nothing is remembered.
    await residents.find(services, 501)
    await residents.find(services, 501)
    assert len(selects) == 14
