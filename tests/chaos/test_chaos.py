"""Chaos: 30 residents file at once while the bot is killed with SIGKILL 8 times at random moments.

At the end every confirmed form is exactly one case with one officer card and one notice of its
acceptance recorded as sent (a copy Telegram accepted in the instant before a kill, before the bot
wrote it down, is sent again and counted apart: the Bot API has no way to ask), every step got its
answer, forms interrupted by a kill went on, the database passes
its integrity check, and neither the inbox nor the outbox holds anything left to do. The run has
its own deadline; the long run is bench/chaos.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.chaos import scenario

pytestmark = pytest.mark.e2e

N, K = 30, 8
WITHIN = 240.0  # seconds; the run stops by itself well before CI's time is up


async def test_kills_during_concurrent_filing_lose_no_answer_and_duplicate_nothing(tmp_path: Path) -> None:
    report = await asyncio.wait_for(scenario.run(N, K, tmp_path), WITHIN)
    figures = report.figures()
    assert report.problems == [], figures
    assert report.residents_done == N and report.cases == N
    assert report.interrupted_forms > 0  # the kills did come in the middle of forms
    assert report.integrity == "ok"
    assert report.first_card_after_restart_s, figures  # some kills left cards owed to the officer
    # A restarted bot resends its own claims at once, instead of waiting out the two-minute lease:
    # the first card owed at each kill reaches the officer's chat well within it (the others
    # follow at Telegram's pace of one message a second to one chat). The goal of 5 s is measured
    # by bench/chaos.py on a quiet machine; here the machine may be busy with other tests.
    assert max(report.first_card_after_restart_s) <= 30.0, figures
