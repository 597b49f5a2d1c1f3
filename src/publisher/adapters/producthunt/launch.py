"""Launch-day tracking: the Product Hunt day a launch runs, and its hourly vote and comment curves.

A Product Hunt day runs midnight to midnight Pacific time; a launch's `createdAt` is its scheduled time (the
API answers `scheduled_at || created_at`). `Post.votes(createdAfter:, createdBefore:)` lists the day's votes
and `Post.comments(order: NEWEST)` the comments, each with its `createdAt`, so the hourly curves are exact
whenever they are read: a pull every two hours, a late one or a missed one loses no hour.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PT = ZoneInfo("America/Los_Angeles")
#: After its day ends a launch is still read this long, so the last hours are complete whatever the schedule.
GRACE = timedelta(hours=6)
VOTES_PAGE = 50  # votes per page of the curve
MAX_VOTE_PAGES = 100  # 5,000 votes: far above a launch day's; a bound, not a target
#: (series name, raw name): votes and comments gathered by the end of each hour, dated at that hour's end
SERIES = (("votes_by_hour", "votes.createdAt"), ("comments_by_hour", "comments.createdAt"))

Key = tuple[str, str]  # ("slug", s) or ("id", n)
Ask = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def launch_day(created: datetime) -> tuple[datetime, datetime]:
    """(start, end) in UTC of the Product Hunt day holding `created`."""
    day = created.astimezone(PT).date()
    start = datetime.combine(day, time(0), PT)
    end = datetime.combine(day + timedelta(days=1), time(0), PT)  # 23 or 25 hours on a DST change day
    return start.astimezone(UTC), end.astimezone(UTC)


def tracked(created: datetime, now: datetime) -> bool:
    """True while the launch's day runs, and for GRACE after it ends."""
    start, end = launch_day(created)
    return start <= now < end + GRACE


def hourly(times: list[datetime], start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """Votes gathered by the end of each whole hour from `start` up to `end`."""
    hours = int((end - start).total_seconds() // 3600)
    ordered = sorted(times)
    out, k = [], 0
    for h in range(1, hours + 1):
        mark = start + timedelta(hours=h)
        while k < len(ordered) and ordered[k] < mark:
            k += 1
        out.append((mark, k))
    return out


def parse_time(text: Any) -> datetime | None:
    with contextlib.suppress(TypeError, ValueError):
        at = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        return at if at.tzinfo else at.replace(tzinfo=UTC)
    return None


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def created_at(ask: Ask, keys: list[Key]) -> dict[Key, datetime]:
    """Each launch's `createdAt`, in one aliased query; launches not found (or not live yet) are left out."""
    if not keys:
        return {}
    params = ", ".join(f"$k{n}: {'String' if kind == 'slug' else 'ID'}" for n, (kind, _) in enumerate(keys))
    fields = " ".join(f"p{n}: post({kind}: $k{n}) {{ createdAt }}" for n, (kind, _) in enumerate(keys))
    data = await ask(
        f"query Launches({params}) {{ {fields} }}", {f"k{n}": v for n, (_, v) in enumerate(keys)}
    )
    out = {}
    for n, key in enumerate(keys):
        node = data.get(f"p{n}")
        at = parse_time(node.get("createdAt")) if isinstance(node, dict) else None
        if at is not None:
            out[key] = at
    return out


async def _times(ask: Ask, query: str, key: Key, extra: dict[str, Any], field: str) -> list[datetime]:
    """The `createdAt` of each node of the post's `field` connection, page by page (newest first where the
    connection is ordered; paging stops once a page ends before `extra["stop"]`)."""
    stop = extra.pop("stop", None)
    times: list[datetime] = []
    after: str | None = None
    for _ in range(MAX_VOTE_PAGES):
        data = await ask(query, {"k": key[1], "after": after, **extra})
        conn = (data.get("post") or {}).get(field) or {}
        page_times = [
            at
            for edge in conn.get("edges") or []
            if isinstance(edge, dict)
            and (at := parse_time((edge.get("node") or {}).get("createdAt"))) is not None
        ]
        times += page_times
        info = conn.get("pageInfo") or {}
        if not info.get("hasNextPage") or (stop is not None and page_times and min(page_times) < stop):
            break
        after = info.get("endCursor")
    return times


async def vote_times(ask: Ask, key: Key, start: datetime, end: datetime) -> list[datetime]:
    """The `createdAt` of every vote between `start` and `end`."""
    kind = key[0]
    query = (
        f"query Votes($k: {'String' if kind == 'slug' else 'ID'}, $after: String, $since: DateTime, "
        f"$until: DateTime) {{ post({kind}: $k) {{ votes(first: {VOTES_PAGE}, after: $after, "
        "createdAfter: $since, createdBefore: $until) { edges { node { createdAt } } "
        "pageInfo { endCursor hasNextPage } } } }"
    )
    return await _times(ask, query, key, {"since": iso(start), "until": iso(end)}, "votes")


async def comment_times(ask: Ask, key: Key, start: datetime, end: datetime) -> list[datetime]:
    """The `createdAt` of every comment `Post.comments` lists between `start` and `end` (newest first, so
    paging stops at the first page that reaches back before `start`)."""
    kind = key[0]
    query = (
        f"query Comments($k: {'String' if kind == 'slug' else 'ID'}, $after: String) {{ post({kind}: $k) "
        f"{{ comments(first: {VOTES_PAGE}, after: $after, order: NEWEST) {{ edges {{ node {{ createdAt }} }} "
        "pageInfo { endCursor hasNextPage } } } }"
    )
    times = await _times(ask, query, key, {"stop": start}, "comments")
    return [at for at in times if start <= at < end]


async def curves(
    ask: Ask, key: Key, created: datetime, now: datetime
) -> dict[str, list[tuple[datetime, int]]]:
    """Each SERIES name -> the launch day's hourly curve as far as `now` (every hour once the day is over)."""
    start, end = launch_day(created)
    until = min(end, now)
    if until <= start:
        return {name: [] for name, _ in SERIES}
    votes = await vote_times(ask, key, start, until)
    comments = await comment_times(ask, key, start, until)
    return {
        SERIES[0][0]: hourly(votes, start, until),
        SERIES[1][0]: hourly(comments, start, until),
    }
