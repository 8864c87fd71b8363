"""The station's configuration as the domain needs it, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from core.booking.slots import BookingSettings
from core.quiet_hours import QuietHours
from core.visits.model import NightWindows

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
"""The zone a station runs in unless its settings name another (China has no daylight saving time)."""


@dataclass(frozen=True, slots=True)
class StationConfig:
    code: str = "JM"
    name: str = "警民连心桥派出所"
    tz: ZoneInfo = DEFAULT_TZ
    bot_username: str = ""
    daily_case_limit: int = 5
    description_max_chars: int = 2000
    max_photos: int = 5
    invite_ttl: timedelta = timedelta(hours=72)
    retention_days: int = 1095
    inbox_retention_days: int = 7
    quiet_start: time = time(21, 30)
    quiet_end: time = time(8, 0)
    # Safety alerts: an officer's draft waits for a supervisor or leader; topics are on after consent.
    alerts_need_approval: bool = True
    alerts_default_on: bool = True
    followup_time: time = time(10, 0)
    followup_remind_after: timedelta = timedelta(days=3)
    followup_close_after: timedelta = timedelta(days=7)
    visit_days: tuple[int, ...] = (7, 30)
    booking: BookingSettings = field(default_factory=BookingSettings)
    digest_time: time = time(8, 30)
    weekly_report_weekday: int = 0  # Monday
    weekly_report_time: time = time(9, 0)
    followup_report_time: time = time(8, 30)  # the 次日回访通报 to leaders, on working mornings
    # 回音卡 (core/cards): the service promise printed on every card (empty: the catalogue's), the font file.
    card_promise: str = ""
    card_font: str = ""
    # 家访 (core/visits): the night-visit days and window (夜访), and how long before it officers are reminded.
    night_visits: NightWindows = field(default_factory=NightWindows)
    night_visit_lead: timedelta = timedelta(hours=1)

    def quiet_hours(self) -> QuietHours:
        """The station's quiet hours, in its own zone."""
        return QuietHours(self.quiet_start, self.quiet_end, self.tz)
