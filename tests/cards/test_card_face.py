"""The printed sheet as a resident holds it: each 回音卡 and its 警民联系卡, read back off the PDF.

pdfinfo gives the page size, pdftotext reads each card's rectangle on its own (crop -x -y -W -H in
points at 72 dpi), and a 300 dpi rendering shows the cut marks in the gaps between the cards.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PIL import Image

from core.cards import printing
from core.cards.sheet import CARD_H, CARD_W, MARK, _origin
from core.models import Language
from core.services import Services
from tests.conftest import Station

PROMISE = "您说的每件事都有回音：24 小时内告知由谁办理，办结后次日回访。"
A4_POINTS = (595.28, 841.89)
DPI = 300


def _pdf(folder: Path, pdf: bytes) -> Path:
    path = folder / "face.pdf"
    path.write_bytes(pdf)
    return path


def _info(path: Path) -> dict[str, str]:
    listing = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in listing.splitlines())}


def _text_in(path: Path, page: int, column: int, row: int) -> str:
    """The text inside one card's rectangle, without the spaces and line breaks of its layout."""
    x, y = _origin(column, row)
    top = A4_POINTS[1] - (y + CARD_H)  # pdftotext measures from the top of the page
    crop = ["-x", str(int(x)), "-y", str(int(top)), "-W", str(int(CARD_W)), "-H", str(int(CARD_H))]
    args = ["pdftotext", "-f", str(page), "-l", str(page), "-r", "72", *crop, "-layout", str(path), "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)


async def _sheet(services: Services, station: Station, count: int) -> bytes:
    officer = await printing.officer_by_badge(services, "031001")
    await printing.save_profile(services, officer, "社区民警", "电话 0813-1234567，工作日 8:30–17:30")
    return (await printing.print_sheet(services, officer, count, Language.ZH_HANS)).pdf


async def test_each_echo_card_and_its_contact_card_carry_the_officer_and_the_promise(
    services: Services, station: Station, tmp_path: Path
) -> None:
    path = _pdf(tmp_path, await _sheet(services, station, 7))
    info = _info(path)
    assert info["Pages"] == "2"
    assert info["Page size"].startswith("595.276 x 841.89 pts (A4)")
    for number in range(1, 8):
        page, row = 1 + (number - 1) // 5, (number - 1) % 5
        echo, contact = _text_in(path, page, 0, row), _text_in(path, page, 1, row)
        card = f"XF-HY-{number:06d}"
        assert "警民联心回音卡" in echo and "西丰派出所" in echo and f"卡号{card}" in echo
        assert "社区民警王建国·警号031001" in echo and "联系方式：电话0813-1234567，工作日8:30–17:30" in echo
        assert PROMISE.replace(" ", "") in echo and "扫码回音" in echo
        assert "警民联系卡" in contact and "联心回音卡" not in contact.replace(f"卡号{card}的回音卡", "")
        assert "王建国" in contact and "社区民警·警号031001" in contact
        assert "电话0813-1234567" in contact and "服务承诺：" + PROMISE.replace(" ", "") in contact
        assert f"与卡号{card}的回音卡一同发放" in contact
    # Page 2 holds the last two pairs; the rest of it is blank.
    assert _text_in(path, 2, 0, 2) == "" and _text_in(path, 2, 1, 2) == ""
    assert re.findall(r"XF-HY-\d{6}", _text_in(path, 1, 0, 4) + _text_in(path, 1, 1, 4)) == ["XF-HY-000005"] * 2


async def test_every_card_has_its_cut_marks_in_the_gaps(services: Services, station: Station, tmp_path: Path) -> None:
    path = _pdf(tmp_path, await _sheet(services, station, 5))
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True
    )
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    gray, width, px = image.tobytes(), image.width, DPI / 72

    def darkest(x: float, y: float, across_x: bool) -> int:
        """The darkest pixel within 2 pt across a hairline at (x, y) in PDF points."""
        cx, cy = round(x * px), round((A4_POINTS[1] - y) * px)
        span = range(-round(2 * px), round(2 * px) + 1)
        return min(gray[(cy * width + cx + d) if across_x else ((cy + d) * width + cx)] for d in span)

    one_mm = 72 / 25.4
    for row in range(5):
        for column in range(2):
            x, y = _origin(column, row)
            for cx, dx in ((x, -1), (x + CARD_W, 1)):
                for cy, dy in ((y, -1), (y + CARD_H, 1)):
                    # The horizontal mark continues the card's edge beyond the corner, 1 mm off it.
                    mark_x = cx + dx * (one_mm + MARK / 2)
                    assert darkest(mark_x, cy, across_x=False) < 160, (row, column, cx, cy)
                    mark_y = cy + dy * (one_mm + MARK / 2)
                    assert darkest(cx, mark_y, across_x=True) < 160, (row, column, cx, cy)
                    # The corner itself stays white: marks are outside the card, not a frame around it.
                    assert darkest(cx + dx * 0.5 * one_mm, cy + dy * 0.5 * one_mm, across_x=True) > 240
    # Beyond the marks, the page margin is blank.
    left, bottom = _origin(0, 4)
    assert darkest(left - one_mm - MARK - 3 * one_mm, bottom, across_x=False) > 240
