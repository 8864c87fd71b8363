"""/cards and `jingmin cards print`: an A4 sheet with the Chinese font embedded and QR codes that read."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cards_cli import add_cards_commands
from bot.settings import Settings
from core.services import Services
from storage import cards as card_repo
from tests.cards.sheets import all_cards, decode, embedded_fonts, page_count
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.officer.desk import alert_text, grant, make_resident


async def test_an_officer_prints_cards_in_the_bot(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    officer = station.officer
    await bot.send(officer, "/cards")
    assert "职务" in request_log.last(officer.id).text
    await bot.send(officer, "社区民警")
    assert "联系" in request_log.last(officer.id).text
    await bot.send(officer, "电话 0813-1234567，工作日 8:30–17:30")
    screen = request_log.last(officer.id)
    assert "社区民警" in screen.text and "0813-1234567" in screen.text
    await bot.press(officer, "20")
    sent = request_log.last(officer.id)
    assert sent.document and sent.filename and sent.filename.endswith(".pdf") and sent.content
    assert "XF-HY-000001" in sent.text and "XF-HY-000020" in sent.text and "警民联系卡" in sent.text
    assert page_count(sent.content, tmp_path) == 4  # five pairs a page
    links = decode(sent.content, tmp_path)
    assert len(set(links)) == 20
    fonts = embedded_fonts(sent.content, tmp_path)
    assert fonts and all(row[-5] == "yes" for row in fonts)  # every font embedded (emb column)
    assert [c.officer_id for c in await all_cards(services)] == [station.staff_ids["officer"]] * 20
    async with services.db.read() as conn:
        profile = await card_repo.profile(conn, station.staff_ids["officer"])
    assert profile is not None and profile.title == "社区民警"

    # The next time, the kept title and contact are offered at once.
    await bot.send(officer, "/cards")
    assert "0813-1234567" in request_log.last(officer.id).text


async def test_a_resident_cannot_open_cards_or_press_its_buttons(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    resident = station.resident
    await make_resident(services, resident, station.area_ids["village"])
    await bot.send(resident, "/cards")
    assert "工作人员" in request_log.last(resident.id).text
    card_screen = request_log.last(resident.id)
    for action, payload in (("cards_print", {"count": 10}), ("cards_profile", {})):
        data = await grant(services, resident, action, payload)
        await bot.press_data(resident, data, card_screen)
        assert "工作人员" in (alert_text(request_log) or "")
    assert await all_cards(services) == []
    assert not any(sent.document for sent in request_log.messages(resident.id))


def test_the_cli_prints_a_sheet_for_a_badge(
    settings: Settings, station: Station, tmp_path: Path, capsys: object
) -> None:
    parser = argparse.ArgumentParser(prog="jingmin")
    add_cards_commands(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / "cards.pdf"
    argv = ["cards", "print", "--officer", "031002", "--count", "12", "--out", str(out)]
    args = parser.parse_args([*argv, "--title", "警务室民警", "--contact", "电话 0813-7654321"])
    assert asyncio.run(args.func(args, settings)) == 0
    pdf = out.read_bytes()
    assert page_count(pdf, tmp_path) == 3
    assert len(set(decode(pdf, tmp_path))) == 12
    unknown = parser.parse_args(["cards", "print", "--officer", "999999", "--count", "1", "--out", str(out)])
    assert asyncio.run(unknown.func(unknown, settings)) == 2
