"""Chaos: 30 residents file (and six also book a video consultation) at once while the bot is
killed with SIGKILL 8 times at random moments.

The residents live in the demo station's four villages, so their cases go to its two officers by
area. At the end every confirmed form is exactly one case with one card in its officer's chat and
one resident notice recorded as sent per transition (受理 for every case, 办结 for the third the
officer resolves); every confirmed booking is one booking row with one card to its officer and
one confirmation to the resident (a copy Telegram accepted in the instant before a kill, before
the bot wrote it down, is sent again and counted apart: the Bot API has no way to ask); every step
got its answer, forms interrupted by a kill went on, the database passes its integrity check,
and neither the inbox nor the outbox holds anything left to do. The run has its own deadline; the
long run is bench/chaos.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.chaos import scenario
from tests.chaos.people import ACCEPTED, RESOLVED

pytestmark = pytest.mark.e2e

N, K = 30, 8
WITHIN = 240.0  # seconds; the run stops by itself well before CI's time is up


async def test_kills_during_concurrent_filing_and_booking_lose_no_answer_and_duplicate_nothing(
    tmp_path: Path,
) -> None:
    report = await asyncio.wait_for(scenario.run(N, K, tmp_path), WITHIN)
    figures = report.figures()
    assert report.problems == [], figures
    assert report.residents_done == N and report.cases == N
    assert set(report.cases_by_officer) == {"王建国", "李明"}, figures  # the cases went by area
    assert report.notices[ACCEPTED] == N and report.notices[RESOLVED] > 0, figures
    assert report.bookings == 6 and report.booking_rows == 6, figures
    assert report.interrupted_forms > 0  # the kills did come in the middle of forms
    assert report.integrity == "ok"
    assert report.first_card_after_restart_s, figures  # some kills left cards owed to an officer
    # A restarted bot resends its own claims at once, instead of waiting out the two-minute lease:
    # the first card owed at each kill reaches its officer's chat well within it (the others
    # follow at Telegram's pace of one message a second to one chat). The goal of 5 s is measured
    # by bench/chaos.py on a quiet machine; here the machine may be busy with other tests.
    assert max(report.first_card_after_restart_s) <= 30.0, figures
