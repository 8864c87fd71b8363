"""夜访 plans: the households an officer plans for the next night visit

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

The night-visit reminder lists an officer's planned households first, then those due longest; a
visit to a planned household ends its plan.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "night_visit_plans",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("planned_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["staff.id"], name=op.f("fk_night_visit_plans_officer_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_night_visit_plans_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("officer_id", "resident_id", name="pk_night_visit_plans"),
    )
    op.create_index("ix_night_visit_plans_resident", "night_visit_plans", ["resident_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_night_visit_plans_resident", table_name="night_visit_plans")
    op.drop_table("night_visit_plans")
