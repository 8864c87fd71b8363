"""What the sandbox benchmarks share: simulated residents on the sandbox's control API, the bots as
child processes, and the figures (CPU time, percentiles, the machine, ratios).

Used by bench/throughput.py, bench/flood.py and bench/alerts.py; nothing here contacts anything but
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import math
import os
import platform
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.server import SandboxServer  # noqa: E402

# --- a simulated resident ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One update from the resident and the text that shows the bot has answered it."""

    kind: str  # "send", "press" (an inline button by label), "contact"
    value: str  # the text sent, the button's label, or the phone number
    expect: str  # a bot message (sent or edited) containing this is the answer


class StepFailed(Exception):
    """The bot did not answer a step in time (or the sandbox refused it)."""


@dataclass
class Resident:
    """A simulated user: sends a step, waits on /sandbox/wait for the answer, records the latency."""

    user_id: int
    steps: list[Step]
    base: str
    session: aiohttp.ClientSession
    step_timeout: float
    latencies: list[float] = field(default_factory=list)
    last_id: int = 0  # the newest message in the chat that we know of
    revision: int = 0  # the chat's revision when we last looked
    answer: list[dict[str, Any]] = field(default_factory=list)  # the messages that answered the last step

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.session.post(self.base + path, json=body) as response:
            payload: dict[str, Any] = await response.json()
            if response.status != 200:
                raise StepFailed(f"{path} {body}: {response.status} {payload}")
            return payload

    def _button(self, label: str) -> tuple[int, str]:
        for message in reversed(self.answer):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard") or []:
                for button in row:
                    if label in button.get("text", "") and "callback_data" in button:
                        return int(message["message_id"]), str(button["callback_data"])
        raise StepFailed(f"user {self.user_id}: no button {label!r} in {[m.get('text') for m in self.answer]}")

    async def run(self) -> None:
        for step in self.steps:
            await self.take(step)

    async def take(self, step: Step) -> None:
        body: dict[str, Any] = {"user_id": self.user_id}
        if step.kind == "press":
            message_id, data = self._button(step.value)
            path, body = "/sandbox/press", {**body, "message_id": message_id, "data": data}
        elif step.kind == "contact":
            path, body = "/sandbox/contact", {**body, "phone_number": step.value, "own": True}
        else:
            path, body = "/sandbox/send", {**body, "text": step.value}
        started = time.perf_counter()
        sent = await self._post(path, body)
        after = max(self.last_id, int(sent.get("message_id", 0)))
        revision = self.revision
        deadline = started + self.step_timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise StepFailed(f"user {self.user_id}: no answer with {step.expect!r} to {step.kind} {step.value!r}")
            changes = await self._post(
                "/sandbox/wait", {"user_id": self.user_id, "after": after, "revision": revision, "timeout": left}
            )
            revision = int(changes["revision"])
            messages: list[dict[str, Any]] = changes["messages"]
            if any(step.expect in (m.get("text") or "") for m in messages):
                break
        self.latencies.append(time.perf_counter() - started)
        self.answer = messages
        self.revision = revision
        self.last_id = max([after, *(int(m["message_id"]) for m in messages)])


# --- the bots as child processes -----------------------------------------------------------------


class Child:
    """A bot process, its output in a log file; stopped with SIGTERM, killed if it lingers."""

    def __init__(self, argv: list[str], env: dict[str, str], log_file: Path) -> None:
        self.log_file = log_file
        with log_file.open("ab") as log:
            self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)

    def alive(self) -> bool:
        return self.process.poll() is None

    async def stop(self, grace: float = 15.0) -> int:
        """SIGTERM, then SIGKILL after `grace` s; waits without blocking the loop (the sandbox answers
        the bot's last getUpdates while it stops)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            for _ in range(int(grace / 0.05)):
                if self.process.poll() is not None:
                    break
                await asyncio.sleep(0.05)
            else:
                self.process.kill()
        return self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


_CHILDREN: list[Child] = []  # every bot process started, killed at exit if one is somehow still running


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINGMIN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


async def wait_until_polling(server: SandboxServer, child: Child, within: float = 60.0) -> None:
    """Until the bot's first getUpdates arrives (it is then started and listening)."""
    deadline = time.monotonic() + within
    while server.state.requests.get("getUpdates", 0) == 0:
        if not child.alive():
            raise RuntimeError(f"the bot exited at start-up:\n{child.log()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not start polling in {within:.0f} s:\n{child.log()[-3000:]}")
        await asyncio.sleep(0.05)


# --- figures -------------------------------------------------------------------------------------


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU time so far of a process, or of one of its threads (Linux /proc; 0 elsewhere)."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p99 of 600 values is the 594th smallest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def machine() -> dict[str, Any]:
    model = ""
    with_cpuinfo = Path("/proc/cpuinfo")
    if with_cpuinfo.exists():
        for line in with_cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),  # other work on the machine skews the figures
    }


def ratio(ours: Any, theirs: Any, digits: int = 2) -> float | None:
    if not ours or not theirs:
        return None
    return round(float(ours) / float(theirs), digits)
