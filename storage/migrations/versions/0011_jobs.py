"""Background jobs: exports and charts are prepared off the update path, durably

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

A leader's /export or a /stats chart is a job row first; a worker outside the event loop
prepares the file, and the outbox sends it, also after a restart in between.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("payload", storage.types.JsonText(), server_default="{}", nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("result_meta", storage.types.JsonText(), nullable=True),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("source_update_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_jobs_staff_id_staff"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("source_update_id", name=op.f("uq_jobs_source_update_id")),
    )
    op.create_index("ix_jobs_status", "jobs", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_jobs_status", table_name="jobs")
    op.drop_table("jobs")
