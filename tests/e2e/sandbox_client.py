"""A small client for the sandbox's control API, and the bot as a separate process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from bot.settings import Settings, load_settings
from sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7000000001:E2E-test-token-000000000000000000"

# These bots run on the real clock. At night (21:30-08:00 at the station) the residents' quiet
# hours would hold the very answers the tests wait for, so here they are off; quiet hours have
# their own tests on a fake clock (tests/booking/test_quiet_hours.py, tests/scheduler/).
NO_QUIET_HOURS = "00:00-00:00"


def daytime_settings() -> Settings:
    """The suite's settings for a bot that runs on the real clock: quiet hours off, and the night
    visits (夜访) on a weekday three days away, so their reminder never lands in a test's chat."""
    away = datetime.now(ZoneInfo(load_settings().timezone)) + timedelta(days=3)
    return load_settings(quiet_hours=NO_QUIET_HOURS, night_visit_windows=f"{away:%a} 20:00-21:00")


class Chat:
    """Plays users against the sandbox over HTTP, as a person in the web chat would."""

    def __init__(self, server: SandboxServer, session: aiohttp.ClientSession) -> None:
        self.base = server.url
        self.session = session

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.session.post(self.base + path, json=body) as response:
            payload: dict[str, Any] = await response.json()
            assert response.status == 200, payload
            return payload

    async def messages(self, user_id: int) -> list[dict[str, Any]]:
        return (await self._listing(user_id))[0]

    async def _listing(self, user_id: int) -> tuple[list[dict[str, Any]], int]:
        async with self.session.get(f"{self.base}/sandbox/chats/{user_id}/messages") as response:
            payload = await response.json()
        return [m for m in payload["messages"] if m["from_bot"]], int(payload["revision"])

    async def send(self, user_id: int, text: str) -> None:
        await self._post("/sandbox/send", {"user_id": user_id, "text": text})

    async def contact(self, user_id: int, phone: str) -> None:
        await self._post("/sandbox/contact", {"user_id": user_id, "phone_number": phone, "own": True})

    async def wait_for(
        self, user_id: int, needle: str, timeout: float = 15.0, *, button: bool = False
    ) -> dict[str, Any]:
        """The newest bot message (sent or edited) containing `needle`, waiting for it; with
        `button`, the newest one with an inline button whose label contains it."""
        deadline = time.monotonic() + timeout
        while True:
            listed, revision = await self._listing(user_id)
            for message in reversed(listed):
                labels = [
                    b.get("text", "") for row in _rows(message) for b in row if not button or "callback_data" in b
                ]
                in_text = not button and needle in (message.get("text") or "")
                if in_text or any(needle in label for label in labels):
                    return message
            if time.monotonic() > deadline:
                texts = [m.get("text") for m in await self.messages(user_id)]
                raise AssertionError(f"no message with {needle!r} for {user_id}: {texts[-3:]}")
            await self._post("/sandbox/wait", {"user_id": user_id, "revision": revision, "timeout": 2.0})

    async def press(self, user_id: int, label: str, timeout: float = 15.0) -> str:
        """Presses the button whose label contains `label` on the newest message that has it;
        the callback query's id."""
        message = await self.wait_for(user_id, label, timeout, button=True)
        for row in _rows(message):
            for button in row:
                if label in button.get("text", "") and "callback_data" in button:
                    pressed = await self._post(
                        "/sandbox/press",
                        {"user_id": user_id, "message_id": message["message_id"], "data": button["callback_data"]},
                    )
                    return str(pressed["callback_query_id"])
        raise AssertionError(f"{label!r} is not an inline button")


def _rows(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    markup = message.get("reply_markup") or {}
    rows: list[list[dict[str, Any]]] = markup.get("inline_keyboard") or []
    return rows


def bot_env(server: SandboxServer, db_file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINGMIN_")}
    env.update(
        {
            "JINGMIN_TOKEN": TOKEN,
            "JINGMIN_API_BASE_URL": server.api_base_url,
            "JINGMIN_API_FILE_URL": server.file_base_url,
            "JINGMIN_DATABASE_URL": f"sqlite+aiosqlite:///{db_file}",
            "JINGMIN_STATION_CODE": "XF",
            "JINGMIN_STATION_NAME": "西丰派出所",
            "JINGMIN_BOT_USERNAME": "jingmin_sandbox_bot",
            "JINGMIN_LOG_LEVEL": "INFO",
            "JINGMIN_QUIET_HOURS": NO_QUIET_HOURS,
            **extra,
        }
    )
    return env


class BotProcess:
    """`jingmin run` as a child process, stopped politely or killed with SIGKILL."""

    def __init__(self, env: dict[str, str], log_file: Path) -> None:
        self.env = env
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
            )

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            for _ in range(100):
                if self.process.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            else:
                self.process.kill()
        return self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")
