"""The weekly chart of /stats and the weekly report: cases received (bars) and rates (lines), as PNG.

Drawn with matplotlib's Agg canvas on a Figure object (no pyplot: no global state, safe to call
from a worker thread). Chinese labels need a CJK font; we look for Noto Sans CJK by family name
and fail with a clear message when it is missing, because matplotlib would otherwise draw empty
boxes and only warn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache

from core.i18n import tp
from core.models import Language
from core.stats.figures import WeekPoint

WIDTH_PX, HEIGHT_PX, DPI = 1200, 700, 100
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Sans CJK HK", "Noto Sans CJK KR")


class FontMissing(RuntimeError):
    """No CJK font is installed: Chinese labels cannot be drawn."""


@cache
def cjk_family() -> str:
    """The family name of an installed Noto Sans CJK font, registering font files found on disk.

    The font may have been installed after matplotlib built its font cache, so when the cache
    does not know it we add the files ourselves.
    """
    # matplotlib is imported on first use: it takes half a second, and most runs never draw.
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in font_manager.findSystemFonts():
        if "NotoSansCJK" in path.replace(" ", "") or "NotoSansSC" in path.replace(" ", ""):
            font_manager.fontManager.addfont(path)
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in (*CJK_FAMILIES, "Noto Sans SC"):
        if family in known:
            return family
    raise FontMissing(
        "No CJK font found for the charts (looked for 'Noto Sans CJK SC/JP'). "
        "Install it, e.g. `apt-get install fonts-noto-cjk`, then restart the bot."
    )


def _rate(value: float | None) -> float:
    return float("nan") if value is None else value * 100


def weekly_chart(lang: Language, weeks: Sequence[WeekPoint], title: str, *, daily: bool = False) -> bytes:
    """A PNG of WIDTH_PX × HEIGHT_PX: received per bucket as bars, three rates as lines (0–100%).

    Buckets are weeks (labelled by their first day), or days when `daily` (the weekly report).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    family = cjk_family()
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    with_font = {"family": family}
    ax = fig.add_subplot(1, 1, 1)
    x = list(range(len(weeks)))
    ticks = [f"{w.first.month}/{w.first.day}" for w in weeks]
    received = [w.counts.received for w in weeks]
    ax.bar(x, received, color="#9ecae1", label=tp(lang, "Cases received"))
    ax.set_ylabel(tp(lang, "Cases"), fontdict=with_font)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max([*received, 1]) * 1.15)
    ax.set_xlabel(tp(lang, "Day") if daily else tp(lang, "Week beginning"), fontdict=with_font)
    step = max(1, len(weeks) // 13)
    ax.set_xticks(x[::step], ticks[::step])
    rates = ax.twinx()
    for label, values, color in (
        (tp(lang, "Response rate"), [_rate(w.response_rate) for w in weeks], "#d62728"),
        (tp(lang, "Completion rate"), [_rate(w.completion_rate) for w in weeks], "#2ca02c"),
        (tp(lang, "Satisfaction rate"), [_rate(w.satisfaction_rate) for w in weeks], "#ff7f0e"),
    ):
        rates.plot(x, values, marker="o", markersize=3, linewidth=2, color=color, label=label)
    rates.set_ylim(0, 105)
    rates.yaxis.set_major_formatter(PercentFormatter(100))
    rates.set_ylabel(tp(lang, "Rate"), fontdict=with_font)
    handles = ax.get_legend_handles_labels()
    more = rates.get_legend_handles_labels()
    fig.legend(
        handles[0] + more[0],
        handles[1] + more[1],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.935),
        prop={"family": family},
        ncols=4,
        frameon=False,
    )
    fig.suptitle(title, fontproperties={"family": family, "size": 15}, y=0.985)
    ax.grid(axis="y", alpha=0.3)
    fig.subplots_adjust(left=0.07, right=0.93, top=0.86, bottom=0.1)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
