"""The sandbox is an extra: without its Pillow, `jingmin sandbox` says what to install and the bot still runs."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The bot's own modules load first (reportlab and matplotlib bring a Pillow of their own), then the
# sandbox's `from PIL import ...` fails as it does where the sandbox extra is not installed.
WITHOUT_PILLOW = """
import sys
import bot.app
for name in [n for n in sys.modules if n == "PIL" or n.startswith("PIL.")]:
    del sys.modules[name]
sys.modules["PIL"] = None
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


def jingmin_without_pillow(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_PILLOW, *argv],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_sandbox_without_its_extra_says_what_to_install(tmp_path: Path) -> None:
    result = jingmin_without_pillow(tmp_path, "sandbox", "--port", "0", "--story")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "jingmin: the sandbox needs the sandbox extra (Pillow is not installed): "
        "pip install -e '.[sandbox]' in a checkout, or pip install 'jingmin-bot[sandbox]'"
    )


def test_the_bot_s_commands_do_not_need_the_sandbox_extra(tmp_path: Path) -> None:
    listing = jingmin_without_pillow(tmp_path, "--help")
    assert listing.returncode == 0 and "sandbox" in listing.stdout and "run" in listing.stdout
    upgraded = jingmin_without_pillow(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "jingmin.db").stat().st_size > 0


def test_dev_installs_the_sandbox_and_every_requirement_is_pinned() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    assert "jingmin-bot[sandbox]" in extras["dev"]  # `pip install -e '.[dev]'` (README, .ci/run) gets Pillow
    assert [r for r in extras["sandbox"] if r.startswith("Pillow")] == ["Pillow==13.0.0"]
    assert not [r for r in project["dependencies"] if r.startswith("Pillow")]
    requirements = project["dependencies"] + [r for extra in extras.values() for r in extra]
    unpinned = [r for r in requirements if "==" not in r and not r.startswith("jingmin-bot[")]
    assert unpinned == []
