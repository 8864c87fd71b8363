"""safety alerts (预警提示): the ledger, one delivery per alert and resident, residents' topics

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

An alert is one ledger row (who drafted, approved and stopped it, its areas, topic, texts, counts
and times). Each resident it goes to has one delivery row, unique per (alert, resident), so a
resident gets an alert at most once, also after a crash in the middle of a broadcast.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=16), nullable=False),
        sa.Column("area_ids", storage.types.JsonText(), server_default="[]", nullable=False),
        sa.Column("texts", storage.types.JsonText(), server_default="{}", nullable=False),
        sa.Column("source_language", sa.String(length=8), nullable=False),
        sa.Column("photo_file_id", sa.String(length=256), nullable=True),
        sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("drafted_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("stopped_by", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("approved_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("target_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("unreachable_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("screen_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("screen_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["drafted_by"], ["staff.id"], name=op.f("fk_alerts_drafted_by_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["staff.id"], name=op.f("fk_alerts_approved_by_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["stopped_by"], ["staff.id"], name=op.f("fk_alerts_stopped_by_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_status", "alerts", ["status"], unique=False)
    op.create_index("ix_alerts_approved", "alerts", ["approved_at"], unique=False)
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_deliveries_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_alert_deliveries_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint("alert_id", "resident_id", name="uq_alert_deliveries_alert_resident"),
    )
    op.create_index("ix_alert_deliveries_alert_status", "alert_deliveries", ["alert_id", "status"], unique=False)
    op.create_table(
        "alert_choices",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_alert_choices_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resident_id", "topic", name="pk_alert_choices"),
    )


def downgrade() -> None:
    op.drop_table("alert_choices")
    op.drop_index("ix_alert_deliveries_alert_status", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index("ix_alerts_approved", table_name="alerts")
    op.drop_index("ix_alerts_status", table_name="alerts")
    op.drop_table("alerts")
