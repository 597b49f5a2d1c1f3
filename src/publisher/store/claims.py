"""Claims, leases and compare-and-set transitions on post rows: the only way the queue moves a post."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from publisher.errors import StoreError
from publisher.models import Attempt, PostState
from publisher.states import LEASED_STATES, check_transition
from publisher.store.db import Store
from publisher.store.tables import AttemptRow, EventRow, PostRow

S = PostState
post = PostRow.__table__  # type: ignore[attr-defined]
attempt = AttemptRow.__table__  # type: ignore[attr-defined]
event_t = EventRow.__table__  # type: ignore[attr-defined]

#: Columns transition() may set besides state; identity, lease and bookkeeping columns are not among them.
SETTABLE = frozenset(
    {"due_at", "late_window_s", "next_attempt_at", "remote_id", "url", "rendered_hash", "content_hash",
     "last_error", "reason"}
)  # fmt: skip


class LeaseLost(StoreError):
    """This worker no longer holds the post's lease: it must not send anything for it."""


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
) -> list[ClaimedPost]:
    """Atomically lease up to `limit` due queued/retrying posts to `owner`; each row goes to one claimer."""
    due = (
        sa.select(post.c.id)
        .where(
            post.c.state.in_([S.QUEUED.value, S.RETRYING.value]),
            post.c.due_at <= now,
            sa.or_(post.c.next_attempt_at.is_(None), post.c.next_attempt_at <= now),
        )
        .order_by(post.c.due_at, post.c.id)
        .limit(limit)
    )
    if platforms is not None:
        due = due.where(post.c.platform.in_(list(platforms)))
    if accounts is not None:
        due = due.where(post.c.account.in_(list(accounts)))
    if store.dialect == "postgresql":
        # Rows another node is claiming right now are skipped, not waited for.
        due = due.with_for_update(skip_locked=True)
    # On SQLite this one UPDATE ... RETURNING runs under BEGIN IMMEDIATE: claimers are serialised.
    stmt = (
        sa.update(post)
        .where(post.c.id.in_(due.scalar_subquery()), post.c.state.in_([S.QUEUED.value, S.RETRYING.value]))
        .values(
            state=S.CLAIMED.value,
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_s),
            updated_at=now,
        )
        .returning(*_CLAIM_COLUMNS)
    )
    with store.begin() as conn:
        rows = conn.execute(stmt).mappings().all()
        _log(conn, now, [(r["id"], "claim", f"-> claimed by {owner}") for r in rows])
    claimed = [_claimed(r) for r in rows]
    return sorted(claimed, key=lambda c: (c.due_at is None, c.due_at, c.id))


def transition(
    store: Store,
    post_id: int,
    *,
    owner: str | None,
    from_states: Collection[PostState],
    to: PostState,
    now: datetime | None = None,
    **fields: Any,
) -> bool:
    """Compare-and-set: move the post to `to` if it is in one of `from_states` (and held by `owner`).

    `owner=None` is a person or the sync acting: it may not move a claimed or sending post. Returns False when
    the row was not as expected (someone else moved it, or the lease was lost); raises StoreError when the
    move itself is illegal.
    """
    _check_move(from_states, to)
    unknown = set(fields) - SETTABLE
    if unknown:
        raise StoreError(f"transition cannot set {', '.join(sorted(unknown))}")
    now = now or store.clock()
    with store.begin() as conn:
        return _transition(conn, post_id, owner=owner, from_states=from_states, to=to, now=now, fields=fields)


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
    """
    with store.begin() as conn:
        row = _locked(conn, post_id)
        if (
            row is None
            or row.state != S.CLAIMED.value
            or row.lease_owner != owner
            or row.lease_expires_at is None
            or row.lease_expires_at <= now
        ):
            raise LeaseLost(f"post {post_id}: not claimed by {owner} with a live lease; nothing may be sent")
        number = row.attempt_count + 1
        conn.execute(
            sa.insert(attempt).values(
                post_id=post_id, number=number, started_at=now, step=step, request_hash=request_hash
            )
        )
        values: dict[str, Any] = {"state": S.SENDING.value, "attempt_count": number, "updated_at": now}
        if lease_s is not None:
            values["lease_expires_at"] = now + timedelta(seconds=lease_s)
        conn.execute(sa.update(post).where(post.c.id == post_id).values(**values))
        _log(conn, now, [(post_id, "attempt", f"claimed -> sending, attempt {number} ({step})")])
    return Attempt(post_id=post_id, number=number, started_at=now, ids=dict(row.ids or {}))


def begin_step(
    store: Store, post_id: int, number: int, *, owner: str, step: str, request_hash: str | None = None
) -> bool:
    """Record the step about to be sent (before a further non-idempotent call); False if the lease is lost."""
    with store.begin() as conn:
        row = _locked(conn, post_id)
        if row is None or row.state != S.SENDING.value or row.lease_owner != owner:
            return False
        conn.execute(
            sa.update(attempt)
            .where(attempt.c.post_id == post_id, attempt.c.number == number, attempt.c.finished_at.is_(None))
            .values(step=step, request_hash=request_hash)
        )
    return True


def record_ids(store: Store, post_id: int, owner: str, ids: Mapping[str, Any]) -> bool:
    """Merge platform ids into post.ids at once. Always stored (they are facts reconcile needs, even after a
    lost lease); returns whether `owner` still holds the lease."""
    with store.begin() as conn:
        row = _locked(conn, post_id)
        if row is None:
            raise StoreError(f"post {post_id} does not exist")
        merged = {**(row.ids or {}), **dict(ids)}
        conn.execute(sa.update(post).where(post.c.id == post_id).values(ids=merged, updated_at=store.clock()))
        return bool(row.lease_owner == owner)


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
    platform_code: str | None = None,
    error: str | None = None,
    **fields: Any,
) -> bool:
    """Close the attempt and move sending -> `to` in one transaction. The attempt's outcome is recorded even
    when the lease was lost; the post moves only for the holder (returns False otherwise)."""
    _check_move([S.SENDING], to)
    with store.begin() as conn:
        conn.execute(
            sa.update(attempt)
            .where(attempt.c.post_id == post_id, attempt.c.number == number)
            .values(
                finished_at=now,
                outcome=outcome,
                http_status=http_status,
                platform_code=None if platform_code is None else str(platform_code),
                error=error,
            )  # fmt: skip
        )
        if error is not None:
            fields.setdefault("last_error", error)
        return _transition(conn, post_id, owner=owner, from_states=[S.SENDING], to=to, now=now, fields=fields)


def renew_lease(store: Store, post_id: int, *, owner: str, now: datetime, lease_s: float) -> bool:
    """Extend a live lease held by `owner`; False if it was lost (then stop working on the post)."""
    stmt = (
        sa.update(post)
        .where(post.c.id == post_id, post.c.lease_owner == owner, post.c.lease_expires_at > now)
        .values(lease_expires_at=now + timedelta(seconds=lease_s))
    )
    with store.begin() as conn:
        return conn.execute(stmt).rowcount == 1


def reap_expired(store: Store, now: datetime) -> tuple[list[int], list[int]]:
    """Return expired leases: claimed, nothing sent -> queued; sending -> reconcile (never re-sent blindly).

    Returns (requeued ids, ids to reconcile). Safe to run from several nodes at once.
    """
    open_attempt = sa.exists().where(attempt.c.post_id == post.c.id, attempt.c.finished_at.is_(None))
    released = {"lease_owner": None, "lease_expires_at": None, "updated_at": now}
    requeue = (
        sa.update(post)
        .where(post.c.state == S.CLAIMED.value, post.c.lease_expires_at <= now, ~open_attempt)
        .values(state=S.QUEUED.value, **released)
        .returning(post.c.id)
    )
    unknown = (
        sa.update(post)
        .where(post.c.state == S.SENDING.value, post.c.lease_expires_at <= now)
        .values(state=S.RECONCILE.value, **released)
        .returning(post.c.id)
    )
    with store.begin() as conn:
        requeued = sorted(conn.execute(requeue).scalars())
        to_reconcile = sorted(conn.execute(unknown).scalars())
        if to_reconcile:
            conn.execute(
                sa.update(attempt)
                .where(attempt.c.post_id.in_(to_reconcile), attempt.c.finished_at.is_(None))
                .values(finished_at=now, outcome="unknown", error="lease expired while sending")
            )
        _log(
            conn,
            now,
            [(i, "reap", "claimed -> queued: lease expired, nothing sent") for i in requeued]
            + [(i, "reap", "sending -> reconcile: lease expired, outcome unknown") for i in to_reconcile],
        )
    return requeued, to_reconcile


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


def _check_move(from_states: Collection[PostState], to: PostState) -> None:
    if to in LEASED_STATES:
        raise StoreError(f"a post enters {to} only through claim_due/start_attempt")
    if not from_states:
        raise StoreError("from_states is empty")
    for state in from_states:
        check_transition(state, to)


def _locked(conn: Connection, post_id: int) -> Any:
    stmt = sa.select(post).where(post.c.id == post_id).with_for_update()
    return conn.execute(stmt).one_or_none()


def _transition(
    conn: Connection,
    post_id: int,
    *,
    owner: str | None,
    from_states: Collection[PostState],
    to: PostState,
    now: datetime,
    fields: Mapping[str, Any],
) -> bool:
    row = _locked(conn, post_id)
    if row is None or row.state not in {PostState(s).value for s in from_states}:
        return False
    if owner is None and row.state in LEASED_STATES:
        return False  # only the lease holder moves a claimed/sending post on
    if owner is not None and row.lease_owner != owner:
        return False
    values = {**fields, "state": to.value, "updated_at": now, "lease_owner": None, "lease_expires_at": None}
    conn.execute(sa.update(post).where(post.c.id == post_id).values(**values))
    reason = fields.get("reason")
    _log(
        conn, now, [(post_id, "transition", f"{row.state} -> {to.value}" + (f": {reason}" if reason else ""))]
    )
    return True


def _log(conn: Connection, now: datetime, events: list[tuple[int | None, str, str]]) -> None:
    if events:
        conn.execute(
            sa.insert(event_t), [{"post_id": p, "at": now, "kind": k, "message": m} for p, k, m in events]
        )
