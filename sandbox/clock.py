"""The demo clock's routes: GET /sandbox/clock tells the station's time, POST moves it forward.

GET  /sandbox/clock[?lang=en]  {"now", "time_zone", "next_event": {"at", "what", "kind"} | null,
                                "next_working_day": {"at"}}
POST /sandbox/clock            {"advance": seconds} | {"to": ISO-8601 with offset} | {"to": "next_event"}

POST answers, with the same view, once everything that fell due on the way has been handed to the
sender. Time never goes back: a target before now is refused with 400.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from core import areas
from core.clock import TimeGoesForward
from core.i18n import language_of
from sandbox.control import Body
from sandbox.errors import ControlError
from scheduler.timeline import Timeline

NEXT_EVENT = "next_event"


class ClockApi:
    """The routes; `timeline` is set once the bot is running (503 before that)."""

    def __init__(self) -> None:
        self.timeline: Timeline | None = None

    def routes(self) -> list[web.RouteDef]:
        """The clock's routes: GET shows the station's time, POST moves it forward."""
        return [web.get("/sandbox/clock", self.show), web.post("/sandbox/clock", self.move)]

    def _ready(self) -> Timeline:
        if self.timeline is None:
            raise ControlError(503, "the demo station is still starting")
        return self.timeline

    async def show(self, request: web.Request) -> web.Response:
        """The station's time now and what it will do next."""
        return web.json_response(await self.view(self._ready(), request.query.get("lang")))

    async def move(self, request: web.Request) -> web.Response:
        """Moves the clock forward; everything that falls due on the way happens, in order."""
        timeline = self._ready()
        body = await Body.read(request)
        target = await _target(timeline, body)
        try:
            stops = await timeline.move_to(target)
        except TimeGoesForward as exc:
            raise ControlError(400, f"time never moves backwards: {exc}") from None
        view = await self.view(timeline, request.query.get("lang"))
        return web.json_response({**view, "stops": stops})

    async def view(self, timeline: Timeline, lang: str | None) -> dict[str, Any]:
        """The clock panel as JSON: the station's time now, its zone and what falls due next."""
        services = timeline.services
        tz = services.config.tz
        now = timeline.clock.now()
        upcoming = await timeline.upcoming(now)
        titles = await areas.titles(services)
        next_day = services.calendar.next_workday(now.astimezone(tz).date())
        return {
            "now": now.astimezone(tz).isoformat(timespec="seconds"),
            "time_zone": tz.key,
            "next_event": None
            if upcoming is None
            else {
                "at": upcoming.at.astimezone(tz).isoformat(timespec="seconds"),
                "what": upcoming.describe(language_of(lang), titles),
                "kind": upcoming.kind,
            },
            "next_working_day": {
                "at": services.calendar.workday_at(next_day, services.config.followup_time)
                .astimezone(tz)
                .isoformat(timespec="seconds")
            },
        }


async def _target(timeline: Timeline, body: Body) -> datetime:
    """Where a POST asks the clock to go."""
    values = body.values
    if "advance" in values:
        seconds = body.get_seconds("advance", 0)
        if not math.isfinite(seconds) or seconds > 10 * 366 * 86400:
            raise ControlError(400, '"advance" must be at most ten years of seconds')
        return timeline.clock.now() + timedelta(seconds=seconds)
    to = values.get("to")
    if to == NEXT_EVENT:
        upcoming = await timeline.upcoming()
        if upcoming is None:
            raise ControlError(409, "nothing is scheduled")
        return upcoming.at
    if isinstance(to, str):
        try:
            when = datetime.fromisoformat(to)
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise ControlError(400, '"to" must be an ISO-8601 time with its offset, or "next_event"')
        return when
    raise ControlError(400, 'give {"advance": seconds}, {"to": ISO-8601} or {"to": "next_event"}')
