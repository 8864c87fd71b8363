"""Several processes share one inbox: a live process keeps its updates, a dead one's are taken over.

Each "process" here is a real Application with its own Services (engine) on one SQLite file.
Process A stores an update and stops before handling it (killed); process B, in webhook mode,
must leave it alone while A's claim is fresh and take it over once A stopped renewing it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from tests.bot.inbox_claims import (
    Process,
    holder_of,
    live_process_keeps_its_update_and_a_dead_ones_is_taken_over,
    start_message,
    two_processes_looking_at_once_take_each_update_once,
)
from tests.conftest import Station
from tests.helpers.clock import FakeClock


@pytest.fixture
async def processes(settings: Settings, clock: FakeClock, station: Station) -> AsyncIterator[tuple[Process, Process]]:
    a, b = Process(settings, clock), Process(settings, clock)
    await a.app.initialize()
    await b.app.initialize()
    yield a, b
    await a.close()
    await b.close()


async def test_a_live_process_keeps_its_update_and_a_dead_ones_is_taken_over(
    processes: tuple[Process, Process], clock: FakeClock, station: Station
) -> None:
    await live_process_keeps_its_update_and_a_dead_ones_is_taken_over(processes, clock, station)


async def test_a_process_alone_takes_everything_unfinished_at_start_up(
    processes: tuple[Process, Process], station: Station
) -> None:
    a, b = processes
    await a.receive(start_message(5151, station.resident))
    # Polling: Telegram serves one consumer at a time, so what is unfinished was left by a stop.
    assert await b.app.recover_inbox(alone=True) == 1
    assert await b.handle_queued() == 1
    assert await holder_of(b, 5151) == ("done", b.app.holder)
    assert await b.app.recover_inbox(alone=True) == 0


async def test_two_processes_looking_at_once_take_each_update_once(
    processes: tuple[Process, Process], settings: Settings, clock: FakeClock, station: Station
) -> None:
    await two_processes_looking_at_once_take_each_update_once(processes, settings, clock, station)
