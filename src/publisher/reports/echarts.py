"""Every chart as an Apache ECharts option, built from the report's own figures: the dashboard's Metrics page
and the exported HTML reports draw the same definitions with the same library.

`reports/` computes the figures once (`Report.charts`: trend per platform by day, top posts, weekday x hour
heat map; `Report.launches`: a launch day's votes by hour). Apache ECharts is vendored under
`reports/vendor/echarts` (no CDN): the dashboard serves it as a static file, an HTML report carries it inline
so it draws offline, opened from a mail. Options are plain JSON: no functions, so nothing but data crosses
into the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher.adapters import spec_for
from publisher.reports.i18n import platform_name, t, ui, weekday
from publisher.reports.model import Charts

#: the vendored library (Apache-2.0, its LICENSE and NOTICE beside it)
LIBRARY = Path(__file__).parent / "vendor" / "echarts" / "echarts.min.js"

SPARE = ("#3b82f6", "#a855f7", "#f59e0b", "#14b8a6")
FONT = 'system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'


def colour(platform: str, i: int = 0) -> str:
    """The platform's colour from the registry, else a spare one by position."""
    spec = spec_for(platform)
    return spec.colour if spec else SPARE[i % len(SPARE)]


@dataclass(frozen=True)
class ChartSpec:
    """One chart on the page: its id, title, and the ECharts option (None: no data, show `empty`)."""

    id: str
    title: str
    option: dict[str, Any] | None
    empty: str


def specs(charts: Charts, lang: str) -> list[ChartSpec]:
    """The trend, top-posts and heat-map charts; a chart without figures says what to run instead."""
    empty = ui("no_metrics", lang)
    return [
        ChartSpec("trend", t("trend", lang), trend(charts, lang), empty),
        ChartSpec("top", t("top", lang), top(charts, lang), empty),
        ChartSpec("heat", t("heat", lang), heat(charts, lang), empty),
    ]


def _base(lang: str) -> dict[str, Any]:
    return {
        "textStyle": {"fontFamily": FONT},
        "animation": False,
        "tooltip": {"trigger": "axis", "confine": True},
        "grid": {"left": 64, "right": 24, "top": 48, "bottom": 56, "containLabel": True},
    }


def _value_axis(name: str) -> dict[str, Any]:
    # minInterval 1: counts are whole numbers, so ticks never repeat (1 1 0 0 0); ECharts rounds the rest.
    return {
        "type": "value",
        "name": name,
        "nameLocation": "middle",
        "nameGap": 48,
        "minInterval": 1,
        "min": 0,
    }


def trend(charts: Charts, lang: str) -> dict[str, Any] | None:
    """Interactions gained per day, one series per platform; bars when the period has a day or two."""
    if not charts.days or not any(any(v for v in line) for line in charts.trend.values()):
        return None
    few = len(charts.days) <= 2  # a line through one point is a dot: bars read at once
    series = [
        {
            "name": platform_name(p, lang),
            "type": "bar" if few else "line",
            "data": [round(v, 2) for v in line],
            "itemStyle": {"color": colour(p, i)},
            "lineStyle": {"color": colour(p, i), "width": 2},
            "symbolSize": 6,
        }
        for i, (p, line) in enumerate(charts.trend.items())
    ]
    return {
        **_base(lang),
        "legend": {"top": 8, "type": "scroll"},
        "xAxis": {
            "type": "category",
            "data": [d[5:] for d in charts.days],
            "name": ui("axis_day", lang),
            "nameLocation": "middle",
            "nameGap": 32,
            "boundaryGap": few,
        },
        "yAxis": _value_axis(ui("axis_interactions", lang)),
        "series": series,
    }


def top(charts: Charts, lang: str) -> dict[str, Any] | None:
    """Horizontal bars, the post with most interactions on top; one series per platform (stacked on the post's
    row, each row has one), so the bar colours have a legend; at most four ticks on the value axis, never
    overlapping (0/1,000/2,000, not 0 500 1,000 1,500 run together)."""
    rows = [r for r in charts.top if r[2]]
    if not rows:
        return None
    platforms = list(dict.fromkeys(p for _, p, _ in rows))  # the legend in ranking order
    rows = list(reversed(rows))  # ECharts draws the first category at the bottom
    series = [
        {
            "type": "bar",
            "name": platform_name(platform, lang),
            "stack": "top",
            "barMaxWidth": 24,
            "itemStyle": {"color": colour(platform, i)},
            "data": [round(v, 2) if p == platform else None for _, p, v in rows],
            "label": {"show": True, "position": "right"},
        }
        for i, platform in enumerate(platforms)
    ]
    return {
        **_base(lang),
        "tooltip": {"trigger": "item", "confine": True},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 16, "right": 56, "top": 36, "bottom": 48, "containLabel": True},
        "xAxis": {
            **_value_axis(ui("axis_interactions", lang)),
            "nameGap": 28,
            "splitNumber": 3,
            "axisLabel": {"hideOverlap": True},
        },
        "yAxis": {
            "type": "category",
            "data": [title if len(title) <= 18 else title[:17] + "…" for title, _, _ in rows],
            "axisLabel": {"width": 180, "overflow": "truncate"},
        },
        "series": series,
    }


def heat(charts: Charts, lang: str) -> dict[str, Any] | None:
    """Weekday x posting hour, the colour scale explained by a legend (low .. high)."""
    cells = [
        [h, d, round(v, 2)] for d, row in enumerate(charts.heat) for h, v in enumerate(row) if v is not None
    ]
    if not cells:
        return None
    high = max(c[2] for c in cells) or 1.0
    return {
        **_base(lang),
        "tooltip": {"trigger": "item", "confine": True},
        # containLabel keeps the tick labels inside, not the axis names: the weekday axis's name stands above
        # the grid (nameLocation start on an inverse axis), so the top margin leaves it room.
        "grid": {"left": 16, "right": 24, "top": 44, "bottom": 96, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [f"{h:02d}" for h in range(24)],
            "name": ui("axis_hour", lang),
            "nameLocation": "middle",
            "nameGap": 28,
            "splitArea": {"show": True},
        },
        "yAxis": {
            "type": "category",
            "data": [weekday(d, lang) for d in range(7)],
            "name": ui("axis_weekday", lang),
            "nameLocation": "start",  # inverse: the top, clear of the hour labels
            "nameGap": 12,
            "nameTextStyle": {"align": "right", "verticalAlign": "bottom"},
            "inverse": True,
            "splitArea": {"show": True},
        },
        "visualMap": {
            "min": 0,
            "max": round(high, 2),
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 8,
            "text": [ui("heat_high", lang), ui("heat_low", lang)],
            "inRange": {"color": ["#e0f2fe", "#0778c8"]},
        },
        "series": [{"type": "heatmap", "name": t("heat", lang), "data": cells, "label": {"show": False}}],
    }


def launch(curve: Any, lang: str) -> dict[str, Any] | None:
    """A launch day's cumulative votes and comments by hour (reports.launch.LaunchCurve), two lines."""
    if not curve.hours:
        return None
    votes, comments = t("launch_votes", lang), t("launch_comments", lang)
    series = [
        {
            "name": name,
            "type": "line",
            "data": [round(v or 0.0, 2) for v in values],
            "itemStyle": {"color": tint},
            "lineStyle": {"color": tint, "width": 2},
            "symbolSize": 5,
        }
        for name, values, tint in (
            (votes, [h.votes for h in curve.hours], colour(curve.platform)),
            (comments, [h.comments for h in curve.hours], "#3b82f6"),
        )
    ]
    return {
        **_base(lang),
        "legend": {"top": 8},
        "xAxis": {
            "type": "category",
            "data": [h.label[-5:] for h in curve.hours],
            "name": ui("axis_hour_of_day", lang),
            "nameLocation": "middle",
            "nameGap": 32,
            "boundaryGap": False,
        },
        "yAxis": _value_axis(ui("axis_total", lang)),
        "series": series,
    }
