"""回音卡 handed over: a card given to a household on a home visit or with a registered case

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

An officer records the number of the card they handed over at the end of /visit or /register;
the card is then the visit's and the household's. A household without Telegram is attached to
whoever scans the card first, so that their follow-up goes to Telegram.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_handovers",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("handed_by", sa.Integer(), nullable=True),
        sa.Column("handed_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_handovers_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["handed_by"], ["staff.id"], name=op.f("fk_card_handovers_handed_by_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_card_handovers_resident_id_residents"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["home_visits.id"], name=op.f("fk_card_handovers_visit_id_home_visits"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_card_handovers_case_id_cases"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("card_id", name=op.f("pk_card_handovers")),
    )
    op.create_index("ix_card_handovers_resident", "card_handovers", ["resident_id"], unique=False)
    op.create_index("ix_card_handovers_visit", "card_handovers", ["visit_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_card_handovers_visit", table_name="card_handovers")
    op.drop_index("ix_card_handovers_resident", table_name="card_handovers")
    op.drop_table("card_handovers")
