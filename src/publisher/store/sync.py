"""What a calendar sync reads and writes: post rows as sync compares them, and the differences, written in one
transaction (item rows, new posts, compare-and-set state moves, new times, notes, and the last-sync time).

Each write decides from the post as it is in the write transaction, never from what the sync read before it
(a state move only from the state it read, a person's "publish now" from the row's due_override_at, a post a
person cancelled meanwhile left alone), so a person's action made while a sync runs wins over its older view.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from publisher.errors import StoreError
from publisher.models import PostState
from publisher.states import PUBLISH_NOW_REASON
from publisher.store.claims import transition_within
from publisher.store.db import Store
from publisher.store.tables import item_t, post_t, sync_state_t

S = PostState
LAST_SYNC = "last_sync"  # sync_state key: when the last sync wrote its changes (ISO 8601)
#: sync_state key: the newest content revision synced into a shared store (calendar.revision.Revision JSON)
CONTENT_REVISION = "content_revision"


class RevisionMoved(StoreError):
    """Another node synced a different content revision since this sync read the newest one: nothing written,
    the sync judges its folder again."""


@dataclass(frozen=True)
class RevisionStep:
    """Compare-and-set of the newest synced revision: written only if the store still holds `expected`."""

    expected: Any
    new: Any


@dataclass(frozen=True, slots=True)  # one per post: no per-row __dict__
class SyncedPost:
    """A post row as sync compares it with the files."""

    item_id: str
    platform: str
    account: str
    state: PostState
    due_at: datetime | None
    content_hash: str | None
    id: int = 0


@dataclass(frozen=True)
class ItemRecord:
    """One content file as it is now (written over the item row)."""

    id: str
    path: str
    hash: str
    fields: dict[str, Any]
    status: str
    title: str


@dataclass(frozen=True, slots=True)  # one per post: no per-row __dict__
class NewPost:
    """A post the files ask for and the store does not have yet."""

    item_id: str
    platform: str
    account: str
    state: PostState
    due_at: datetime | None
    late_window_s: float
    content_hash: str
    reason: str
    reason_msg: str | None = None  # the reason's catalogue code and values (publisher.messages.Msg JSON)


@dataclass(frozen=True)
class Move:
    """A state change, made only if the post is still in `before` (compare-and-set, logged as a transition).
    `reset_retry` clears the backoff and the last error (a post queued afresh).

    `override_wins`: `after` is what the files want, planned or queued, where a person's "publish now" wins:
    a post that has one when the move is written goes to queued for it (with PUBLISH_NOW_REASON), whether or
    not this sync saw the override when it read the store, and one whose override is gone takes `after`."""

    item_id: str
    platform: str
    account: str
    before: PostState
    after: PostState
    reason: str
    reset_retry: bool = False
    reason_msg: str | None = None
    override_wins: bool = False


@dataclass(frozen=True)
class Reschedule:
    """A new due time, late window or content version, written only while the post is in `while_in`.

    `due_at` is the file's time. `keep_override`: the files want the post planned or queued, where a
    person's "publish now" wins over the file's time: a post that has one when this is written keeps its
    due time (the one the person gave), even when the override came after this sync read the store; one
    whose override is gone meanwhile takes the file's time, never the override this sync read."""

    item_id: str
    platform: str
    account: str
    due_at: datetime | None
    late_window_s: float
    content_hash: str
    while_in: frozenset[PostState]
    keep_override: bool = False


@dataclass(frozen=True)
class Note:
    """A new reason shown with the post (no state change)."""

    item_id: str
    platform: str
    account: str
    reason: str


SyncWrite = NewPost | Move | Reschedule | Note


def due_overrides(store: Store) -> dict[tuple[str, str, str], datetime]:
    """(item, platform, account) -> a person's "publish now" time, for posts that have one."""
    query = sa.select(post_t.c.item_id, post_t.c.platform, post_t.c.account, post_t.c.due_override_at).where(
        post_t.c.due_override_at.is_not(None)
    )
    with store.session() as s:
        return {(r.item_id, r.platform, r.account): r.due_override_at for r in s.execute(query)}


def synced_posts(
    store: Store, item_ids: Collection[str] | None = None
) -> dict[tuple[str, str, str], SyncedPost]:
    """(item, platform, account) -> the post row, for every post (or those of `item_ids`)."""
    query = sa.select(
        post_t.c.id,
        post_t.c.item_id,
        post_t.c.platform,
        post_t.c.account,
        post_t.c.state,
        post_t.c.due_at,
        post_t.c.content_hash,
    )
    if item_ids is not None:
        query = query.where(post_t.c.item_id.in_(list(item_ids)))
    with store.session() as s:
        return {
            (r.item_id, platform, account): SyncedPost(
                r.item_id, platform, account, S(r.state), r.due_at, r.content_hash, r.id
            )
            for r in s.execute(query)
            for platform, account in [(sys.intern(r.platform), sys.intern(r.account))]
        }


def newest_post_id(store: Store) -> int:
    """The highest post id so far (0 for none): ids only grow (never reused), so a row above it was written
    after this read, by this process or another."""
    with store.session() as s:
        return int(s.execute(sa.select(sa.func.max(post_t.c.id))).scalar() or 0)


def newest_revision(store: Store) -> Any:
    """The newest content revision synced so far (its JSON), or None."""
    with store.session() as s:
        query = sa.select(sync_state_t.c.value).where(sync_state_t.c.key == CONTENT_REVISION)
        return s.execute(query).scalar()


def advance_revision(store: Store, step: RevisionStep) -> None:
    """Record a newer revision when a sync had no post to change (RevisionMoved if another node moved it)."""
    with store.begin() as conn:
        _step_revision(conn, step)


def _step_revision(conn: Connection, step: RevisionStep) -> None:
    # The row is locked (PostgreSQL) until the transaction ends: a sync from another revision waits, then sees
    # this one's and judges its folder again.
    query = sa.select(sync_state_t.c.value).where(sync_state_t.c.key == CONTENT_REVISION).with_for_update()
    row = conn.execute(query).first()
    current = None if row is None else row.value
    if current != step.expected:
        raise RevisionMoved("another node synced a different content revision meanwhile")
    if row is None:
        if not _insert_new(conn, sync_state_t, {"key": CONTENT_REVISION, "value": step.new}):
            raise RevisionMoved("another node synced a content revision meanwhile")
    elif current != step.new:
        conn.execute(
            sa.update(sync_state_t).where(sync_state_t.c.key == CONTENT_REVISION).values(value=step.new)
        )


def write_sync(
    store: Store,
    items: Iterable[ItemRecord],
    writes: Iterable[SyncWrite],
    *,
    now: datetime,
    revision: RevisionStep | None = None,
) -> None:
    """Write one sync's differences in one transaction, and remember when (LAST_SYNC). Two syncs racing agree:
    inserts skip rows another process inserted first, and state moves are compare-and-set. With `revision`
    (a shared store, a folder in git) nothing is written unless the newest synced revision is still the one
    this sync judged its folder against (RevisionMoved)."""
    with store.begin() as conn:
        if revision is not None:
            _step_revision(conn, revision)
        for item in items:
            values = dict(
                path=item.path,
                hash=item.hash,
                fields=item.fields,
                status=item.status,
                title=item.title,
                synced_at=now,
            )
            updated = conn.execute(sa.update(item_t).where(item_t.c.id == item.id).values(**values)).rowcount
            if not updated:
                _insert_new(conn, item_t, {"id": item.id, **values})
        for w in writes:
            _write(conn, w, now)
        if not conn.execute(
            sa.update(sync_state_t).where(sync_state_t.c.key == LAST_SYNC).values(value=now.isoformat())
        ).rowcount:
            _insert_new(conn, sync_state_t, {"key": LAST_SYNC, "value": now.isoformat()})


def _write(conn: Connection, w: SyncWrite, now: datetime) -> None:
    where = sa.and_(
        post_t.c.item_id == w.item_id, post_t.c.platform == w.platform, post_t.c.account == w.account
    )
    if isinstance(w, NewPost):
        _insert_new(
            conn,
            post_t,
            dict(
                item_id=w.item_id,
                platform=w.platform,
                account=w.account,
                state=w.state.value,
                due_at=w.due_at,
                late_window_s=w.late_window_s,
                content_hash=w.content_hash,
                reason=w.reason,
                reason_msg=w.reason_msg,
                ids={},
                created_at=now,
                updated_at=now,
            ),
        )
    elif isinstance(w, Move):
        row = conn.execute(sa.select(post_t.c.id, post_t.c.due_override_at).where(where)).first()
        if row is None:
            return
        to, reason, reason_msg, reset = w.after, w.reason, w.reason_msg, w.reset_retry
        if w.override_wins and row.due_override_at is not None:
            # The row's override as it is now, not as this sync read it: a person's "publish now" wins.
            to, reason, reason_msg, reset = S.QUEUED, PUBLISH_NOW_REASON, None, True
        if to == w.before:
            return  # e.g. queued for the person already: the files' wish waits until the post is sent
        fields: dict[str, Any] = {"reason": reason, "reason_msg": reason_msg}
        if reset:
            fields.update(next_attempt_at=None, last_error=None)
        transition_within(conn, row.id, from_states=[w.before], to=to, now=now, **fields)
    elif isinstance(w, Reschedule):
        due: Any = w.due_at
        if w.keep_override:
            # Decided here, in the write transaction: a "publish now" that came after this sync read the store
            # (another process) is not undone by the file's time; the post would wait for the next save.
            due = sa.func.coalesce(post_t.c.due_override_at, sa.literal(w.due_at, post_t.c.due_at.type))
        conn.execute(
            sa.update(post_t)
            .where(where, post_t.c.state.in_(sorted(s.value for s in w.while_in)))
            .values(due_at=due, late_window_s=w.late_window_s, content_hash=w.content_hash, updated_at=now)
        )
    else:
        conn.execute(sa.update(post_t).where(where).values(reason=w.reason, reason_msg=None, updated_at=now))


def _insert_new(conn: Connection, table: sa.Table, values: dict[str, Any]) -> bool:
    """Insert unless another process inserted the same row first: two syncs racing agree (R4). True if
    this call inserted it."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return bool(conn.execute(pg_insert(table).values(**values).on_conflict_do_nothing()).rowcount)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return bool(conn.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing()).rowcount)
