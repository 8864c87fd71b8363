"""A throwaway PostgreSQL cluster on 127.0.0.1: for tests/postgres (its session fixture) and the benches.

`cluster()` runs initdb in a temporary directory, starts the server on a free port of 127.0.0.1
only (no Unix socket, fsync off), migrates one template database with the real Alembic migrations
and yields a `PgServer`; at the end the server is stopped and the directory removed. Trouble
(no binaries, initdb or start failing) raises `ClusterError` with what to do about it; the test
fixture turns that into a failed test, a bench into an error message.

The server binaries come from JINGMIN_PG_BIN, else the newest /usr/lib/postgresql/*/bin (Debian),
else `pg_config --bindir` or PATH. initdb refuses to run as root, so as root the cluster runs as
the `postgres` system user (or `nobody` when there is none).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from storage.migrate import upgrade_blocking
from tests.helpers.ports import free_port

TEMPLATE = "jingmin_template"
_BINARIES = ("initdb", "pg_ctl", "postgres")
_databases = itertools.count(1)


class ClusterError(RuntimeError):
    """The cluster could not be set up; the message says why and what to install or set."""


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    data: Path | None = None  # the cluster's directory (its postmaster.pid names the server's process)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{self.user}@{self.host}:{self.port}/{database}"

    async def admin(self, *statements: str) -> None:
        """Runs statements that cannot run in a transaction (CREATE/DROP DATABASE) on `postgres`."""
        conn = await asyncpg.connect(host=self.host, port=self.port, user=self.user, database="postgres")
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def create_database(self, prefix: str = "t", template: str | None = TEMPLATE) -> str:
        """A new database (a copy of the migrated template unless `template` is None); its URL."""
        name = f"{prefix}_{os.getpid()}_{next(_databases)}"
        clause = f" TEMPLATE {template}" if template else ""
        await self.admin(f"CREATE DATABASE {name}{clause}")
        return self.url(name)

    def postmaster_pid(self) -> int | None:
        """The server's main process (its backends are its children), while it runs."""
        pid_file = self.data / "postmaster.pid" if self.data is not None else None
        try:
            return int(pid_file.read_text().split()[0]) if pid_file is not None else None
        except (OSError, ValueError, IndexError):
            return None


def _version(bindir: Path) -> int:
    name = bindir.parent.name
    return int(name) if name.isdigit() else 0


def bin_dir() -> Path:
    """Where initdb, pg_ctl and postgres are; ClusterError, saying what to install, when nowhere."""
    if os.environ.get("JINGMIN_PG_BIN"):
        candidates = [Path(os.environ["JINGMIN_PG_BIN"])]
    else:
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True)
        if shutil.which("pg_config"):
            found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
            if found.returncode == 0:
                candidates.append(Path(found.stdout.strip()))
        initdb = shutil.which("initdb")
        if initdb:
            candidates.append(Path(initdb).parent)
    for candidate in candidates:
        if all((candidate / name).is_file() for name in _BINARIES):
            return candidate
    looked = ", ".join(str(c) for c in candidates) or "JINGMIN_PG_BIN, /usr/lib/postgresql/*/bin, pg_config, PATH"
    raise ClusterError(
        f"PostgreSQL needs the server binaries ({', '.join(_BINARIES)}); looked in: {looked}. "
        "Install them (Debian: apt-get install postgresql, as .ci/run does) or set JINGMIN_PG_BIN to their directory."
    )


def _run_as() -> str | None:
    """The unprivileged user to run the cluster as when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise ClusterError("running as root, and there is neither a `postgres` nor a `nobody` user to run PostgreSQL as")


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _run(command: list[str], user: str | None, what: str, log: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, user=user, check=False, timeout=60)
    if done.returncode != 0 and what != "start":
        raise ClusterError(
            f"PostgreSQL {what} failed ({done.returncode}): {' '.join(command)}\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}{_tail(log)}"
        )
    return done


@contextmanager
def cluster(max_connections: int = 200) -> Iterator[PgServer]:
    """A PostgreSQL cluster of our own with the migrated template database; stopped and deleted at the end."""
    bindir = bin_dir()
    user = _run_as()
    # As root the server runs as another user, who must reach the directory: /tmp, not $TMPDIR.
    root = Path(tempfile.mkdtemp(prefix="jingmin-pg-", dir="/tmp" if user is not None else None))
    data, log = root / "data", root / "server.log"
    if user is not None:
        shutil.chown(root, user)
    try:
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        _run([*initdb, "--locale=C", "--no-sync", "--no-instructions"], user, "initdb", log)
        for _attempt in range(3):  # the free port may be taken between looking and binding
            port = free_port()
            options = (
                f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off "
                f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={max_connections}"
            )
            started = _run(
                [str(bindir / "pg_ctl"), "start", "-w", "-t", "30", "-D", str(data), "-l", str(log), "-o", options],
                user,
                "start",
                log,
            )
            if started.returncode == 0 or "could not bind" not in _tail(log):
                break
        if started.returncode != 0:
            raise ClusterError(f"PostgreSQL did not start: {started.stdout}{started.stderr}\n{_tail(log)}")
        server = PgServer("127.0.0.1", port, "postgres", data)
        asyncio.run(server.admin(f"CREATE DATABASE {TEMPLATE}"))
        upgrade_blocking(server.url(TEMPLATE), "head")
        yield server
    finally:
        try:
            if (data / "postmaster.pid").exists():
                _run([str(bindir / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate", "-w"], user, "stop", log)
        finally:
            shutil.rmtree(root, ignore_errors=True)
