"""`jingmin sandbox --story`: the seeds' two stories, played through the real bot in about a minute.

刘阿姨 books a video consultation about moving her grandson's 户口 and 王建国 confirms it the same
day; then she files a neighbour dispute, 王建国 accepts and resolves it, the demo clock moves to
the next working day for the follow-up (she answers 已解决, 满意) and on to the repeat visit a
dispute gets. Every step is a person pressing a real button or typing in the sandbox, over the same
HTTP control API the web chat page uses, so whoever watches the page sees the whole loop, and can
take over any person when it ends.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from core.workdays import WorkCalendar

log = logging.getLogger(__name__)

RESIDENT, OFFICER = 5001, 9001
BOOKING_TEXT = "孙子明年上小学，想把户口从老家迁过来，想问问需要准备哪些材料，要不要本人到场。"
DISPUTE_TEXT = "楼上邻居每晚十一点后还在拖动家具、跳绳，多次上门沟通没有结果，家里老人休息不好。"
RESOLUTION = "已上门协调，楼上住户承诺晚上十点后不再制造噪音，并在客厅铺设了地垫。"
OPENS, CLOSES = 9, 16  # the story plays in the station's working hours (its notices are not held)
MAX_JUMPS = 40  # moves of the clock while looking for the repeat visit
NUMBER = re.compile(r"[A-Z]{1,8}-\d{8}-\d{4}")
WAIT = 20.0  # seconds the story waits for any one answer of the bot
SETTLE = 0.3  # seconds of a quiet chat after which the bot's answer counts as complete


class StoryStuck(Exception):
    """The bot did not show what the story waits for; the message says what and to whom."""


@dataclass(frozen=True, slots=True)
class Stage:
    """Where the story is, for the log and the test."""

    name: str
    at: datetime


class Story:
    """Plays the stories against a running demo station.

    Args:
        base_url: The sandbox's URL (http://127.0.0.1:PORT).
        calendar: The station's working days, to start in working hours.
        pace: Seconds between steps, so that a person can follow them (0 in tests).
    """

    def __init__(self, base_url: str, calendar: WorkCalendar, *, pace: float = 1.0) -> None:
        self.base = base_url
        self.calendar = calendar
        self.pace = pace
        self.stages: list[Stage] = []
        self.case_number: str | None = None
        self._session: aiohttp.ClientSession | None = None

    # --- the stories ----------------------------------------------------------------------------

    async def play(self) -> list[Stage]:
        """Plays every story in order; the stages reached."""
        async with aiohttp.ClientSession() as session:
            self._session = session
            await self._open_hours()
            await self._onboard()
            await self._consultation()
            await self._dispute()
            await self._follow_up()
            await self._repeat_visit()
        self._session = None
        return self.stages

    async def _onboard(self) -> None:
        await self.say(RESIDENT, "/start")
        await self.press(RESIDENT, "简体中文")
        await self.press(RESIDENT, "同意")
        await self.press(RESIDENT, "东城街道")
        await self.press(RESIDENT, "幸福里社区")
        await self.wait_for(RESIDENT, "手机号")
        await self.post("/sandbox/contact", {"user_id": RESIDENT, "phone_number": "13812345678", "own": True})
        await self.wait_for(RESIDENT, "/report")
        await self.stage("onboarded")

    async def _consultation(self) -> None:
        await self.say(RESIDENT, "/book")
        await self.press(RESIDENT, "户籍")
        await self.wait_for(RESIDENT, "户籍")
        await self.say(RESIDENT, BOOKING_TEXT)
        await self.press_first(RESIDENT, "第 3 步")  # the first day with free times
        await self.press_first(RESIDENT, "第 4 步")  # its first free time
        await self.press(RESIDENT, "提交预约")
        await self.wait_for(OFFICER, "户口从老家")
        await self.press(OFFICER, "确认")
        await self.wait_for(RESIDENT, "已确认")
        await self.stage("consultation confirmed")

    async def _dispute(self) -> None:
        await self.say(RESIDENT, "/report")
        await self.press(RESIDENT, "矛盾纠纷")
        await self.press_first(RESIDENT, "第 2 步")  # the first category of a dispute
        await self.say(RESIDENT, DISPUTE_TEXT)
        await self.press(RESIDENT, "继续")
        await self.press(RESIDENT, "确认提交")
        filed = NUMBER.search((await self.wait_for(RESIDENT, "回音卡"))["text"])
        if filed is None:
            raise StoryStuck("the filed case has no number")
        self.case_number = filed.group()
        await self.wait_for(OFFICER, "拖动家具")
        await self.press(OFFICER, "受理")
        await self.wait_for(RESIDENT, "已受理")
        await self.press(OFFICER, "办结")
        await self.wait_for(OFFICER, "答复")
        await self.say(OFFICER, RESOLUTION)
        await self.wait_for(RESIDENT, "已办结")
        await self.stage("dispute resolved")

    async def _follow_up(self) -> None:
        view = await self.get("/sandbox/clock")
        await self.post("/sandbox/clock", {"to": view["next_working_day"]["at"]})
        await self.press(RESIDENT, "已解决")
        await self.press(RESIDENT, "满意")
        await self.stage("followed up")

    async def _repeat_visit(self) -> None:
        """Moves from event to event until the officer is reminded to visit the household again, and
        has the officer record the visit as done."""
        for _ in range(MAX_JUMPS):
            before = len(await self.messages(OFFICER))
            await self.post("/sandbox/clock", {"to": "next_event"})
            await self.pause()
            fresh = (await self.texts(OFFICER))[before:]
            if any(self.case_number and self.case_number in text and "回访" in text for text in fresh):
                await self.press(OFFICER, "已回访")  # 王建国 went and records the visit as done
                await self.stage("visited again")
                return
        raise StoryStuck("the repeat visit never came due")

    # --- moving the clock -----------------------------------------------------------------------

    async def _open_hours(self) -> None:
        """Moves the demo clock into working hours (the next working day's 09:00) if it is not."""
        view = await self.get("/sandbox/clock")
        now = datetime.fromisoformat(view["now"])
        local = now.astimezone(self.calendar.tz)
        day = local.date()
        if self.calendar.is_workday(day) and OPENS <= local.hour < CLOSES:
            return
        start = self.calendar.workday_at(day, local.time().replace(hour=OPENS, minute=0, second=0, microsecond=0))
        if start <= now:
            start = self.calendar.workday_at(self.calendar.next_workday(day), start.astimezone(self.calendar.tz).time())
        await self.post("/sandbox/clock", {"to": start.isoformat()})

    # --- playing people -------------------------------------------------------------------------

    async def stage(self, name: str) -> None:
        """Marks a stage of the story at the station's time now."""
        view = await self.get("/sandbox/clock")
        self.stages.append(Stage(name, datetime.fromisoformat(view["now"])))
        log.info("story: %s", name)

    async def pause(self) -> None:
        """Waits `pace` seconds between steps."""
        if self.pace:
            await asyncio.sleep(self.pace)

    async def say(self, user_id: int, text: str) -> None:
        """The user sends `text`; returns once the bot has answered."""
        await self.pause()
        revision = await self.revision(user_id)
        await self.post("/sandbox/send", {"user_id": user_id, "text": text})
        await self.answered(user_id, revision)

    async def press(self, user_id: int, label: str) -> None:
        """The user presses the button labelled `label` on the newest message that has it."""
        message = await self.wait_for(user_id, label)
        for button in _buttons(message):
            if label in button.get("text", "") and "callback_data" in button:
                await self._press(user_id, message, button)
                return
        raise StoryStuck(f"{label!r} is not a button of the message for {user_id}")

    async def press_first(self, user_id: int, step: str) -> None:
        """Presses the first button of the newest screen that says `step` (a form's "第 3 步"), once it
        is there: a form's next screen can come a second after the edit that strips the last one."""
        deadline = time.monotonic() + WAIT
        while True:
            message = await self.wait_for(user_id, step)
            buttons = [b for b in _buttons(message) if "callback_data" in b]
            if buttons:
                await self._press(user_id, message, buttons[0])
                return
            if time.monotonic() > deadline:
                raise StoryStuck(f"no buttons under {step!r} in {user_id}'s chat")
            await self.post("/sandbox/wait", {"user_id": user_id, "timeout": 1.0})

    async def _press(self, user_id: int, message: dict[str, Any], button: dict[str, Any]) -> None:
        await self.pause()
        revision = await self.revision(user_id)
        body = {"user_id": user_id, "message_id": message["message_id"], "data": button["callback_data"]}
        await self.post("/sandbox/press", body)
        await self.answered(user_id, revision)

    async def revision(self, user_id: int) -> tuple[int, int]:
        """The chat's revision and its newest message id, to wait for what comes after them."""
        listing = await self.get(f"/sandbox/chats/{user_id}/messages")
        newest = max((m["message_id"] for m in listing["messages"]), default=0)
        return int(listing["revision"]), newest

    async def answered(self, user_id: int, since: tuple[int, int]) -> None:
        """Until the bot has sent or edited something since `since` and then been quiet a moment."""
        revision, after = since
        body = {"user_id": user_id, "revision": revision, "after": after, "timeout": WAIT, "settle": SETTLE}
        waited = await self.post("/sandbox/wait", body)
        if waited.get("timed_out"):
            raise StoryStuck(f"the bot did not answer {user_id}")

    async def wait_for(self, user_id: int, needle: str) -> dict[str, Any]:
        """The newest bot message (sent or edited) with `needle` in its text or a button."""
        deadline = time.monotonic() + WAIT
        while True:
            for message in reversed(await self.messages(user_id)):
                labels = [b.get("text", "") for b in _buttons(message)]
                if needle in (message.get("text") or "") or any(needle in label for label in labels):
                    return message
            if time.monotonic() > deadline:
                raise StoryStuck(f"nothing with {needle!r} for {user_id}")
            await self.post("/sandbox/wait", {"user_id": user_id, "timeout": 1.0})

    async def messages(self, user_id: int) -> list[dict[str, Any]]:
        """The bot's messages in the chat, oldest first."""
        listing = await self.get(f"/sandbox/chats/{user_id}/messages")
        return [m for m in listing["messages"] if m["from_bot"]]

    async def texts(self, user_id: int) -> list[str]:
        """The texts of the bot's messages in the chat, oldest first."""
        return [m.get("text") or "" for m in await self.messages(user_id)]

    async def get(self, path: str) -> dict[str, Any]:
        """GETs a sandbox path; its JSON body (StoryStuck unless 200)."""
        assert self._session is not None
        async with self._session.get(self.base + path) as response:
            payload: dict[str, Any] = await response.json()
            if response.status != 200:
                raise StoryStuck(f"GET {path}: {response.status} {payload}")
            return payload

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POSTs a JSON body to a sandbox path; its JSON answer (StoryStuck unless 200)."""
        assert self._session is not None
        async with self._session.post(self.base + path, json=body) as response:
            payload: dict[str, Any] = await response.json()
            if response.status != 200:
                raise StoryStuck(f"POST {path}: {response.status} {payload}")
            return payload


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard") or [] for button in row]


def pace_for_a_minute(steps: int = 40, minute: timedelta = timedelta(minutes=1)) -> float:
    """The pause between steps that makes the stories last about a minute."""
    return minute.total_seconds() / steps
