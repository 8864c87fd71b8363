"""A fresh SQLite file per test, with the schema created from the table definitions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from storage.schema import metadata
from tests.stats.builders import Station, make_station


@pytest.fixture
async def stats_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'stats.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield db
    await db.close()


@pytest.fixture
async def stats_station(stats_db: Database) -> Station:
    return await make_station(stats_db)
