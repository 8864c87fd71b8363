"""`jingmin demo seed` and `jingmin export ledger`, through their argparse sub-commands."""

from __future__ import annotations

import argparse
import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.export_cli import add_demo_commands, add_export_commands
from bot.settings import Settings, load_settings
from storage.db import Database
from storage.schema import areas, audit_log, cases, staff

# The demo seed writes the days before today (system clock); this window holds them all.
FIRST, LAST = (date.today() - timedelta(days=90)).isoformat(), (date.today() + timedelta(days=1)).isoformat()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="jingmin")
    commands = root.add_subparsers(dest="command", required=True)
    add_export_commands(commands)
    add_demo_commands(commands)
    return root


async def run(settings: Settings, *argv: str) -> int:
    args = parser().parse_args(list(argv))
    code: int = await args.func(args, settings)
    return code


@pytest.fixture
def cli_settings(tmp_path: Path) -> Settings:
    return load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", station_code="XF")


async def rows_of(settings: Settings, query: sa.Select[Any]) -> list[sa.Row[Any]]:
    db = Database(settings.database_url)
    try:
        async with db.read() as conn:
            return list(await conn.execute(query))
    finally:
        await db.close()


async def test_seed_then_export(cli_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(cli_settings, "demo", "seed", "--cases", "300", "--days", "60", "--seed", "2") == 0
    assert "seeded" in capsys.readouterr().out
    (count,) = (await rows_of(cli_settings, sa.select(sa.func.count()).select_from(cases)))[0]
    assert count == 300
    numbers = await rows_of(cli_settings, sa.select(cases.c.number).limit(1))
    assert str(numbers[0][0]).startswith("XF-")  # the station's own code

    town = (await rows_of(cli_settings, sa.select(areas.c.code).where(areas.c.level == "town").limit(1)))[0][0]
    out = tmp_path / "ledger.csv"
    code = await run(
        cli_settings,
        "export",
        "ledger",
        "--from",
        FIRST,
        "--to",
        LAST,
        "--area",
        str(town),
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert code == 0
    assert "wrote" in capsys.readouterr().out
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0][0] == "编号"
    assert 0 < len(table) - 1 < 300  # one town of six
    assert "联系电话" not in table[0]
    assert await rows_of(cli_settings, sa.select(audit_log)) == []


def export_with_contacts(out: Path, *extra: str) -> list[str]:
    return ["export", "ledger", "--from", FIRST, "--to", LAST, "--out", str(out), "--with-contacts", *extra]


async def test_contacts_are_audit_logged(
    cli_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run(cli_settings, "demo", "seed", "--cases", "50", "--days", "30") == 0
    (admin,) = await rows_of(cli_settings, sa.select(staff.c.id, staff.c.badge).where(staff.c.role == "admin"))
    out = tmp_path / "ledger.xlsx"
    capsys.readouterr()
    assert await run(cli_settings, *export_with_contacts(out, "--admin", admin.badge, "--language", "en")) == 0
    assert out.stat().st_size > 0
    assert "with contacts (audit-logged for" in capsys.readouterr().out
    (entry,) = await rows_of(cli_settings, sa.select(audit_log))
    assert entry.action == "export_contacts"
    assert entry.staff_id == admin.id
    assert str(entry.actor).startswith("cli:")


async def test_contacts_only_for_an_active_admin(
    cli_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run(cli_settings, "demo", "seed", "--cases", "20", "--days", "10") == 0
    badges = {
        row.role: row.badge
        for row in await rows_of(cli_settings, sa.select(staff.c.role, staff.c.badge).order_by(staff.c.id.desc()))
    }
    out = tmp_path / "ledger.csv"
    capsys.readouterr()
    attempts = [
        ((), "--with-contacts needs --admin BADGE"),
        (("--admin", badges["leader"]), "not the badge of an active administrator"),
        (("--admin", "NOBODY"), "'NOBODY' is not the badge of an active administrator"),
    ]
    for extra, reason in attempts:
        assert await run(cli_settings, *export_with_contacts(out, "--format", "csv", *extra)) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err  # one line
        assert reason in err
    # An administrator who has left is refused too.
    db = Database(cli_settings.database_url)
    try:
        async with db.write() as conn:
            await conn.execute(staff.update().where(staff.c.badge == badges["admin"]).values(active=False))
    finally:
        await db.close()
    assert await run(cli_settings, *export_with_contacts(out, "--admin", badges["admin"])) == 2
    assert "not the badge of an active administrator" in capsys.readouterr().err
    assert not out.exists()
    assert await rows_of(cli_settings, sa.select(audit_log)) == []


async def test_mistakes_are_explained(
    cli_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "x.csv")
    assert await run(cli_settings, "export", "ledger", "--from", "2025-13-01", "--to", "2025-01-01", "--out", out) == 2
    assert "2025-03-01" in capsys.readouterr().err
    assert (
        await run(
            cli_settings,
            "export",
            "ledger",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-31",
            "--area",
            "NOPE",
            "--out",
            out,
        )
        == 2
    )
    assert "NOPE" in capsys.readouterr().err
    assert await run(cli_settings, "demo", "seed", "--cases", "5", "--days", "5") == 0
    assert await run(cli_settings, "demo", "seed", "--cases", "5", "--days", "5") == 2
    refused = capsys.readouterr().err
    assert "not empty" in refused and "jingmin sandbox --cases N" in refused  # where a demo gets its cases
