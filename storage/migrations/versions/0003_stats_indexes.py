"""stats indexes: acknowledgement and resolution times in index order, for the percentiles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

The median and 90th percentile of a year of a large station are read off these indexes
(storage/stats.py) instead of sorting every case. The expressions are written out per database
here, as they were when this migration was made; storage/schema.py builds the same ones with
storage.types.seconds_between, and a query uses an index only when it says the same expression.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SECONDS = {
    "sqlite": "CAST(ROUND((julianday({later}) - julianday({earlier})) * 86400.0) AS INTEGER)",
    "postgresql": "CAST(ROUND(EXTRACT(EPOCH FROM ({later} - {earlier}))) AS BIGINT)",
}


def _seconds(later: str, earlier: str) -> sa.TextClause:
    dialect = op.get_bind().dialect.name
    template = _SECONDS.get(dialect, _SECONDS["postgresql"])
    return sa.text(template.format(later=later, earlier=earlier))


def upgrade() -> None:
    op.create_index(
        "ix_cases_ack_seconds",
        "cases",
        [_seconds("accepted_at", "created_at"), "created_at", "area_id", "owner_id"],
        sqlite_where=sa.text("accepted_at IS NOT NULL"),
        postgresql_where=sa.text("accepted_at IS NOT NULL"),
    )
    op.create_index(
        "ix_cases_resolve_seconds",
        "cases",
        [_seconds("resolved_at", "created_at"), "created_at", "area_id", "owner_id", "status"],
        sqlite_where=sa.text("resolved_at IS NOT NULL"),
        postgresql_where=sa.text("resolved_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_resolve_seconds", table_name="cases")
    op.drop_index("ix_cases_ack_seconds", table_name="cases")
