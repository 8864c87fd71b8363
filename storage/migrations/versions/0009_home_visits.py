"""家访 (民情日记): officers' home visits and the cases raised on them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

An officer records each home visit (day or night, 昼访 / 夜访) with what they learned; every
matter the household raised is a case of its own, channel 家访 in case_sources, linked to the
visit in home_visit_matters.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=True),
        sa.Column("visited_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("photos", storage.types.JsonText(), server_default="[]", nullable=False),
        sa.Column("location_lat", sa.Float(), nullable=True),
        sa.Column("location_lon", sa.Float(), nullable=True),
        sa.Column("source_update_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_home_visits_area_id_areas"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["staff.id"], name=op.f("fk_home_visits_officer_id_staff"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_home_visits_resident_id_residents"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_visits")),
        sa.UniqueConstraint("source_update_id", name=op.f("uq_home_visits_source_update_id")),
    )
    op.create_index("ix_home_visits_officer", "home_visits", ["officer_id", "visited_at"], unique=False)
    op.create_index("ix_home_visits_resident", "home_visits", ["resident_id", "visited_at"], unique=False)
    op.create_table(
        "home_visit_matters",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_home_visit_matters_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["home_visits.id"],
            name=op.f("fk_home_visit_matters_visit_id_home_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_home_visit_matters")),
    )
    op.create_index("ix_home_visit_matters_visit", "home_visit_matters", ["visit_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_home_visit_matters_visit", table_name="home_visit_matters")
    op.drop_table("home_visit_matters")
    op.drop_index("ix_home_visits_resident", table_name="home_visits")
    op.drop_index("ix_home_visits_officer", table_name="home_visits")
    op.drop_table("home_visits")
