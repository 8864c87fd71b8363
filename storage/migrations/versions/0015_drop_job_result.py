"""Jobs lose their unused `result` column

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05

Since 0014 a prepared file is kept in `job_parts`; `jobs.result` has not been written since, and
is dropped (in batch mode on SQLite, which rebuilds the table).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("result")


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result", sa.LargeBinary(), nullable=True))
