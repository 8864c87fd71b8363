"""The printable A4 sheet of 回音卡 and 警民联系卡: five pairs a page, cut marks, QR codes as vectors.

Each row of a page is one pair handed out together (seed 003): on the left the numbered 回音卡 with
its QR code, on the right the officer's 警民联系卡 (name, title, how to reach them, the service
promise), marked with the number of the 回音卡 it goes with.

The Chinese font is embedded (subset) in the PDF, so the sheet prints the same on any machine.
ReportLab embeds TrueType outlines only; Noto CJK (fonts-noto-cjk) has CFF outlines, so the
default is WenQuanYi Zen Hei (Debian's fonts-wqy-zenhei), or any TrueType font named by
JINGMIN_CARD_FONT.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
COLUMNS, ROWS = 2, 5  # column 0: the 回音卡, column 1: its 警民联系卡
CARD_W, CARD_H = 85 * mm, 50 * mm
GAP_X, GAP_Y = 8 * mm, 5 * mm
MARK = 3 * mm  # the length of a cut mark, drawn outside the card's corner
QR_SIZE = 30 * mm
PER_PAGE = ROWS  # pairs of cards a page


class FontMissing(Exception):
    """No TrueType Chinese font to embed; the message says what to install."""


@dataclass(frozen=True, slots=True)
class CardFace:
    """What one card shows; every label already in the reader's language."""

    title: str  # 警民联心回音卡
    station: str
    number_line: str  # 编号 XF-HY-000001
    officer_line: str  # 民警 王建国 · 社区民警
    contact_line: str
    promise: str
    scan_hint: str  # under the QR code
    link: str
    contact_title: str  # 警民联系卡
    officer_name: str
    officer_title: str  # 社区民警
    promise_label: str  # 服务承诺
    pair_line: str  # 与回音卡 XF-HY-000001 一同发放


def find_font(configured: str = "") -> Path:
    """The font file to embed: the configured one, else the first installed candidate."""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontMissing(f"JINGMIN_CARD_FONT: no font file at {configured}")
        return path
    for path in FONT_CANDIDATES:
        if path.is_file():
            return path
    raise FontMissing(
        "no TrueType Chinese font for the cards: install Debian's fonts-wqy-zenhei or set JINGMIN_CARD_FONT"
    )


@cache
def _font_name(path: Path) -> str:
    """Registers the font once per process (reading a CJK font takes a while) and names it."""
    name = f"CardFont{len(pdfmetrics.getRegisteredFontNames())}"
    pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    return name


def render(faces: Sequence[CardFace], font: Path) -> bytes:
    """The PDF: as many pages as the cards need, five pairs (回音卡 and 警民联系卡) a page."""
    name = _font_name(font)
    out = io.BytesIO()
    # The initial font is ours, else every page would name Helvetica, unembedded (the stub's type is wrong).
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=name, initialFontSize=9)  # type: ignore[arg-type]
    canvas.setTitle(faces[0].title if faces else "")
    for start in range(0, len(faces), PER_PAGE):
        for row, face in enumerate(faces[start : start + PER_PAGE]):
            x, y = _origin(0, row)
            _cut_marks(canvas, x, y)
            _card(canvas, name, face, x, y)
            x, y = _origin(1, row)
            _cut_marks(canvas, x, y)
            _contact_card(canvas, name, face, x, y)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _origin(column: int, row: int) -> tuple[float, float]:
    """The lower left corner of a card; the grid is centred on the page."""
    page_w, page_h = A4
    grid_w = COLUMNS * CARD_W + (COLUMNS - 1) * GAP_X
    grid_h = ROWS * CARD_H + (ROWS - 1) * GAP_Y
    left = (page_w - grid_w) / 2
    top = (page_h + grid_h) / 2
    return left + column * (CARD_W + GAP_X), top - (row + 1) * CARD_H - row * GAP_Y


def _cut_marks(canvas: Canvas, x: float, y: float) -> None:
    """Short hairlines continuing each edge beyond the corners, in the gap between cards."""
    canvas.setLineWidth(0.3)
    canvas.setStrokeGray(0.4)
    for cx, dx in ((x, -1), (x + CARD_W, 1)):
        for cy, dy in ((y, -1), (y + CARD_H, 1)):
            canvas.line(cx + dx * 1 * mm, cy, cx + dx * (1 * mm + MARK), cy)
            canvas.line(cx, cy + dy * 1 * mm, cx, cy + dy * (1 * mm + MARK))


def _heading(canvas: Canvas, font: str, title: str, station: str, x: float, top: float) -> None:
    """Both cards' heading: the card's title and, smaller, the station under it."""
    canvas.setFont(font, 11)
    canvas.drawString(x, top - 11, title)
    canvas.setFont(font, 7)
    canvas.drawString(x, top - 21, station)


def _card(canvas: Canvas, font: str, face: CardFace, x: float, y: float) -> None:
    pad = 4 * mm
    text_w = CARD_W - QR_SIZE - 3 * pad
    canvas.setFillGray(0)
    top = y + CARD_H - pad
    _heading(canvas, font, face.title, face.station, x + pad, top)
    canvas.setFont(font, 9)
    canvas.drawString(x + pad, top - 33, face.number_line)
    canvas.setFont(font, 7.5)
    line_y = top - 45
    for text in (face.officer_line, face.contact_line):
        for part in _wrap(text, font, 7.5, text_w)[:2]:
            canvas.drawString(x + pad, line_y, part)
            line_y -= 9.5
    canvas.setFont(font, 6.5)
    canvas.setFillGray(0.25)
    for part in _wrap(face.promise, font, 6.5, text_w)[:4]:
        canvas.drawString(x + pad, line_y, part)
        line_y -= 8
    canvas.setFillGray(0)
    qr_x, qr_y = x + CARD_W - pad - QR_SIZE, y + CARD_H - pad - QR_SIZE
    _qr(canvas, face.link, qr_x, qr_y)
    canvas.setFont(font, 6.5)
    canvas.drawCentredString(qr_x + QR_SIZE / 2, qr_y - 8, face.scan_hint)


def _contact_card(canvas: Canvas, font: str, face: CardFace, x: float, y: float) -> None:
    """The 警民联系卡: who the officer is and how to reach them, the promise, and its 回音卡's number."""
    pad = 4 * mm
    text_w = CARD_W - 2 * pad
    canvas.setFillGray(0)
    top = y + CARD_H - pad
    _heading(canvas, font, face.contact_title, face.station, x + pad, top)
    canvas.setFont(font, 13)
    canvas.drawString(x + pad, top - 37, face.officer_name)
    canvas.setFont(font, 8)
    canvas.drawString(
        x + pad + pdfmetrics.stringWidth(face.officer_name, font, 13) + 3 * mm, top - 37, face.officer_title
    )
    line_y = top - 50
    for part in _wrap(face.contact_line, font, 8, text_w)[:2]:
        canvas.drawString(x + pad, line_y, part)
        line_y -= 10
    canvas.setFont(font, 6.5)
    canvas.setFillGray(0.25)
    for part in _wrap(face.promise_label + face.promise, font, 6.5, text_w)[:3]:
        canvas.drawString(x + pad, line_y, part)
        line_y -= 8
    canvas.setFillGray(0)
    canvas.setFont(font, 6.5)
    canvas.drawString(x + pad, y + pad, face.pair_line)


def _qr(canvas: Canvas, link: str, x: float, y: float) -> None:
    """The QR code as filled rectangles, one per run of dark modules in a row (crisp at any size)."""
    code = segno.make(link, error="m", micro=False)
    matrix = [list(row) for row in code.matrix]
    quiet = 4  # the quiet zone the standard asks for, in modules, inside QR_SIZE
    module = QR_SIZE / (len(matrix) + 2 * quiet)
    canvas.setFillGray(0)
    for r, cells in enumerate(matrix):
        top = y + QR_SIZE - (r + quiet) * module
        c = 0
        while c < len(cells):
            if not cells[c]:
                c += 1
                continue
            run = c
            while run < len(cells) and cells[run]:
                run += 1
            canvas.rect(x + (c + quiet) * module, top - module, (run - c) * module, module, stroke=0, fill=1)
            c = run


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width`; Chinese breaks anywhere, Latin words stay whole."""
    lines: list[str] = []
    current = ""
    for token in _tokens(text):
        candidate = current + token
        if current and pdfmetrics.stringWidth(candidate, font, size) > width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current = candidate
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Words of Latin text (with their space), single characters otherwise."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char.isascii() and not char.isspace():
            word += char
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(char)
    if word:
        tokens.append(word)
    return tokens
