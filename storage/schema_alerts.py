"""The safety alerts' tables (预警提示, core/alerts): the ledger, the deliveries, residents' topic choices."""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import JsonText, UtcDateTime

# Safety alerts (预警提示): one ledger row per alert, one delivery row per resident it goes to.
alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),  # draft | awaiting_approval | sending | done | ...
    sa.Column("topic", sa.String(16), nullable=False),
    sa.Column("area_ids", JsonText, nullable=False, server_default="[]"),
    sa.Column("texts", JsonText, nullable=False, server_default="{}"),  # {language: text}
    sa.Column("source_language", sa.String(8), nullable=False),
    sa.Column("photo_file_id", sa.String(256)),
    sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("drafted_by", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("approved_by", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("stopped_by", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("approved_at", UtcDateTime),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("stopped_at", UtcDateTime),
    sa.Column("target_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("unreachable_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("screen_chat_id", sa.BigInteger),
    sa.Column("screen_message_id", sa.BigInteger),
    sa.Index("ix_alerts_status", "status"),
    sa.Index("ix_alerts_approved", "approved_at"),
)

# A resident gets an alert at most once: the delivery row is unique per (alert, resident) and a
# copy is sent only by the process that moves its row from queued to sending.
alert_deliveries = sa.Table(
    "alert_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="CASCADE"), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # queued | sending | sent | blocked | failed | cancelled
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime),
    sa.UniqueConstraint("alert_id", "resident_id", name="uq_alert_deliveries_alert_resident"),
    sa.Index("ix_alert_deliveries_alert_status", "alert_id", "status"),
)

# A resident's alert topics set differently from the default; topic "all" switches every topic.
alert_choices = sa.Table(
    "alert_choices",
    metadata,
    sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="CASCADE"), nullable=False),
    sa.Column("topic", sa.String(16), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("resident_id", "topic", name="pk_alert_choices"),
)
