"""The follow-up centre's phone tasks (民意访评, 电话回访), defined on `storage.schema.metadata`.

A row is one follow-up round a 访评员 answers by phone because the resident cannot be reached in
Telegram; the answers themselves are the round's own columns in `followups`, so the statistics
count them with every other answer and this table marks them as phone follow-ups.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UtcDateTime

phone_followups = sa.Table(
    "phone_followups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "followup_id", sa.Integer, sa.ForeignKey("followups.id", ondelete="CASCADE"), nullable=False, unique=True
    ),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),  # the 访评员 who calls
    sa.Column("reason", sa.String(16), nullable=False),  # no_telegram | blocked | silent
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("done_at", UtcDateTime),  # the answers were recorded
    sa.Column("done_by", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Index("ix_phone_followups_staff", "staff_id", "done_at"),
)
