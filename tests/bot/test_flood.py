"""Inbound flood control and edited messages: what a user sends too fast, or edits, changes nothing.

Floods run the Application as in production (its fetcher and `PerUserProcessor`), because only
there do a user's updates queue behind each other.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa
from telegram import Update

from bot.settings import Settings
from core.flood import FloodGate, Verdict
from core.services import Services
from storage import dialogs
from storage.schema import inbox
from tests.bot.network import LaggyNetwork, replies_to, running, stop
from tests.conftest import START, Station
from tests.harness import Harness, Person, RecordingRequest, _message
from tests.helpers.clock import FakeClock
from tests.helpers.resident import onboard

SLOW_DOWN = "您的消息发得太快了，请稍等片刻再继续操作。"


def test_the_gate_counts_a_sliding_window_and_always_lets_the_newest_through() -> None:
    gate = FloodGate(limit=3, window=timedelta(seconds=10))
    now = START
    assert [gate.admit(7, now, newer_waiting=True) for _ in range(3)] == [Verdict.HANDLE] * 3
    assert gate.admit(7, now, newer_waiting=True) is Verdict.WARN  # told once…
    assert gate.admit(7, now, newer_waiting=True) is Verdict.DROP  # …then quietly held back
    assert gate.admit(7, now, newer_waiting=False) is Verdict.HANDLE  # what they sent last is answered
    assert gate.admit(8, now, newer_waiting=True) is Verdict.HANDLE  # nobody else is touched
    later = now + timedelta(seconds=10, milliseconds=1)
    assert gate.admit(7, later, newer_waiting=True) is Verdict.HANDLE  # the window moved on
    assert FloodGate(limit=0, window=timedelta(seconds=1)).admit(7, now, newer_waiting=True) is Verdict.HANDLE


async def test_a_flood_is_held_back_answered_once_and_its_last_input_still_answered(
    settings: Settings, services: Services
) -> None:
    network = LaggyNetwork(seed=5)
    app = await running(settings.model_copy(update={"flood_limit": 10}), services, network)
    harness = Harness(app, network)
    flooder, bystander = Person(4301, "刷屏"), Person(4302, "旁人")
    try:
        help_text = (await replies_to(harness, network, bystander, "/help"))[0]
        privacy_text = (await replies_to(harness, network, bystander, "/privacy"))[0]
        flood = [harness.text_update(flooder, "/help") for _ in range(59)]
        flood.append(harness.text_update(flooder, "/privacy"))
        for update in flood:
            await app.update_queue.put(update)
        await app.update_queue.put(harness.text_update(bystander, "/privacy"))
        await asyncio.wait_for(app.update_queue.join(), timeout=60)
    finally:
        await stop(app)

    answers = [sent.text for sent in network.messages(flooder.id)]
    assert answers.count(SLOW_DOWN) == 1
    assert 10 <= answers.count(help_text) < 59  # the limit's worth, not the whole flood
    assert answers[-1] == privacy_text  # the flooder's last input, answered after the rest
    assert [sent.text for sent in network.messages(bystander.id)][-1] == privacy_text
    async with services.db.read() as conn:
        statuses = {
            row.status
            for row in await conn.execute(
                sa.select(inbox.c.status).where(inbox.c.update_id.in_([u.update_id for u in flood]))
            )
        }
    assert statuses == {"done"}  # every refused update is stored and finished, none left to replay


async def test_every_press_of_a_flood_of_button_presses_gets_an_answer(
    settings: Settings, services: Services, station: Station
) -> None:
    network = LaggyNetwork(seed=6)
    app = await running(settings.model_copy(update={"flood_limit": 5}), services, network)
    harness = Harness(app, network)
    resident = station.resident
    try:
        await app.update_queue.put(harness.text_update(resident, "/start"))
        await asyncio.wait_for(app.update_queue.join(), timeout=30)
        screen = network.last_with_buttons(resident.id)
        data = screen.data_for("简体中文")
        on_screen = _message(screen)
        presses = [
            {"id": f"q{n}", "from": resident.as_user(), "chat_instance": "1", "data": data, "message": on_screen}
            for n in range(30)
        ]
        for n, query in enumerate(presses):
            payload = {"update_id": 90000 + n, "callback_query": query}
            await app.update_queue.put(Update.de_json(payload, app.bot))
        await asyncio.wait_for(app.update_queue.join(), timeout=60)
    finally:
        await stop(app)

    answered = {answer["callback_query_id"] for answer in network.callback_answers}
    assert answered >= {query["id"] for query in presses}
    assert sum(1 for a in network.callback_answers if a.get("text") == SLOW_DOWN and a.get("show_alert") == "true") == 1


async def test_an_edited_message_never_advances_or_repeats_a_step(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    resident = station.resident
    await onboard(bot, request_log, station)
    await bot.send(resident, "/report")
    await bot.press(resident, "矛盾纠纷")
    await bot.press(resident, "邻里纠纷")
    sent = bot.text_update(resident, "楼下烧烤店每晚营业到凌晨两点，油烟和噪音扰民。")
    await bot.feed(sent.to_dict(), update_id=sent.update_id)
    async with services.db.read() as conn:
        before = await dialogs.get(conn, resident.id)
    calls = len(request_log.calls)

    assert sent.message is not None
    edited = sent.message.to_dict()
    edited["text"] = "改过的内容"
    edited["edit_date"] = int(clock.now().timestamp())
    await bot.feed({"edited_message": edited})

    assert request_log.calls[calls:] == []  # no reply, no screen sent again
    async with services.db.read() as conn:
        assert await dialogs.get(conn, resident.id) == before
