"""A prepared file is kept with its job in parts of a megabyte

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

The child process that prepares a ledger stores it part by part, so its memory does not grow
with the file (a ledger of 200,000 cases is 26 MB); `jobs.result` is no longer written.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_parts",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_job_parts_job_id_jobs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "part", name=op.f("pk_job_parts")),
    )


def downgrade() -> None:
    op.drop_table("job_parts")
