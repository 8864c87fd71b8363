"""area names in every language, the station's type and its role titles

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

The area file may name each area in 繁體中文 and English; the station says what kind it is
(派出所, 分局, 县局), which sets what its roles are called (所领导/所长 or 局领导), and may set
its own titles.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("areas") as batch:
        batch.add_column(sa.Column("names", storage.types.JsonText(), server_default="{}", nullable=False))
        batch.add_column(sa.Column("station_type", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("titles", storage.types.JsonText(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("areas") as batch:
        batch.drop_column("titles")
        batch.drop_column("station_type")
        batch.drop_column("names")
