"""`jingmin sandbox --db FILE` stopped and started again on the same file: the demo goes on."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.sandbox_client import NO_QUIET_HOURS, ROOT

pytestmark = pytest.mark.e2e

RESIDENT = 5001
URL = re.compile(r"open (http://127\.0\.0\.1:\d+)/")


class SandboxProcess:
    """`jingmin sandbox --db FILE --port 0` as a child process; `url` once it has printed it."""

    def __init__(self, db_file: Path, log_file: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JINGMIN_")}
        self.log_file = log_file
        with log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "sandbox", "--db", str(db_file), "--port", "0"],
                cwd=ROOT,
                env={**env, "PYTHONUNBUFFERED": "1", "JINGMIN_QUIET_HOURS": NO_QUIET_HOURS},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = URL.search(self.log_file.read_text(errors="replace"))
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError("the sandbox did not start:\n" + self.log_file.read_text(errors="replace")[-3000:])

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=30)


@pytest.fixture
def runs(tmp_path: Path) -> Iterator[list[SandboxProcess]]:
    started: list[SandboxProcess] = []
    yield started
    for run in started:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait(timeout=10)


async def bot_texts(session: aiohttp.ClientSession, url: str) -> list[str]:
    async with session.get(f"{url}/sandbox/chats/{RESIDENT}/messages") as response:
        payload: dict[str, Any] = await response.json()
    return [m.get("text") or "" for m in payload["messages"] if m["from_bot"]]


async def say(session: aiohttp.ClientSession, url: str, text: str, expect: str) -> None:
    """Sends `text` as 刘阿姨 and waits for a bot message containing `expect` after it."""
    before = len(await bot_texts(session, url))
    async with session.post(f"{url}/sandbox/send", json={"user_id": RESIDENT, "text": text}) as response:
        assert response.status == 200, await response.text()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        texts = await bot_texts(session, url)
        if any(expect in t for t in texts[before:]):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the bot did not answer {text!r} with {expect!r}: {texts[-3:]}")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
async def test_a_restarted_sandbox_answers_the_first_message_and_keeps_the_chats(
    tmp_path: Path, runs: list[SandboxProcess], stop: int
) -> None:
    db_file = tmp_path / "demo.db"
    async with aiohttp.ClientSession() as session:
        first = SandboxProcess(db_file, tmp_path / "first.log")
        runs.append(first)
        for _ in range(3):  # a few updates, so the next run's ids would collide if they started at 1
            await say(session, first.url, "/start", "请选择语言")
        async with session.post(f"{first.url}/sandbox/clock", json={"advance": 2 * 86400}) as response:
            moved = (await response.json())["now"]
        await asyncio.sleep(2.5)  # the sandbox's side is saved every two seconds (and on a clean stop)
        first.stop(stop)

        second = SandboxProcess(db_file, tmp_path / "second.log")
        runs.append(second)
        history = await bot_texts(session, second.url)
        assert sum("请选择语言" in t for t in history) == 3, history  # the chat is back
        await say(session, second.url, "/start", "请选择语言")  # the first message is answered
        async with session.get(f"{second.url}/sandbox/clock") as response:
            assert (await response.json())["now"] >= moved  # the demo's time did not go back
        assert second.stop() == 0
    assert "was received before" not in (tmp_path / "second.log").read_text()
