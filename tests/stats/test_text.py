"""The texts of /stats, the weekly caption and /stats help, in Chinese and English."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core.i18n import catalogue
from core.models import Language
from core.stats.figures import Counts, Durations, Figures, Followups
from core.stats.periods import Period, PeriodKey
from core.stats.texts import (
    HELP_LINES,
    duration,
    help_text,
    percent,
    period_label,
    stats_keyboard,
    stats_text,
    summary_text,
)

MARCH = Period(PeriodKey.LAST_MONTH, date(2025, 3, 1), date(2025, 3, 31))
FULL = Figures(
    counts=Counts(
        received=120,
        withdrawn=2,
        withdrawn_unacknowledged=1,
        rejected=3,
        acknowledged_on_time=110,
        completed=100,
        resolved=100,
        resolved_on_time=93,
        closed_no_feedback=7,
        disputes=30,
        disputes_resolved=27,
        reopened=4,
    ),
    by_kind={"dispute": 30, "inquiry": 60, "help": 20, "consultation": 10},
    by_category={"public_security": 50, "household_id": 70},
    followups=Followups(asked=90, answered=70, satisfied=50, basically=15, unsatisfied=5),
    consultations_held=8,
    consultations_no_show=1,
    time_to_acknowledge=Durations(110, timedelta(hours=2, minutes=30), timedelta(hours=20)),
    time_to_resolve=Durations(100, timedelta(days=3), timedelta(days=11, hours=12)),
)


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_the_chinese_text_reads_like_a_report() -> None:
    text = stats_text(Language.ZH_HANS, FULL, MARCH, "东城街道")
    assert "上月（2025-03-01 至 2025-03-31）" in text
    assert "范围：东城街道" in text
    assert "受理告知率：92.4%（110/119）" in text
    assert "办结率：87.0%（100/115）" in text
    assert "按时办结率：93.0%（93/100）" in text
    assert "满意率：92.9%（65/70）" in text
    assert "参评率：77.8%（70/90）" in text
    assert "矛盾纠纷化解率：90.0%（27/30）" in text
    assert "受理用时：中位数 2.5 小时，90% 在 20.0 小时以内" in text
    assert "办结用时：中位数 3.0 天，90% 在 11.5 天以内" in text
    assert "咨询 60" in text  # kinds by count, with their Chinese names
    assert "视频约访：10 件（已约访 8，群众未到场 1）" in text
    assert "无反馈结案：7 件" in text


def test_no_cases_shows_dashes_not_zero_percent() -> None:
    for lang in Language:
        text = stats_text(lang, Figures(), MARCH, "x")
        assert "%" not in plain(text).replace("90%", "")
        assert text.count("—") >= 8
    assert "本时段未收到诉求" in stats_text(Language.ZH_HANS, Figures(), MARCH, "全所")


def test_names_are_escaped() -> None:
    text = stats_text(Language.EN, FULL, MARCH, "<b>Area & Co</b>")
    assert "&lt;b&gt;Area &amp; Co&lt;/b&gt;" in text


def test_english() -> None:
    text = stats_text(Language.EN, FULL, MARCH, "Whole station")
    assert "Response rate: 92.4% (110/119)" in text
    assert "Time to resolve: median 3.0 d, 90% within 11.5 d" in text


@pytest.mark.parametrize("lang", list(Language))
def test_the_weekly_caption_fits_a_photo(lang: Language) -> None:
    text = summary_text(lang, FULL, MARCH, "西丰派出所东城街道幸福里社区")
    assert len(plain(text)) < 1024  # Telegram's caption limit counts the text without tags


def test_durations_and_percentages() -> None:
    zh = Language.ZH_HANS
    assert duration(zh, None) == "—"
    assert duration(zh, timedelta(minutes=42)) == "42 分钟"
    assert duration(zh, timedelta(hours=30)) == "30.0 小时"
    assert duration(zh, timedelta(days=5)) == "5.0 天"
    assert percent(zh, 0, 0) == "—"
    assert percent(Language.EN, 1, 3) == "33.3% (1/3)"


def test_single_day_and_custom_labels() -> None:
    day = Period(PeriodKey.CUSTOM, date(2025, 3, 5), date(2025, 3, 5))
    assert period_label(Language.EN, day) == "2025-03-05"
    assert period_label(Language.ZH_HANT, MARCH).startswith("上月")


@pytest.mark.parametrize("lang", list(Language))
def test_help_has_every_definition_translated(lang: Language) -> None:
    text = help_text(lang, "2026-11-01 2026-11-23")
    assert "<code>/stats 2026-11-01 2026-11-23</code>" in text
    for line in HELP_LINES:
        assert line in catalogue(lang)
    if lang is Language.ZH_HANS:
        for term in ("受理告知率", "办结率", "按时办结率", "满意率", "参评率", "化解率", "登记时间"):
            assert term in text


def test_keyboard_for_leaders_and_for_own_figures() -> None:
    board = stats_keyboard(Language.ZH_HANS, MARCH, None, None, own=False, can_export=True)
    labels = [b.label for row in board for b in row]
    assert {"本周", "本月", "上月", "今年", "按辖区", "按民警", "导出台账", "指标口径"} <= {
        label.removeprefix("· ") for label in labels
    }
    own = stats_keyboard(Language.ZH_HANS, MARCH, None, None, own=True, can_export=True)
    own_labels = [b.label for row in own for b in row]
    assert "按辖区" not in own_labels
    assert "导出台账" not in own_labels
    assert all(b.payload.get("own") for row in own for b in row if b.action == "stats_period")


def test_other_dates_button_keeps_the_screen() -> None:
    board = stats_keyboard(Language.ZH_HANS, MARCH, 5, 7, own=False, can_export=True)
    (button,) = [b for row in board for b in row if b.action == "stats_dates"]
    assert button.label == "📅 其他日期"
    assert (button.payload["area"], button.payload["officer"], button.payload["own"]) == (5, 7, False)
    own = stats_keyboard(Language.EN, MARCH, None, None, own=True, can_export=False)
    assert [b.label for row in own for b in row if b.action == "stats_dates"] == ["📅 Other dates"]
    custom = Period(PeriodKey.CUSTOM, date(2025, 3, 5), date(2025, 3, 9))
    marked = stats_keyboard(Language.ZH_HANT, custom, None, None, own=False, can_export=True)
    assert "· 📅 其他日期" in [b.label for row in marked for b in row]
