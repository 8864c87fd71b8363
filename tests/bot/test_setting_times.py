"""Times of day in the settings: read once at start-up into times, a bad one stops start-up with one line."""

from __future__ import annotations

import subprocess
import sys
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import station_config
from bot.settings import SettingsError, load_settings
from core.visits.model import NightWindows

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_defaults_are_times() -> None:
    settings = load_settings()
    assert settings.quiet_hours == (time(21, 30), time(8, 0))
    assert (settings.followup_time, settings.digest_time) == (time(10, 0), time(8, 30))
    assert (settings.weekly_report_time, settings.followup_report_time) == (time(9, 0), time(8, 30))
    assert settings.night_visit_windows == NightWindows((0, 2, 4), time(20, 0), time(21, 0))


def test_the_station_reads_the_times_it_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JINGMIN_QUIET_HOURS", "22:00-07:30")
    monkeypatch.setenv("JINGMIN_FOLLOWUP_TIME", "14:15")
    monkeypatch.setenv("JINGMIN_DIGEST_TIME", "07:45")
    monkeypatch.setenv("JINGMIN_WEEKLY_REPORT_TIME", "16:00")
    monkeypatch.setenv("JINGMIN_FOLLOWUP_REPORT_TIME", "09:10:00")
    monkeypatch.setenv("JINGMIN_NIGHT_VISIT_WINDOWS", "Sat, sun 19:00 - 20:30")
    config = station_config(load_settings())
    assert (config.quiet_start, config.quiet_end) == (time(22, 0), time(7, 30))
    assert config.followup_time == time(14, 15) and config.digest_time == time(7, 45)
    assert config.weekly_report_time == time(16, 0) and config.followup_report_time == time(9, 10)
    assert config.night_visits == NightWindows((5, 6), time(19, 0), time(20, 30))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("21:30-08:00", time(21, 30), time(8, 0)),
        (" 09:00 - 17:30 ", time(9, 0), time(17, 30)),
        ("00:00-00:00", time(0, 0), time(0, 0)),
    ],
)
def test_quiet_hours_are_a_window(text: str, start: time, end: time) -> None:
    quiet = load_settings(quiet_hours=text).quiet_window()
    assert (quiet.start, quiet.end, quiet.tz) == (start, end, SHANGHAI)
    assert quiet.enabled is (start != end)


@pytest.mark.parametrize("text", ["21:30", "21.30-08.00", "", "25:00-08:00", "21:30-08:60", "9:00-17:00"])
def test_a_bad_quiet_window_names_the_key_and_the_form(text: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(quiet_hours=text)
    assert str(caught.value) == (
        f"JINGMIN_QUIET_HOURS: {text!r} is not a window like 21:30-08:00; write it like JINGMIN_QUIET_HOURS=21:30-08:00"
    )


@pytest.mark.parametrize("text", ["8:30", "08:30+08:00", "08:30Z", "08:30:15", "24:00", "half past eight", ""])
def test_a_bad_time_of_day_names_the_key_and_the_form(text: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(digest_time=text)
    assert str(caught.value) == (
        f"JINGMIN_DIGEST_TIME: {text!r} is not a time of day like 09:30; write it like JINGMIN_DIGEST_TIME=08:30"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Funday 20:00-21:00", "unknown weekday(s) ['fun'] in 'Funday 20:00-21:00'; use Mon … Sun"),
        ("Mon 21:00-20:00", "the window in 'Mon 21:00-20:00' must end after it starts"),
        ("Mon,Wed 8pm-9pm", "'Mon,Wed 8pm-9pm' is not like 'Mon,Wed,Fri 20:00-21:00'"),
        ("20:00-21:00", "'20:00-21:00' is not like 'Mon,Wed,Fri 20:00-21:00'"),
    ],
)
def test_a_bad_night_visit_window_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(night_visit_windows=text)
    assert str(caught.value).startswith(f"JINGMIN_NIGHT_VISIT_WINDOWS: {message}")


def test_settings_read_again_from_their_own_values_stay_the_same() -> None:
    """The sandbox builds its settings from the base settings' values (sandbox/station.py)."""
    settings = load_settings(quiet_hours="23:00-06:00", digest_time="07:00", night_visit_windows="Tue 19:30-21:00")
    again = load_settings(**settings.model_dump())
    assert again.quiet_hours == (time(23, 0), time(6, 0)) and again.digest_time == time(7, 0)
    assert again.night_visit_windows == NightWindows((1,), time(19, 30), time(21, 0))


def test_start_up_stops_with_one_line_on_a_bad_time(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "JINGMIN_FOLLOWUP_TIME": "10.00",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "jingmin: bad setting: JINGMIN_FOLLOWUP_TIME: '10.00' is not a time of day like 09:30; "
        "write it like JINGMIN_FOLLOWUP_TIME=10:00"
    )
