"""Everyone at once, each user in order: the running Application with its own update processor.

These tests run the Application as it runs in production (`app.start()`: its fetcher takes the
updates from the inbox queue and hands them to `PerUserProcessor`), on a network that answers
each call after a short random delay, as Telegram does, so that updates really overlap.
"""

from __future__ import annotations

import asyncio
import random
import time

import pytest
from telegram import Update

from bot.pacing import PacingRateLimiter
from bot.settings import Settings
from core.services import Services
from tests.bot.network import LaggyNetwork, replies_to, running, stop
from tests.harness import Harness, Person

COMMANDS = ("/help", "/privacy", "/cancel", "/nonsense")


@pytest.fixture
def network() -> LaggyNetwork:
    return LaggyNetwork(seed=11)


async def test_each_user_is_answered_in_the_order_they_wrote_while_many_write_at_once(
    settings: Settings, services: Services, network: LaggyNetwork
) -> None:
    app = await running(settings, services, network)
    harness = Harness(app, network)
    try:
        expected = {command: await replies_to(harness, network, Person(4000, "试"), command) for command in COMMANDS}
        assert all(expected.values()) and len({tuple(texts) for texts in expected.values()}) == len(COMMANDS)
        people = [Person(4100 + n, f"居民{n}") for n in range(30)]
        rng = random.Random(2026)
        sequences = {person.id: [rng.choice(COMMANDS) for _ in range(8)] for person in people}
        # Interleaved at random, as many phones would send them; each user's own order kept.
        pending = [(person, list(sequences[person.id])) for person in people]
        arrivals: list[Update] = []
        while pending:
            index = rng.randrange(len(pending))
            person, left = pending[index]
            arrivals.append(harness.text_update(person, left.pop(0)))
            if not left:
                pending.pop(index)
        for update in arrivals:
            await app.update_queue.put(update)
        await asyncio.wait_for(app.update_queue.join(), timeout=60)
    finally:
        await stop(app)

    for person in people:
        answered = [sent.text for sent in network.messages(person.id)]
        assert answered == [text for command in sequences[person.id] for text in expected[command]], person
    # Different users were answered side by side, not one after the other.
    assert network.most_chats_at_once >= 5


async def test_a_bystander_is_answered_at_once_while_another_resident_floods(
    settings: Settings, services: Services, network: LaggyNetwork
) -> None:
    # Telegram's per-chat pacing, sped up 20 times so that the test stays short: the flood's
    # replies leave at 20 a second, the same queue in which they would wait a second each.
    limiter = PacingRateLimiter(overall_rate=1000, chat_rate=20.0, chat_burst=1)
    app = await running(settings, services, network, rate_limiter=limiter)
    harness = Harness(app, network)
    flooder, bystander = Person(4201, "刷屏"), Person(4202, "旁人")
    try:
        quiet = []
        for _ in range(3):
            started = time.monotonic()
            await replies_to(harness, network, bystander, "/privacy")
            quiet.append(time.monotonic() - started)
        for n in range(100):
            await app.update_queue.put(harness.text_update(flooder, "/help" if n < 99 else "/privacy"))
        await asyncio.sleep(0.2)  # the flood is under way: its replies are queued at its chat's pace
        started = time.monotonic()
        before = len(network.messages(bystander.id))
        await app.update_queue.put(harness.text_update(bystander, "/privacy"))
        while len(network.messages(bystander.id)) == before:
            await asyncio.sleep(0.002)
        during = time.monotonic() - started
        flood_answered_by_then = len(network.messages(flooder.id))
        await asyncio.wait_for(app.update_queue.join(), timeout=60)
    finally:
        await stop(app)

    # Handled one by one, the bystander would wait for the whole flood (100 replies at 20/s: 5 s).
    assert flood_answered_by_then < 90
    assert during < max(0.5, 5 * max(quiet)), (during, quiet)
    # The flooder's last input is still answered, after everything before it.
    assert network.messages(flooder.id)[-1].text == network.messages(bystander.id)[-1].text
