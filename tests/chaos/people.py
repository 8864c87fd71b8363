"""The people of a chaos run: residents who file a case (and some also book a video consultation),
and the station's two officers, who work the cases of their own areas (tests/chaos/scenario.py).

Resident i lives in AREAS[i % 4], so the cases go to 王建国 and 李明 by area as in a real station.
Every resident files a dispute with /report and waits for the notice that it is accepted (受理); for
the cases whose number ends in a multiple of 3 the officer also resolves it (办结, with a note to the
resident), and that resident waits for that notice too. Every fifth resident then books a video
consultation (/book, a random free day and time), and waits for its confirmation once the officer
has pressed 确认 on the booking's card. A step whose answer does not come within the step's time
limit is a lost answer and ends that resident's run.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.sandbox_client import Chat

OFFICERS = {9001: "王建国", 9002: "李明"}
# The demo station's villages (sandbox/data/demo_station.yaml): town, village, its officer.
AREAS = (
    ("东城街道", "幸福里社区", 9001),
    ("东城街道", "光明社区", 9002),
    ("西河镇", "柳河村", 9002),
    ("西河镇", "大庄村", 9001),
)
FIRST_RESIDENT = 700_001
NUMBER = re.compile(r"XF-\d{8}-\d{4}")
ACCEPTED, RESOLVED = "已受理", "已办结"
BOOKED, BOOKING_CONFIRMED = "预约申请已提交", "您的视频约访已确认"
BOOKING_CARD = "新的视频约访申请"
TAKEN = "刚刚被别人约走"
RESOLVE_PROMPT = "办结答复"
NOTE = "已上门协调，装修队承诺晚上十点后不再施工。"
CLOCK = re.compile(r"^\d\d:\d\d$")


def resolves(number: str) -> bool:
    """Whether the officer resolves this case after accepting it (a third of the cases)."""
    return int(number[-4:]) % 3 == 0


def books(user_id: int) -> bool:
    return (user_id - FIRST_RESIDENT) % 5 == 2


def area_of(user_id: int) -> tuple[str, str, int]:
    return AREAS[(user_id - FIRST_RESIDENT) % len(AREAS)]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b for row in rows for b in row if "callback_data" in b]


@dataclass
class Town:
    """What the people of a run did and saw, shared by the residents, the officers and the check."""

    step_timeout: float
    started: set[int] = field(default_factory=set)  # residents who began (their form is under way until numbered)
    finished: set[int] = field(default_factory=set)
    numbers: dict[int, str] = field(default_factory=dict)  # resident → their case's number
    bookings: dict[int, str] = field(default_factory=dict)  # resident → their booking's case number
    confirmed: set[int] = field(default_factory=set)  # residents who saw their booking confirmed
    taken_retries: int = 0  # a booking's time taken by another resident in the meantime
    first_seen: dict[str, float] = field(default_factory=dict)  # case number → its card in the officer's chat
    pressed: set[str] = field(default_factory=set)  # case numbers the officer pressed 受理 on
    resolved: set[str] = field(default_factory=set)  # case numbers whose 办结 note the officer sent
    confirming: set[str] = field(default_factory=set)  # booking numbers the officer pressed 确认 on
    # case number → the newest message of the officer's chat before their 办结 press: what comes
    # after it about the case is the answer to the press and the note, not the case's card.
    resolve_from: dict[str, int] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)


async def wait_message(
    chat: Chat, user_id: int, found: Callable[[dict[str, Any]], bool], timeout: float, what: str
) -> dict[str, Any]:
    """The newest of the user's bot messages for which `found` holds, waiting for it."""
    deadline = time.monotonic() + timeout
    while True:
        for message in reversed(await chat.messages(user_id)):
            if found(message):
                return message
        if time.monotonic() > deadline:
            raise TimeoutError(f"{user_id} never saw {what}")
        await asyncio.sleep(0.2)


async def press_button(chat: Chat, user_id: int, message: dict[str, Any], button: dict[str, Any]) -> None:
    body = {"user_id": user_id, "message_id": message["message_id"], "data": button["callback_data"]}
    async with chat.session.post(chat.base + "/sandbox/press", json=body) as response:
        await response.read()


async def until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


# --- residents ------------------------------------------------------------------------------------


async def resident(town: Town, chat: Chat, user_id: int, delay: float, rng: random.Random) -> None:
    await asyncio.sleep(delay)
    t = town.step_timeout
    street, community, _officer = area_of(user_id)
    try:
        town.started.add(user_id)
        await chat.send(user_id, "/start")
        await chat.press(user_id, "简体中文", t)
        await chat.press(user_id, "同意", t)
        await chat.press(user_id, street, t)
        await chat.press(user_id, community, t)
        await chat.wait_for(user_id, "手机号", t)
        await chat.contact(user_id, f"138{user_id % 100_000_000:08d}")
        await chat.wait_for(user_id, "请问您要办理什么事项", t)
        await chat.send(user_id, "/report")
        await chat.press(user_id, "矛盾纠纷", t)
        await chat.press(user_id, "邻里纠纷", t)
        await chat.wait_for(user_id, "第 3 步", t)
        await chat.send(user_id, f"楼上{user_id % 1000}号每晚十一点后还在装修，电钻声吵得老人睡不着。")
        await chat.press(user_id, "继续", t)
        await chat.press(user_id, "确认提交", t)
        confirmation = await chat.wait_for(user_id, "回音卡编号", t)
        found = NUMBER.search(confirmation.get("text") or "")
        assert found, confirmation
        number = town.numbers[user_id] = found.group()
        # The officer's 受理 (and 办结), told to the resident. The officer's own chat gets one
        # message a second (Telegram's limit per chat): with many cases their cards queue there,
        # so the step's time counts from the officer's action, whose answer the notice is.
        await until(lambda: number in town.pressed, t * 5)
        await wait_message(chat, user_id, lambda m: _has(m, number, ACCEPTED), t, f"{ACCEPTED} of {number}")
        if resolves(number):
            await until(lambda: number in town.resolved, t * 5)
            await wait_message(chat, user_id, lambda m: _has(m, number, RESOLVED), t, f"{RESOLVED} of {number}")
        if books(user_id):
            await book(town, chat, user_id, rng)
    except (AssertionError, TimeoutError, IndexError) as exc:  # IndexError: a screen without its buttons
        town.lost.append(f"{user_id}: {exc!r}"[:300])
    finally:
        town.finished.add(user_id)


async def book(town: Town, chat: Chat, user_id: int, rng: random.Random) -> None:
    """/book a video consultation at a random free time, then wait for the station's confirmation."""
    t = town.step_timeout
    await chat.send(user_id, "/book")
    await chat.press(user_id, "出入境", t)
    await chat.wait_for(user_id, "想咨询的问题", t)
    await chat.send(user_id, "护照快到期了，想咨询续签需要哪些材料。")
    days = await chat.wait_for(user_id, "选择日期", t)
    await press_button(chat, user_id, days, rng.choice([b for b in buttons(days) if " · " in b["text"]]))
    times = await wait_message(chat, user_id, lambda m: "请选择时间，每次约访" in (m.get("text") or ""), t, "the times")
    await press_button(chat, user_id, times, rng.choice([b for b in buttons(times) if CLOCK.match(b["text"])]))
    for _ in range(5):
        await chat.press(user_id, "提交预约", t)
        answer = await wait_message(
            chat, user_id, lambda m: BOOKED in (m.get("text") or "") or TAKEN in (m.get("text") or ""), t, BOOKED
        )
        if BOOKED in (answer.get("text") or ""):
            break
        town.taken_retries += 1  # another resident took this time first: one of the next free ones
        await press_button(chat, user_id, answer, buttons(answer)[0])
    else:
        raise TimeoutError(f"{user_id} found no free time to book")
    found = NUMBER.search(answer.get("text") or "")
    assert found, answer
    number = town.bookings[user_id] = found.group()
    await until(lambda: number in town.confirming, t * 5)
    await wait_message(chat, user_id, lambda m: _has(m, BOOKING_CONFIRMED), t, f"{BOOKING_CONFIRMED} of {number}")
    town.confirmed.add(user_id)


def _has(message: dict[str, Any], *needles: str) -> bool:
    return all(n in (message.get("text") or "") for n in needles)


# --- officers -------------------------------------------------------------------------------------


async def officer(town: Town, chat: Chat, officer_id: int, stop: asyncio.Event) -> None:
    """Presses 受理 on every case card of their own that shows up and 确认 on every booking card,
    once each; hands the cases to resolve to `resolver`, one 办结 dialog at a time."""
    pressed: set[int] = set()
    queue: asyncio.Queue[str] = asyncio.Queue()
    queued: set[str] = set()
    worker = asyncio.create_task(resolver(town, chat, officer_id, queue))
    try:
        while not stop.is_set():
            for message in await chat.messages(officer_id):
                numbers = NUMBER.findall(message.get("text") or "")
                if not numbers:
                    continue
                number, labels = numbers[0], {b["text"]: b for b in buttons(message)}
                accept = [b for label, b in labels.items() if "受理" in label and "不予" not in label]
                confirm = [b for label, b in labels.items() if "确认" in label]
                if message["message_id"] not in pressed and accept:
                    pressed.add(message["message_id"])
                    town.pressed.add(number)
                    await press_button(chat, officer_id, message, accept[0])
                elif message["message_id"] not in pressed and confirm and BOOKING_CARD in message.get("text", ""):
                    pressed.add(message["message_id"])
                    town.confirming.add(number)
                    await press_button(chat, officer_id, message, confirm[0])
                elif resolves(number) and number not in queued and any("办结" in label for label in labels):
                    queued.add(number)
                    queue.put_nowait(number)
            await asyncio.sleep(0.2)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)


async def resolver(town: Town, chat: Chat, officer_id: int, queue: asyncio.Queue[str]) -> None:
    """The officer's 办结 dialogs, one at a time (the bot asks for one note at a time)."""
    while True:
        number = await queue.get()
        try:
            await resolve(town, chat, officer_id, number)
        except (TimeoutError, ValueError) as exc:  # ValueError: a card with no or two 办结 buttons
            town.lost.append(f"{OFFICERS[officer_id]}: {exc!r}"[:300])


async def resolve(town: Town, chat: Chat, officer_id: int, number: str) -> None:
    """办结: the button on the case's card, the note the bot asks for, the card as resolved."""
    t = town.step_timeout
    card = await wait_message(chat, officer_id, lambda m: _resolvable(m, number), t, f"办结 on {number}")
    [button] = [b for b in buttons(card) if "办结" in b["text"]]
    town.resolve_from[number] = max(m["message_id"] for m in await chat.messages(officer_id))
    await press_button(chat, officer_id, card, button)
    await wait_message(chat, officer_id, lambda m: _has(m, number, RESOLVE_PROMPT), t, f"the prompt of {number}")
    await chat.send(officer_id, NOTE)
    town.resolved.add(number)
    await wait_message(chat, officer_id, lambda m: _has(m, number, RESOLVED), t, f"{number} resolved")


def _resolvable(message: dict[str, Any], number: str) -> bool:
    return number in (message.get("text") or "") and any("办结" in b["text"] for b in buttons(message))
