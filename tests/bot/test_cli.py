"""The `jingmin` command: help, migrations, a safe backup of the live database, the outbox report."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("JINGMIN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "db", "staff", "areas", "outbox", "export", "demo", "sandbox"):
        assert f"    {command} " in out


def test_db_upgrade_creates_the_embedded_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    with sqlite3.connect(tmp_path / "jingmin.db") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
    assert {"cases", "case_events", "inbox", "outbox", "dialogs", "residents", "staff", "areas"} <= tables
    assert "database is at revision" in capsys.readouterr().out


def test_backup_copies_a_consistent_database(tmp_path: Path) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["areas", "import", str(Path(__file__).resolve().parents[2] / "core/data/areas.sample.yaml")]) == 0
    assert main(["db", "backup", str(tmp_path / "copy.db")]) == 0
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert copy.execute("select count(*) from areas").fetchone()[0] == 11


def test_outbox_report_on_an_empty_station(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outbox"]) == 0
    assert capsys.readouterr().out.strip()
