"""The bulk budget of the pacing sender: a broadcast at its configured rate, replies in the headroom.

The bot is configured as a station runs it (bot/runner.py): an overall limit of 28 messages a
second, safety alerts at 25 a second, one a second per chat with a little guard. Every call the
limiter lets through reaches "Telegram" after a random network delay and is judged there by the
sandbox's own flood control (sandbox/flood.py, Telegram's published limits: 30 a second overall,
1 a second per chat after a burst of 3) at the moment it arrives; a call it refuses counts as a
429. Time is virtual: the event loop's clock only moves when every task waits.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import pytest
from telegram.error import RetryAfter

from bot.pacing import PacingRateLimiter
from bot.runner import SEND_GUARD
from core.outgoing import Priority
from sandbox.errors import ApiError
from sandbox.flood import FloodControl, FloodLimits
from tests.helpers.pacing import now, run_virtual

OVERALL, BULK = 28, 25.0
JITTER = 0.04  # the most a call is held up on its way, under the guard


@dataclass
class Telegram:
    """Receives each call after a random delay and applies the sandbox's flood control to it."""

    flood: FloodControl
    rng: random.Random
    arrived: list[tuple[float, int, Priority]] = field(default_factory=list)
    refused: int = 0

    async def receive(self, chat: int, priority: Priority) -> bool:
        await asyncio.sleep(self.rng.uniform(0, JITTER))
        try:
            self.flood.check(chat)
        except ApiError as exc:
            self.refused += 1
            raise RetryAfter(1) from exc
        self.arrived.append((now(), chat, priority))
        return True

    def times(self, priority: Priority | None = None, since: float = 0.0, until: float = 1e9) -> list[float]:
        return [at for at, _, p in self.arrived if (priority is None or p == priority) and since <= at < until]


@dataclass
class Station:
    limiter: PacingRateLimiter
    telegram: Telegram
    reply_waits: list[float] = field(default_factory=list)
    granted: list[float] = field(default_factory=list)  # when the limiter let each call go

    async def send(self, chat: int, priority: Priority) -> float:
        """Sends one call through the limiter; returns when the limiter let it go."""
        granted: list[float] = []

        async def call() -> bool:
            granted.append(now())
            self.granted.append(now())
            return await self.telegram.receive(chat, priority)

        await self.limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, {"priority": priority})
        return granted[-1]

    async def broadcast(self, residents: range) -> None:
        """One copy at a time, as the outbox dispatcher sends bulk rows (each recorded before the next)."""
        for chat in residents:
            await self.send(chat, Priority.BULK)

    async def replies(self, chats: list[int], every: float, start: float, end: float) -> None:
        """A reply to one of `chats` in turn every `every` seconds; how long each waited for its turn."""

        async def reply(chat: int) -> None:
            asked = now()
            self.reply_waits.append(await self.send(chat, Priority.INTERACTIVE) - asked)

        await asyncio.sleep(start)
        tasks = []
        for n in range(round((end - start) / every)):
            tasks.append(asyncio.create_task(reply(chats[n % len(chats)])))
            await asyncio.sleep(every)
        await asyncio.gather(*tasks)


def station(seed: int, guard: float = SEND_GUARD) -> Station:
    limiter = PacingRateLimiter(overall_rate=OVERALL, bulk_rate=BULK, guard=guard, monotonic=now, sleep=asyncio.sleep)
    return Station(limiter, Telegram(FloodControl(FloodLimits(), clock=now), random.Random(seed)))


def most_in_any_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + 1.0) for start in ordered)


def test_the_guard_is_less_than_a_second_and_covers_the_network_delay_of_these_tests() -> None:
    assert JITTER < SEND_GUARD < 0.1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_broadcast_keeps_its_rate_while_replies_use_the_headroom(seed: int) -> None:
    async def scenario() -> Station:
        s = station(seed)
        broadcast = asyncio.create_task(s.broadcast(range(10_000, 10_900)))
        # Three replies a second (the headroom: 28 - 25), to 12 residents, from 2 s to 30 s.
        await s.replies(list(range(500, 512)), every=1 / 3, start=2.0, end=30.0)
        broadcast.cancel()
        return s

    s = run_virtual(scenario)
    bulk = s.telegram.times(Priority.BULK, since=2.0, until=30.0)
    assert len(bulk) / 28.0 == pytest.approx(BULK, abs=0.5)  # the configured rate, not a copy less
    # A reply waits at most until the next slot of the 28 frees, never behind the broadcast's line.
    assert max(s.reply_waits) <= 1 / BULK
    assert len(s.reply_waits) == 84
    assert s.telegram.refused == 0
    assert most_in_any_second(s.granted) == OVERALL
    assert most_in_any_second(s.telegram.times()) <= 30


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_replies_beyond_the_headroom_go_first_and_the_broadcast_yields(seed: int) -> None:
    async def scenario() -> Station:
        s = station(seed)
        broadcast = asyncio.create_task(s.broadcast(range(10_000, 11_000)))
        # Twelve replies a second for 6 s (eight residents filing at once, and their officers).
        await s.replies(list(range(500, 520)), every=1 / 12, start=4.0, end=10.0)
        await asyncio.sleep(26.0)
        broadcast.cancel()
        return s

    s = run_virtual(scenario)
    assert max(s.reply_waits) < 0.1  # replies still go first: at most until the next slot frees
    assert len(s.reply_waits) == 72
    while_busy = s.telegram.times(Priority.BULK, since=5.0, until=10.0)
    assert len(while_busy) / 5.0 == pytest.approx(OVERALL - 12, abs=1.0)  # the broadcast yields
    assert s.telegram.refused == 0
    assert most_in_any_second(s.granted) == OVERALL
    assert most_in_any_second(s.telegram.times()) <= 30
    # Afterwards it makes up what it saved, no more than one second of its rate: over any stretch
    # it sends at most its rate plus that second.
    bulk = s.telegram.times(Priority.BULK)
    for i in range(0, len(bulk), 25):
        for j in range(i + 1, len(bulk), 25):
            assert j - i + 1 <= BULK + BULK * (bulk[j] - bulk[i]) + 1
    after = len(s.telegram.times(Priority.BULK, since=10.0, until=36.0))
    assert BULK * 26 + BULK / 2 < after <= BULK * 26 + BULK + 1


@pytest.mark.parametrize(("guard", "refused"), [(SEND_GUARD, False), (0.0, True)])
def test_one_chat_at_one_message_a_second_is_refused_only_without_the_guard(guard: float, refused: bool) -> None:
    async def scenario() -> Station:
        s = station(8, guard)
        broadcast = asyncio.create_task(s.broadcast(range(10_000, 10_400)))
        # Thirty replies to one resident at once (a long answer in parts): the chat's burst, then 1/s.
        await asyncio.gather(*(s.send(42, Priority.INTERACTIVE) for _ in range(30)))
        broadcast.cancel()
        return s

    s = run_virtual(scenario)
    assert len([chat for _, chat, _ in s.telegram.arrived if chat == 42]) == 30
    # Without the guard two parts sent 1.00 s apart arrive closer when the first was held up.
    assert (s.telegram.refused > 0) is refused


def test_bulk_calls_share_the_overall_budget_when_no_bulk_rate_is_set() -> None:
    async def scenario() -> Station:
        limiter = PacingRateLimiter(overall_rate=OVERALL, monotonic=now, sleep=asyncio.sleep)
        s = Station(limiter, Telegram(FloodControl(FloodLimits(), clock=now), random.Random(7)))
        await asyncio.gather(*(s.send(chat, Priority.BULK) for chat in range(1000, 1280)))
        return s

    s = run_virtual(scenario)
    assert len(s.telegram.arrived) == 280
    assert s.telegram.refused == 0  # 28 at once each second: within the sandbox's burst of 30
    assert most_in_any_second(s.granted) == OVERALL  # ten seconds of the whole budget
    assert max(s.granted) == pytest.approx(9.0, abs=0.01)


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        ({"bulk_rate": 29}, "bulk_rate must be at most overall_rate"),
        ({"bulk_rate": 0}, "bulk_rate"),
        ({"bulk_rate": 5, "bulk_burst": 0}, "bulk_burst"),
        ({"bulk_burst": 5}, "bulk_burst needs a bulk_rate"),
        ({"guard": -0.1}, "guard"),
    ],
)
def test_bad_bulk_settings_are_refused(settings: dict[str, float], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        PacingRateLimiter(overall_rate=OVERALL, **settings)  # type: ignore[arg-type]
