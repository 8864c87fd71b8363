"""The suite's one database set-up: a SQLite file brought to head by the real migrations.

The session migrates one template (tests/conftest.py `migrated_template`); each test gets its own
copy of it, so every folder runs on the schema the product's migrations build.
"""

from __future__ import annotations

from pathlib import Path

from storage.db import backup_sqlite


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite file for the product's async engine."""
    return f"sqlite+aiosqlite:///{path}"


def sqlite_path(url: str) -> Path:
    """The file behind a SQLite URL (`sqlite_url`'s inverse)."""
    return Path(url.removeprefix("sqlite+aiosqlite:///"))


def migrated_copy(template: Path, target: Path) -> str:
    """A fresh migrated database at `target`, copied from the template with the backup API; its URL."""
    backup_sqlite(template, target)
    return sqlite_url(target)
