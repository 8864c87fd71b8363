"""`jingmin sandbox`: a refusal (a busy port, --story on a used file) is one line and exit code 2."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


@pytest.mark.parametrize(
    ("command", "prefix"), [(["bot.cli", "sandbox"], "jingmin sandbox"), (["sandbox"], "python -m sandbox")]
)
def test_a_busy_port_is_one_line_and_exit_code_2(
    busy_port: int, tmp_path: Path, command: list[str], prefix: str
) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", *command, "--port", str(busy_port)],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "JINGMIN_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 2, finished.stderr
    assert finished.stderr.strip().splitlines() == [
        f"{prefix}: port {busy_port} is in use; choose another with --port (0 picks a free one)"
    ]
    assert "Traceback" not in finished.stdout + finished.stderr


def test_the_story_wants_a_new_demo(tmp_path: Path) -> None:
    used = tmp_path / "used.db"
    used.write_bytes(b"")
    finished = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sandbox", "--story", "--db", str(used), "--port", "0"],
        cwd=Path(__file__).resolve().parents[2],
        env={"PATH": "/usr/bin:/bin", "JINGMIN_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 2, finished.stderr
    assert finished.stderr.strip() == "jingmin sandbox: --story plays on a new demo; leave out --db or name a new file"
