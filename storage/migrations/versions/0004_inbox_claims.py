"""inbox claims: which process holds an update, and since when; whose update it is

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Several bot processes (webhook mode on one PostgreSQL) share the inbox. A process holds the
updates it is handling and renews its claims while it runs; an update whose claim has not been
renewed for the lease is taken over by another process, so a process that dies loses nothing
and one that is alive is never robbed of its work.

`user_id` is the sender, so that a resident who deletes their account takes the raw updates
(their name, a shared contact) with them instead of leaving them for the week's purge.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", storage.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("user_id", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_inbox_user", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_user")
        batch_op.drop_column("user_id")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
