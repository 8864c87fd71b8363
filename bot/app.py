"""The composition root: builds the services and the Application, registers every handler."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

import core.alerts.delivery
import core.booking.renderers
import core.cases.redraws
import core.cases.texts
import core.jobs
import core.menus
import core.visits.reminders
import handlers.settings
from bot.inbox import InboxApplication, InboxQueue
from bot.processor import PerUserProcessor
from bot.settings import Settings
from core import outbox
from core.booking.slots import BookingSettings, SlotSettings
from core.clock import Clock, SystemClock
from core.config import StationConfig
from core.deadlines import DeadlinePolicy
from core.flood import FloodGate
from core.services import Services
from core.workdays import WorkCalendar
from handlers import (
    alerts,
    alerts_photo,
    alerts_residents,
    calls,
    cards,
    case_closed,
    case_reasons,
    cases,
    errors,
    export,
    followups,
    gate,
    mycases,
    onboarding,
    register,
    report,
    staff,
    stats,
    stats_filters,
    visit_plans,
    visits,
    withdrawal,
)
from handlers.booking import book, hours, mybookings, station
from handlers.context import SERVICES_KEY, JmContext
from handlers.router import Router, merged
from scheduler import followup_report, phone_followups, renderers, unreachable, weekly_report
from storage.db import Database


def station_config(settings: Settings) -> StationConfig:
    """The station's settings as the core reads them."""
    quiet = settings.quiet_window()
    return StationConfig(
        code=settings.station_code,
        name=settings.station_name,
        tz=settings.tz,
        bot_username=settings.bot_username,
        daily_case_limit=settings.daily_case_limit,
        description_max_chars=settings.description_max_chars,
        max_photos=settings.max_photos,
        invite_ttl=timedelta(hours=settings.invite_ttl_hours),
        retention_days=settings.privacy_retention_days,
        inbox_retention_days=settings.inbox_retention_days,
        alerts_need_approval=settings.alerts_need_approval,
        alerts_default_on=settings.alerts_default_on,
        quiet_start=quiet.start,
        quiet_end=quiet.end,
        followup_time=settings.followup_time,
        followup_remind_after=timedelta(days=settings.followup_remind_days),
        followup_close_after=timedelta(days=settings.followup_close_days),
        visit_days=tuple(settings.visit_days),
        booking=BookingSettings(
            slots=SlotSettings(
                length=timedelta(minutes=settings.slot_minutes),
                buffer=timedelta(minutes=settings.slot_buffer_minutes),
                min_notice=timedelta(hours=settings.booking_min_notice_hours),
                horizon=timedelta(days=settings.booking_horizon_days),
            ),
            confirm_within=timedelta(hours=settings.booking_confirm_hours),
            max_open=settings.booking_max_open,
            link_template=settings.video_link_template,
        ),
        digest_time=settings.digest_time,
        weekly_report_weekday=settings.weekly_report_day - 1,
        weekly_report_time=settings.weekly_report_time,
        followup_report_time=settings.followup_report_time,
        card_promise=settings.card_promise,
        card_font=settings.card_font,
        night_visits=settings.night_visit_windows,
        night_visit_lead=timedelta(minutes=settings.night_visit_reminder_minutes),
    )


def build_services(settings: Settings, clock: Clock | None = None, db: Database | None = None) -> Services:
    """Everything the bot's parts share: database, clock, station settings, work calendar, deadlines, renderers."""
    config = station_config(settings)
    return Services(
        db=db or Database(settings.database_url),
        clock=clock or SystemClock(),
        config=config,
        calendar=WorkCalendar(config.tz),
        deadlines=DeadlinePolicy.from_mapping(settings.ack_hours, settings.resolve_workdays),
        phone_task=_phone_task,
        renderers=RENDERERS,
    )


async def _phone_task(conn: AsyncConnection, resident_id: int, now: datetime, ref: str) -> None:
    """The outbox's task for a resident who blocked the bot, given when a handler's reply meets the 403."""
    await unreachable.queue_phone_task(conn, resident_id, now, case_id=None, ref=ref)


# Every feature's handler module, each exporting what it handles (ACTIONS, FLOWS, COMMANDS).
FEATURES = (
    onboarding,
    report,
    mycases,
    withdrawal,
    handlers.settings,
    cases,
    case_reasons,
    case_closed,
    followups,
    stats,
    stats_filters,
    export,
    book,
    mybookings,
    station,
    hours,
    alerts,
    alerts_photo,
    alerts_residents,
    cards,
    register,
    visits,
    visit_plans,
    calls,
)


# Every outbox kind's renderer, from the features that queue them.
RENDERERS = outbox.merged(
    core.cases.texts.RENDERERS,
    core.cases.redraws.RENDERERS,
    core.booking.renderers.RENDERERS,
    renderers.RENDERERS,
    weekly_report.RENDERERS,
    phone_followups.RENDERERS,
    followup_report.RENDERERS,
    core.alerts.delivery.RENDERERS,
    core.jobs.RENDERERS,
    core.visits.reminders.RENDERERS,
    core.menus.RENDERERS,
)


def build_router() -> Router:
    """Every button action and dialog flow of every feature, in one table each."""
    return Router(
        actions=merged(*(feature.ACTIONS for feature in FEATURES)),
        flows=merged(*(feature.FLOWS for feature in FEATURES)),
    )


def register_handlers(app: Any) -> None:
    """Every handler in one place: the gate in group -1, then group 0, where the order matters (first match wins)."""
    private = filters.ChatType.PRIVATE
    router = build_router()
    # Before everything: edits are left alone, a user's flood is held back (handlers/gate.py).
    app.add_handler(TypeHandler(Update, gate.screen_update), group=-1)
    app.add_handler(CommandHandler("start", onboarding.start, filters=private))
    app.add_handler(CommandHandler("help", onboarding.help_command, filters=private))
    app.add_handler(CommandHandler("report", report.start, filters=private))
    app.add_handler(CommandHandler("mycases", mycases.list_cases, filters=private))
    app.add_handler(CommandHandler("settings", handlers.settings.show, filters=private))
    app.add_handler(CommandHandler("privacy", handlers.settings.privacy, filters=private))
    app.add_handler(CommandHandler("cancel", onboarding.cancel, filters=private))
    for command, callback in _feature_commands():
        app.add_handler(CommandHandler(command, callback, filters=private))
    app.add_handler(CallbackQueryHandler(router.on_button))
    # Anything else a user sends in private goes to the dialog they are in (or gets the menu).
    app.add_handler(MessageHandler(private & ~filters.COMMAND, router.on_input))
    app.add_handler(MessageHandler(private & filters.COMMAND, onboarding.unknown_command))
    app.add_error_handler(errors.on_error)


def _feature_commands() -> list[tuple[str, Any]]:
    """Commands of the features that live in their own modules."""
    return [
        *cases.COMMANDS,
        *staff.COMMANDS,
        *book.COMMANDS,
        *mybookings.COMMANDS,
        *station.COMMANDS,
        *hours.COMMANDS,
        *stats.COMMANDS,
        *export.COMMANDS,
        *alerts.COMMANDS,
        *alerts_residents.COMMANDS,
        *cards.COMMANDS,
        *register.COMMANDS,
        *visits.COMMANDS,
        *calls.COMMANDS,
    ]


def build_application(
    settings: Settings,
    services: Services,
    *,
    request: BaseRequest | None = None,
    rate_limiter: Any = None,
    job_queue: bool = True,
) -> InboxApplication:
    """The bot's Telegram application with every command, button and form handler, ready to start."""
    queue = InboxQueue(in_flight=settings.updates_in_flight)
    processor = PerUserProcessor(settings.concurrent_updates, settings.updates_in_flight)
    builder = (
        ApplicationBuilder()
        .application_class(InboxApplication)
        .token(settings.token.get_secret_value() or "0:sandbox")
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .update_queue(queue)
        .context_types(ContextTypes(context=JmContext))
        .concurrent_updates(processor)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    if not job_queue:
        builder = builder.job_queue(None)  # type: ignore[arg-type]
    app: InboxApplication = builder.build()  # type: ignore[assignment]
    app.bot_data[SERVICES_KEY] = services
    app.bot_data[gate.BACKLOG_KEY] = processor.queued_behind
    app.bot_data[gate.GATE_KEY] = FloodGate(settings.flood_limit, timedelta(seconds=settings.flood_window_seconds))
    queue.services = services
    register_handlers(app)
    return app
