"""The parts of bench/alerts.py: the station, the bot processes, the alert, counting its copies,
residents filing meanwhile, and a throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import aiohttp
from throughput import _CHILDREN, Child, Resident, Step, child_env

from sandbox.errors import ApiError
from sandbox.flood import FloodLimits
from sandbox.server import SandboxServer

TOKEN = "7000000004:BENCH-alerts-token-not-secret"  # noqa: S105 - the sandbox's own token
TOWN, OTHER_TOWN = "东城街道", "西河镇"
SUPERVISOR = 9100
RATE = 25.0  # the bot's configured bulk rate (alert copies a second)
GLOBAL = 28.0  # the bot's overall limit (every message), under the sandbox's 30/s; replies use the rest
TEXT = "近期有人冒充快递客服以理赔为由骗取转账，请勿点击陌生链接，有疑问请拨打110。"
DESCRIPTION = "楼道里的声控灯坏了好几天，晚上上下楼看不清，请派人看看。"
FILING = [
    Step("send", "/report", "第 1 步"),
    Step("press", "矛盾纠纷", "第 2 步"),
    Step("press", "邻里纠纷", "第 3 步"),
    Step("send", DESCRIPTION, "第 4 步"),
    Step("press", "继续", "请核对您的诉求"),
    Step("press", "确认提交", "回音卡编号为"),
]


def _texts() -> tuple[str, ...]:
    from core.scripts import to_traditional

    return (TEXT, to_traditional(TEXT))


# --- the station, the bot, the alert ----------------------------------------------------------------


async def prepare(url: str, server: SandboxServer, residents: int, filers: int) -> tuple[list[int], list[int]]:
    """A migrated database with the demo station, `residents` in 东城街道 and `filers` in 西河镇."""
    from bot.app import build_services
    from bot.settings import load_settings
    from core.models import Language
    from sandbox import crowd, demo
    from storage.migrate import upgrade

    await upgrade(url)
    services = build_services(load_settings(database_url=url, station_code="XF", station_name="西丰派出所"))
    try:
        await demo.seed(services, server)
        recipients = await crowd.seed(services, server, town=TOWN, count=residents)
        filing = await crowd.seed(
            services, server, town=OTHER_TOWN, count=filers, first_user_id=900_000, language=Language.ZH_HANS
        )
    finally:
        await services.db.close()
    return recipients, filing


def start_bot(server: SandboxServer, url: str, log: Path, **extra: str) -> Child:
    settings = {
        "JINGMIN_TOKEN": TOKEN,
        "JINGMIN_API_BASE_URL": server.api_base_url,
        "JINGMIN_API_FILE_URL": server.file_base_url,
        "JINGMIN_DATABASE_URL": url,
        "JINGMIN_STATION_CODE": "XF",
        "JINGMIN_STATION_NAME": "西丰派出所",
        "JINGMIN_BOT_USERNAME": "jingmin_bench_bot",
        "JINGMIN_LOG_LEVEL": "WARNING",
        "JINGMIN_QUIET_HOURS": "00:00-00:00",  # the bench runs on the real clock, also at night
        "JINGMIN_SEND_RATE_GLOBAL": str(GLOBAL),
        "JINGMIN_SEND_RATE_BULK": str(RATE),
    }
    child = Child([sys.executable, "-m", "bot.cli", "run"], child_env(**{**settings, **extra}), log)
    _CHILDREN.append(child)
    return child


async def until(what: str, done: Callable[[], bool], within: float, child: Child | None = None) -> None:
    deadline = time.monotonic() + within
    while not done():
        if child is not None and not child.alive():
            raise RuntimeError(f"the bot exited while waiting until {what}:\n{child.log()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting until {what}")
        await asyncio.sleep(0.05)


async def polling(server: SandboxServer, child: Child) -> None:
    """Until this bot process's first getUpdates (counted from now: a restarted bot polls again)."""
    seen = server.state.requests.get("getUpdates", 0)
    await until("the bot polls", lambda: server.state.requests.get("getUpdates", 0) > seen, 60, child)


async def start_alert(url: str) -> int:
    """The supervisor's anti-fraud alert to 东城街道, approved and started (as 立即发送 does)."""
    from bot.app import build_services
    from bot.settings import load_settings
    from core import enrolment
    from core.alerts import service
    from core.alerts.model import Topic
    from core.models import Language

    services = build_services(load_settings(database_url=url, station_code="XF", station_name="西丰派出所"))
    try:
        member = await enrolment.staff_for(services, SUPERVISOR)
        assert member is not None
        town = next(a.id for a in await service.areas(services) if a.name == TOWN)
        draft = service.Draft((town,), Topic.FRAUD, {"zh_Hans": TEXT}, Language.ZH_HANS)
        alert = await service.submit(services, member, draft)
        started = await service.start(services, member, alert.id)
        assert started is not None
        return alert.id
    finally:
        await services.db.close()


async def stop_alert(url: str, alert_id: int) -> None:
    from bot.app import build_services
    from bot.settings import load_settings
    from core import enrolment
    from core.alerts import service

    services = build_services(load_settings(database_url=url, station_code="XF", station_name="西丰派出所"))
    try:
        member = await enrolment.staff_for(services, SUPERVISOR)
        assert member is not None
        await service.stop(services, member, alert_id)
    finally:
        await services.db.close()


def copies(server: SandboxServer, ids: list[int]) -> dict[int, int]:
    """How many copies of the alert each chat holds, from the sandbox's own record."""
    needles = _texts()
    out = {}
    for user_id in ids:
        chat = server.state.chats[user_id]
        out[user_id] = sum(
            1 for m in chat.messages.values() if m.from_bot and any(n in (m.text or "") for n in needles)
        )
    return out


def total(server: SandboxServer, ids: list[int]) -> int:
    return sum(copies(server, ids).values())


async def file_cases(server: SandboxServer, filers: list[int]) -> list[float]:
    """Each filer files a case, all at once; every step's reply latency (seconds)."""
    async with aiohttp.ClientSession() as session:
        residents = [Resident(u, list(FILING), server.url, session, step_timeout=60) for u in filers]
        await asyncio.gather(*(r.run() for r in residents))
    return [latency for r in residents for latency in r.latencies]


def sandbox() -> SandboxServer:
    server = SandboxServer(token=TOKEN, limits=FloodLimits(), bot_username="jingmin_bench_bot")
    _classify_429s(server)
    return server


REFUSED: Counter[str] = Counter()
"""The sandbox's 429s by the limit that refused: "overall" (30/s) or "chat" (1/s, burst 3)."""


def _classify_429s(server: SandboxServer) -> None:
    """Wraps the sandbox's flood check to tell which of its buckets refused a message."""
    flood = server.flood
    check = flood.check

    def classified(chat_id: int) -> None:
        try:
            check(chat_id)
        except ApiError:
            overall = flood._global  # read after the check refreshed it
            REFUSED["overall" if overall is not None and overall.tokens < 1 else "chat"] += 1
            raise

    flood.check = classified  # type: ignore[method-assign]


# --- PostgreSQL ----------------------------------------------------------------------------------


class Postgres:
    """A throwaway cluster on a free port of 127.0.0.1 (as tests/postgres/conftest.py starts one)."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
        found = [b for b in bins if (b / "initdb").exists()]
        if not found:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bin = found[0]
        self.user = "postgres" if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="jingmin-bench-pg-", dir="/tmp"))
        if self.user:
            shutil.chown(self.root, self.user)
        self.data = self.root / "data"
        self.port = free_port()

    def _run(self, *command: str) -> None:
        subprocess.run(command, check=True, capture_output=True, user=self.user, timeout=120)

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=100"
        self._run(
            str(self.bin / "pg_ctl"), "start", "-w", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options
        )

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    async def database(self, name: str) -> str:
        import asyncpg  # type: ignore[import-untyped]

        conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres", database="postgres")
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{name}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
