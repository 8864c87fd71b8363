"""`jingmin sandbox --story`: the seeds' stories play through the real bot, whatever the hour."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.settings import load_settings
from sandbox.station import DemoStation
from sandbox.story import OFFICER, RESIDENT, Story
from tests.e2e.sandbox_client import Chat

pytestmark = pytest.mark.e2e


async def test_the_story_books_files_follows_up_and_visits_again(tmp_path: Path) -> None:
    # The real quiet hours: the story moves the demo clock into working hours itself.
    async with DemoStation(load_settings(), tmp_path / "story.db") as station:
        assert station.bot is not None
        story = Story(station.server.url, station.bot.services.calendar, pace=0)
        stages = await story.play()
        async with aiohttp.ClientSession() as session:
            chat = Chat(station.server, session)
            resident = [m.get("text") or "" for m in await chat.messages(RESIDENT)]
            officer = [m.get("text") or "" for m in await chat.messages(OFFICER)]

    assert [s.name for s in stages] == [
        "onboarded",
        "consultation confirmed",
        "dispute resolved",
        "followed up",
        "visited again",
    ]
    # The consultation was confirmed on the day it was asked for (within 24 h).
    assert stages[1].at - stages[0].at < timedelta(hours=24)
    assert any("视频约访已确认" in text for text in resident)
    # Moving the clock on brought the consultation's reminders, each once.
    assert len([text for text in resident if "1 小时后开始" in text]) == 1
    assert len([text for text in resident if "视频约访现在开始" in text]) == 1
    # The dispute: accepted, resolved with the officer's note, asked about the next working day.
    assert story.case_number is not None
    assert any("已受理" in text and story.case_number in text for text in resident)
    assert any("楼上住户承诺" in text for text in resident)
    # The follow-up was asked and answered (its question is edited into the answers given).
    assert any("感谢您的反馈" in text and story.case_number in text for text in resident)
    follow_up_day = stages[3].at.astimezone(stages[0].at.tzinfo)
    assert (follow_up_day.hour, follow_up_day.minute) == (10, 0) and stages[3].at.date() > stages[2].at.date()
    # And the officer is reminded of the repeat visit a dispute gets.
    assert any(story.case_number in text and "回访" in text for text in officer)
    # ... and records it as done with the reminder's button (the reminder is edited into the record).
    assert any(story.case_number in text and "回访已登记完成" in text for text in officer)
