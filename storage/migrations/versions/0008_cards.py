"""回音卡: printed cards with a number series, their officer's profile, and where a case came from

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Officers hand out numbered 回音卡 with a QR link to the bot. A card belongs to the officer who
printed it and, once scanned, to the resident who scanned it; the resident's 回音 is a case whose
channel (case_sources) is the card.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_counters",
        sa.Column("series", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", name=op.f("pk_card_counters")),
    )
    op.create_table(
        "card_profiles",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("contact", sa.String(length=128), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_card_profiles_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_card_profiles")),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("printed_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_cards_area_id_areas"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_cards_case_id_cases"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["staff.id"], name=op.f("fk_cards_officer_id_staff"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_cards_resident_id_residents"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_cards_code_hash")),
        sa.UniqueConstraint("number", name=op.f("uq_cards_number")),
    )
    op.create_index("ix_cards_officer", "cards", ["officer_id", "printed_at"], unique=False)
    op.create_index("ix_cards_resident", "cards", ["resident_id"], unique=False)
    op.create_table(
        "case_sources",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("echo", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_case_sources_card_id_cards"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_sources_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_sources")),
    )
    op.create_index("ix_case_sources_card", "case_sources", ["card_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_sources_card", table_name="case_sources")
    op.drop_table("case_sources")
    op.drop_index("ix_cards_resident", table_name="cards")
    op.drop_index("ix_cards_officer", table_name="cards")
    op.drop_table("cards")
    op.drop_table("card_profiles")
    op.drop_table("card_counters")
