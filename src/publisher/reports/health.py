"""Account health: a 0-100 score from cadence kept, publish success and the engagement trend, explained."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from publisher.reports.data import PostInfo
from publisher.reports.i18n import t
from publisher.reports.kpi import ON_TIME
from publisher.reports.model import Health
from publisher.states import SETTLED

WEIGHTS = {"cadence": 40, "success": 40, "trend": 20}
_COUNTED = SETTLED  # a post due in the window that reached an outcome


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def account_health(
    platform: str, account: str, window: list[PostInfo], trend: tuple[float, float] | None, lang: str
) -> Health:
    """`window` holds the account's posts due in the scoring window; `trend` is (current, previous) mean
    interactions per post at T+24 h."""
    due = [p for p in window if p.state in _COUNTED]
    on_time = sum(
        1
        for p in due
        if p.state == "published" and p.published_at and p.due_at and p.published_at <= p.due_at + ON_TIME
    )
    published = sum(1 for p in due if p.state == "published")
    cadence, success = _ratio(on_time, len(due)), _ratio(published, len(due))
    trend_score = None
    if trend is not None and trend[1] > 0:
        trend_score = max(0.0, min(1.0, trend[0] / trend[1]))
    parts = {"cadence": cadence, "success": success, "trend": trend_score}
    weight = sum(WEIGHTS[k] for k, v in parts.items() if v is not None)
    # No data is no score ("—"), never 0: an account that has not posted yet is not a failing one.
    score = (
        round(sum(WEIGHTS[k] * v for k, v in parts.items() if v is not None) * 100 / weight)
        if weight
        else None
    )
    bits = []
    if cadence is not None:
        bits.append(t("h_on_time", lang, n=on_time, d=len(due), w=WEIGHTS["cadence"]))
    if success is not None:
        bits.append(t("h_success", lang, n=published, d=len(due), w=WEIGHTS["success"]))
    if trend_score is not None and trend is not None:
        change = (trend[0] / trend[1] - 1) * 100
        bits.append(t("h_trend", lang, change=change, score=trend_score, w=WEIGHTS["trend"]))
    if not bits:
        explain = t("h_nothing", lang)
    else:
        explain = t("h_join", lang).join(bits) + t("h_weight", lang, w=weight)
    return Health(platform, account, score, cadence, success, trend_score, explain)


def health_all(
    accounts: Iterable[tuple[str, str]],
    window: list[PostInfo],
    trends: Mapping[tuple[str, str], tuple[float, float]],
    lang: str,
) -> list[Health]:
    return [
        account_health(
            platform,
            account,
            [p for p in window if (p.platform, p.account) == (platform, account)],
            trends.get((platform, account)),
            lang,
        )
        for platform, account in sorted(set(accounts))
    ]
