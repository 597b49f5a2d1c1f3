"""A seeded, deterministic history (posts, metric samples, followers) for tests, benchmarks and demos."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from publisher.adapters import platforms
from publisher.store.db import Store
from publisher.store.metrics import append_samples
from publisher.store.reports import insert_history
from publisher.store.tokens import put_token


def _figures() -> dict[str, tuple[tuple[str, str, float], ...]]:
    """Per platform: (normalised name, raw name, typical size) of the figures its adapter reports."""
    return {
        name: tuple((m.name, m.raw, m.typical) for m in spec.metrics)
        for name, spec in platforms().items()
        if spec.metrics
    }


HOURS = (8, 12, 18, 20, 22)
HOUR_FACTOR = {8: 0.6, 12: 1.0, 18: 0.9, 20: 1.6, 22: 0.8}  # evening posts do best, so best time has a signal
AGES_H = (1, 6, 24, 72, 168)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Seeded:
    posts: int
    samples: int


def _curve(base: float, age_s: float, tau_h: float) -> float:
    return round(base * (1 - math.exp(-age_s / (tau_h * 3600))))


def seed_history(
    store: Store,
    *,
    seed: int,
    first_day: date,
    days: int,
    now: datetime,
    zone: ZoneInfo = SHANGHAI,
    accounts: dict[str, str] | None = None,
    planned_days: int = 7,
) -> Seeded:
    """Insert `days` of history from `first_day`: one or two posts a day per account (a few failed, missed or
    needing a person), samples at T+1 h, 6 h, 24 h, 3 d, 7 d up to `now`, daily followers, and queued posts
    for the `planned_days` after `now`."""
    rng = random.Random(seed)
    figures = _figures()
    accounts = accounts or {p: p for p in figures}
    items, posts, events, samples, follows = [], [], [], [], []
    post_id = 0
    for d in range(days + planned_days):
        day = first_day + timedelta(days=d)
        for account, platform in sorted(accounts.items()):
            for n in range(1 if rng.random() < 0.6 else 2):
                hour = rng.choice(HOURS)
                due = datetime(day.year, day.month, day.day, hour, 0, tzinfo=zone).astimezone(UTC)
                post_id += 1
                item_id = f"{day.isoformat()}-{account}-{n}"
                title = f"{platforms()[platform].seed_title} 技巧 #{post_id}"
                items.append(
                    {
                        "id": item_id,
                        "path": f"content/{item_id}.md",
                        "hash": f"h{post_id}",
                        "fields": {},
                        "status": "ready",
                        "title": title,
                        "synced_at": now,
                    }
                )
                future = due > now
                roll = rng.random()
                state = (
                    "queued"
                    if future
                    else "failed"
                    if roll < 0.04
                    else "missed"
                    if roll < 0.06
                    else "needs_attention"
                    if roll < 0.07
                    else "published"
                )
                late = (
                    timedelta(minutes=rng.choice((0, 1, 2, 3, 40))) if state == "published" else timedelta(0)
                )
                published = due + late
                posts.append(
                    {
                        "id": post_id,
                        "item_id": item_id,
                        "platform": platform,
                        "account": account,
                        "state": state,
                        "due_at": due,
                        "remote_id": f"r{post_id}" if state == "published" else None,
                        "url": f"https://example.invalid/{platform}/{post_id}"
                        if state == "published"
                        else None,
                        "last_error": "rate limited: 45009 (code 45009)" if state == "failed" else None,
                        "reason": "late window passed" if state == "missed" else None,
                        "ids": {},
                        "created_at": due - timedelta(days=3),
                        "updated_at": min(published, now),
                    }
                )
                if state != "published":
                    continue
                events.append(
                    {
                        "post_id": post_id,
                        "at": published,
                        "kind": "transition",
                        "message": "sending -> published",
                    }
                )
                quality = rng.uniform(0.5, 1.5) * HOUR_FACTOR[hour]
                tau = rng.uniform(4, 30)
                for age_h in AGES_H:
                    taken = published + timedelta(hours=age_h)
                    if taken > now:
                        break
                    for name, raw, base in figures[platform]:
                        samples.append(
                            {
                                "post_id": post_id,
                                "platform": platform,
                                "account": account,
                                "name": name,
                                "raw_name": raw,
                                "value": float(_curve(base * quality, age_h * 3600, tau)),
                                "taken_at": taken,
                                "age_s": age_h * 3600.0,
                            }
                        )
        if day <= now.astimezone(zone).date():
            for account, platform in sorted(accounts.items()):
                base = 1000 + 400 * sorted(accounts).index(account)
                follows.append(
                    {
                        "platform": platform,
                        "account": account,
                        "day": day,
                        "name": "followers",
                        "value": float(base + d * rng.randint(5, 30)),
                    }
                )
    insert_history(store, items=items, posts=posts, events=events, follows=follows)
    append_samples(store, samples)
    return Seeded(len(posts), len(samples))


def add_expiring_token(store: Store, account: str, kind: str, expires_at: datetime, value: str) -> None:
    """A stored token (for the 'expiring credentials' risk); `value` is a canary a report must never show."""
    put_token(store, account, kind, value, expires_at, {})


def bulk_samples(
    n: int, *, posts: int, start: datetime, seed: int = 1, span_s: float | None = None
) -> Iterator[dict[str, object]]:
    """`n` metric rows over `posts` posts published `span_s` apart in all (for benchmarks): a reading every
    10 minutes from publication, growing values. Post p is published at `published_at(p)`."""
    rng = random.Random(seed)
    figures = _figures()
    names_of = sorted(figures)
    per_post = max(1, n // posts)
    made = 0
    for p in range(1, posts + 1):
        platform = names_of[p % len(names_of)]
        names = figures[platform]
        steps = max(1, per_post // len(names))
        for step in range(steps):
            for name, raw, base in names:
                if made == n:
                    return
                age = (step + 1) * 600.0
                yield {
                    "post_id": p,
                    "platform": platform,
                    "account": platform,
                    "name": name,
                    "raw_name": raw,
                    "value": float(int(base * (1 - math.exp(-age / 86400)) * (0.5 + rng.random()))),
                    "taken_at": published_at(p, posts, start, span_s) + timedelta(seconds=age),
                    "age_s": age,
                }
                made += 1


def published_at(p: int, posts: int, start: datetime, span_s: float | None = None) -> datetime:
    """When bulk post `p` (1-based) was published."""
    return start + timedelta(seconds=p * (span_s / posts if span_s else 37))
