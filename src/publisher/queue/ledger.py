"""The queue's bookkeeping over the store's named reads: late sweep, wake-up, attempts, events, alerts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from publisher.messages import Msg, msg
from publisher.models import PostState
from publisher.queue.policy import Alert, Notifier, notify_once
from publisher.states import PERSON as PERSON_STATES
from publisher.store import attempts, events, posts
from publisher.store.claims import log_event, transition
from publisher.store.db import Store
from publisher.store.events import RETRY_EVENT
from publisher.store.posts import WaitingPost

S = PostState
#: event kind a person's retry writes; the late window then counts from that decision (queue_actions)
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
    ) -> Msg | None:
        """Why the post is too late to send now (a catalogue message), or None.
        A person's retry restarts the window (they decided)."""
        if due_at is None or now <= due_at + timedelta(seconds=window_s):
            return None
        decided = events.last_event_at(self.store, post_id, RETRY_EVENT)
        if decided is not None and now <= decided + timedelta(seconds=window_s):
            return None
        ended = due_at + timedelta(seconds=window_s)
        return msg(
            "reason.missed",
            due=f"{due_at.astimezone(self.zone):%Y-%m-%d %H:%M %Z}",
            window=_human(timedelta(seconds=window_s)),
            ended=f"{ended.astimezone(self.zone):%Y-%m-%d %H:%M %Z}",
        )

    def sweep_late(self, now: datetime, limit: int) -> list[tuple[int, str, str, str, str, str]]:
        """Queued posts past their late window -> missed,
        oldest first (they are reported while nothing sends)."""
        rows = posts.overdue_queued(self.store, now, limit)
        out = []
        for r in rows:
            late = self.late_reason(r.id, r.due_at, r.late_window_s, now)
            reason = late.text("en") if late else ""
            if late and transition(
                self.store,
                r.id,
                owner=None,
                from_states=[S.QUEUED],
                to=S.MISSED,
                now=now,
                reason=reason,
                reason_msg=late.to_json(),
            ):
                self.alert(r.id, r.item_id, r.platform, r.account, S.MISSED, r.attempt_count, reason, now=now)
                out.append((r.id, r.item_id, r.platform, r.account, S.MISSED.value, reason))
        return out

    # -- what to claim, and when to wake ------------------------------------------------------------------

    def claimable_accounts(self, now: datetime) -> set[str]:
        return posts.claimable_accounts(self.store, now)

    def next_due(self, flagged: Collection[str] | None, skip: Collection[int] = ()) -> datetime | None:
        """The next wake-up; `flagged` None: the accounts flagged in the store, read with it."""
        return posts.next_wake(self.store, flagged, skip)

    def hashes_in(
        self, post_ids: Collection[int], states: Collection[str] = posts.CLAIMABLE
    ) -> dict[int, str | None]:
        """Of these posts, those still in `states` (default: waiting for a claim), with their content hash."""
        return posts.hashes_in(self.store, post_ids, states)

    def reconcile_due(
        self, now: datetime, limit: int, flagged: Collection[str] | None, skip: Collection[int] = ()
    ) -> list[WaitingPost]:
        return posts.reconcile_due(self.store, now, limit, flagged, skip)

    # -- attempts, events, alerts -------------------------------------------------------------------------

    def last_attempt(self, post_id: int) -> tuple[int, datetime, datetime | None, str | None] | None:
        """(number, started_at, finished_at, request_hash) of the post's latest attempt."""
        return attempts.last_attempt(self.store, post_id)

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
    """A duration as people say it: 45 min, 2 h, 2 h 30 min, 3 d 4 h."""
    minutes = max(int(delta.total_seconds()), 0) // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
