"""dialog drafts: a half-filled form put aside while another dialog runs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

A resident filling a report who presses "add a comment" on a follow-up, adds information to
another case or sends /start used to lose the form, since each user has one dialog row. The form
is now put aside here and given back when they open it again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dialog_drafts",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("data", storage.types.JsonText(), server_default="{}", nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "flow", name=op.f("pk_dialog_drafts")),
    )


def downgrade() -> None:
    op.drop_table("dialog_drafts")
