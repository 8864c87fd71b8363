"""An officer's words for 办结 or 不予受理 handled again after a crash that came before the answer
reached the chat (found by tests/chaos): the bot recorded what the text meant, died while sending
its answer, and the text, handled again at start-up, gets that answer, once; it is neither taken
for a stray message nor for the next step's words."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.inbox import InboxApplication
from core.models import Status
from core.services import Services
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.officer.desk import events, get_case, give_card, station_case


async def die_while_answering(
    app: InboxApplication,
    bot: Harness,
    log: RecordingRequest,
    person: Person,
    text: str,
    monkeypatch: pytest.MonkeyPatch,
) -> list[str]:
    """`person` sends `text`; the process dies while sending the answer, and the text is handled
    again at start-up. The texts the chat was shown after it, in order."""
    before = len(log.messages(person.id))
    answering = asyncio.Event()
    real = log.do_request

    async def hang(url: str, method: str, request_data: Any = None, **kwargs: Any) -> tuple[int, bytes]:
        params = dict(request_data.json_parameters) if request_data else {}
        if url.endswith("/sendMessage") and str(params.get("chat_id")) == str(person.id):
            answering.set()
            await asyncio.Event().wait()
        return await real(url, method, request_data, **kwargs)

    monkeypatch.setattr(log, "do_request", hang)
    handling = asyncio.create_task(bot.send(person, text))
    await asyncio.wait_for(answering.wait(), 10)
    handling.cancel()  # the kill: nothing after this point of the handler runs
    await asyncio.gather(handling, return_exceptions=True)
    monkeypatch.setattr(log, "do_request", real)
    assert len(log.messages(person.id)) == before  # the chat shows nothing yet

    assert await app.recover_inbox() == 1  # start-up: the unfinished text is handled again
    while not app.update_queue.empty():
        await app.process_update(await app.update_queue.get())
    return [m.text for m in log.messages(person.id)[before:]]


async def test_a_resolve_note_handled_again_after_a_crash_shows_the_resolved_card_once(
    app: InboxApplication,
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "✅ 受理", message=card)
    await bot.press(officer, "☑️ 办结", message=card)

    shown = await die_while_answering(app, bot, request_log, officer, "已上门调解，双方达成一致。", monkeypatch)

    assert len(shown) == 1 and case.number in shown[0] and "已办结" in shown[0], shown
    assert (await get_case(services, case.id)).status is Status.RESOLVED
    assert [e.action for e in await events(services, case.id)].count("resolve") == 1


async def test_a_reject_reason_handled_again_after_a_crash_asks_for_the_referral_once(
    app: InboxApplication,
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "✖️ 不予受理", message=card)

    reason = "属于民事合同纠纷，不属于公安机关管辖"
    shown = await die_while_answering(app, bot, request_log, officer, reason, monkeypatch)

    assert len(shown) == 1 and "何处" in shown[0], shown  # the question after the reason
    assert (await get_case(services, case.id)).status is Status.SUBMITTED  # the reason is not the referral
    await bot.send(officer, "县人民法院立案庭")
    reject = (await events(services, case.id))[-1]
    assert (await get_case(services, case.id)).status is Status.REJECTED
    assert reject.note == reason and reject.data["referral"] == "县人民法院立案庭"
