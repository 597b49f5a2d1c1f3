"""Reconcile: ask the platform what became of a post whose outcome is unknown or whose publish was submitted.

The adapter's answer decides (adapters' convention): PublishResult(state="published") -> published;
PublishResult(state="submitted", detail={"reconcile": "absent"}) -> a confirmed negative -> retrying (sent
again); PublishResult(state="submitted") otherwise -> still pending on the platform, asked again later; None
-> it cannot tell -> needs_attention for a person (`publisher resolve`). An error while asking is "could not
ask": asked again later, until the timeout makes it a person's question too.

The Reconciler is handed what it uses (the store, the queue's ledger, an adapter factory, the rendered
payloads, the clock, the retry settings and the owner it records ids as); it knows nothing of the Queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from publisher import errors
from publisher.adapters import Adapter
from publisher.adapters.http import before_send
from publisher.models import Attempt, PostState, PublishResult, RenderedPost
from publisher.queue.ledger import SUBMITTED, Outcome, QueueStore
from publisher.queue.policy import RetrySettings, backoff, next_check_at
from publisher.redact import redact_text
from publisher.store.attempts import attempt_budget
from publisher.store.claims import INTERRUPTED, record_ids, transition
from publisher.store.db import Store
from publisher.store.group import GroupCommit
from publisher.store.posts import WaitingPost
from publisher.store.tokens import mark_needs_reauth

#: After a worker died mid-send, "not on the platform" counts only once it has been true this long: a request
#: that left just before the death may still be landing (the platform commits it after our process is gone).
IN_FLIGHT_GRACE_S = 10.0
INTERRUPTED_ABSENT_ONCE = (
    "outcome unknown: the worker died while sending; not on the platform yet, asking again"
)

logger = logging.getLogger(__name__)
S = PostState
IdsSink = Callable[[dict[str, Any]], None]


class AdapterFor(Protocol):
    """Builds the adapter of one account whose platform ids are committed through `ids_sink`."""

    def __call__(self, platform: str, account: str, *, ids_sink: IdsSink) -> Adapter: ...


class RenderedFor(Protocol):
    """The payload as it would be sent now, or None when the item cannot be rendered any more."""

    def __call__(self, item_id: str, platform: str, account: str) -> RenderedPost | None: ...


class Behind(Protocol):
    """Whether this node's copy of the folder lags the store and lacks the item's version that was sent (its
    text would ask the platform about another post): such a reconcile is left to a node whose copy has it."""

    def __call__(self, item_id: str, content_hash: str | None) -> bool: ...


class FoundIds:
    """The ids sink of one post's reconcile: each id found is queued with the run's other durable steps (group
    commit) and is durable before the post's next request leaves (`durable`, awaited by every request through
    adapters.http.before_send) and, at the latest, with the post's move. Without a GroupCommit, each is
    committed at once."""

    def __init__(
        self, store: Store, commits: GroupCommit | None, post_id: int, owner: str, now: Callable[[], datetime]
    ) -> None:
        self.store, self.commits, self.post_id, self.owner, self.now = store, commits, post_id, owner, now
        self._queued: list[asyncio.Future[bool]] = []

    def __call__(self, ids: dict[str, Any]) -> None:
        if not ids:
            return  # nothing to store
        if self.commits is None:
            record_ids(self.store, self.post_id, self.owner, ids)
        else:
            self._queued.append(self.commits.record_ids(self.post_id, self.owner, ids, self.now()))

    async def durable(self) -> None:
        queued, self._queued = self._queued, []
        waiting = [f for f in queued if not f.done()]
        if waiting:
            await asyncio.wait(waiting)
        for future in queued:
            future.result()  # a store error is raised here, as the commit would have raised it


class Reconciler:
    """Reconciles posts in state reconcile. Only reads the platform: it never publishes.

    Posts of different accounts are checked side by side (`lanes` accounts at once, one account's in order);
    their durable steps share commits through `commits`."""

    def __init__(
        self,
        *,
        store: Store,
        db: QueueStore,
        owner: str,
        now: Callable[[], datetime],
        retry: RetrySettings,
        adapter_for: AdapterFor,
        rendered: RenderedFor,
        behind: Behind | None = None,
        commits: GroupCommit | None = None,
        lanes: int = 1,
    ) -> None:
        self.store, self.db, self.owner, self.now, self.retry = store, db, owner, now, retry
        self.adapter_for, self.rendered, self.behind = adapter_for, rendered, behind
        self.commits, self.lanes = commits, max(1, lanes)
        self.away: dict[int, str] = {}  # post id -> item id: left to a node whose copy has the version sent

    def sink(self, post_id: int) -> FoundIds:
        """The sink of ids a reconcile finds for the post (a later crash must find them)."""
        return FoundIds(self.store, self.commits, post_id, self.owner, self.now)

    async def pending(self, limit: int, flagged: set[str] | None) -> list[Outcome]:
        """Every reconcile post whose next check is due (reaped mid-send, submitted, or waiting to ask
        again), but those of `flagged` accounts (None: the accounts flagged in the store, read with the
        posts). Outcomes come back in the order the posts were due."""
        self._take_back()
        due = self.db.reconcile_due(self.now(), limit, flagged, set(self.away))
        lanes: dict[str, list[int]] = {}
        for n, w in enumerate(due):
            lanes.setdefault(w.account, []).append(n)
        if len(lanes) <= 1 or self.lanes == 1:
            return [await self._check(w) for w in due]
        results: list[Outcome | None] = [None] * len(due)
        gate = asyncio.Semaphore(self.lanes)

        async def lane(indexes: list[int]) -> None:
            async with gate:
                for n in indexes:
                    results[n] = await self._check(due[n])

        done = await asyncio.gather(*(lane(ix) for ix in lanes.values()), return_exceptions=True)
        for failure in done:
            if isinstance(failure, BaseException):
                raise failure
        return [r for r in results if r is not None]

    def _take_back(self) -> None:
        """Posts left to other nodes that this node may check again: its copy caught up, or they moved on."""
        if not self.away or self.behind is None:
            self.away.clear()
            return
        hashes = self.db.hashes_in(set(self.away), [S.RECONCILE.value])
        for post_id, item_id in list(self.away.items()):
            if post_id not in hashes or not self.behind(item_id, hashes[post_id]):
                del self.away[post_id]

    async def _check(self, w: WaitingPost) -> Outcome:
        if self.behind is not None and self.behind(w.item_id, w.content_hash):
            self.away[w.id] = w.item_id
            why = "left to a node whose copy of the folder has the version sent (this one is behind)"
            return Outcome(w.id, w.item_id, w.platform, w.account, S.RECONCILE.value, why)
        last = w.last or self.db.last_attempt(w.id)  # read with the post, else asked here
        number, started, finished = (
            (last[0], last[1], last[2]) if last else (w.attempt_count, self.now(), None)
        )
        attempt = Attempt(post_id=w.id, number=number, started_at=started, ids=w.ids)
        post = self.rendered(w.item_id, w.platform, w.account) or RenderedPost(
            item_id=w.item_id, item_path="", platform=w.platform, account=w.account, fields={}
        )
        found = self.sink(w.id)
        adapter = self.adapter_for(w.platform, w.account, ids_sink=found)
        return await self.one(
            w.id,
            w.item_id,
            w.platform,
            w.account,
            post,
            attempt,
            adapter,
            submitted=w.reason.startswith(SUBMITTED),
            interrupted=w.reason in (INTERRUPTED, INTERRUPTED_ABSENT_ONCE),
            absent_seen=w.reason == INTERRUPTED_ABSENT_ONCE,
            since=finished or started,
            found=found,
        )

    async def one(
        self,
        post_id: int,
        item: str,
        platform: str,
        account: str,
        post: RenderedPost,
        attempt: Attempt,
        adapter: Adapter,
        *,
        submitted: bool,
        since: datetime | None = None,
        interrupted: bool = False,
        absent_seen: bool = False,
        found: FoundIds | None = None,
    ) -> Outcome:
        """Ask once and move the post (compare-and-set from reconcile: a racing reconciler changes
        nothing). `found`: the adapter's ids sink, made durable before each request and with the move."""
        out = await self._ask(
            post_id, item, platform, account, post, attempt, adapter, submitted=submitted, since=since,
            interrupted=interrupted, absent_seen=absent_seen, found=found,
        )  # fmt: skip
        if found is not None:
            await found.durable()  # queued before the move: committed with it, or before
        return out

    async def _ask(
        self,
        post_id: int,
        item: str,
        platform: str,
        account: str,
        post: RenderedPost,
        attempt: Attempt,
        adapter: Adapter,
        *,
        submitted: bool,
        since: datetime | None,
        interrupted: bool,
        absent_seen: bool,
        found: FoundIds | None,
    ) -> Outcome:
        now = self.now()
        timeout = self.retry.submitted_timeout_s if submitted else self.retry.reconcile_timeout_s
        expired = now >= (since or now) + timedelta(seconds=timeout)
        where = (post_id, item, platform, account, attempt)
        evidence = f"stored ids: {dict(attempt.ids) or 'none'}"
        poll = getattr(adapter, "poll", None) if submitted else None
        try:
            if found is None:
                result = await (poll(post, attempt) if poll else adapter.reconcile(post, attempt))
            else:
                with before_send(found.durable):
                    result = await (poll(post, attempt) if poll else adapter.reconcile(post, attempt))
        except (errors.TransientError, errors.OutcomeUnknown, errors.QuotaExhausted) as exc:
            msg = redact_text(str(exc))
            if expired:
                return await self._move(
                    where, S.NEEDS_ATTENTION, f"could not check on the platform: {msg}", evidence
                )
            prefix = SUBMITTED if submitted else "outcome unknown"
            later = now + timedelta(seconds=self.retry.poll_s)
            if isinstance(exc, errors.QuotaExhausted) and exc.reset_at is not None:
                later = max(later, exc.reset_at)  # asking again before the reset only burns the next day's
            return await self._move(
                where,
                S.RECONCILE,
                f"{prefix}; checking again later ({msg})",
                evidence,
                next_attempt_at=later,
            )
        except errors.AuthError as exc:
            msg = redact_text(str(exc))
            mark_needs_reauth(self.store, account, reason=msg, post_id=post_id, now=now)
            self.db.alert(
                post_id,
                item,
                platform,
                account,
                S.NEEDS_REAUTH,
                attempt.number,
                f"cannot check post {post_id}: credentials of {account} need renewing: {msg}",
                now=now,
            )
            return await self._move(
                where,
                S.RECONCILE,
                f"outcome unknown; checking after re-authorisation ({msg})",
                evidence,
                next_attempt_at=now + timedelta(seconds=self.retry.poll_s),
            )
        except errors.PermanentError as exc:
            msg = redact_text(str(exc))
            if poll is not None:  # poll's contract: a permanent error is the platform failing the job
                return await self._move(where, S.FAILED, msg, evidence, last_error=msg)
            return await self._move(where, S.NEEDS_ATTENTION, msg, evidence)
        except errors.PlatformError as exc:
            return await self._move(where, S.NEEDS_ATTENTION, redact_text(str(exc)), evidence)
        except Exception as exc:  # an adapter bug must not leave the post unexamined
            logger.exception("reconcile of post %s failed", post_id)
            return await self._move(
                where, S.NEEDS_ATTENTION, f"reconcile failed: {type(exc).__name__}", evidence
            )
        return await self._decide(
            where,
            result,
            submitted=submitted,
            expired=expired,
            evidence=evidence,
            now=now,
            interrupted=interrupted,
            absent_seen=absent_seen,
        )

    async def _decide(
        self,
        where: tuple[int, str, str, str, Attempt],
        result: PublishResult | None,
        *,
        submitted: bool,
        expired: bool,
        evidence: str,
        now: datetime,
        interrupted: bool = False,
        absent_seen: bool = False,
    ) -> Outcome:
        post_id, attempt = where[0], where[4]
        if result is None:
            return await self._move(
                where,
                S.NEEDS_ATTENTION,
                "the platform cannot tell whether it was published: check "
                "it, then `publisher resolve` (--published URL or --not-published)",
                evidence,
            )
        detail = dict(result.detail)
        if result.state == "published":
            new = {
                k: v
                for k, v in detail.items()
                if k not in attempt.ids and isinstance(v, str | int) and not isinstance(v, bool)
            }
            queued = None
            if (
                new
            ):  # ids the reconcile found (e.g. the article id): metrics need them, committed with the move
                queued = self._ids(post_id, new)
            moved = await self._move(
                where,
                S.PUBLISHED,
                "published (confirmed on the platform)",
                evidence,
                remote_id=result.remote_id,
                url=result.url,
                last_error=None,
            )
            if queued is not None:
                await queued
            return moved
        if result.state == "submitted" and detail.get("reconcile") == "absent":
            # Attempts our own crashes cut short are no refusal by the platform: counted apart (higher cap).
            counted, cut_short = attempt_budget(self.store, post_id)
            if counted >= self.retry.max_attempts or cut_short >= self.retry.max_interrupted:
                crashes = f" and {cut_short} cut short by a crash" if cut_short else ""
                return await self._move(
                    where,
                    S.NEEDS_ATTENTION,
                    f"not on the platform after {counted} attempts{crashes};"
                    " a person decides (publisher retry --force, or cancel)",
                    evidence,
                )
            if interrupted and not absent_seen:
                # The worker died mid-send: its last request may still be on its way, or being handled by
                # the platform. Absent now is not proof yet: ask once more after the longest time a request
                # that left before the death could take to land.
                return await self._move(
                    where,
                    S.RECONCILE,
                    INTERRUPTED_ABSENT_ONCE,
                    evidence,
                    next_attempt_at=now + timedelta(seconds=IN_FLIGHT_GRACE_S),
                )
            # A worker that died mid-send is no refusal by the platform: nothing to back off from.
            wait = 0.0 if interrupted else backoff(self.retry, post_id, counted)
            return await self._move(
                where,
                S.RETRYING,
                "confirmed not on the platform: it will be sent again",
                evidence,
                next_attempt_at=now + timedelta(seconds=wait),
            )
        if result.state == "submitted":
            if expired:
                timeout_s = self.retry.submitted_timeout_s if submitted else self.retry.reconcile_timeout_s
                return await self._move(
                    where,
                    S.NEEDS_ATTENTION,
                    f"still not published by the platform after {timeout_s / 3600:.0f} h",
                    evidence,
                )
            return await self._move(
                where,
                S.RECONCILE,
                SUBMITTED,
                evidence,
                remote_id=result.remote_id,
                next_attempt_at=next_check_at(self.retry, detail, now),
            )
        return await self._move(
            where, S.NEEDS_ATTENTION, f"the platform answered {result.state!r} while reconciling", evidence
        )

    def _ids(self, post_id: int, ids: dict[str, Any]) -> asyncio.Future[bool] | None:
        """Store ids: queued with the move that follows (its future), or at once without a GroupCommit."""
        if self.commits is None:
            record_ids(self.store, post_id, self.owner, ids)
            return None
        return self.commits.record_ids(post_id, self.owner, ids, self.now())

    async def _move(
        self,
        where: tuple[int, str, str, str, Attempt],
        to: PostState,
        reason: str,
        evidence: str,
        **fields: Any,
    ) -> Outcome:
        post_id, item, platform, account, attempt = where
        now = self.now()
        reason = redact_text(reason)
        if self.commits is None:
            moved = transition(
                self.store,
                post_id,
                owner=None,
                from_states=[S.RECONCILE],
                to=to,
                now=now,
                reason=reason,
                **fields,
            )
        else:
            moved = await self.commits.transition(
                post_id, owner=None, from_states=[S.RECONCILE], to=to, now=now, reason=reason, **fields
            )
        if not moved:
            return Outcome(post_id, item, platform, account, "lost", "moved by someone else meanwhile")
        self.db.alert(
            post_id,
            item,
            platform,
            account,
            to,
            attempt.number,
            reason,
            now=now,
            url=fields.get("url"),
            evidence=redact_text(evidence),
        )
        return Outcome(post_id, item, platform, account, to.value, reason)
