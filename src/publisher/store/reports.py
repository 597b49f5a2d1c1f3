"""The reads reports make: posts with their publish time, latest and daily figures, followers, post times.

Reports read only the store (docs/architecture.md#a-new-report); every statement they need is a named function
here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from publisher.models import PostState
from publisher.store import rollups
from publisher.store.db import Store
from publisher.store.metrics import aware, published_at_subquery
from publisher.store.rollups import on_the_hour
from publisher.store.tables import account_metric_t, event_t, item_t, metric_t, post_t

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
    reason_msg: str | None = None  # the reason's catalogue code and values (publisher.messages.Msg JSON)


def report_posts(
    store: Store,
    *,
    states: Collection[str] | None = None,
    due_from: datetime | None = None,
    due_before: datetime | None = None,
) -> list[PostInfo]:
    """Posts (all, or those in `states` due in [due_from, due_before)) by due time, with their publish time:
    the first `-> published` transition, else the last update of a post published before the audit log."""
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
            post_t.c.reason_msg,
        )
        .select_from(
            post_t.outerjoin(pub, pub.c.post_id == post_t.c.id).outerjoin(
                item_t, item_t.c.id == post_t.c.item_id
            )
        )
        .order_by(post_t.c.due_at, post_t.c.id)
    )
    if states is not None:
        query = query.where(post_t.c.state.in_(list(states)))
    if due_from is not None:
        query = query.where(post_t.c.due_at >= due_from)
    if due_before is not None:
        query = query.where(post_t.c.due_at < due_before)
    with store.session() as s:
        rows = s.execute(query).all()
    out = []
    for r in rows:
        published = aware(r.published_at)
        if published is None and r.state == PostState.PUBLISHED.value:
            published = aware(r.updated_at)  # published before the audit log existed
        out.append(
            PostInfo(
                r.id,
                r.item_id,
                r.title or r.item_id,
                r.platform,
                r.account,
                r.state,
                aware(r.due_at),
                published,
                r.url,
                r.reason or "",
                r.last_error,
                r.reason_msg,
            )
        )
    return out


def latest(
    store: Store,
    *,
    before: datetime,
    names: Collection[str] | None = None,
    post_ids: Collection[int] | None = None,
    by_age: float | None = None,
) -> dict[Key, tuple[float, datetime]]:
    """(post, name) -> (value, taken_at) of the newest sample taken before `before` (or, with `by_age`, the
    newest at a post age of at most `by_age` seconds). From the rollups when `before` is a whole hour (and the
    age 24 h), else one grouped query over the samples; the index covers it."""
    if rollups.on_the_hour(before):
        if by_age is None:
            return rollups.latest_before(store, before=before, names=names, post_ids=post_ids)
        if by_age == rollups.DAY_S:
            return rollups.latest_by_age(
                store, before=before, max_age_s=by_age, names=names, post_ids=post_ids
            )
    order = metric_t.c.age_s if by_age is not None else metric_t.c.taken_at
    conds = [metric_t.c.post_id.is_not(None), metric_t.c.taken_at < before]
    if by_age is not None:
        conds.append(metric_t.c.age_s <= by_age)
    if names is not None:
        conds.append(metric_t.c.name.in_(sorted(names)))
    if post_ids is not None:
        conds.append(metric_t.c.post_id.in_(sorted(post_ids)))
    cols = (metric_t.c.post_id, metric_t.c.name, metric_t.c.value, metric_t.c.taken_at)
    query: sa.Select[Any]
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
        return {(r[0], r[1]): (float(r[2]), aware(r[3])) for r in s.execute(query)}


def daily_maxima(
    store: Store, *, days: Sequence[tuple[str, datetime]], end: datetime, names: Collection[str]
) -> dict[tuple[int, str, str], float]:
    """(post, name, local day) -> the day's highest reading, for trend lines (counts only grow, mostly).

    `days` are (label, UTC start) in order; readings are bucketed by comparing with the day starts, which is
    much cheaper than converting every timestamp to local time in SQL. From the hour rollups when every
    bound is a whole hour.
    """
    if not days:
        return {}
    if on_the_hour(end) and all(on_the_hour(start) for _, start in days):
        return rollups.daily_maxima(store, days=days, end=end, names=names)
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
        sa.select(
            account_metric_t.c.platform,
            account_metric_t.c.account,
            account_metric_t.c.day,
            account_metric_t.c.value,
        )
        .where(account_metric_t.c.name == "followers", account_metric_t.c.day <= last)
        .order_by(account_metric_t.c.platform, account_metric_t.c.account, account_metric_t.c.day)
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


# -- post times (best time to post) ---------------------------------------------------------------------


def due_at_of(store: Store, item_id: str, platform: str, account: str) -> datetime | None:
    """The due time of the item's post on the account, if it has one."""
    query = sa.select(post_t.c.due_at).where(
        post_t.c.item_id == item_id, post_t.c.platform == platform, post_t.c.account == account
    )
    with store.session() as s:
        found: datetime | None = s.execute(query).scalar()
        return found


def due_times_taken(store: Store, platform: str, account: str, *, besides: str) -> list[datetime]:
    """Due times of the account's other posts (not cancelled), for spacing a new one."""
    query = sa.select(post_t.c.due_at).where(
        post_t.c.platform == platform,
        post_t.c.account == account,
        post_t.c.item_id != besides,
        post_t.c.due_at.is_not(None),
        post_t.c.state != PostState.CANCELLED.value,
    )
    with store.session() as s:
        return list(s.execute(query).scalars())


# -- rehearsal summaries --------------------------------------------------------------------------------


def post_urls(store: Store, post_ids: Collection[int]) -> dict[int, str | None]:
    """post id -> its URL on the platform (None before it is published)."""
    query = sa.select(post_t.c.id, post_t.c.url).where(post_t.c.id.in_(list(post_ids)))
    with store.session() as s:
        return {int(r[0]): r[1] for r in s.execute(query)}


def state_counts(store: Store) -> dict[str, int]:
    """post state -> how many posts are in it."""
    with store.session() as s:
        rows = s.execute(sa.select(post_t.c.state, sa.func.count()).group_by(post_t.c.state)).all()
    return {str(state): int(count) for state, count in rows}


# -- seeded history (tests, benchmarks, demos) ----------------------------------------------------------


def insert_history(
    store: Store,
    *,
    items: Sequence[Mapping[str, Any]],
    posts: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]] = (),
    follows: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Insert item, post, audit-event and account-figure rows (mappings of columns) in one transaction."""
    with store.begin() as conn:
        if items:
            conn.execute(sa.insert(item_t), [dict(r) for r in items])
        if posts:
            conn.execute(sa.insert(post_t), [dict(r) for r in posts])
        if events:
            conn.execute(sa.insert(event_t), [dict(r) for r in events])
        if follows:
            conn.execute(sa.insert(account_metric_t), [dict(r) for r in follows])


def campaign_post_ids(store: Store, name: str) -> list[int]:
    """Ids of the posts whose item carries `campaign: NAME`, at the top or in its platform's override."""
    query = sa.select(post_t.c.id, post_t.c.platform, item_t.c.fields).select_from(
        post_t.join(item_t, item_t.c.id == post_t.c.item_id)
    )
    with store.session() as s:
        rows = s.execute(query).all()
    out = []
    for post_id, platform, fields in rows:
        fields = fields if isinstance(fields, dict) else {}
        own = fields.get("platforms")
        override = own.get(platform) if isinstance(own, dict) else None
        mine = override.get("campaign") if isinstance(override, dict) else None
        if str(mine or fields.get("campaign") or "") == name:
            out.append(int(post_id))
    return sorted(out)
