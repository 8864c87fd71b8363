"""The Alembic migrations on PostgreSQL: an empty database to head, and the result is schema.py."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import storage.schema_alerts
import storage.schema_jobs
import storage.schema_phone
import storage.schema_visits  # noqa: F401 - the home visits tables
from storage.migrate import current_head, upgrade
from storage.schema import metadata
from tests.postgres.conftest import PgServer

# Alembic cannot compare expression indexes (it reports them removed and added again); that
# queries use them is checked in test_stats.py.
EXPRESSION_INDEXES = {"ix_cases_ack_seconds", "ix_cases_resolve_seconds"}


def _differences(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": metadata})
    return [
        diff
        for diff in compare_metadata(context, metadata)
        if not (
            isinstance(diff, tuple) and diff[0] in ("add_index", "remove_index") and diff[1].name in EXPRESSION_INDEXES
        )
    ]


async def test_upgrade_brings_an_empty_database_to_head(pg_server: PgServer) -> None:
    url = await pg_server.create_database("empty", template=None)
    await upgrade(url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            version = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar_one()
            tables = set(
                (await conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars()
            )
            indexes = set(
                (await conn.execute(sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'cases'"))).scalars()
            )
            # What the migrations made is what storage/schema.py describes: no drift to autogenerate.
            differences = await conn.run_sync(_differences)
            found = await conn.execute(
                sa.text(
                    "SELECT column_name, column_default FROM information_schema.columns "
                    "WHERE table_name = 'outbox' AND column_name IN ('urgent', 'attempts')"
                )
            )
            defaults: dict[str, str | None] = {name: default for name, default in found.all()}
        assert version == current_head()
        assert tables == set(metadata.tables) | {"alembic_version"}
        assert indexes >= EXPRESSION_INDEXES
        assert differences == []
        assert defaults == {"urgent": "false", "attempts": "0"}
        # Running it again is a no-op.
        await upgrade(url)
    finally:
        await engine.dispose()
