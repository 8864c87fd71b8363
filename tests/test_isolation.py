"""The suite runs the same on every machine: a developer's `.env` or JINGMIN_* variables change nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import load_settings


def test_the_suite_ignores_a_developers_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `.env` beside the tests (as the README tells users to make) changes nothing in the suite."""
    (tmp_path / ".env").write_text("JINGMIN_TIMEZONE=Europe/Berlin\nJINGMIN_DAILY_CASE_LIMIT=1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.timezone == "Asia/Shanghai"
    assert settings.daily_case_limit == 5


def test_no_jingmin_variable_of_the_developer_reaches_the_tests() -> None:
    assert {name for name in os.environ if name.startswith("JINGMIN_")} == {"JINGMIN_ENV_FILE"}
    assert os.environ["JINGMIN_ENV_FILE"] == ""
