"""The KPI table (指标 | 目标 | 实际 | 状态) from `[targets]` in publisher.toml; falling engagement."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from publisher.models import PostState
from publisher.reports.data import PostInfo
from publisher.reports.i18n import platform_name, t
from publisher.reports.model import EngagementRow, Kpi
from publisher.reports.period import Period
from publisher.states import SETTLED

S = PostState
#: A post published within this long after its due time counts as on time.
ON_TIME = timedelta(minutes=15)
#: Outcomes that count in the success rate; cancelled, held and still-queued posts do not.
FALLING = 0.8  # engagement below 80 % of the previous period's is a risk


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def success_rate(posts: list[PostInfo]) -> tuple[float | None, int, int]:
    settled = [p for p in posts if p.state in SETTLED]
    done = sum(1 for p in settled if p.state == S.PUBLISHED.value)
    return (done / len(settled) if settled else None), done, len(settled)


def on_time_rate(posts: list[PostInfo]) -> tuple[float | None, int, int]:
    timed = [p for p in posts if p.state == S.PUBLISHED.value and p.due_at and p.published_at]
    ok = sum(1 for p in timed if p.published_at and p.due_at and p.published_at <= p.due_at + ON_TIME)
    return (ok / len(timed) if timed else None), ok, len(timed)


def platform_rates(rows: list[EngagementRow], followers_now: Mapping[str, float]) -> dict[str, float | None]:
    """platform -> interactions / views over its rows (per post / followers where a platform has no views)."""
    acc: dict[str, list[float]] = {}
    for r in rows:
        a = acc.setdefault(r.platform, [0.0, 0.0, 0.0])
        a[0] += r.interactions
        a[1] += r.figures.get("views", 0.0)
        a[2] += 1
    out: dict[str, float | None] = {}
    for platform, (inter, views, n) in acc.items():
        if views > 0:
            out[platform] = inter / views
        elif followers_now.get(platform):  # per post, against the audience that could see it
            out[platform] = inter / n / followers_now[platform]
        else:
            out[platform] = None
    return out


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def kpis(
    targets: Mapping[str, Any],
    period: Period,
    posts: list[PostInfo],
    rows: list[EngagementRow],
    growth: float | None,
    followers_now: Mapping[str, float],
    lang: str,
) -> list[Kpi]:
    out: list[Kpi] = []
    for key, func in (("publish_success_rate", success_rate), ("on_time_rate", on_time_rate)):
        value, num, den = func(posts)
        target = _num(targets.get(key))
        out.append(
            Kpi(
                key,
                t(f"kpi_{key}", lang),
                pct(target) if target is not None else "—",
                f"{pct(value)} ({num}/{den})" if den else t("no_data", lang),
                None if value is None or target is None else value >= target,
                unit="ratio",
                target_value=target,
                actual_value=None if value is None else round(value, 4),
                num=num if den else None,
                den=den or None,
            )
        )
    month = _num(targets.get("followers_growth_month"))
    goal = None if month is None else round(month * period.days / 30)
    out.append(
        Kpi(
            "followers_growth",
            t("kpi_followers_growth", lang),
            "—" if goal is None else f"+{goal}",
            t("no_data", lang) if growth is None else f"{growth:+.0f}",
            None if growth is None or goal is None else growth >= goal,
            "" if month is None else t("kpi_month_scaled", lang, month=month, days=period.days),
            unit="count",
            target_value=None if goal is None else float(goal),
            actual_value=growth,
        )
    )
    wanted = targets.get("engagement_rate") or {}
    wanted = wanted if isinstance(wanted, Mapping) else {}
    in_period = [r for r in rows if r.published is not None and r.published >= period.start]
    rates = platform_rates(in_period, followers_now)
    for platform in sorted(set(wanted) | set(rates)):
        target = _num(wanted.get(platform))
        value = rates.get(platform)
        out.append(
            Kpi(
                f"engagement_rate.{platform}",
                t("kpi_engagement_rate", lang, platform=platform_name(platform, lang)),
                pct(target) if target is not None else "—",
                pct(value) if value is not None else t("no_data", lang),
                None if value is None or target is None else value >= target,
                unit="ratio",
                target_value=target,
                actual_value=None if value is None else round(value, 4),
            )
        )
    return out


def falling(current: Mapping[str, float], previous: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """Platforms whose mean interactions per post at T+24 h fell below FALLING x the previous period's."""
    return {
        p: (current[p], previous[p])
        for p in sorted(current)
        if previous.get(p) and current[p] < FALLING * previous[p]
    }


def mean_scores(scores: Mapping[int, float], posts: list[PostInfo]) -> dict[str, float]:
    """platform -> mean score (interactions at T+24 h) per post, for the posts given that have one."""
    sums: dict[str, list[float]] = {}
    for p in posts:
        if p.id in scores:
            s = sums.setdefault(p.platform, [0.0, 0.0])
            s[0] += scores[p.id]
            s[1] += 1
    return {p: total / n for p, (total, n) in sums.items() if n}
