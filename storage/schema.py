"""Table definitions (SQLAlchemy Core). Migrations in storage/migrations mirror these."""

from __future__ import annotations

import sqlalchemy as sa

from storage.types import JsonText, UtcDateTime, seconds_between

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("badge", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("telegram_id", sa.BigInteger, unique=True),
    sa.Column("language", sa.String(8), nullable=False, server_default="zh_Hans"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("enrolled_at", UtcDateTime),
)

staff_invites = sa.Table(
    "staff_invites",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("used_at", UtcDateTime),
    sa.Column("used_by", sa.BigInteger),
)

areas = sa.Table(
    "areas",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("areas.id", ondelete="RESTRICT")),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("officer_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("supervisor_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("leader_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    # The area file's names in other languages ({"zh_Hant": …, "en": …}); the station's type and titles.
    sa.Column("names", JsonText, nullable=False, server_default="{}"),
    sa.Column("station_type", sa.String(16)),
    sa.Column("titles", JsonText, nullable=False, server_default="{}"),
)

residents = sa.Table(
    "residents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("telegram_id", sa.BigInteger, unique=True),
    sa.Column("first_name", sa.String(128), nullable=False, server_default=""),
    sa.Column("language", sa.String(8), nullable=False, server_default="zh_Hans"),
    sa.Column("consented_at", UtcDateTime),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("areas.id", ondelete="SET NULL")),
    sa.Column("phone", sa.String(32)),
    sa.Column("priority", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("unreachable", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("deleted_at", UtcDateTime),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="SET NULL")),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("category", sa.String(24), nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("areas.id", ondelete="SET NULL")),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("priority", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("assignee_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("location_lat", sa.Float),
    sa.Column("location_lon", sa.Float),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("ack_due_at", UtcDateTime),
    sa.Column("resolve_due_at", UtcDateTime),
    sa.Column("accepted_at", UtcDateTime),
    sa.Column("resolved_at", UtcDateTime),
    sa.Column("closed_at", UtcDateTime),
    sa.Column("resolution_note", sa.Text),
    sa.Column("close_reason", sa.String(32)),
    sa.Column("reopened_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"),
    # The update that created the case: replaying it must not create a second case.
    sa.Column("source_update_id", sa.BigInteger, unique=True),
    sa.Index("ix_cases_assignee_status", "assignee_id", "status"),
    sa.Index("ix_cases_resident", "resident_id", "created_at"),
    sa.Index("ix_cases_created", "created_at"),
    sa.Index("ix_cases_area_created", "area_id", "created_at"),
)

# The statistics' percentiles (storage/stats.py): durations in index order, with the columns a
# scope filters on, so the median of a year is read off the index instead of sorting every case.
sa.Index(
    "ix_cases_ack_seconds",
    seconds_between(cases.c.accepted_at, cases.c.created_at),
    cases.c.created_at,
    cases.c.area_id,
    cases.c.owner_id,
    sqlite_where=cases.c.accepted_at.is_not(None),
    postgresql_where=cases.c.accepted_at.is_not(None),
)
sa.Index(
    "ix_cases_resolve_seconds",
    seconds_between(cases.c.resolved_at, cases.c.created_at),
    cases.c.created_at,
    cases.c.area_id,
    cases.c.owner_id,
    cases.c.status,
    sqlite_where=cases.c.resolved_at.is_not(None),
    postgresql_where=cases.c.resolved_at.is_not(None),
)

case_photos = sa.Table(
    "case_photos",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    sa.Column("file_id", sa.String(256), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("added_at", UtcDateTime, nullable=False),
)

case_events = sa.Table(
    "case_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("actor_kind", sa.String(12), nullable=False),
    sa.Column("actor_id", sa.Integer),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16)),
    sa.Column("note", sa.Text),
    sa.Column("data", JsonText, nullable=False, server_default="{}"),
    # The update that caused the event, so a replayed update cannot record it twice.
    sa.Column("update_id", sa.BigInteger),
    sa.UniqueConstraint("update_id", "case_id", "action", name="uq_case_events_update"),
    sa.Index("ix_case_events_case", "case_id", "at"),
)

case_counters = sa.Table(
    "case_counters",
    metadata,
    sa.Column("day", sa.String(8), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

dialogs = sa.Table(
    "dialogs",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True),
    sa.Column("flow", sa.String(32), nullable=False),
    sa.Column("step", sa.String(32), nullable=False),
    sa.Column("data", JsonText, nullable=False, server_default="{}"),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# Forms put aside when another dialog took their place, one per user and form (core/dialogs.py).
dialog_drafts = sa.Table(
    "dialog_drafts",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True),
    sa.Column("flow", sa.String(32), primary_key=True),
    sa.Column("step", sa.String(32), nullable=False),
    sa.Column("data", JsonText, nullable=False, server_default="{}"),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("handled_at", UtcDateTime),
    # The process handling the update and when it last said so (see storage/inbox.py).
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_at", UtcDateTime),
    # The sender, so that deleting an account deletes their raw updates too.
    sa.Column("user_id", sa.BigInteger),
    sa.Index("ix_inbox_status", "status", "update_id"),
    sa.Index("ix_inbox_user", "user_id"),
)

buttons = sa.Table(
    "buttons",
    metadata,
    sa.Column("token", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("payload", JsonText, nullable=False, server_default="{}"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Index("ix_buttons_expires", "expires_at"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text),
)

rate_events = sa.Table(
    "rate_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("ix_rate_events_user", "user_id", "kind", "at"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dedupe_key", sa.String(128), nullable=False, unique=True),
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    sa.Column("audience", sa.String(12), nullable=False),  # resident | staff
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", JsonText, nullable=False, server_default="{}"),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="SET NULL")),
    sa.Column("status", sa.String(12), nullable=False),  # pending | sending | sent | failed | cancelled
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("sent_message_id", sa.BigInteger),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime),
    sa.Index("ix_outbox_due", "status", "next_attempt_at", "priority"),
    sa.Index("ix_outbox_case", "case_id"),
)

followups = sa.Table(
    "followups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("asked_at", UtcDateTime),
    sa.Column("reminded_at", UtcDateTime),
    sa.Column("answered_at", UtcDateTime),
    sa.Column("solved", sa.Boolean),
    sa.Column("satisfaction", sa.String(16)),  # satisfied | basically | unsatisfied
    sa.Column("comment", sa.Text),
    sa.Column("outcome", sa.String(16)),  # answered | no_feedback
    sa.UniqueConstraint("case_id", "round", name="uq_followups_case_round"),
)

visits = sa.Table(
    "visits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("done_at", UtcDateTime),
    sa.Column("done_by", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("note", sa.Text),
    sa.UniqueConstraint("case_id", "seq", name="uq_visits_case_seq"),
)

# --- video consultations (视频约访): weekly hours, bookings, and the one-booking-per-slot claim ---

availability = sa.Table(
    "availability",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # NULL: the station's pool, used by officers who have not set hours of their own.
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE")),
    sa.Column("weekday", sa.Integer, nullable=False),  # 0 = Monday
    sa.Column("start_time", sa.Time, nullable=False),
    sa.Column("end_time", sa.Time, nullable=False),
    sa.Index("ix_availability_staff", "staff_id", "weekday"),
)

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, unique=True),
    sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="SET NULL")),
    sa.Column("officer_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
    sa.Column("topic", sa.String(24), nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("ends_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("room", sa.String(64), nullable=False, unique=True),
    sa.Column("video_url", sa.String(256), nullable=False),
    sa.Column("confirm_due_at", UtcDateTime, nullable=False),
    sa.Column("proposed_starts_at", UtcDateTime),
    sa.Column("cancel_reason", sa.Text),
    sa.Column("cancelled_by", sa.String(12)),
    sa.Column("outcome_note", sa.Text),
    sa.Column("escalated_at", UtcDateTime),
    sa.Column("confirmed_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Index("ix_bookings_officer_start", "officer_id", "starts_at"),
    sa.Index("ix_bookings_resident_status", "resident_id", "status"),
    sa.Index("ix_bookings_status", "status", "confirm_due_at"),
)

# A slot is booked at most once: the row is inserted in the booking's own transaction and the
# primary key refuses a second one, on SQLite and PostgreSQL alike. Deleted when the booking
# gives the time back (cancelled, declined, moved).
slot_claims = sa.Table(
    "slot_claims",
    metadata,
    sa.Column("officer_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("ends_at", UtcDateTime, nullable=False),
    sa.Column("booking_id", sa.Integer, sa.ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    sa.PrimaryKeyConstraint("officer_id", "starts_at", name="pk_slot_claims"),
    sa.Index("ix_slot_claims_booking", "booking_id"),
)

# 回音卡 (core/cards): the number series (统一编号), each officer's card lines, the cards, a case's origin.
card_counters = sa.Table(
    "card_counters", metadata, sa.Column("series", sa.String(16), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)  # fmt: skip
card_profiles = sa.Table(
    "card_profiles",
    metadata,
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("title", sa.String(64), nullable=False),
    sa.Column("contact", sa.String(128), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
cards = sa.Table(
    "cards",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("code_hash", sa.String(64), nullable=False, unique=True),  # the QR code's secret, hashed
    sa.Column("officer_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="RESTRICT"), nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("areas.id", ondelete="SET NULL")),
    sa.Column("printed_at", UtcDateTime, nullable=False),
    sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="SET NULL")),  # who scanned first
    sa.Column("linked_at", UtcDateTime),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="SET NULL")),  # their 回音
    sa.Column("answered_at", UtcDateTime),
    sa.Index("ix_cards_officer", "officer_id", "printed_at"),
    sa.Index("ix_cards_resident", "resident_id"),
)
case_sources = sa.Table(
    "case_sources",
    metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),  # 回音卡 (card); no row: the resident's own report
    sa.Column("card_id", sa.Integer, sa.ForeignKey("cards.id", ondelete="SET NULL")),
    sa.Column("echo", sa.String(16)),  # suggestion | problem | praise | complaint
    sa.Index("ix_case_sources_card", "card_id"),
)
