"""`jingmin staff …` and `jingmin areas …` as an administrator runs them."""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings
from bot.staff_cli import add_area_commands, add_staff_commands
from tests.officer.area_files import GOOD, SAMPLE


@pytest.fixture
def cli_settings(tmp_path: Path) -> Settings:
    return load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", bot_username="jm_station_bot")


def run(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="jingmin")
    commands = parser.add_subparsers(dest="command", required=True)
    add_staff_commands(commands)
    add_area_commands(commands)
    args = parser.parse_args(argv)
    code: int = asyncio.run(args.func(args, settings))
    return code


def test_areas_import_then_show_the_tree(cli_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cli_settings, "areas", "import", str(SAMPLE)) == 0
    assert "areas 11 new, 0 updated; staff 12 new" in capsys.readouterr().out
    assert run(cli_settings, "areas", "import", str(SAMPLE)) == 0
    assert "areas 0 new, 11 updated; staff 0 new, 0 updated" in capsys.readouterr().out
    assert run(cli_settings, "areas", "show") == 0
    tree = capsys.readouterr().out.splitlines()
    assert tree[0].startswith("永安派出所 [YA]") and "leader 王建国 (051001)" in tree[0]
    assert tree[1].startswith("    永安镇 [YA-YAZ]")
    assert tree[2].startswith("        飞山村 [YA-YAZ-FS]  officer 张磊 (051101)")


def test_a_bad_area_file_names_the_line_and_imports_nothing(
    cli_settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "areas.yaml"
    bad.write_text(GOOD.replace('officer: "101"', 'officer: "999"'), encoding="utf-8")
    assert run(cli_settings, "areas", "import", str(bad)) == 1
    err = capsys.readouterr().err
    assert f"{bad}:14: unknown badge 999" in err and "Nothing was imported" in err
    assert run(cli_settings, "areas", "show") == 0
    assert "No areas yet" in capsys.readouterr().out
    assert run(cli_settings, "areas", "import", str(tmp_path / "missing.yaml")) == 2


def test_staff_invite_prints_code_link_and_local_expiry(
    cli_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    run(cli_settings, "areas", "import", str(SAMPLE))
    capsys.readouterr()
    assert run(cli_settings, "staff", "invite", "--name", "张磊", "--role", "officer", "--badge", "051101") == 0
    out = capsys.readouterr().out
    code = re.search(r"Code:\s+(\S+)", out)
    assert code is not None
    assert f"https://t.me/jm_station_bot?start=staff_{code.group(1)}" in out
    assert re.search(r"Expires: \d{4}-\d\d-\d\d \d\d:\d\d \(Asia/Shanghai\)", out)
    assert run(cli_settings, "staff", "list") == 0
    listing = capsys.readouterr().out
    assert re.search(r"051101\s+张磊\s+officer\s+not enrolled\s+areas: YA-YAZ-FS", listing)


def test_staff_invite_refuses_an_unknown_area(cli_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cli_settings, "staff", "invite", "--name", "张磊", "--role", "officer", "--area", "NOPE") == 2
    assert "no area with code 'NOPE'" in capsys.readouterr().err


def test_staff_role_changes_the_role_and_says_what_follows(
    cli_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    run(cli_settings, "areas", "import", str(SAMPLE))
    capsys.readouterr()
    assert run(cli_settings, "staff", "role", "051101", "supervisor") == 0
    out = capsys.readouterr().out
    assert "张磊 (051101): officer -> supervisor" in out and "not enrolled yet" in out
    assert run(cli_settings, "staff", "role", "051101", "supervisor") == 0
    assert "already supervisor; nothing changed" in capsys.readouterr().out
    assert run(cli_settings, "staff", "role", "999999", "officer") == 2
    assert "no active staff member with badge '999999'" in capsys.readouterr().err
