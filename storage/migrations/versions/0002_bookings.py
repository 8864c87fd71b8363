"""bookings: consultation hours, video consultations, one claim per slot

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_availability_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability")),
    )
    with op.batch_alter_table("availability", schema=None) as batch_op:
        batch_op.create_index("ix_availability_staff", ["staff_id", "weekday"], unique=False)

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=24), nullable=False),
        sa.Column("starts_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("video_url", sa.String(length=256), nullable=False),
        sa.Column("confirm_due_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("proposed_starts_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=12), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("escalated_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_bookings_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["officer_id"], ["staff.id"], name=op.f("fk_bookings_officer_id_staff")),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_bookings_resident_id_residents"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("case_id", name=op.f("uq_bookings_case_id")),
        sa.UniqueConstraint("room", name=op.f("uq_bookings_room")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_officer_start", ["officer_id", "starts_at"], unique=False)
        batch_op.create_index("ix_bookings_resident_status", ["resident_id", "status"], unique=False)
        batch_op.create_index("ix_bookings_status", ["status", "confirm_due_at"], unique=False)

    op.create_table(
        "slot_claims",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_slot_claims_booking_id_bookings"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["staff.id"], name=op.f("fk_slot_claims_officer_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("officer_id", "starts_at", name="pk_slot_claims"),
    )
    with op.batch_alter_table("slot_claims", schema=None) as batch_op:
        batch_op.create_index("ix_slot_claims_booking", ["booking_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slot_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_slot_claims_booking")

    op.drop_table("slot_claims")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_status")
        batch_op.drop_index("ix_bookings_resident_status")
        batch_op.drop_index("ix_bookings_officer_start")

    op.drop_table("bookings")
    with op.batch_alter_table("availability", schema=None) as batch_op:
        batch_op.drop_index("ix_availability_staff")

    op.drop_table("availability")
