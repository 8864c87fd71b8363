"""A resident blocks the bot while their updates are in flight: a normal event, not an error."""

from __future__ import annotations

import logging

import pytest

from core.services import Services
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import fill_form, onboard, unreachable

PHONE_TASK = "待办：电话联系群众"


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "handlers.errors"]


async def test_a_press_whose_answer_meets_a_block_is_one_warning_and_a_phone_task(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    request_log.blocked.add(station.resident.id)  # blocked right after pressing 确认提交
    caplog.set_level(logging.INFO)
    await bot.press(station.resident, "确认提交")

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    [line] = refusals(caplog)
    assert line.levelno == logging.WARNING and line.exc_info is None
    message = line.getMessage()
    assert "blocked the bot (403)" in message and "marked unreachable" in message
    for personal in (str(station.resident.id), station.resident.first_name, "13812345678", "5678"):
        assert personal not in message
    assert await unreachable(services, station)

    await bot.deliver()  # the case was filed all the same: the officer gets it, and a task to phone
    officer = request_log.texts(station.officer.id)
    assert "XF-20261123-0001" in officer
    assert officer.count(PHONE_TASK) == 1 and "刘阿姨 已屏蔽本机器人" in officer


async def test_more_updates_in_flight_give_no_second_task_the_same_day(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await onboard(bot, request_log, station)
    request_log.blocked.add(station.resident.id)
    caplog.set_level(logging.INFO)
    await bot.send(station.resident, "/mycases")
    await bot.send(station.resident, "还在吗？")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r.levelno for r in refusals(caplog)] == [logging.WARNING, logging.WARNING]
    await bot.deliver()
    assert request_log.texts(station.officer.id).count(PHONE_TASK) == 1


async def test_a_staff_member_who_blocked_the_bot_is_one_line_too(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    caplog: pytest.LogCaptureFixture,
) -> None:
    request_log.blocked.add(station.officer.id)
    caplog.set_level(logging.INFO)
    await bot.send(station.officer, "/queue")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    [line] = refusals(caplog)
    assert line.levelno == logging.WARNING and "nothing more is sent" in line.getMessage()
