"""Background jobs (exports, charts): a durable row per request, like the outbox.

A row moves pending → running (claimed by one worker, its claim renewed while it works) → done |
failed. A claim that stops being renewed (the process was killed) expires and the job is taken
again. The finished file is kept in `job_parts`, a megabyte a row (written by the child process
that made it, so its memory stays flat), until its message has been sent and a day has passed.
Defined on `storage.schema.metadata`; schema.py does not import this module.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import JsonText, UtcDateTime

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # export | chart
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("payload", JsonText, nullable=False, server_default="{}"),
    sa.Column("status", sa.String(12), nullable=False),  # pending | running | done | failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("result_meta", JsonText),  # filename, caption, is_photo of the finished file
    sa.Column("last_error", sa.Text),
    sa.Column("source_update_id", sa.BigInteger, unique=True),  # the request's update: a replay finds it
    sa.Index("ix_jobs_status", "status", "id"),
)

job_parts = sa.Table(
    "job_parts",
    metadata,
    sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("part", sa.Integer, primary_key=True),  # 0, 1, …: the file is their data in this order
    sa.Column("data", sa.LargeBinary, nullable=False),
)
