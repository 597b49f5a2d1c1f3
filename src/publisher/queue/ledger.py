"""The queue's reads and bookkeeping on the store: late sweep, wake-up time, attempts, events and alerts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from publisher.models import PostState
from publisher.queue.policy import Alert, Notifier, notify_once
from publisher.states import PERSON as PERSON_STATES
from publisher.store.claims import log_event, transition
from publisher.store.db import Store
from publisher.store.tables import AttemptRow, EventRow, PostRow

S = PostState
post_t = PostRow.__table__  # type: ignore[attr-defined]
attempt_t = AttemptRow.__table__  # type: ignore[attr-defined]
event_t = EventRow.__table__  # type: ignore[attr-defined]
CLAIMABLE = (S.QUEUED.value, S.RETRYING.value)
#: event kind a person's retry writes; the late window then counts from that decision (queue_actions)
RETRY_EVENT = "retry"
#: reason of a post whose publish the platform accepted for later processing (review, async job)
SUBMITTED = "submitted; waiting for the platform"


@dataclass(frozen=True)
class Outcome:
    """What happened to one post in one queue run."""

    post_id: int
    item: str
    platform: str
    account: str
    state: str
    reason: str


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


class QueueStore:
    """Small queries the queue needs beyond store.claims,
    kept apart so queue.py reads as the state machine."""

    def __init__(self, store: Store, notifier: Notifier | None, *, zone: ZoneInfo) -> None:
        self.store = store
        self.notifier = notifier
        self.zone = zone

    # -- lateness ---------------------------------------------------------------------------------------

    def late_reason(
        self, post_id: int, due_at: datetime | None, window_s: float, now: datetime
    ) -> str | None:
        """Why the post is too late to send now, or None.
        A person's retry restarts the window (they decided)."""
        if due_at is None or now <= due_at + timedelta(seconds=window_s):
            return None
        query = sa.select(sa.func.max(event_t.c.at)).where(
            event_t.c.post_id == post_id, event_t.c.kind == RETRY_EVENT
        )
        with self.store.session() as s:
            decided = s.execute(query).scalar()
        if decided is not None and now <= decided + timedelta(seconds=window_s):
            return None
        late = now - due_at
        return (
            f"missed: due {due_at.astimezone(self.zone):%Y-%m-%d %H:%M %Z}, {_human(late)} late, beyond the "
            f"late window of {_human(timedelta(seconds=window_s))}; a person decides (publisher retry)"
        )

    def sweep_late(self, now: datetime, limit: int) -> list[tuple[int, str, str, str, str, str]]:
        """Queued posts past their late window -> missed,
        oldest first (they are reported while nothing sends)."""
        query = (
            sa.select(
                post_t.c.id,
                post_t.c.item_id,
                post_t.c.platform,
                post_t.c.account,
                post_t.c.due_at,
                post_t.c.late_window_s,
                post_t.c.attempt_count,
            )
            .where(post_t.c.state == S.QUEUED.value, post_t.c.due_at <= now)
            .order_by(post_t.c.due_at, post_t.c.id)
            .limit(limit)
        )
        with self.store.session() as s:
            rows = s.execute(query).all()
        out = []
        for r in rows:
            reason = self.late_reason(r.id, r.due_at, r.late_window_s, now)
            if reason and transition(
                self.store, r.id, owner=None, from_states=[S.QUEUED], to=S.MISSED, now=now, reason=reason
            ):
                self.alert(r.id, r.item_id, r.platform, r.account, S.MISSED, r.attempt_count, reason, now=now)
                out.append((r.id, r.item_id, r.platform, r.account, S.MISSED.value, reason))
        return out

    # -- what to claim, and when to wake ------------------------------------------------------------------

    def claimable_accounts(self, now: datetime) -> set[str]:
        query = (
            sa.select(post_t.c.account)
            .distinct()
            .where(post_t.c.state.in_(CLAIMABLE), post_t.c.due_at <= now)
        )
        with self.store.session() as s:
            return set(s.execute(query).scalars())

    def next_due(self, flagged: Collection[str]) -> datetime | None:
        due, nxt = post_t.c.due_at, post_t.c.next_attempt_at
        effective = sa.case((nxt.is_(None), due), (nxt > due, nxt), else_=due)
        waiting = sa.select(sa.func.min(effective)).where(post_t.c.state.in_(CLAIMABLE), due.is_not(None))
        polls = sa.select(sa.func.min(sa.func.coalesce(nxt, post_t.c.updated_at))).where(
            post_t.c.state == S.RECONCILE.value
        )
        leases = sa.select(sa.func.min(post_t.c.lease_expires_at)).where(
            post_t.c.state.in_([S.CLAIMED.value, S.SENDING.value])
        )
        if flagged:
            waiting = waiting.where(post_t.c.account.not_in(list(flagged)))
            polls = polls.where(post_t.c.account.not_in(list(flagged)))
        with self.store.session() as s:
            found = [s.execute(q).scalar() for q in (waiting, polls, leases)]
        times = [t for t in found if t is not None]
        return min(times) if times else None

    def reconcile_due(self, now: datetime, limit: int, flagged: Collection[str]) -> list[WaitingPost]:
        query = (
            sa.select(
                post_t.c.id,
                post_t.c.item_id,
                post_t.c.platform,
                post_t.c.account,
                post_t.c.reason,
                post_t.c.attempt_count,
                post_t.c.ids,
            )
            .where(
                post_t.c.state == S.RECONCILE.value,
                sa.or_(post_t.c.next_attempt_at.is_(None), post_t.c.next_attempt_at <= now),
            )
            .order_by(post_t.c.next_attempt_at, post_t.c.id)
            .limit(limit)
        )
        if flagged:
            query = query.where(post_t.c.account.not_in(list(flagged)))
        with self.store.session() as s:
            return [
                WaitingPost(
                    r.id,
                    r.item_id,
                    r.platform,
                    r.account,
                    r.reason or "",
                    r.attempt_count,
                    {k: v for k, v in dict(r.ids or {}).items() if v is not None},
                )
                for r in s.execute(query)
            ]

    # -- attempts, events, alerts -------------------------------------------------------------------------

    def last_attempt(self, post_id: int) -> tuple[int, datetime, datetime | None, str | None] | None:
        """(number, started_at, finished_at, request_hash) of the post's latest attempt."""
        query = (
            sa.select(
                attempt_t.c.number, attempt_t.c.started_at, attempt_t.c.finished_at, attempt_t.c.request_hash
            )
            .where(attempt_t.c.post_id == post_id)
            .order_by(attempt_t.c.number.desc())
            .limit(1)
        )
        with self.store.session() as s:
            row = s.execute(query).first()
        return None if row is None else (row.number, row.started_at, row.finished_at, row.request_hash)

    def last_request_hash(self, post_id: int) -> str | None:
        last = self.last_attempt(post_id)
        return None if last is None else last[3]

    def event(self, post_id: int | None, kind: str, message: str, now: datetime) -> None:
        log_event(self.store, post_id, kind, message, now=now)

    def alert(
        self,
        post_id: int,
        item: str,
        platform: str,
        account: str,
        state: PostState,
        attempt: int,
        reason: str,
        *,
        now: datetime,
        url: str | None = None,
        evidence: str = "",
    ) -> bool:
        """One notification per (post, state, attempt) for the states a person must act on."""
        if state not in PERSON_STATES:
            return False
        return notify_once(
            self.store,
            self.notifier,
            Alert(post_id, item, platform, account, state.value, attempt, reason, url, evidence),
            now=now,
        )


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{max(seconds, 0) // 60} min"
