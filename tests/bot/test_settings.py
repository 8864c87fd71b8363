"""Settings: defaults, .env files, and one clear line for a bad key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("JINGMIN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_the_embedded_station() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///jingmin.db"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.mode == "polling"
    assert settings.daily_case_limit == 5
    assert settings.quiet_hours == "21:30-08:00"


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


def test_start_up_stops_with_one_line_on_a_bad_setting(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "JINGMIN_TIMEZONE": "Nowhere/Town"}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == "jingmin: bad setting: JINGMIN_TIMEZONE: unknown time zone 'Nowhere/Town'"
