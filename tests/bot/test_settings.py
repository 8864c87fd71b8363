"""Settings: defaults, .env files, and one clear line for a bad key."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import Field

from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("JINGMIN_"):  # JINGMIN_ENV_FILE too: these tests read a .env in their own folder
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_the_embedded_station() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///jingmin.db"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.mode == "polling"
    assert settings.daily_case_limit == 5
    assert str(settings.quiet_window()) == "21:30-08:00"


def test_dotenv_file_is_read_and_the_token_stays_secret(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("JINGMIN_TOKEN=123456:ABCDEF\nJINGMIN_STATION_CODE=XF\n", encoding="utf-8")
    settings = load_settings()
    assert settings.station_code == "XF"
    assert settings.token.get_secret_value() == "123456:ABCDEF"
    assert "ABCDEF" not in repr(settings)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("JINGMIN_TIMEZONE", "Mars/Olympus", "JINGMIN_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        ("JINGMIN_DAILY_CASE_LIMIT", "many", "JINGMIN_DAILY_CASE_LIMIT"),
        ("JINGMIN_QUIET_HOURS", "22-7", "JINGMIN_QUIET_HOURS: '22-7' is not a window like 21:30-08:00"),
        ("JINGMIN_RESOLVE_WORKDAYS", '{"robbery": 3}', "unknown kind(s) ['robbery']"),
        ("JINGMIN_VISIT_DAYS", "[0]", "JINGMIN_VISIT_DAYS"),
        ("JINGMIN_SEND_RATE_BULK", "29", "JINGMIN_SEND_RATE_BULK: must be at most JINGMIN_SEND_RATE_GLOBAL (28)"),
        ("JINGMIN_SEND_RATE_GLOBAL", "31", "JINGMIN_SEND_RATE_GLOBAL"),
    ],
)
def test_a_bad_setting_names_the_key_and_the_problem(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str, message: str
) -> None:
    monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert message in str(caught.value)


def test_webhook_mode_needs_a_url_and_a_long_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JINGMIN_MODE", "webhook")
    monkeypatch.setenv("JINGMIN_WEBHOOK_URL", "https://bot.example.cn/hook")
    monkeypatch.setenv("JINGMIN_WEBHOOK_SECRET", "short")
    with pytest.raises(SettingsError, match="at least 16 characters"):
        load_settings()


def jingmin(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The `jingmin` command as the station's IT person runs it: a fresh directory, no .env."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_start_up_stops_with_one_line_on_a_bad_setting(tmp_path: Path) -> None:
    result = jingmin(tmp_path, "db", "upgrade", JINGMIN_TIMEZONE="Nowhere/Town")
    assert result.returncode == 2
    assert result.stderr.strip() == "jingmin: bad setting: JINGMIN_TIMEZONE: unknown time zone 'Nowhere/Town'"


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        # Values pydantic-settings reads as JSON: its own error used to end start-up in a traceback.
        (
            ["db", "upgrade"],
            {"JINGMIN_ACK_HOURS": "notjson"},
            "JINGMIN_ACK_HOURS: 'notjson' is not a JSON object of kinds and numbers; "
            'write it like JINGMIN_ACK_HOURS={"help": 12, "dispute": 24}',
        ),
        (
            ["db", "upgrade"],
            {"JINGMIN_VISIT_DAYS": "7,thirty"},
            "JINGMIN_VISIT_DAYS: '7,thirty' is not a list of whole days; write it like JINGMIN_VISIT_DAYS=7,30",
        ),
        (
            ["db", "upgrade"],
            {"JINGMIN_VISIT_DAYS": "[7, 30"},
            "JINGMIN_VISIT_DAYS: '[7, 30' is not a list of days; write it like JINGMIN_VISIT_DAYS=7,30",
        ),
        # A bad value inside the mapping names the key that exists, not JINGMIN_RESOLVE_WORKDAYS_HELP.
        (
            ["db", "upgrade"],
            {"JINGMIN_RESOLVE_WORKDAYS": '{"help": "three"}'},
            "JINGMIN_RESOLVE_WORKDAYS: 'help': Input should be a valid integer, unable to parse string as an "
            'integer; write it like JINGMIN_RESOLVE_WORKDAYS={"help": 3, "dispute": 13}',
        ),
        # A deadline of no time used to pass here and stop the bot later, in a traceback.
        (
            ["db", "upgrade"],
            {"JINGMIN_ACK_HOURS": '{"help": 0}'},
            "JINGMIN_ACK_HOURS: 'help': Input should be greater than 0; "
            'write it like JINGMIN_ACK_HOURS={"help": 12, "dispute": 24}',
        ),
        # --mode is applied where settings are checked, not later inside the running bot.
        (
            ["run", "--mode", "webhook"],
            {"JINGMIN_TOKEN": "123456:ABCDEF"},
            "JINGMIN_WEBHOOK_URL: missing; webhook mode needs the public https:// URL Telegram posts updates to",
        ),
        (
            ["run", "--mode", "webhook"],
            {"JINGMIN_TOKEN": "123456:ABCDEF", "JINGMIN_WEBHOOK_URL": "https://bot.example.cn/hook"},
            "JINGMIN_WEBHOOK_SECRET: must be at least 16 characters in webhook mode",
        ),
        # Against Telegram itself, no token: stop before the first request, not at it.
        (
            ["run"],
            {},
            "JINGMIN_TOKEN: missing; put the token from @BotFather in .env or the environment "
            "(`jingmin sandbox` runs the bot without one)",
        ),
        (["run"], {"JINGMIN_TOKEN": "   "}, "JINGMIN_TOKEN: missing;"),
    ],
)
def test_every_bad_setting_stops_start_up_with_one_line(
    tmp_path: Path, argv: list[str], env: dict[str, str], expected: str
) -> None:
    result = jingmin(tmp_path, *argv, **env)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("jingmin: bad setting: " + expected), lines[0]
    assert not (tmp_path / "jingmin.db").exists()


def test_visit_days_are_written_as_an_it_person_types_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("JINGMIN_VISIT_DAYS=30, 7,14\n", encoding="utf-8")
    assert load_settings().visit_days == [7, 14, 30]
    monkeypatch.setenv("JINGMIN_VISIT_DAYS", "[7, 30]")  # the JSON form still works
    assert load_settings().visit_days == [7, 30]
    monkeypatch.setenv("JINGMIN_VISIT_DAYS", "")  # no repeat visits
    assert load_settings().visit_days == []


def test_a_value_pydantic_settings_cannot_read_still_names_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list or mapping setting added later without its own reader fails in one line too."""
    import bot.settings

    class Later(bot.settings.Settings):
        area_levels: list[int] = Field(default_factory=list)

    monkeypatch.setattr(bot.settings, "Settings", Later)
    monkeypatch.setenv("JINGMIN_AREA_LEVELS", "1,2")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == "JINGMIN_AREA_LEVELS: not valid JSON"


def test_the_sandbox_needs_no_token(tmp_path: Path) -> None:
    """`jingmin sandbox` runs its own Bot API: no token, no traceback, a page to open."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--port", "0"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "JINGMIN_LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        running = ""
        deadline = time.monotonic() + 60
        while "is running" not in running and time.monotonic() < deadline and process.poll() is None:
            running = process.stdout.readline()
        assert "jingmin sandbox is running: open http://" in running
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
    assert "Traceback" not in errors and "JINGMIN_TOKEN" not in errors


def test_the_shipped_env_example_loads_as_written(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings()
    assert settings.visit_days == [7, 30]
    assert settings.resolve_workdays["dispute"] == 13


def test_the_settings_file_is_dot_env_or_the_one_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("JINGMIN_DAILY_CASE_LIMIT=2\n", encoding="utf-8")
    (tmp_path / "station.env").write_text("JINGMIN_DAILY_CASE_LIMIT=3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_settings().daily_case_limit == 2
    monkeypatch.setenv("JINGMIN_ENV_FILE", str(tmp_path / "station.env"))
    assert load_settings().daily_case_limit == 3
