"""Many residents at once, for a broadcast's crash test and benchmark.

`seed(services, server, town="东城街道", count=N)` adds N residents who consented to the privacy
notice, spread over the villages of one town, written with the demo seed's bulk inserts
(storage/demo_seed.py, one executemany per batch), and makes each of them a started chat in the
sandbox, so the bot can write to them and the sandbox keeps what it sent. Telegram ids are
`first_user_id`, `first_user_id + 1`, …; most read Simplified Chinese, some Traditional, a few
English.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import storage.areas
from core.models import Language
from core.services import Services
from sandbox.server import SandboxServer
from storage import demo_seed

FIRST_USER_ID = 800_000


def language_of(index: int) -> Language:
    """Every tenth resident reads Traditional characters, every twenty-fifth English."""
    if index % 25 == 24:
        return Language.EN
    if index % 10 == 9:
        return Language.ZH_HANT
    return Language.ZH_HANS


async def seed(
    services: Services,
    server: SandboxServer | None,
    *,
    town: str,
    count: int,
    first_user_id: int = FIRST_USER_ID,
    language: Language | None = None,
    batch: int = 5_000,
) -> list[int]:
    """Adds `count` residents to the villages of `town` (all reading `language` if given, else the
    usual mix); returns their Telegram ids."""
    async with services.db.read() as conn:
        areas = await storage.areas.all_areas(conn)
    towns = [a for a in areas if a.name == town]
    if not towns:
        raise ValueError(f"no area named {town!r}")
    villages = [a.id for a in areas if a.parent_id == towns[0].id] or [towns[0].id]
    now: datetime = services.clock.now()
    ids = list(range(first_user_id, first_user_id + count))
    for start in range(0, count, batch):
        rows: list[dict[str, Any]] = [
            {
                "telegram_id": telegram_id,
                "first_name": f"居民{telegram_id - first_user_id + 1}",
                "language": (language or language_of(telegram_id - first_user_id)).value,
                "consented_at": now,
                "area_id": villages[(telegram_id - first_user_id) % len(villages)],
                "phone": None,
                "priority": False,
                "unreachable": False,
                "created_at": now,
                "deleted_at": None,
            }
            for telegram_id in ids[start : start + batch]
        ]
        async with services.db.write() as conn:
            await demo_seed.insert_rows(conn, "residents", rows)
    if server is not None:
        for telegram_id in ids:
            server.add_user(telegram_id, f"居民{telegram_id - first_user_id + 1}", started=True)
    return ids
