"""Engagement per post: latest figures, change over the period, rate; trend per platform and top posts."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from publisher.metrics.samples import INTERACTIONS
from publisher.reports.data import Key, PostInfo
from publisher.reports.model import Charts, EngagementRow
from publisher.reports.period import Period

DAY_S = 86400.0


def interactions(figures: dict[str, float]) -> float:
    return sum(v for n, v in figures.items() if n in INTERACTIONS)


def rate(figures: dict[str, float]) -> float | None:
    views = figures.get("views") or 0.0
    return interactions(figures) / views if views > 0 else None


def local(when: datetime | None, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M") if when is not None else ""


def _by_post(values: dict[Key, tuple[float, datetime]]) -> dict[int, dict[str, tuple[float, datetime]]]:
    out: dict[int, dict[str, tuple[float, datetime]]] = defaultdict(dict)
    for (post_id, name), pair in values.items():
        out[post_id][name] = pair
    return out


def engagement_rows(
    posts: dict[int, PostInfo],
    end: dict[Key, tuple[float, datetime]],
    start: dict[Key, tuple[float, datetime]],
    at24: dict[Key, tuple[float, datetime]],
    period: Period,
) -> list[EngagementRow]:
    """One row per post with a sample in the period, or published in it; ordered by interactions."""
    now_by, before_by, day_by = _by_post(end), _by_post(start), _by_post(at24)
    rows = []
    for post_id, figs in now_by.items():
        post = posts.get(post_id)
        if post is None:
            continue
        newest = max(t for _, t in figs.values())
        published_in = post.published_at is not None and period.start <= post.published_at < period.end
        if newest < period.start and not published_in:
            continue
        figures = {n: v for n, (v, _) in figs.items()}
        before = {n: v for n, (v, _) in before_by.get(post_id, {}).items()}
        change = {n: v - before.get(n, 0.0) for n, v in figures.items()}
        views24 = day_by.get(post_id, {}).get("views")
        rows.append(
            EngagementRow(
                post_id,
                post.item_id,
                post.title,
                post.platform,
                post.account,
                local(post.published_at, period.zone),
                post.url or "",
                figures,
                change,
                interactions(figures),
                interactions(change),
                rate(figures),
                views24[0] if views24 else None,
                local(newest, period.zone),
                post.published_at.astimezone(period.zone) if post.published_at else None,
                newest.astimezone(period.zone),
            )
        )
    rows.sort(key=lambda r: (-r.interactions, r.post_id))
    return rows


def trend(
    daily: dict[tuple[int, str, str], float],
    start: dict[Key, tuple[float, datetime]],
    posts: dict[int, PostInfo],
    period: Period,
) -> tuple[list[str], dict[str, list[float]]]:
    """Interactions gained per local day and platform (a day without a reading gains nothing)."""
    days = [d.isoformat() for d in period.local_days()]
    series: dict[str, list[float]] = {}
    by_key: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    for (post_id, name, day), value in daily.items():
        if name in INTERACTIONS:
            by_key[(post_id, name)][day] = value
    for (post_id, name), per_day in sorted(by_key.items()):
        post = posts.get(post_id)
        if post is None:
            continue
        line = series.setdefault(post.platform, [0.0] * len(days))
        prev = start.get((post_id, name), (0.0, None))[0]
        for i, day in enumerate(days):
            if day in per_day:
                line[i] += per_day[day] - prev
                prev = per_day[day]
    return days, dict(sorted(series.items()))


def top_posts(rows: list[EngagementRow], n: int = 10) -> list[tuple[str, str, float]]:
    return [(r.title, r.platform, r.interactions) for r in rows[:n]]


def charts(
    rows: list[EngagementRow],
    daily: dict[tuple[int, str, str], float],
    start: dict[Key, tuple[float, datetime]],
    posts: dict[int, PostInfo],
    period: Period,
    heat: tuple[list[list[float | None]], list[list[int]]],
) -> Charts:
    days, series = trend(daily, start, posts, period)
    return Charts(days, series, top_posts(rows), heat[0], heat[1])
