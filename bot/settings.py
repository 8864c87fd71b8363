"""Settings, read once at start-up from JINGMIN_* environment variables and an optional .env file."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic_settings
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.setting_times import ClockTime, NightVisitWindows, Window
from core.config import StationConfig
from core.models import Kind
from core.quiet_hours import QuietHours

ENV_PREFIX = "JINGMIN_"
TELEGRAM_API_HOST = "api.telegram.org"

# The list and mapping settings are read by the validators below (NoDecode), not by pydantic-settings'
# JSON decoder, whose error names neither the key nor the form it expects.
AckHours = Annotated[dict[str, Annotated[float, Field(gt=0, le=8760)]], NoDecode]
ResolveWorkdays = Annotated[dict[str, Annotated[int, Field(ge=1, le=250)]], NoDecode]


# The station's defaults live in one place, core.config.StationConfig; every setting that maps to
# one of its fields starts from it.
DEFAULT = StationConfig()


def _hours(span: timedelta) -> float:
    return span.total_seconds() / 3600


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the key and the problem."""


class Settings(BaseSettings):
    """Everything a station's IT person can configure. Each field is JINGMIN_<NAME>."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore")

    token: SecretStr = Field(default=SecretStr(""), description="Bot token from @BotFather")
    bot_username: str = Field(default="", description="The bot's @username, for invite links")
    api_base_url: str = Field(
        default="https://api.telegram.org/bot", description="Bot API base URL (the sandbox sets its own)"
    )
    api_file_url: str = Field(default="https://api.telegram.org/file/bot")
    database_url: str = Field(default="sqlite+aiosqlite:///jingmin.db")
    timezone: str = Field(default=DEFAULT.tz.key)
    station_code: str = Field(default=DEFAULT.code, min_length=1, max_length=8)
    station_name: str = Field(default=DEFAULT.name)

    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)

    daily_case_limit: int = Field(default=DEFAULT.daily_case_limit, ge=1, le=1000)
    invite_ttl_hours: float = Field(default=_hours(DEFAULT.invite_ttl), gt=0)
    description_max_chars: int = Field(default=DEFAULT.description_max_chars, ge=10, le=4000)
    max_photos: int = Field(default=DEFAULT.max_photos, ge=0, le=10)
    privacy_retention_days: int = Field(default=DEFAULT.retention_days, ge=30)
    # Raw Telegram updates are kept this long after they were handled; their ids stay for good.
    inbox_retention_days: int = Field(default=DEFAULT.inbox_retention_days, ge=1)
    # Safety alerts: an officer's alert is sent only once a supervisor or leader approves it;
    # residents receive every topic after consenting until they switch one off.
    alerts_need_approval: bool = DEFAULT.alerts_need_approval
    alerts_default_on: bool = DEFAULT.alerts_default_on

    # Updates handled at the same time (different users; one user's updates always one by one),
    # and updates taken from the queue before older ones finish.
    concurrent_updates: int = Field(default=32, ge=1, le=1024)
    updates_in_flight: int = Field(default=512, ge=1, le=100_000)
    # Inbound flood control: past this many updates from one user within the window, further
    # ones are stored and marked done without work (0 turns it off).
    flood_limit: int = Field(default=20, ge=0, le=10_000)
    flood_window_seconds: float = Field(default=10, gt=0, le=3600)

    # Sending limits (Telegram allows about 30/s overall and 1/s per chat). Bulk messages (safety
    # alerts, digests) go at send_rate_bulk; replies use the headroom up to send_rate_global.
    send_rate_global: float = Field(default=28.0, ge=1, le=30)
    send_rate_bulk: float = Field(default=25.0, gt=0)
    send_rate_per_chat: float = Field(default=1.0, gt=0)
    send_limits: bool = True

    # Times of day are HH:MM in station time, read by bot/setting_times.py (pydantic's time parser).
    quiet_hours: Window = Field(
        default=(DEFAULT.quiet_start, DEFAULT.quiet_end),
        description="Residents' quiet hours, HH:MM-HH:MM",
        examples=["21:30-08:00"],
    )
    followup_time: ClockTime = Field(default=DEFAULT.followup_time, examples=["10:00"])
    followup_remind_days: int = Field(default=DEFAULT.followup_remind_after.days, ge=1, le=30)
    followup_close_days: int = Field(default=DEFAULT.followup_close_after.days, ge=2, le=60)
    visit_days: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT.visit_days), description="dispute repeat visits, days", examples=["7,30"]
    )
    digest_time: ClockTime = Field(default=DEFAULT.digest_time, examples=["08:30"])
    weekly_report_day: int = Field(
        default=DEFAULT.weekly_report_weekday + 1, ge=1, le=7, description="1 = Monday … 7 = Sunday"
    )
    weekly_report_time: ClockTime = Field(default=DEFAULT.weekly_report_time, examples=["09:00"])
    followup_report_time: ClockTime = Field(
        default=DEFAULT.followup_report_time, description="次日回访通报 to leaders, working days", examples=["08:30"]
    )
    ack_hours: AckHours = Field(
        default_factory=lambda: {k.value: 24.0 for k in Kind}, examples=['{"help": 12, "dispute": 24}']
    )
    resolve_workdays: ResolveWorkdays = Field(
        default_factory=lambda: {
            Kind.HELP.value: 3,
            Kind.INQUIRY.value: 3,
            Kind.CONSULTATION.value: 3,
            Kind.SUGGESTION.value: 13,
            Kind.DISPUTE.value: 13,
        },
        examples=['{"help": 3, "dispute": 13}'],
    )

    # Video consultations (视频约访).
    # bookings.video_url is VARCHAR(256), which PostgreSQL enforces: the template plus a 33-character room.
    video_link_template: str = Field(
        default=DEFAULT.booking.link_template, max_length=200, description="must contain {room}"
    )
    booking_confirm_hours: float = Field(default=_hours(DEFAULT.booking.confirm_within), gt=0, le=168)
    booking_max_open: int = Field(default=DEFAULT.booking.max_open, ge=1, le=10)
    slot_minutes: int = Field(default=_minutes(DEFAULT.booking.slots.length), ge=5, le=240)
    slot_buffer_minutes: int = Field(default=_minutes(DEFAULT.booking.slots.buffer), ge=0, le=120)
    booking_min_notice_hours: float = Field(default=_hours(DEFAULT.booking.slots.min_notice), ge=0, le=72)
    booking_horizon_days: int = Field(default=DEFAULT.booking.slots.horizon.days, ge=1, le=90)

    # 回音卡 (core/cards): the service promise on every card (empty: the bot's own, in the card's
    # language) and a TrueType Chinese font to embed (empty: WenQuanYi Zen Hei, fonts-wqy-zenhei).
    card_promise: str = Field(default="", max_length=200)
    card_font: str = Field(default="")

    # 家访 (core/visits): the night-visit days and window in station time, and the reminder's lead time.
    night_visit_windows: NightVisitWindows = Field(default=DEFAULT.night_visits, examples=["Mon,Wed,Fri 20:00-21:00"])
    night_visit_reminder_minutes: int = Field(default=_minutes(DEFAULT.night_visit_lead), ge=0, le=720)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("ack_hours", "resolve_workdays", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value) if value.strip() else {}
        except json.JSONDecodeError:
            raise ValueError(f"{_shown(value)} is not a JSON object of kinds and numbers") from None

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

    @field_validator("visit_days", mode="before")
    @classmethod
    def _day_list(cls, value: object) -> object:
        """Days as an IT person types them, "7,30" (or "7 30"), or as a JSON list "[7, 30]"."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise ValueError(f"{_shown(value)} is not a list of days") from None
        parts = [part for part in re.split(r"[,，\s]+", text) if part]
        if not all(part.isdigit() for part in parts):
            raise ValueError(f"{_shown(value)} is not a list of whole days")
        return [int(part) for part in parts]

    @field_validator("visit_days")
    @classmethod
    def _visit_days(cls, value: list[int]) -> list[int]:
        if any(day < 1 or day > 365 for day in value):
            raise ValueError(f"{value} must be days between 1 and 365")
        return sorted(set(value))

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        # Messages start with the key they are about: load_settings shows them as they are.
        if self.followup_close_days <= self.followup_remind_days:
            raise ValueError(
                "JINGMIN_FOLLOWUP_CLOSE_DAYS: must be more than JINGMIN_FOLLOWUP_REMIND_DAYS "
                f"({self.followup_remind_days})"
            )
        if self.updates_in_flight < self.concurrent_updates:
            raise ValueError(
                f"JINGMIN_UPDATES_IN_FLIGHT: must be at least JINGMIN_CONCURRENT_UPDATES ({self.concurrent_updates})"
            )
        if self.send_rate_bulk > int(self.send_rate_global):
            raise ValueError(
                f"JINGMIN_SEND_RATE_BULK: must be at most JINGMIN_SEND_RATE_GLOBAL ({int(self.send_rate_global)})"
            )
        if self.mode == "webhook":
            if not self.webhook_url:
                raise ValueError(
                    "JINGMIN_WEBHOOK_URL: missing; webhook mode needs the public https:// URL Telegram posts updates to"
                )
            if len(self.webhook_secret.get_secret_value()) < 16:
                raise ValueError("JINGMIN_WEBHOOK_SECRET: must be at least 16 characters in webhook mode")
        return self

    @property
    def talks_to_telegram(self) -> bool:
        """Whether the Bot API is Telegram's own (not the local sandbox), which needs a real token."""
        return urlparse(self.api_base_url).hostname == TELEGRAM_API_HOST

    def require_token(self) -> None:
        """Refuses to start against Telegram without a token, instead of failing at its first request."""
        if self.talks_to_telegram and not self.token.get_secret_value().strip():
            raise SettingsError(
                "JINGMIN_TOKEN: missing; put the token from @BotFather in .env or the environment "
                "(`jingmin sandbox` runs the bot without one)"
            )

    @property
    def tz(self) -> ZoneInfo:
        """The station's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file the database URL names, or None for another database."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix) :])
        return None

    def quiet_window(self) -> QuietHours:
        """The residents' quiet hours as the domain reads them."""
        start, end = self.quiet_hours
        return QuietHours(start, end, ZoneInfo(self.timezone))


def env_name(field: str) -> str:
    """The environment variable (and .env key) of a settings field."""
    return ENV_PREFIX + field.upper()


def _shown(value: str) -> str:
    """A bad value quoted in a message, cut short so that the message stays one line."""
    text = " ".join(value.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _example(field: str) -> str:
    info = Settings.model_fields.get(field)
    return f"; write it like {env_name(field)}={info.examples[0]}" if info and info.examples else ""


def _problem(err: Any) -> str:
    """One bad key as `JINGMIN_KEY: what is wrong`, naming the key a person sets, never a field path."""
    message = str(err["msg"]).removeprefix("Value error, ")
    loc = err["loc"]
    if not loc:  # a check across keys: its message starts with the key
        return message
    field, *inside = loc
    where = "".join(f"{part!r}: " if isinstance(part, str) else f"item {part + 1}: " for part in inside)
    return f"{env_name(str(field))}: {where}{message}{_example(str(field))}"


ENV_FILE_VARIABLE = "JINGMIN_ENV_FILE"


def env_file() -> str | None:
    """The settings file to read: JINGMIN_ENV_FILE names it, empty means none; `.env` by default."""
    return os.environ.get(ENV_FILE_VARIABLE, ".env") or None


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line per bad key."""
    try:
        return Settings(_env_file=env_file(), **overrides)  # type: ignore[arg-type, call-arg]
    except ValidationError as exc:
        raise SettingsError("; ".join(_problem(err) for err in exc.errors())) from None
    except pydantic_settings.SettingsError as exc:
        # pydantic-settings could not read a value at all ("error parsing value for field "x" ...").
        found = re.search(r'field "(\w+)"', str(exc))
        key = env_name(found.group(1)) if found else "settings"
        cause = exc.__cause__
        reason = "not valid JSON" if isinstance(cause, json.JSONDecodeError) else str(cause or "could not be read")
        raise SettingsError(f"{key}: {reason}{_example(found.group(1)) if found else ''}") from None
