"""Reads of post rows: one post's state, an item's posts, what the queue claims or checks next, what the faces
show. State changes are not here: they go through the compare-and-set transitions of store.claims."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from publisher.models import PostState
from publisher.store.db import Store, raw_rows
from publisher.store.tables import attempt_t, item_t, post_t
from publisher.store.tokens import FLAGGED_ACCOUNTS
from publisher.store.views import PostView, due_order, lateness

S = PostState
CLAIMABLE = (S.QUEUED.value, S.RETRYING.value)


@dataclass(frozen=True)
class CurrentPost:
    """A post's state, account and stored platform ids (what a person's command checks first), with its
    platform, stored reason and remote id (a post the platform accepted for later names its job by them)."""

    state: PostState
    account: str
    ids: dict[str, Any]
    platform: str = ""
    reason: str = ""
    remote_id: str | None = None


@dataclass(frozen=True)
class ItemPost:
    """One post of an item: which target, and its state."""

    id: int
    platform: str
    account: str
    state: PostState


@dataclass(frozen=True)
class DuePost:
    """A queued post whose due time has passed (the late sweep looks at each)."""

    id: int
    item_id: str
    platform: str
    account: str
    due_at: datetime | None
    late_window_s: float
    attempt_count: int


@dataclass(frozen=True)
class WaitingPost:
    """A post in reconcile whose next check is due."""

    id: int
    item_id: str
    platform: str
    account: str
    reason: str
    attempt_count: int
    ids: dict[str, Any]
    content_hash: str | None = None  # the item's version that was sent
    # (number, started_at, finished_at) of its latest attempt, read with it (None: it has none)
    last: tuple[int, datetime, datetime | None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CalendarEntry:
    """A scheduled post with its item's title, as the iCalendar export shows it."""

    id: int
    item_id: str
    platform: str
    account: str
    state: str
    due_at: datetime
    url: str | None
    updated_at: datetime
    title: str | None


def post_views(
    store: Store,
    *,
    states: Collection[str] | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> list[PostView]:
    """Posts ordered by due time (unscheduled last), optionally only in `states` or due by `until`; with
    `now`, a queued post past due is `overdue`, with the time its late window ends (`missed_at`)."""
    query = sa.select(post_t)
    if states:
        query = query.where(post_t.c.state.in_(sorted(states)))
    if until is not None:
        query = query.where(sa.or_(post_t.c.due_at.is_(None), post_t.c.due_at <= until))
    with store.session() as s:
        rows = s.execute(query).mappings().all()
    views = [
        PostView(
            r["id"],
            r["item_id"],
            r["platform"],
            r["account"],
            r["state"],
            r["due_at"],
            r["reason"] or "",
            r["attempt_count"],
            r["url"],
            r["last_error"],
            *lateness(r["state"], r["due_at"], r["late_window_s"], now),
            reason_msg=r["reason_msg"],
        )
        for r in rows
    ]
    return due_order(views)


def post_state(store: Store, post_id: int) -> CurrentPost | None:
    """The post's state, account and platform ids; None when there is no such post."""
    query = sa.select(
        post_t.c.state, post_t.c.account, post_t.c.ids, post_t.c.platform, post_t.c.reason, post_t.c.remote_id
    ).where(post_t.c.id == post_id)
    with store.session() as s:
        row = s.execute(query).first()
    if row is None:
        return None
    ids = dict(row.ids or {})
    return CurrentPost(S(row.state), row.account, ids, row.platform, row.reason or "", row.remote_id)


def platform_ids(store: Store, post_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """post id -> its stored platform ids (every id, set or cleared)."""
    query = sa.select(post_t.c.id, post_t.c.ids).where(post_t.c.id.in_(list(post_ids)))
    with store.session() as s:
        return {r.id: dict(r.ids or {}) for r in s.execute(query)}


def item_posts(store: Store, item_id: str) -> list[ItemPost]:
    """Every post of the item, in id order."""
    query = (
        sa.select(post_t.c.id, post_t.c.platform, post_t.c.account, post_t.c.state)
        .where(post_t.c.item_id == item_id)
        .order_by(post_t.c.id)
    )
    with store.session() as s:
        return [ItemPost(r.id, r.platform, r.account, S(r.state)) for r in s.execute(query)]


def post_id_of(store: Store, item_id: str, platform: str, account: str) -> int | None:
    """The id of the item's post on (platform, account), if synced."""
    query = sa.select(post_t.c.id).where(
        post_t.c.item_id == item_id, post_t.c.platform == platform, post_t.c.account == account
    )
    with store.session() as s:
        found: int | None = s.execute(query).scalar()
    return found


def account_posts_in(store: Store, account: str, state: PostState) -> list[int]:
    """Ids of the account's posts in `state`."""
    query = sa.select(post_t.c.id).where(post_t.c.account == account, post_t.c.state == state.value)
    with store.session() as s:
        return list(s.execute(query).scalars())


# -- what the queue claims, checks and waits for -------------------------------------------------------------


# The queue's reads on every daemon step, built once (building a statement costs more than running it).
_OVERDUE_QUEUED = (
    sa.select(
        post_t.c.id,
        post_t.c.item_id,
        post_t.c.platform,
        post_t.c.account,
        post_t.c.due_at,
        post_t.c.late_window_s,
        post_t.c.attempt_count,
    )
    .where(post_t.c.state == S.QUEUED.value, post_t.c.due_at <= sa.bindparam("now"))
    .order_by(post_t.c.due_at, post_t.c.id)
    .limit(sa.bindparam("limit"))
)


def overdue_queued(store: Store, now: datetime, limit: int) -> list[DuePost]:
    """Queued posts due by `now`, oldest first (the late sweep decides which are beyond their window)."""
    values = {"now": now, "limit": limit}
    if store.is_sqlite:  # asked before every claim: on the driver connection, as the wake-up read
        return [DuePost(*r) for r in raw_rows(store, _OVERDUE_QUEUED, values)]
    with store.read() as conn:
        return [DuePost(*r) for r in conn.execute(_OVERDUE_QUEUED, values)]


def waiting_by(store: Store, until: datetime, limit: int) -> list[tuple[str, str, str]]:
    """(item, platform, account) of the posts waiting to be sent (queued, retrying) that are due by `until`,
    soonest first, at most `limit`."""
    query = (
        sa.select(post_t.c.item_id, post_t.c.platform, post_t.c.account)
        .where(post_t.c.state.in_(CLAIMABLE), post_t.c.due_at <= until)
        .order_by(post_t.c.due_at, post_t.c.id)
        .limit(limit)
    )
    with store.read() as conn:
        return [(r.item_id, r.platform, r.account) for r in conn.execute(query)]


def claimable_accounts(store: Store, now: datetime) -> set[str]:
    """Accounts with a queued or retrying post due by `now`."""
    query = (
        sa.select(post_t.c.account).distinct().where(post_t.c.state.in_(CLAIMABLE), post_t.c.due_at <= now)
    )
    with store.session() as s:
        return set(s.execute(query).scalars())


def _state_in(states: Collection[str], *, listed: bool = True) -> sa.ColumnElement[bool]:
    """`state IN (...)`; or the same as equalities joined by OR (SQLite reads it as the IN list, on the same
    index), which a `Prepared` statement can take: it has no list parameter."""
    if listed:
        return post_t.c.state.in_(list(states))
    return sa.or_(*(post_t.c.state == s for s in states))


def _wake_queries(*, listed: bool = True) -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    due, nxt = post_t.c.due_at, post_t.c.next_attempt_at
    effective = sa.case((nxt.is_(None), due), (nxt > due, nxt), else_=due)
    waiting = sa.select(sa.func.min(effective)).where(_state_in(CLAIMABLE, listed=listed), due.is_not(None))
    polls = sa.select(sa.func.min(sa.func.coalesce(nxt, post_t.c.updated_at))).where(
        post_t.c.state == S.RECONCILE.value
    )
    leases = sa.select(sa.func.min(post_t.c.lease_expires_at)).where(
        _state_in([S.CLAIMED.value, S.SENDING.value], listed=listed)
    )
    return waiting, polls, leases


def _one(waiting: sa.Select[Any], polls: sa.Select[Any], leases: sa.Select[Any]) -> sa.Select[Any]:
    """The three minimums as one statement: one execution (and one look at the database) instead of three."""
    return sa.select(waiting.scalar_subquery(), polls.scalar_subquery(), leases.scalar_subquery())


def _unflagged(waiting: sa.Select[Any], polls: sa.Select[Any], leases: sa.Select[Any]) -> sa.Select[Any]:
    return _one(
        waiting.where(post_t.c.account.not_in(FLAGGED_ACCOUNTS)),
        polls.where(post_t.c.account.not_in(FLAGGED_ACCOUNTS)),
        leases,
    )


_WAKE = _wake_queries()
_WAKE_ALL = _one(*_WAKE)  # no account flagged, nothing skipped
_WAKE_UNFLAGGED = _unflagged(*_WAKE)  # the queue's question: flagged accounts as stored, nothing skipped
_WAKE_UNFLAGGED_RAW = _unflagged(*_wake_queries(listed=False))  # the same, for `Prepared` (SQLite)


def next_wake(store: Store, flagged: Collection[str] | None, skip: Collection[int] = ()) -> datetime | None:
    """The earliest instant the queue has something to do: a post due (or its backoff over), a reconcile poll,
    or a lease running out. Posts of `flagged` accounts (needing re-authorisation; None: the accounts the
    store has flagged, read by the same statement) wait for a person; posts in `skip` (this node left them:
    its copy of the folder lacks their version) are another node's."""
    if flagged is None and not skip:
        if store.is_sqlite:
            times = [t for t in raw_rows(store, _WAKE_UNFLAGGED_RAW, {})[0] if t is not None]
            return min(times) if times else None
        query = _WAKE_UNFLAGGED
    elif not flagged and not skip:
        query = _WAKE_ALL
    else:
        waiting, polls, leases = _WAKE
        excluded = FLAGGED_ACCOUNTS if flagged is None else list(flagged)
        if flagged is None or flagged:
            waiting = waiting.where(post_t.c.account.not_in(excluded))
            polls = polls.where(post_t.c.account.not_in(excluded))
        if skip:
            waiting = waiting.where(post_t.c.id.not_in(list(skip)))
            polls = polls.where(post_t.c.id.not_in(list(skip)))
        query = _one(waiting, polls, leases)
    with store.read() as conn:
        found = conn.execute(query).one()
    times = [t for t in found if t is not None]
    return min(times) if times else None


def hashes_in(
    store: Store, post_ids: Collection[int], states: Collection[str] = CLAIMABLE
) -> dict[int, str | None]:
    """post id -> content hash, for those of `post_ids` still in `states` (default: queued, retrying)."""
    query = sa.select(post_t.c.id, post_t.c.content_hash).where(
        post_t.c.id.in_(list(post_ids)), post_t.c.state.in_(list(states))
    )
    with store.read() as conn:
        return {r.id: r.content_hash for r in conn.execute(query)}


_RECONCILE_DUE = (
    sa.select(
        post_t.c.id,
        post_t.c.item_id,
        post_t.c.platform,
        post_t.c.account,
        post_t.c.reason,
        post_t.c.attempt_count,
        post_t.c.ids,
        post_t.c.content_hash,
        attempt_t.c.number,
        attempt_t.c.started_at,
        attempt_t.c.finished_at,
    )
    .select_from(
        # the latest attempt (its number is unique per post): the check reads it, one query for the batch
        post_t.outerjoin(
            attempt_t,
            sa.and_(
                attempt_t.c.post_id == post_t.c.id,
                attempt_t.c.number
                == sa.select(sa.func.max(attempt_t.c.number))
                .where(attempt_t.c.post_id == post_t.c.id)
                .correlate(post_t)
                .scalar_subquery(),
            ),
        )
    )
    .where(
        post_t.c.state == S.RECONCILE.value,
        sa.or_(post_t.c.next_attempt_at.is_(None), post_t.c.next_attempt_at <= sa.bindparam("now")),
    )
    .order_by(post_t.c.next_attempt_at, post_t.c.id)
    .limit(sa.bindparam("limit"))
)
_RECONCILE_DUE_UNFLAGGED = _RECONCILE_DUE.where(post_t.c.account.not_in(FLAGGED_ACCOUNTS))


def reconcile_due(
    store: Store, now: datetime, limit: int, flagged: Collection[str] | None, skip: Collection[int] = ()
) -> list[WaitingPost]:
    """Posts in reconcile whose next check is due, soonest first, but those of `flagged` accounts (None: the
    accounts the store has flagged, read by the same statement) and those in `skip`; ids that were cleared
    are left out."""
    query = _RECONCILE_DUE
    if flagged is None and not skip and store.is_sqlite:
        rows = raw_rows(store, _RECONCILE_DUE_UNFLAGGED, {"now": now, "limit": limit})
        return [_waiting(*r) for r in rows]
    if flagged is None:
        query = _RECONCILE_DUE_UNFLAGGED
    elif flagged:
        query = query.where(post_t.c.account.not_in(list(flagged)))
    if skip:
        query = query.where(post_t.c.id.not_in(list(skip)))
    with store.read() as conn:
        return [_waiting(*r) for r in conn.execute(query, {"now": now, "limit": limit})]


def _waiting(
    post_id: int,
    item_id: str,
    platform: str,
    account: str,
    reason: str | None,
    attempt_count: int,
    ids: dict[str, Any] | None,
    content_hash: str | None,
    number: int | None,
    started_at: datetime | None,
    finished_at: datetime | None,
) -> WaitingPost:
    """A row of `_RECONCILE_DUE`, in its column order."""
    return WaitingPost(
        post_id,
        item_id,
        platform,
        account,
        reason or "",
        attempt_count,
        {k: v for k, v in dict(ids or {}).items() if v is not None},
        content_hash,
        None if number is None or started_at is None else (number, started_at, finished_at),
    )


# -- calendars and the dashboard --------------------------------------------------------------------------


def calendar_entries(
    store: Store, *, hidden: Collection[str], platform: str | None = None
) -> list[CalendarEntry]:
    """Posts with a due time, not in `hidden` states, with their item's title; in due order."""
    query = (
        sa.select(
            post_t.c.id,
            post_t.c.item_id,
            post_t.c.platform,
            post_t.c.account,
            post_t.c.state,
            post_t.c.due_at,
            post_t.c.url,
            post_t.c.updated_at,
            item_t.c.title,
        )
        .select_from(post_t.outerjoin(item_t, item_t.c.id == post_t.c.item_id))
        .where(post_t.c.due_at.is_not(None), post_t.c.state.not_in(list(hidden)))
        .order_by(post_t.c.due_at, post_t.c.id)
    )
    if platform:
        query = query.where(post_t.c.platform == platform)
    with store.session() as s:
        return [CalendarEntry(*r) for r in s.execute(query)]


def scheduled_for_account(store: Store, platform: str, account: str) -> list[tuple[str, datetime, Any]]:
    """(item id, due_at, the item's front matter) of the account's scheduled posts that are not cancelled."""
    query = (
        sa.select(post_t.c.item_id, post_t.c.due_at, item_t.c.fields)
        .select_from(post_t.join(item_t, item_t.c.id == post_t.c.item_id))
        .where(
            post_t.c.platform == platform,
            post_t.c.account == account,
            post_t.c.due_at.is_not(None),
            post_t.c.state != S.CANCELLED.value,
        )
    )
    with store.session() as s:
        return [(r.item_id, r.due_at, r.fields) for r in s.execute(query)]


def posts_fingerprint(store: Store) -> tuple[int, datetime | None]:
    """(number of posts, latest update): changes whenever any process moves or adds a post."""
    query = sa.select(sa.func.count(), sa.func.max(post_t.c.updated_at)).select_from(post_t)
    with store.session() as s:
        count, latest = s.execute(query).one()
    return int(count), latest
