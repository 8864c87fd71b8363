"""The scheduler's minute, as the tests run it."""

from __future__ import annotations

from core.services import Services
from scheduler.sweeps import Sweeps
from tests.harness import Harness


async def tick(bot: Harness, services: Services) -> int:
    """What the scheduler does every minute: sweep, then send what is due."""
    await Sweeps(services).run()
    return await bot.deliver()
