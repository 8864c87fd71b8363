"""Applying Alembic migrations from code (`jingmin db upgrade` and start-up)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """Alembic's settings for our migrations on this database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade_blocking(url: str, revision: str) -> None:
    """Brings the database to this revision (blocking; run it off the event loop)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to `revision`. Alembic runs its own event loop, so it gets a thread."""
    await asyncio.to_thread(upgrade_blocking, url, revision)


def current_head() -> str | None:
    """The newest revision of our migrations."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
