"""The weekly chart is a real PNG of the promised size, drawn with a CJK font."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from core.models import Language
from core.stats.chart import HEIGHT_PX, WIDTH_PX, cjk_family, weekly_chart
from core.stats.figures import Counts, Followups, WeekPoint


def weeks(n: int) -> list[WeekPoint]:
    return [
        WeekPoint(
            date(2025, 1, 6) + timedelta(days=7 * i),
            Counts(received=10 + i, acknowledged_on_time=9, completed=8),
            Followups(asked=5, answered=4, satisfied=3, basically=1),
        )
        for i in range(n)
    ]


def test_the_font_is_found_by_family_name() -> None:
    assert cjk_family().startswith("Noto Sans CJK")


@pytest.mark.parametrize(("lang", "n"), [(Language.ZH_HANS, 5), (Language.ZH_HANT, 53), (Language.EN, 1)])
def test_png_of_the_expected_size(lang: Language, n: int) -> None:
    png = weekly_chart(lang, weeks(n), "2025年第一季度 · 东城街道")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (WIDTH_PX, HEIGHT_PX)


def test_empty_weeks_draw_without_rates() -> None:
    # No cases at all: every rate is undefined (drawn as gaps), and nothing warns or fails.
    png = weekly_chart(Language.ZH_HANS, [WeekPoint(date(2025, 1, 6))], "空")
    assert Image.open(io.BytesIO(png)).size == (WIDTH_PX, HEIGHT_PX)


def test_daily_buckets_for_the_weekly_report() -> None:
    png = weekly_chart(Language.ZH_HANS, weeks(7), "上周", daily=True)
    assert Image.open(io.BytesIO(png)).size == (WIDTH_PX, HEIGHT_PX)
