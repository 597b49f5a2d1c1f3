"""Best time to post, from the account's own history: posts' interactions at T+24 h by weekday and hour."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from publisher.metrics.samples import INTERACTIONS
from publisher.models import Item, Target
from publisher.reports.data import Key, PostInfo, all_posts, latest
from publisher.reports.engagement import interactions
from publisher.reports.i18n import t
from publisher.reports.model import BestTime
from publisher.store.db import Store
from publisher.store.reports import due_at_of, due_times_taken
from publisher.workspace.settings import Workspace

HISTORY_DAYS = 90
MIN_POSTS = 5  # fewer posts than this: a hint, not a finding
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_HOURS = (20, 12)  # evening and lunch peaks, used until an account has history
DAY_S = 86400.0
SlotFinder = Callable[[Target, Item, datetime], datetime | None]


def figures_at_24h(
    store: Store, posts: list[PostInfo], *, before: datetime
) -> dict[Key, tuple[float, datetime]]:
    """(post, name) -> the newest reading at a post age of at most 24 h: views and interactions."""
    ids = {p.id for p in posts if p.published_at is not None}
    if not ids:
        return {}
    return latest(store, before=before, names=(*INTERACTIONS, "views"), post_ids=ids, by_age=DAY_S)


def post_scores_from(at24: dict[Key, tuple[float, datetime]]) -> dict[int, float]:
    """post -> interactions at T+24 h (views where a platform reports no interactions)."""
    per: dict[int, dict[str, float]] = defaultdict(dict)
    for (post_id, name), (value, _) in at24.items():
        per[post_id][name] = value
    return {pid: (interactions(f) or f.get("views", 0.0)) for pid, f in per.items()}


def post_scores(store: Store, posts: list[PostInfo], *, before: datetime) -> dict[int, float]:
    return post_scores_from(figures_at_24h(store, posts, before=before))


def _slots(
    posts: list[PostInfo], scores: dict[int, float], zone: ZoneInfo
) -> dict[tuple[int, int], list[float]]:
    cells: dict[tuple[int, int], list[float]] = defaultdict(list)
    for p in posts:
        if p.id in scores and p.published_at is not None:
            local = p.published_at.astimezone(zone)
            cells[(local.weekday(), local.hour)].append(scores[p.id])
    return cells


def rank(
    platform: str,
    account: str,
    posts: list[PostInfo],
    scores: dict[int, float],
    zone: ZoneInfo,
    lang: str = "zh",
) -> BestTime:
    mine = [p for p in posts if p.platform == platform and p.account == account and p.id in scores]
    cells = _slots(mine, scores, zone)
    slots = sorted(
        ((wd, h, statistics.fmean(v), len(v)) for (wd, h), v in cells.items()),
        key=lambda s: (-s[2], -s[3], s[0], s[1]),
    )
    enough = len(mine) >= MIN_POSTS
    basis = t("b_basis", lang, days=HISTORY_DAYS, n=len(mine)) + (
        "" if enough else t("b_few", lang, n=MIN_POSTS)
    )
    return BestTime(platform, account, len(mine), tuple(slots), enough, basis)


def best_time(
    store: Store,
    platform: str,
    account: str,
    *,
    zone: ZoneInfo = SHANGHAI,
    now: datetime | None = None,
    lang: str = "zh",
) -> BestTime:
    """The account's best posting slots (weekday, hour), best first, with how they were found."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=HISTORY_DAYS)
    posts = [p for p in all_posts(store) if p.published_at is not None and since <= p.published_at < now]
    return rank(platform, account, posts, post_scores(store, posts, before=now), zone, lang)


def heat_map(
    posts: list[PostInfo], scores: dict[int, float], zone: ZoneInfo
) -> tuple[list[list[float | None]], list[list[int]]]:
    """[weekday][hour] mean score relative to each platform's median (1.0 = a typical post there)."""
    medians = {}
    for platform in {p.platform for p in posts}:
        values = [scores[p.id] for p in posts if p.platform == platform and p.id in scores]
        medians[platform] = statistics.median(values) if values else 0.0
    cells: dict[tuple[int, int], list[float]] = defaultdict(list)
    for p in posts:
        if p.id in scores and p.published_at is not None and medians.get(p.platform):
            local = p.published_at.astimezone(zone)
            cells[(local.weekday(), local.hour)].append(scores[p.id] / medians[p.platform])
    heat = [
        [round(statistics.fmean(cells[(d, h)]), 3) if cells.get((d, h)) else None for h in range(24)]
        for d in range(7)
    ]
    counts = [[len(cells.get((d, h), [])) for h in range(24)] for d in range(7)]
    return heat, counts


class BestTimeFinder:
    """`publish_at: best`: the next instant at one of the account's three best (weekday, hour) slots.

    Other string values go to `fallback` (the slot finder). A time once chosen is kept on later syncs while it
    is still ahead, so sync stays idempotent as new numbers arrive.
    """

    def __init__(
        self, ws: Workspace, store: Store, *, fallback: SlotFinder | None = None, horizon_days: int = 14
    ) -> None:
        self.ws, self.store, self.fallback, self.horizon = ws, store, fallback, horizon_days
        self._ranked: dict[tuple[str, str], BestTime] = {}
        self._taken: dict[tuple[str, str], list[datetime]] = {}

    def __call__(self, target: Target, item: Item, now: datetime) -> datetime | None:
        if str(target.publish_at).strip().lower() != "best":
            return self.fallback(target, item, now) if self.fallback else None
        key = (target.platform, target.account)
        kept = self._stored(item.id, *key)
        if kept is not None and kept > now:
            return kept
        if key not in self._ranked:
            self._ranked[key] = best_time(self.store, *key, zone=self.ws.zone, now=now)
        ranked = self._ranked[key]
        wanted = [(wd, h) for wd, h, _, _ in ranked.slots[:3]] if ranked.slots else []
        hours = DEFAULT_HOURS if not wanted else ()
        rules = self.ws.rules.get(target.platform)
        ahead = (rules.schedule.earliest_ahead_s or 0) if rules is not None and rules.schedule else 0
        start = now + timedelta(seconds=ahead)
        taken = self._taken.setdefault(key, self._load_taken(*key, item.id))
        day = start.astimezone(self.ws.zone).date()
        for i in range(self.horizon + 1):
            d = day + timedelta(days=i)
            for hour in sorted(h for wd, h in wanted if wd == d.weekday()) or sorted(hours):
                instant = datetime.combine(d, time(hour), tzinfo=self.ws.zone).astimezone(UTC)
                if instant > start and all(abs((t - instant).total_seconds()) >= 3600 for t in taken):
                    taken.append(instant)
                    return instant
        return None

    def _stored(self, item_id: str, platform: str, account: str) -> datetime | None:
        return due_at_of(self.store, item_id, platform, account)

    def _load_taken(self, platform: str, account: str, item_id: str) -> list[datetime]:
        return due_times_taken(self.store, platform, account, besides=item_id)


def best_time_finder(ws: Workspace, store: Store, *, fallback: SlotFinder | None = None) -> SlotFinder:
    """A SlotFinder for sync: `publish_at: best` here, anything else (`slot`) to `fallback`."""
    return BestTimeFinder(ws, store, fallback=fallback)
