"""民意访评: phone follow-up tasks for the follow-up centre's 访评员

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

A resident the bot cannot reach in Telegram (registered at the counter without it, blocked the
bot, or silent after the reminder) is called back by a 访评员; each such follow-up round gets a
row here, and the answers go into the round's own columns in followups.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phone_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("done_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["followup_id"], ["followups.id"], name=op.f("fk_phone_followups_followup_id_followups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_phone_followups_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_phone_followups_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["done_by"], ["staff.id"], name=op.f("fk_phone_followups_done_by_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_followups")),
        sa.UniqueConstraint("followup_id", name=op.f("uq_phone_followups_followup_id")),
    )
    op.create_index("ix_phone_followups_staff", "phone_followups", ["staff_id", "done_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_phone_followups_staff", table_name="phone_followups")
    op.drop_table("phone_followups")
