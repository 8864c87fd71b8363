"""家访 (民情日记, core/visits): an officer's home visits, the cases raised on them, and the 回音卡
handed over on a visit or at the counter (/register).

Defined on `storage.schema.metadata` so that Alembic and `create_all` see them; schema.py does not
import this module (storage/db.py does, with the other feature schemas).
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import JsonText, UtcDateTime

home_visits = sa.Table(
    "home_visits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("officer_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="RESTRICT"), nullable=False),
    sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="SET NULL")),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("areas.id", ondelete="SET NULL")),
    sa.Column("address", sa.String(200)),  # a new household's address, as the officer typed it
    sa.Column("consent", sa.Boolean),  # a new household: agreed to be kept on record (None: a known resident)
    sa.Column("visited_at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # day | night (昼访 | 夜访)
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("photos", JsonText, nullable=False, server_default="[]"),  # Telegram file ids
    sa.Column("location_lat", sa.Float),
    sa.Column("location_lon", sa.Float),
    sa.Column("source_update_id", sa.BigInteger, unique=True),  # the confirming press: a replay finds it
    sa.Index("ix_home_visits_officer", "officer_id", "visited_at"),
    sa.Index("ix_home_visits_resident", "resident_id", "visited_at"),
)

home_visit_matters = sa.Table(
    "home_visit_matters",
    metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("visit_id", sa.Integer, sa.ForeignKey("home_visits.id", ondelete="CASCADE"), nullable=False),
    sa.Index("ix_home_visit_matters_visit", "visit_id"),
)

# A 回音卡 given to a household: once, by an officer, on a visit or with a registered case. When the
# household has no Telegram yet, the first scan of the card attaches that record to the scanner.
card_handovers = sa.Table(
    "card_handovers",
    metadata,
    sa.Column("card_id", sa.Integer, sa.ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("handed_by", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("handed_at", UtcDateTime, nullable=False),
    sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="SET NULL")),
    sa.Column("visit_id", sa.Integer, sa.ForeignKey("home_visits.id", ondelete="SET NULL")),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="SET NULL")),  # the /register case
    sa.Index("ix_card_handovers_resident", "resident_id"),
    sa.Index("ix_card_handovers_visit", "visit_id"),
)

# The households an officer plans to visit on the next night visit (夜访); a visit to the household
# (by anyone) ends the plan, and the night-visit reminder lists the planned ones first.
night_visit_plans = sa.Table(
    "night_visit_plans",
    metadata,
    sa.Column("officer_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="CASCADE"), nullable=False),
    sa.Column("planned_at", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("officer_id", "resident_id", name="pk_night_visit_plans"),
    sa.Index("ix_night_visit_plans_resident", "resident_id"),
)
