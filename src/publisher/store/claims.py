"""Claims, leases and compare-and-set transitions on post rows: the only way the queue moves a post."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from publisher.errors import StoreError
from publisher.models import Attempt, PostState
from publisher.states import LEASED_STATES, check_transition
from publisher.store.db import Prepared, Store, raw_rows
from publisher.store.tables import UTCDateTime, event_t
from publisher.store.tables import attempt_t as attempt
from publisher.store.tables import post_t as post

S = PostState

#: Columns transition() may set besides state; identity, lease and bookkeeping columns are not among them.
SETTABLE = frozenset(
    {"due_at", "due_override_at", "late_window_s", "next_attempt_at", "remote_id", "url", "rendered_hash",
     "content_hash", "last_error", "reason", "reason_msg"}
)  # fmt: skip


class LeaseLost(StoreError):
    """This worker no longer holds the post's lease: it must not send anything for it."""


class Tx:
    """One write transaction of the hot path: Core on PostgreSQL, the driver connection on SQLite (where
    SQLAlchemy's per-statement machinery costs several times the statement). Same statements either way."""

    def __init__(self, conn: Connection | None, driver: Any = None, dialect: Any = None) -> None:
        self.conn, self.driver, self.dialect = conn, driver, dialect

    def rows(self, stmt: sa.Executable, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if self.conn is not None:
            return [tuple(r) for r in self.conn.execute(stmt, dict(params))]
        return _prepared(stmt, self.dialect).rows(self.driver, params)

    def count(self, stmt: sa.Executable, params: Mapping[str, Any]) -> int:
        if self.conn is not None:
            return self.conn.execute(stmt, dict(params)).rowcount
        return _prepared(stmt, self.dialect).count(self.driver, params)


@contextmanager
def write_tx(store: Store) -> Iterator[Tx]:
    if store.is_sqlite:
        with store.begin_raw() as driver:
            yield Tx(None, driver, store.engine.dialect)
    else:
        with store.begin() as conn:
            yield Tx(conn)


_PREPARED: dict[tuple[int, str], tuple[sa.Executable, Prepared]] = {}


def _prepared(stmt: sa.Executable, dialect: Any) -> Prepared:
    # The hot statements are module constants or lru-cached: keyed by identity, holding the statement alive.
    key = (id(stmt), dialect.name)
    hit = _PREPARED.get(key)
    if hit is None or hit[0] is not stmt:
        if len(_PREPARED) > 256:  # statements built per column set come and go; keep the map bounded
            _PREPARED.clear()
        hit = _PREPARED[key] = (stmt, Prepared(stmt, dialect))
    return hit[1]


@dataclass(frozen=True)
class ClaimedPost:
    """A post a worker holds a lease on, with what it needs to render and send it."""

    id: int
    item_id: str
    platform: str
    account: str
    due_at: datetime | None
    late_window_s: float
    attempt_count: int
    lease_owner: str
    lease_expires_at: datetime
    rendered_hash: str | None = None
    content_hash: str | None = None
    remote_id: str | None = None
    ids: Mapping[str, Any] = field(default_factory=dict)


_CLAIM_COLUMNS = (
    post.c.id, post.c.item_id, post.c.platform, post.c.account, post.c.due_at, post.c.late_window_s,
    post.c.attempt_count, post.c.lease_owner, post.c.lease_expires_at, post.c.rendered_hash,
    post.c.content_hash, post.c.remote_id, post.c.ids,
)  # fmt: skip


def claim_due(
    store: Store,
    *,
    now: datetime,
    owner: str,
    lease_s: float,
    limit: int,
    platforms: Collection[str] | None = None,
    accounts: Collection[str] | None = None,
    skip: Collection[int] | None = None,
) -> list[ClaimedPost]:
    """Atomically lease up to `limit` due queued/retrying posts to `owner`; each row goes to one claimer.
    Posts in `skip` are left for other claimers."""
    stmt = _claim_stmt(
        store.dialect == "postgresql", platforms is not None, accounts is not None, skip is not None
    )
    params = {"now": now, "owner": owner, "expires": now + timedelta(seconds=lease_s), "limit": limit}
    # The claim itself is not written to the event log: the lease columns and the attempt rows record it.
    if store.is_sqlite and platforms is None and accounts is None and skip is None:
        # The queue's usual claim: no IN list, so it runs on the driver connection (`Tx`), where SQLAlchemy's
        # result machinery would cost more than SQLite's own work for a batch's rows.
        with write_tx(store) as tx:
            found = [_claimed_row(r) for r in tx.rows(stmt, params)]
    else:
        params.update(platforms=list(platforms or ()), accounts=list(accounts or ()), skip=list(skip or ()))
        with store.begin() as conn:
            found = [_claimed(r) for r in conn.execute(stmt, params).mappings().all()]
    return sorted(found, key=lambda c: (c.due_at is None, c.due_at, c.id))


@lru_cache(maxsize=16)
def _claim_stmt(postgres: bool, by_platform: bool, by_account: bool, skipping: bool = False) -> sa.Update:
    claimable: sa.ColumnElement[bool] = post.c.state.in_([S.QUEUED.value, S.RETRYING.value])
    if not postgres:  # the same test without an IN list (`Prepared` takes none); SQLite plans the two alike
        claimable = sa.or_(post.c.state == S.QUEUED.value, post.c.state == S.RETRYING.value)
    now = sa.bindparam("now", type_=UTCDateTime)
    due = (
        sa.select(post.c.id)
        .where(
            claimable,
            post.c.due_at <= now,
            sa.or_(post.c.next_attempt_at.is_(None), post.c.next_attempt_at <= now),
        )
        .order_by(post.c.due_at, post.c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )
    if by_platform:
        due = due.where(post.c.platform.in_(sa.bindparam("platforms", expanding=True)))
    if by_account:
        due = due.where(post.c.account.in_(sa.bindparam("accounts", expanding=True)))
    if skipping:
        due = due.where(post.c.id.not_in(sa.bindparam("skip", expanding=True)))
    if postgres:
        # Rows another node is claiming right now are skipped, not waited for.
        due = due.with_for_update(skip_locked=True)
    # On SQLite this one UPDATE ... RETURNING runs under BEGIN IMMEDIATE: claimers are serialised, and the
    # rows the subquery picked are claimable when they are updated. Testing the state again there made SQLite
    # walk the state index over every waiting post at each claim, instead of fetching the picked rows by id.
    picked = post.c.id.in_(due.scalar_subquery())
    return (
        sa.update(post)
        .where(sa.and_(picked, claimable) if postgres else picked)
        .values(
            state=S.CLAIMED.value,
            lease_owner=sa.bindparam("owner", type_=sa.String),
            lease_expires_at=sa.bindparam("expires", type_=UTCDateTime),
            updated_at=now,
        )
        .returning(*_CLAIM_COLUMNS)
    )


def transition(
    store: Store,
    post_id: int,
    *,
    owner: str | None,
    from_states: Collection[PostState],
    to: PostState,
    now: datetime | None = None,
    reason_was: str | None = None,
    **fields: Any,
) -> bool:
    """Compare-and-set: move the post to `to` if it is in one of `from_states` (and held by `owner`; with
    `reason_was`, only while its stored reason is still that text: a person's answer to the post they saw).

    `owner=None` is a person or the sync acting: it may not move a claimed or sending post. Returns False when
    the row was not as expected (someone else moved it, or the lease was lost); raises StoreError when the
    move itself is illegal.
    """
    now = now or store.clock()
    with write_tx(store) as tx:
        return transition_in(
            tx, post_id, owner=owner, from_states=from_states, to=to, now=now, reason_was=reason_was, **fields
        )


def transition_in(
    tx: Tx,
    post_id: int,
    *,
    owner: str | None,
    from_states: Collection[PostState],
    to: PostState,
    now: datetime,
    reason_was: str | None = None,
    **fields: Any,
) -> bool:
    """transition() as one step of a transaction the caller commits (store.group: many posts' moves)."""
    _check_move(from_states, to)
    unknown = set(fields) - SETTABLE
    if unknown:
        raise StoreError(f"transition cannot set {', '.join(sorted(unknown))}")
    return _transition(
        tx, post_id, owner=owner, from_states=from_states, to=to, now=now, fields=fields, was=reason_was
    )


_START = (
    sa.update(post)
    .where(
        post.c.id == sa.bindparam("pid"),
        post.c.state == S.CLAIMED.value,
        post.c.lease_owner == sa.bindparam("owner"),
        post.c.lease_expires_at > sa.bindparam("now", type_=UTCDateTime),
    )
    .values(
        state=S.SENDING.value,
        attempt_count=post.c.attempt_count + 1,
        updated_at=sa.bindparam("now", type_=UTCDateTime),
        lease_expires_at=sa.func.coalesce(
            sa.bindparam("expires", type_=UTCDateTime), post.c.lease_expires_at
        ),
    )
    .returning(post.c.attempt_count, post.c.ids)
)
_NEW_ATTEMPT = sa.insert(attempt).values(
    post_id=sa.bindparam("pid", type_=sa.Integer),
    number=sa.bindparam("num", type_=sa.Integer),
    started_at=sa.bindparam("now", type_=UTCDateTime),
    step=sa.bindparam("step", type_=sa.String),
    request_hash=sa.bindparam("hash", type_=sa.String),
)


def start_attempt(
    store: Store,
    post_id: int,
    *,
    owner: str,
    now: datetime,
    step: str = "publish",
    request_hash: str | None = None,
    lease_s: float | None = None,
) -> Attempt:
    """Write-ahead intent: commit the attempt row and move claimed -> sending in one transaction.

    Raises LeaseLost unless `owner` holds an unexpired lease on a claimed post; then nothing may be sent.
    The attempt row is this transition's audit record.
    """
    with write_tx(store) as tx:
        return start_in(
            tx, post_id, owner=owner, now=now, step=step, request_hash=request_hash, lease_s=lease_s
        )


def start_in(
    tx: Tx,
    post_id: int,
    *,
    owner: str,
    now: datetime,
    step: str = "publish",
    request_hash: str | None = None,
    lease_s: float | None = None,
) -> Attempt:
    """start_attempt() as one step of a transaction the caller commits (store.group: many posts' intents)."""
    expires = None if lease_s is None else now + timedelta(seconds=lease_s)
    rows = tx.rows(_START, {"pid": post_id, "owner": owner, "now": now, "expires": expires})
    if not rows:
        raise LeaseLost(f"post {post_id}: not claimed by {owner} with a live lease; nothing may be sent")
    number, ids = rows[0]
    tx.count(_NEW_ATTEMPT, {"pid": post_id, "num": number, "now": now, "step": step, "hash": request_hash})
    return Attempt(post_id=post_id, number=number, started_at=now, ids=dict(ids or {}))


_STEP = (
    sa.update(attempt)
    .where(
        attempt.c.post_id == sa.bindparam("pid"),
        attempt.c.number == sa.bindparam("num"),
        attempt.c.finished_at.is_(None),
        sa.exists().where(
            post.c.id == attempt.c.post_id,
            post.c.state == S.SENDING.value,
            post.c.lease_owner == sa.bindparam("owner"),
        ),
    )
    .values(step=sa.bindparam("v_step"), request_hash=sa.bindparam("v_hash"))
)


def begin_step(
    store: Store,
    post_id: int,
    number: int,
    *,
    owner: str,
    step: str,
    request_hash: str | None = None,
) -> bool:
    """Record the step about to be sent (before a further non-idempotent call); False if the lease is lost."""
    with write_tx(store) as tx:
        return step_in(tx, post_id, number, owner=owner, step=step, request_hash=request_hash)


def step_in(
    tx: Tx, post_id: int, number: int, *, owner: str, step: str, request_hash: str | None = None
) -> bool:
    """begin_step() as one step of a transaction the caller commits."""
    params = {"pid": post_id, "num": number, "owner": owner, "v_step": step, "v_hash": request_hash}
    return tx.count(_STEP, params) == 1


def record_ids(store: Store, post_id: int, owner: str, ids: Mapping[str, Any]) -> bool:
    """Merge platform ids into post.ids at once. Always stored (they are facts reconcile needs, even after a
    lost lease); returns whether `owner` still holds the lease."""
    with write_tx(store) as tx:
        return ids_in(tx, post_id, owner, ids, store.clock())


def ids_in(tx: Tx, post_id: int, owner: str, ids: Mapping[str, Any], now: datetime) -> bool:
    """record_ids() as one step of a transaction the caller commits."""
    return _merge_ids(tx, post_id, ids, now) == owner


def _merge_ids(tx: Tx, post_id: int, ids: Mapping[str, Any], now: datetime) -> str | None:
    """Merge `ids` into post.ids; returns the lease owner."""
    rows = tx.rows(_LOCK, {"pid": post_id})
    if not rows:
        raise StoreError(f"post {post_id} does not exist")
    _state, lease_owner, stored, _reason = rows[0]
    merged = {**(stored or {}), **dict(ids)}
    tx.count(
        _update_stmt(frozenset({"ids", "updated_at"})), {"pid": post_id, "v_ids": merged, "v_updated_at": now}
    )
    return lease_owner  # type: ignore[no-any-return]  # raw driver rows are untyped


_FINISH = (
    sa.update(attempt)
    .where(attempt.c.post_id == sa.bindparam("pid"), attempt.c.number == sa.bindparam("num"))
    .values(
        finished_at=sa.bindparam("v_now", type_=UTCDateTime),
        outcome=sa.bindparam("v_outcome"),
        http_status=sa.bindparam("v_http", type_=sa.Integer),
        platform_code=sa.bindparam("v_code", type_=sa.String),
        error=sa.bindparam("v_error", type_=sa.String),
    )
)


def finish_attempt(
    store: Store,
    post_id: int,
    number: int,
    *,
    owner: str,
    outcome: str,
    to: PostState,
    now: datetime,
    http_status: int | None = None,
    platform_code: str | int | None = None,
    error: str | None = None,
    **fields: Any,
) -> bool:
    """Close the attempt and move sending -> `to` in one transaction. The attempt's outcome is recorded even
    when the lease was lost; the post moves only for the holder (returns False otherwise)."""
    _check_move([S.SENDING], to)
    with write_tx(store) as tx:
        return finish_in(
            tx, post_id, number, owner=owner, outcome=outcome, to=to, now=now, http_status=http_status,
            platform_code=platform_code, error=error, **fields,
        )  # fmt: skip


def finish_in(
    tx: Tx,
    post_id: int,
    number: int,
    *,
    owner: str,
    outcome: str,
    to: PostState,
    now: datetime,
    http_status: int | None = None,
    platform_code: str | int | None = None,
    error: str | None = None,
    **fields: Any,
) -> bool:
    """finish_attempt() as one step of a transaction the caller commits (store.group: many posts' results)."""
    _check_move([S.SENDING], to)
    code = None if platform_code is None else str(platform_code)
    if error is not None:
        fields.setdefault("last_error", error)
    params = {"pid": post_id, "num": number, "v_now": now, "v_outcome": outcome, "v_http": http_status,
              "v_code": code, "v_error": error}  # fmt: skip
    tx.count(_FINISH, params)
    return _transition(tx, post_id, owner=owner, from_states=[S.SENDING], to=to, now=now, fields=fields)


def renew_lease(store: Store, post_id: int, *, owner: str, now: datetime, lease_s: float) -> bool:
    """Extend a live lease held by `owner`; False if it was lost (then stop working on the post)."""
    stmt = (
        sa.update(post)
        .where(post.c.id == post_id, post.c.lease_owner == owner, post.c.lease_expires_at > now)
        .values(lease_expires_at=now + timedelta(seconds=lease_s))
    )
    with store.begin() as conn:
        return conn.execute(stmt).rowcount == 1


def claimed_by(store: Store, owner: str) -> list[int]:
    """Ids of the posts `owner` has claimed and not started sending."""
    query = sa.select(post.c.id).where(post.c.lease_owner == owner, post.c.state == S.CLAIMED.value)
    with store.session() as s:
        return list(s.execute(query).scalars())


def reap_expired(store: Store, now: datetime) -> tuple[list[int], list[int]]:
    """Return expired leases: claimed, nothing sent -> queued; sending -> reconcile (never re-sent blindly).

    Returns (requeued ids, ids to reconcile). Safe to run from several nodes at once. The last resort: a dead
    owner's leases are normally taken back at once by `take_over` (see daemon.lock for how death is proven).
    """
    # Most calls find nothing: a read says so without a write transaction (the daemon reaps on every tick).
    # A lease that expires just after this read is reaped by the next call, as if this one had run earlier.
    if not _any_expired(store, now):
        return [], []
    return _reap(store, now, post.c.lease_expires_at <= now, "lease expired")


# Only claimed and sending posts hold a lease (every move out of them clears it) and only they are reaped: the
# state narrows the read to them, on the state index, instead of a scan of every post. (Equalities joined by
# OR, not an IN list: a `Prepared` statement takes no list; SQLite reads them as the IN list.)
_ANY_EXPIRED = (
    sa.select(post.c.id)
    .where(
        sa.or_(*(post.c.state == s.value for s in sorted(LEASED_STATES))),
        post.c.lease_expires_at <= sa.bindparam("now"),
    )
    .limit(1)
)


def _any_expired(store: Store, now: datetime) -> bool:
    if store.is_sqlite:  # asked twice a tick: on the driver connection
        return bool(raw_rows(store, _ANY_EXPIRED, {"now": now}))
    with store.read() as conn:
        return conn.execute(_ANY_EXPIRED, {"now": now}).first() is not None


#: The outcome of an attempt that never got its answer because our own worker died (or its lease ran out)
#: while sending: the retry budget does not count it (store.attempts.attempt_budget).
INTERRUPTED_OUTCOME = "interrupted"
#: The reason of a post whose worker died while sending: reconcile asks at once and, if nothing went out,
#: sends again at once (the platform refused nothing, so there is nothing to back off from).
INTERRUPTED = "outcome unknown: the worker died while sending"


def take_over(
    store: Store, now: datetime, *, keep: str | None = None, owners: Collection[str] | None = None
) -> tuple[list[int], list[int]]:
    """Take back the leases of owners proven dead, whatever their expiry: claimed with nothing sent ->
    queued (due again); sending -> reconcile, checked at once. `owners`: exactly these; otherwise every
    owner but `keep`. Returns (requeued ids, ids to reconcile)."""
    which: sa.ColumnElement[bool]
    if owners is not None:
        if not owners:
            return [], []
        which = post.c.lease_owner.in_(sorted(owners))
    else:
        which = post.c.lease_owner.is_not(None)
        if keep is not None:
            which = sa.and_(which, post.c.lease_owner != keep)
    return _reap(store, now, which, "its worker died", reason=INTERRUPTED)


def lease_owners(store: Store) -> set[str]:
    """Every owner holding a lease now (live or dead: daemon.lock.Liveness tells which)."""
    query = sa.select(post.c.lease_owner).where(post.c.lease_owner.is_not(None)).distinct()
    with store.begin() as conn:
        return {str(o) for o in conn.execute(query).scalars()}


def _reap(
    store: Store, now: datetime, which: Any, why: str, *, reason: str | None = None
) -> tuple[list[int], list[int]]:
    open_attempt = sa.exists().where(attempt.c.post_id == post.c.id, attempt.c.finished_at.is_(None))
    released = {"lease_owner": None, "lease_expires_at": None, "updated_at": now}
    requeue = (
        sa.update(post)
        .where(post.c.state == S.CLAIMED.value, which, ~open_attempt)
        .values(state=S.QUEUED.value, **released)
        .returning(post.c.id)
    )
    to_check = {"reason": reason, "next_attempt_at": now} if reason else {}
    unknown = (
        sa.update(post)
        .where(
            sa.or_(post.c.state == S.SENDING.value, sa.and_(post.c.state == S.CLAIMED.value, open_attempt)),
            which,
        )
        .values(state=S.RECONCILE.value, **released, **to_check)
        .returning(post.c.id)
    )
    with store.begin() as conn:
        requeued = sorted(conn.execute(requeue).scalars())
        to_reconcile = sorted(conn.execute(unknown).scalars())
        if to_reconcile:
            conn.execute(
                sa.update(attempt)
                .where(attempt.c.post_id.in_(to_reconcile), attempt.c.finished_at.is_(None))
                .values(finished_at=now, outcome=INTERRUPTED_OUTCOME, error=f"{why} while sending")
            )
        _log(
            conn,
            now,
            [(i, "reap", f"claimed -> queued: {why}, nothing sent") for i in requeued]
            + [(i, "reap", f"sending -> reconcile: {why}, outcome unknown") for i in to_reconcile],
        )
    return requeued, to_reconcile


def transition_within(
    conn: Connection,
    post_id: int,
    *,
    from_states: Collection[PostState],
    to: PostState,
    now: datetime,
    **fields: Any,
) -> bool:
    """transition() for a person or the sync (owner None) as one step of a store module's own write
    transaction: the same compare-and-set, the same checks, the same transition event."""
    _check_move(from_states, to)
    unknown = set(fields) - SETTABLE
    if unknown:
        raise StoreError(f"transition cannot set {', '.join(sorted(unknown))}")
    return _transition(Tx(conn), post_id, owner=None, from_states=from_states, to=to, now=now, fields=fields)


def log_event(
    store: Store, post_id: int | None, kind: str, message: str, *, now: datetime | None = None
) -> None:
    """Append one audit event (a forced retry, a notification sent); `message` must hold no secret."""
    with store.begin() as conn:
        _log(conn, now or store.clock(), [(post_id, kind, message)])


def _claimed(row: sa.RowMapping) -> ClaimedPost:
    values: dict[str, Any] = dict(row)
    values["ids"] = dict(values["ids"] or {})
    return ClaimedPost(**values)


def _claimed_row(row: tuple[Any, ...]) -> ClaimedPost:
    """A claim's RETURNING row (the columns of _CLAIM_COLUMNS, in ClaimedPost's order)."""
    pid, item, platform, account, due_at, window, count, owner, expires, rendered, content, remote, ids = row
    return ClaimedPost(
        pid, item, platform, account, due_at, window, count, owner, expires, rendered, content, remote,
        dict(ids or {}),
    )  # fmt: skip


def _check_move(from_states: Collection[PostState], to: PostState) -> None:
    if to in LEASED_STATES:
        raise StoreError(f"a post enters {to} only through claim_due/start_attempt")
    if not from_states:
        raise StoreError("from_states is empty")
    for state in from_states:
        check_transition(state, to)


_LOCK = (
    sa.select(post.c.state, post.c.lease_owner, post.c.ids, post.c.reason)
    .where(post.c.id == sa.bindparam("pid"))
    .with_for_update()  # PostgreSQL: hold the row until commit; SQLite: BEGIN IMMEDIATE already does
)


@lru_cache(maxsize=64)
def _update_stmt(columns: frozenset[str]) -> sa.Update:
    """UPDATE post SET <columns> WHERE id = :pid, built once per column set (building is the slow part)."""
    values = {c: sa.bindparam(f"v_{c}", type_=post.c[c].type) for c in sorted(columns)}
    return sa.update(post).where(post.c.id == sa.bindparam("pid")).values(**values)


_EVENT = sa.insert(event_t).values(
    post_id=sa.bindparam("pid", type_=sa.Integer),
    at=sa.bindparam("at", type_=UTCDateTime),
    kind=sa.bindparam("kind", type_=sa.String),
    message=sa.bindparam("message", type_=sa.String),
)


def _transition(
    tx: Tx,
    post_id: int,
    *,
    owner: str | None,
    from_states: Collection[PostState],
    to: PostState,
    now: datetime,
    fields: Mapping[str, Any],
    was: str | None = None,
) -> bool:
    if owner is not None and was is None and len(from_states) == 1:
        return _held_move(tx, post_id, owner=owner, source=PostState(next(iter(from_states))), to=to, now=now,
                          fields=fields)  # fmt: skip
    rows = tx.rows(_LOCK, {"pid": post_id})
    if not rows:
        return False
    state, lease_owner, _ids, reason_now = rows[0]
    if state not in {PostState(s).value for s in from_states}:
        return False
    if was is not None and (reason_now or "") != was:
        return False  # moved on within the state (e.g. a job found pending since the person looked)
    if owner is None and state in LEASED_STATES:
        return False  # only the lease holder moves a claimed/sending post on
    if owner is not None and lease_owner != owner:
        return False
    values = {**fields, "state": to.value, "updated_at": now, "lease_owner": None, "lease_expires_at": None}
    if "reason" in fields and "reason_msg" not in fields:
        values["reason_msg"] = None  # a new reason in words only: no older code may word it
    tx.count(_update_stmt(frozenset(values)), {"pid": post_id, **{f"v_{k}": v for k, v in values.items()}})
    reason = fields.get("reason")
    message = f"{state} -> {to.value}" + (f": {reason}" if reason else "")
    tx.count(_EVENT, {"pid": post_id, "at": now, "kind": "transition", "message": message})
    return True


def _held_move(
    tx: Tx, post_id: int, *, owner: str, source: PostState, to: PostState, now: datetime,
    fields: Mapping[str, Any],
) -> bool:  # fmt: skip
    """`_transition` for the lease holder moving its post on from one known state (the queue's every move):
    the compare-and-set is the UPDATE's own WHERE, so no read of the row comes first."""
    values = {**fields, "state": to.value, "updated_at": now, "lease_owner": None, "lease_expires_at": None}
    if "reason" in fields and "reason_msg" not in fields:
        values["reason_msg"] = None
    params = {"pid": post_id, "w_state": source.value, "w_owner": owner}
    params.update({f"v_{k}": v for k, v in values.items()})
    if tx.count(_held_update_stmt(frozenset(values)), params) != 1:
        return False  # not in that state, or not held by `owner` (the lease was lost)
    reason = fields.get("reason")
    message = f"{source.value} -> {to.value}" + (f": {reason}" if reason else "")
    tx.count(_EVENT, {"pid": post_id, "at": now, "kind": "transition", "message": message})
    return True


@lru_cache(maxsize=64)
def _held_update_stmt(columns: frozenset[str]) -> sa.Update:
    """UPDATE post SET <columns> WHERE id = :pid AND state = :w_state AND lease_owner = :w_owner."""
    return _update_stmt(columns).where(
        post.c.state == sa.bindparam("w_state", type_=sa.String),
        post.c.lease_owner == sa.bindparam("w_owner", type_=sa.String),
    )


def _log(conn: Connection, now: datetime, events: list[tuple[int | None, str, str]]) -> None:
    if events:
        rows = [{"post_id": p, "at": now, "kind": k, "message": m} for p, k, m in events]
        conn.execute(sa.insert(event_t), rows if len(rows) > 1 else rows[0])
