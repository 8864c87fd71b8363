"""Settings, read once at start-up from JINGMIN_* environment variables and an optional .env file."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.models import Kind

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the key and the problem."""


class Settings(BaseSettings):
    """Everything a station's IT person can configure. Each field is JINGMIN_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="JINGMIN_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: SecretStr = Field(default=SecretStr(""), description="Bot token from @BotFather")
    bot_username: str = Field(default="", description="The bot's @username, for invite links")
    api_base_url: str = Field(
        default="https://api.telegram.org/bot", description="Bot API base URL (the sandbox sets its own)"
    )
    api_file_url: str = Field(default="https://api.telegram.org/file/bot")
    database_url: str = Field(default="sqlite+aiosqlite:///jingmin.db")
    timezone: str = Field(default="Asia/Shanghai")
    station_code: str = Field(default="JM", min_length=1, max_length=8)
    station_name: str = Field(default="警民连心桥派出所")

    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)

    daily_case_limit: int = Field(default=5, ge=1, le=1000)
    invite_ttl_hours: float = Field(default=72, gt=0)
    description_max_chars: int = Field(default=2000, ge=10, le=4000)
    max_photos: int = Field(default=5, ge=0, le=10)
    privacy_retention_days: int = Field(default=1095, ge=30)

    # Sending limits (Telegram allows about 30/s overall and 1/s per chat).
    send_rate_global: float = Field(default=25.0, gt=0)
    send_rate_per_chat: float = Field(default=1.0, gt=0)
    send_limits: bool = True

    quiet_hours: str = Field(default="21:30-08:00", description="Residents' quiet hours, HH:MM-HH:MM")
    followup_time: str = Field(default="10:00")
    followup_remind_days: int = Field(default=3, ge=1, le=30)
    followup_close_days: int = Field(default=7, ge=2, le=60)
    visit_days: list[int] = Field(default_factory=lambda: [7, 30], description="dispute repeat visits, days")
    digest_time: str = Field(default="08:30")
    weekly_report_day: int = Field(default=1, ge=1, le=7, description="1 = Monday … 7 = Sunday")
    weekly_report_time: str = Field(default="09:00")
    ack_hours: dict[str, float] = Field(default_factory=lambda: {k.value: 24.0 for k in Kind})
    resolve_workdays: dict[str, int] = Field(
        default_factory=lambda: {
            Kind.HELP.value: 3,
            Kind.INQUIRY.value: 3,
            Kind.CONSULTATION.value: 3,
            Kind.SUGGESTION.value: 13,
            Kind.DISPUTE.value: 13,
        }
    )

    # Video consultations (视频约访).
    # bookings.video_url is VARCHAR(256), which PostgreSQL enforces: the template plus a 33-character room.
    video_link_template: str = Field(default="https://meet.jit.si/{room}", max_length=200,
                                     description="must contain {room}")
    booking_confirm_hours: float = Field(default=24, gt=0, le=168)
    booking_max_open: int = Field(default=2, ge=1, le=10)
    slot_minutes: int = Field(default=20, ge=5, le=240)
    slot_buffer_minutes: int = Field(default=5, ge=0, le=120)
    booking_min_notice_hours: float = Field(default=2, ge=0, le=72)
    booking_horizon_days: int = Field(default=14, ge=1, le=90)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("followup_time", "digest_time", "weekly_report_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"{value!r} is not a time of day like 09:30")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _window(cls, value: str) -> str:
        parts = value.split("-")
        if len(parts) != 2 or not all(_CLOCK.match(p.strip()) for p in parts):
            raise ValueError(f"{value!r} is not a window like 21:30-08:00")
        return value

    @field_validator("ack_hours", "resolve_workdays")
    @classmethod
    def _known_kinds(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - {k.value for k in Kind}
        if unknown:
            raise ValueError(f"unknown kind(s) {sorted(unknown)}; known: {[k.value for k in Kind]}")
        return value

    @field_validator("video_link_template")
    @classmethod
    def _room_placeholder(cls, value: str) -> str:
        if "{room}" not in value or not value.startswith("https://"):
            raise ValueError(f"{value!r} must be an https:// link containing {{room}}")
        return value

    @field_validator("visit_days")
    @classmethod
    def _visit_days(cls, value: list[int]) -> list[int]:
        if any(day < 1 or day > 365 for day in value):
            raise ValueError(f"{value} must be days between 1 and 365")
        return sorted(set(value))

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.followup_close_days <= self.followup_remind_days:
            raise ValueError("JINGMIN_FOLLOWUP_CLOSE_DAYS must be later than JINGMIN_FOLLOWUP_REMIND_DAYS")
        if self.mode == "webhook":
            if not self.webhook_url:
                raise ValueError("JINGMIN_WEBHOOK_URL is required in webhook mode")
            if len(self.webhook_secret.get_secret_value()) < 16:
                raise ValueError("JINGMIN_WEBHOOK_SECRET must be at least 16 characters in webhook mode")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix) :])
        return None

    @staticmethod
    def clock_time(value: str) -> time:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line per bad key."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = "JINGMIN_" + "_".join(str(p) for p in err["loc"]).upper() if err["loc"] else "settings"
            problems.append(f"{key}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("; ".join(problems)) from None
