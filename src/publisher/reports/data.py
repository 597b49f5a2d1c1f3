"""The store queries reports read: posts of a period, latest figures at an instant, followers, the queue."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload

import sqlalchemy as sa

from publisher.metrics.pull import account_t, item_t, metric_t, post_t, published_at_subquery
from publisher.models import PostState
from publisher.store.db import Store
from publisher.store.tables import SyncStateRow, TokenRow

token_t = TokenRow.__table__  # type: ignore[attr-defined]
sync_t = SyncStateRow.__table__  # type: ignore[attr-defined]
PLAN_STATES = (
    PostState.QUEUED,
    PostState.RETRYING,
    PostState.WAITING_APPROVAL,
    PostState.HELD,
    PostState.NEEDS_REAUTH,
)
Key = tuple[int, str]  # (post id, metric name)


@dataclass(frozen=True)
class PostInfo:
    """One post as reports show it."""

    id: int
    item_id: str
    title: str
    platform: str
    account: str
    state: str
    due_at: datetime | None
    published_at: datetime | None
    url: str | None
    reason: str
    last_error: str | None


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: None) -> None: ...
def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else (value.replace(tzinfo=UTC) if value.tzinfo is None else value)


def _posts(store: Store, where: Any = None) -> list[PostInfo]:
    pub = published_at_subquery()
    query = (
        sa.select(
            post_t.c.id,
            post_t.c.item_id,
            item_t.c.title,
            post_t.c.platform,
            post_t.c.account,
            post_t.c.state,
            post_t.c.due_at,
            pub.c.published_at,
            post_t.c.updated_at,
            post_t.c.url,
            post_t.c.reason,
            post_t.c.last_error,
        )
        .select_from(
            post_t.outerjoin(pub, pub.c.post_id == post_t.c.id).outerjoin(
                item_t, item_t.c.id == post_t.c.item_id
            )
        )
        .order_by(post_t.c.due_at, post_t.c.id)
    )
    if where is not None:
        query = query.where(where)
    with store.session() as s:
        rows = s.execute(query).all()
    out = []
    for r in rows:
        published = _aware(r.published_at)
        if published is None and r.state == PostState.PUBLISHED.value:
            published = _aware(r.updated_at)  # published before the audit log existed
        out.append(
            PostInfo(
                r.id,
                r.item_id,
                r.title or r.item_id,
                r.platform,
                r.account,
                r.state,
                _aware(r.due_at),
                published,
                r.url,
                r.reason or "",
                r.last_error,
            )
        )
    return out


def all_posts(store: Store) -> list[PostInfo]:
    return _posts(store)


def in_window(p: PostInfo, start: datetime, end: datetime) -> bool:
    """A post belongs to a period when it was published in it, or (not published) was due in it."""
    when = p.published_at or p.due_at
    return when is not None and start <= when < end


def planned(store: Store, start: datetime, end: datetime) -> list[PostInfo]:
    states = [s.value for s in PLAN_STATES]
    return _posts(store, sa.and_(post_t.c.state.in_(states), post_t.c.due_at >= start, post_t.c.due_at < end))


def latest(
    store: Store,
    *,
    before: datetime,
    names: Collection[str] | None = None,
    post_ids: Collection[int] | None = None,
    by_age: float | None = None,
) -> dict[Key, tuple[float, datetime]]:
    """(post, name) -> (value, taken_at) of the newest sample taken before `before` (or, with `by_age`, the
    newest at a post age of at most `by_age` seconds). One grouped query; the index covers it."""
    order = metric_t.c.age_s if by_age is not None else metric_t.c.taken_at
    conds = [metric_t.c.post_id.is_not(None), metric_t.c.taken_at < before]
    if by_age is not None:
        conds.append(metric_t.c.age_s <= by_age)
    if names is not None:
        conds.append(metric_t.c.name.in_(sorted(names)))
    if post_ids is not None:
        conds.append(metric_t.c.post_id.in_(sorted(post_ids)))
    cols = (metric_t.c.post_id, metric_t.c.name, metric_t.c.value, metric_t.c.taken_at)
    if store.dialect == "sqlite":
        # SQLite documents that bare columns beside a lone max() come from the row holding the max.
        query = (
            sa.select(
                metric_t.c.post_id, metric_t.c.name, metric_t.c.value, metric_t.c.taken_at, sa.func.max(order)
            )
            .where(*conds)
            .group_by(metric_t.c.post_id, metric_t.c.name)
        )
    elif store.dialect == "postgresql":
        query = (
            sa.select(*cols)
            .where(*conds)
            .distinct(metric_t.c.post_id, metric_t.c.name)
            .order_by(metric_t.c.post_id, metric_t.c.name, order.desc(), metric_t.c.id.desc())
        )
    else:
        rank = (
            sa.func.row_number()
            .over(
                partition_by=(metric_t.c.post_id, metric_t.c.name),
                order_by=(order.desc(), metric_t.c.id.desc()),
            )
            .label("rk")
        )
        inner = sa.select(*cols, rank).where(*conds).subquery()
        query = sa.select(inner.c.post_id, inner.c.name, inner.c.value, inner.c.taken_at).where(
            inner.c.rk == 1
        )
    with store.session() as s:
        return {(r[0], r[1]): (float(r[2]), _aware(r[3])) for r in s.execute(query)}


def daily_maxima(
    store: Store, *, days: list[tuple[str, datetime]], end: datetime, names: Collection[str]
) -> dict[tuple[int, str, str], float]:
    """(post, name, local day) -> the day's highest reading, for trend lines (counts only grow, mostly).

    `days` are (label, UTC start) in order; readings are bucketed by comparing with the day starts, which is
    much cheaper than converting every timestamp to local time in SQL.
    """
    if not days:
        return {}
    bucket: Any = sa.literal(days[0][0])
    if len(days) > 1:
        bucket = sa.case(
            *[(metric_t.c.taken_at < nxt[1], day[0]) for day, nxt in zip(days, days[1:], strict=False)],
            else_=days[-1][0],
        )
    query = (
        sa.select(metric_t.c.post_id, metric_t.c.name, bucket.label("d"), sa.func.max(metric_t.c.value))
        .where(
            metric_t.c.post_id.is_not(None),
            metric_t.c.taken_at >= days[0][1],
            metric_t.c.taken_at < end,
            metric_t.c.name.in_(sorted(names)),
        )
        .group_by(metric_t.c.post_id, metric_t.c.name, bucket)
    )
    with store.session() as s:
        return {(r[0], r[1], str(r[2])): float(r[3]) for r in s.execute(query)}


def followers(
    store: Store, first: date, last: date
) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    """(platform, account) -> (followers on the day before `first`, or the earliest in the period; the latest
    up to `last`). Growth is the difference."""
    query = (
        sa.select(account_t.c.platform, account_t.c.account, account_t.c.day, account_t.c.value)
        .where(account_t.c.name == "followers", account_t.c.day <= last)
        .order_by(account_t.c.platform, account_t.c.account, account_t.c.day)
    )
    out: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    with store.session() as s:
        for r in s.execute(query):
            key = (r.platform, r.account)
            before, _ = out.get(key, (None, None))
            if r.day < first or before is None:
                before = float(r.value)
            out[key] = (before, float(r.value))
    return out


def token_risks(store: Store, *, now: datetime, within: timedelta) -> list[tuple[str, str, datetime]]:
    """(account, token kind, expires_at) of tokens a person must renew (refresh tokens) expiring soon."""
    query = sa.select(token_t.c.account, token_t.c.kind, token_t.c.expires_at).where(
        token_t.c.expires_at.is_not(None),
        token_t.c.expires_at < now + within,
        token_t.c.kind.like("%refresh%"),
    )
    with store.session() as s:
        return sorted((r.account, r.kind, _aware(r.expires_at)) for r in s.execute(query))


def reauth_flags(store: Store) -> dict[str, str]:
    """account -> why it needs re-authorisation (the queue's flags)."""
    try:
        from publisher.store.tokens import accounts_needing_reauth
    except ImportError:  # pragma: no cover
        return {}
    return {a: str(v.get("reason") or "") for a, v in accounts_needing_reauth(store).items()}
