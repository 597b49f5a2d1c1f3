"""The exactly-once queue: claim due posts, re-validate, send once, map every outcome (docs/reliability.md).

What it promises, and how:
- One sender per post: posts are claimed with a lease (store.claims.claim_due); only the holder moves them on.
- Write-ahead intent: the attempt row is committed before the request leaves (start_attempt); every platform
  id is committed as it arrives (ctx.ids_sink -> record_ids) and every further non-idempotent step is
  announced first (ctx.intent -> begin_step). A resume passes the stored ids back (attempt.ids): no step is
  repeated.
- An unknown outcome is never retried blindly: sending -> reconcile, then the adapter's reconcile decides
  (found -> published; confirmed absent -> retrying; can't tell -> needs_attention for a person).
- "submitted" (WeChat freepublish job, Douyin review) adds no state: the post goes to reconcile with reason
  SUBMITTED and is polled (adapter.poll if it has one, else adapter.reconcile) until the platform answers;
  still pending after RetrySettings.submitted_timeout_s -> needs_attention.
- The late window decides lateness (never APScheduler); caps and spacing are kept here, adapters never sleep.
- Posts of different accounts go out side by side (one lane per account, `lanes` at once); one account's
  posts go in order, so its caps and spacing are read after each of its sends.
- Every state a person must act on sends exactly one notification per (post, state, attempt) (R34).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx

from publisher import errors
from publisher.accounts.context import Contexts, CredentialLoader
from publisher.adapters import Adapter, AdapterContext, get_adapter
from publisher.adapters.http import ClientPool, before_send, pooled
from publisher.calendar.load import Calendar
from publisher.messages import Msg
from publisher.messages import msg as said
from publisher.models import Attempt, PostState, PublishResult, RenderedPost
from publisher.queue.content import Revalidator
from publisher.queue.ledger import SUBMITTED, Outcome, QueueStore
from publisher.queue.policy import (
    Notifier,
    RetrySettings,
    backoff,
    cap_release,
    local_midnight_after,
    next_check_at,
)
from publisher.queue.reconcile import Reconciler
from publisher.redact import redact_text
from publisher.store.attempts import attempt_budget
from publisher.store.claims import (
    ClaimedPost,
    LeaseLost,
    claim_due,
    reap_expired,
    record_ids,
    renew_lease,
)
from publisher.store.db import Store
from publisher.store.group import GroupCommit
from publisher.store.tokens import accounts_needing_reauth, mark_needs_reauth
from publisher.workspace.settings import Workspace

#: What a dry-run send says: the request is recorded under .publisher/dry-run/, nothing left.
DRY_RUN_REASON = "dry run: recorded, nothing sent"
logger = logging.getLogger(__name__)
S = PostState
T = TypeVar("T")
AdapterFactory = Callable[[str, AdapterContext], Adapter]
STALE_DELAY_S = 60.0  # a post whose row is older than its file waits this long for sync to update it


class _Sinks:
    """The adapter's write-ahead callbacks for one attempt; the attempt number is known once it started.

    Both queue their step with the run's other durable steps (group commit) instead of committing on the spot;
    `durable` awaits them, and the adapter's every request awaits `durable` before it leaves
    (adapters.http.before_send). So the intent is committed before its request is sent and each id before the
    post's next request, as when each was its own commit, while steps of posts side by side share a commit.
    """

    def __init__(self, commits: GroupCommit, post_id: int, owner: str, now: Callable[[], datetime]) -> None:
        self.commits, self.post_id, self.owner, self.now = commits, post_id, owner, now
        self.number: int | None = None
        self.request_hash: str | None = None
        self.seen: dict[str, Any] = {}
        self._ids: list[asyncio.Future[bool]] = []
        self._steps: list[tuple[str, asyncio.Future[bool]]] = []

    def ids(self, ids: dict[str, Any]) -> None:
        # Durable before the next request (R13); stored even after a lost lease: reconcile needs it.
        if not ids:
            return  # nothing to store (e.g. a platform-clock stamp the adapter did not have yet)
        self.seen.update(ids)
        self._ids.append(self.commits.record_ids(self.post_id, self.owner, ids, self.now()))

    def intent(self, step: str) -> None:
        if self.number is None:
            raise LeaseLost(f"post {self.post_id}: no attempt started; nothing may be sent")
        queued = self.commits.begin_step(
            self.post_id, self.number, owner=self.owner, step=step, request_hash=self.request_hash
        )
        self._steps.append((step, queued))

    async def durable(self) -> None:
        """Wait until every step queued so far is committed; LeaseLost if an intent found the lease gone."""
        ids, self._ids = self._ids, []
        steps, self._steps = self._steps, []
        waiting = [f for f in (*ids, *(f for _, f in steps)) if not f.done()]
        if waiting:
            await asyncio.wait(waiting)
        for future in ids:
            future.result()  # a store error is raised here, as the commit would have raised it
        for step, future in steps:
            if not future.result():
                raise LeaseLost(
                    f"post {self.post_id}: lease lost before step {step}; nothing more may be sent"
                )

    async def settle(self) -> None:
        """Wait for the queued steps after the adapter returned or raised (its outcome is what counts)."""
        try:
            await self.durable()
        except LeaseLost as exc:
            logger.info("%s", exc)


class Queue:
    """Runs due posts through their adapters. Several queues (owners) may share one store."""

    def __init__(
        self,
        ws: Workspace,
        store: Store,
        *,
        owner: str,
        now: Callable[[], datetime],
        transport: httpx.AsyncBaseTransport | None = None,
        sandbox_url: str | None = None,
        notifier: Notifier | None = None,
        lease_s: float = 300,
        calendar: Calendar | None = None,
        adapter_factory: AdapterFactory = get_adapter,
        credentials: CredentialLoader | None = None,
        retry: RetrySettings | None = None,
        lanes: int = 16,
        commit_thread: bool | None = None,
    ) -> None:
        self.ws, self.store, self.owner, self.now = ws, store, owner, now
        self.lanes = max(1, lanes)  # accounts sent to at the same time; one account's posts go in order
        self.lease_s = lease_s
        self.retry = retry or RetrySettings()
        self.adapter_factory = adapter_factory
        self.contexts = Contexts(
            ws, store, now=now, transport=transport, sandbox_url=sandbox_url, credentials=credentials
        )
        self.content = Revalidator(ws, store, calendar or Calendar(ws))
        self.db = QueueStore(store, notifier, zone=ws.zone)
        # The durable steps of posts sent side by side, committed together. Over the network with several
        # lanes, the commit runs on a thread while the other lanes' requests go on; with an injected transport
        # (an in-process fake) or one lane (a rehearsal) it runs on the loop: a seeded run replays exactly.
        if commit_thread is None:
            commit_thread = transport is None and self.lanes > 1
        self.commits = GroupCommit(store, background=commit_thread)
        self.reconciler = Reconciler(
            store=store,
            db=self.db,
            owner=owner,
            now=now,
            retry=self.retry,
            adapter_for=self.adapter,
            rendered=self.content.rendered,
            behind=self.content.behind if self.content.shared else None,
            commits=self.commits,
            lanes=self.lanes,
        )
        self._flagged: set[str] | None = None  # accounts needing re-auth, during one run_due
        # Posts this node released because its copy of the folder lacks their file or has another version of
        # it (a shared store): not claimed again here until the copy has the synced version.
        self._released: dict[int, str] = {}  # post id -> item id
        self._pool: ClientPool | None = None  # one client per account, kept from run to run (`_clients`)

    # -- runs -----------------------------------------------------------------------------------------------

    async def run_due(self, limit: int = 50) -> list[Outcome]:
        """Reap expired leases, mark late posts missed, reconcile what waits for it, then send what is due."""
        async with self._clients():
            return await self._run_due(limit)

    @contextlib.asynccontextmanager
    async def _clients(self) -> AsyncIterator[None]:
        """The adapters' clients, one per account, kept for the queue's life: a run reuses the connections
        of the one before instead of connecting each account again. Clients belong to their event loop: a run
        on another loop (asyncio.run per call) starts a new pool, and the old one was closed when its loop
        shut down (`ClientPool.bind`)."""
        pool = self._pool
        if pool is None or not pool.fits():
            pool = self._pool = ClientPool()
            await pool.bind()
        with pooled(pool):
            yield

    async def aclose(self) -> None:
        """Close the clients kept between runs (their connections); the next run opens new ones."""
        pool, self._pool = self._pool, None
        if pool is not None and pool.fits():
            await pool.aclose()

    async def _run_due(self, limit: int) -> list[Outcome]:
        now = self.now()
        self.contexts.refresh()
        reap_expired(self.store, now)
        flagged = self._flagged = set(accounts_needing_reauth(self.store))
        out = [self._outcome_of(*m) for m in self.db.sweep_late(now, limit)]
        out += await self.reconciler.pending(limit, flagged)
        accounts = None
        if flagged:
            accounts = self.db.claimable_accounts(now) - flagged
            if not accounts:
                return out
        self._take_back_released()
        claimed = claim_due(
            self.store,
            now=now,
            owner=self.owner,
            lease_s=self.lease_s,
            limit=limit,
            accounts=accounts,
            skip=set(self._released) or None,
        )
        out += await self._send_all(claimed)
        self._flagged = None
        return out

    async def _send_all(self, claimed: list[ClaimedPost]) -> list[Outcome]:
        """Send the claimed posts: one lane per account (its posts in claim order, so its caps and spacing
        are read after each send), up to `lanes` accounts at once. Outcomes come back in claim order.

        Exactly once holds per post (its lease, its write-ahead attempt), whatever runs beside it. A lane that
        fails does not cancel the others mid-send: every lane finishes, then the first error is raised."""
        lanes: dict[str, list[int]] = {}
        for n, c in enumerate(claimed):
            lanes.setdefault(c.account, []).append(n)
        if len(lanes) <= 1 or self.lanes == 1:
            return [await self.process(c) for c in claimed]
        results: list[Outcome | None] = [None] * len(claimed)
        gate = asyncio.Semaphore(self.lanes)

        async def lane(indexes: list[int]) -> None:
            async with gate:
                for n in indexes:
                    results[n] = await self.process(claimed[n])

        done = await asyncio.gather(*(lane(ix) for ix in lanes.values()), return_exceptions=True)
        for failure in done:
            if isinstance(failure, BaseException):
                raise failure
        return [r for r in results if r is not None]

    async def poll_submitted(self, limit: int = 50) -> list[Outcome]:
        """Poll posts waiting in reconcile (submitted jobs, unknown outcomes) whose next check is due."""
        async with self._clients():
            return await self.reconciler.pending(limit, None)  # flagged accounts: left out by the query

    def next_due(self) -> datetime | None:
        """When the next post is due, a retry or poll is due,
        or a lease expires (a wake-up time for the daemon)."""
        skip = set(self._released) | set(self.reconciler.away)
        return self.db.next_due(None, skip=skip)  # flagged accounts: left out by the same query

    def _take_back_released(self) -> None:
        """Released posts this node may claim again: its copy now has the version the store holds, or the
        post left the queue (another node sent it, a sync cancelled it)."""
        if not self._released:
            return
        hashes = self.db.hashes_in(set(self._released))
        for post_id, item_id in list(self._released.items()):
            if post_id not in hashes or self.content.holds(item_id, hashes[post_id]):
                del self._released[post_id]

    # -- one post -------------------------------------------------------------------------------------------

    async def process(self, claimed: ClaimedPost) -> Outcome:
        """Send one claimed post, or release/hold/cancel/miss it; never raises for a platform's answer."""
        try:
            return await self._process(claimed)
        except LeaseLost as exc:
            logger.info("%s", exc)
            return self._outcome(claimed, "lost", "lease lost: another worker or the reaper has the post")

    async def _process(self, c: ClaimedPost) -> Outcome:
        now = self.now()
        late = self.db.late_reason(c.id, c.due_at, c.late_window_s, now)
        if late:
            return await self._move(c, S.MISSED, late, now, alert=True)
        flagged = self._flagged if self._flagged is not None else set(accounts_needing_reauth(self.store))
        if c.account in flagged:
            return await self._move(c, S.QUEUED, said("reason.reauth_wait"), now)
        verdict = self.content.check(c.item_id, c.platform, c.account, c.content_hash)
        if verdict.action == "cancel":
            return await self._move(c, S.CANCELLED, verdict.reason, now)
        if verdict.action == "hold":
            return await self._move(c, S.HELD, verdict.reason, now)
        if verdict.action == "release":
            self._released[c.id] = c.item_id
            return await self._move(c, S.QUEUED, verdict.reason, now)
        if verdict.action == "stale":
            return await self._move(
                c, S.QUEUED, verdict.reason, now, next_attempt_at=now + timedelta(seconds=STALE_DELAY_S)
            )
        post = verdict.post
        assert post is not None
        sinks = _Sinks(self.commits, c.id, self.owner, self.now)
        adapter = self.adapter(c.platform, c.account, ids_sink=sinks.ids, intent=sinks.intent)
        problems = [p for p in adapter.validate(post) if p.severity == "error"]
        if problems:
            return await self._move(c, S.HELD, redact_text(problems[0].format()), now)
        sent = post.rendered_hash  # computed once: it serialises every field
        ids = self._resumable_ids(c, sent, now)
        rule = self.ws.rules[c.platform].schedule if c.platform in self.ws.rules else None
        release = rule and cap_release(
            self.store, rule, post_id=c.id, platform=c.platform, account=c.account, now=now, zone=self.ws.zone
        )
        if release:
            return await self._move(c, S.QUEUED, release[1], now, next_attempt_at=release[0])
        # Write-ahead: durable before the request leaves (committed with the other lanes' intents).
        attempt = await self.commits.start_attempt(
            c.id, owner=self.owner, now=now, request_hash=sent, lease_s=self.lease_s
        )
        attempt = Attempt(attempt.post_id, attempt.number, attempt.started_at, ids)  # (replace() costs more)
        sinks.number, sinks.request_hash = attempt.number, sent
        try:
            with before_send(sinks.durable):
                result = await self._leased(c.id, adapter.publish(post, attempt))
        except LeaseLost as exc:
            await sinks.settle()
            await self._finish(c, attempt, S.RECONCILE, "lease_lost", redact_text(str(exc)))
            raise
        except errors.PlatformError as exc:
            await sinks.settle()
            return await self._failed(
                c, post, replace(attempt, ids={**attempt.ids, **sinks.seen}), adapter, exc
            )
        except Exception as exc:  # an adapter bug: we cannot know whether the request left
            await sinks.settle()
            logger.exception("adapter %s raised an unexpected error for post %s", c.platform, c.id)
            unknown = errors.OutcomeUnknown(f"unexpected {type(exc).__name__}: {exc}", platform=c.platform)
            return await self._failed(
                c, post, replace(attempt, ids={**attempt.ids, **sinks.seen}), adapter, unknown
            )
        # The ids the adapter reported last (a publish id) may still be queued: the finish step carries every
        # id it saw (merged first, in the finish's own savepoint), so they and the move share one commit
        # instead of one each; the queued steps are awaited after, durable by then (in that commit or before).
        try:
            return await self._published(c, post, attempt, result, sinks.seen, sent=sent, carry=True)
        finally:
            await sinks.settle()

    def _resumable_ids(self, c: ClaimedPost, sent: str, now: datetime) -> dict[str, Any]:
        """Ids of earlier attempts, passed back so the adapter resumes; dropped when the content changed since
        they were made (a resume must send what was rendered then, and a confirmed negative or a transient
        error preceded this claim, so starting afresh is safe; the ids stay in the event log)."""
        ids = {k: v for k, v in c.ids.items() if v is not None}
        if not ids:
            return ids
        before = self.db.last_request_hash(c.id)
        if before is None or before == sent:
            return ids
        record_ids(self.store, c.id, self.owner, {k: None for k in ids})
        self.db.event(c.id, "ids_discarded", f"content changed since the ids were made: {sorted(ids)}", now)
        return {}

    async def _published(
        self,
        c: ClaimedPost,
        post: RenderedPost,
        attempt: Attempt,
        result: PublishResult,
        seen: Mapping[str, Any],
        *,
        sent: str | None = None,
        carry: bool = False,
    ) -> Outcome:
        """Finish a publish the platform answered. `carry`: the ids in `seen` are stored by the finish step
        too (they may not be durable yet)."""
        now = self.now()
        sent = sent or post.rendered_hash
        extra = {
            k: v
            for k, v in dict(result.detail).items()
            if k not in seen and isinstance(v, str | int) and not isinstance(v, bool)
        }
        if carry:
            extra = {**seen, **extra}
        if result.state == "awaiting_manual":
            where = str(result.detail.get("pack") or result.url or result.remote_id or "")
            reason = f"ready to post by hand: {where}" if where else "ready to post by hand"
            said = result.detail.get("reason")  # no pack: the adapter says what a person does (WeChat draft)
            if isinstance(said, str) and said and not result.detail.get("pack"):
                reason = said
            notice = result.detail.get("notice")  # what the pack adds, e.g. a share link's expiry
            if isinstance(notice, str) and notice:
                reason = f"{reason}; {notice}"
            return await self._finish(
                c,
                attempt,
                S.AWAITING_MANUAL,
                "awaiting_manual",
                None,
                reason=reason,
                evidence=where,
                remote_id=result.remote_id,
                rendered_hash=sent,
                ids=extra,
            )
        if result.state == "submitted":
            return await self._finish(
                c,
                attempt,
                S.RECONCILE,
                "submitted",
                None,
                reason=SUBMITTED,
                remote_id=result.remote_id,
                url=result.url,
                rendered_hash=sent,
                ids=extra,
                # stored with the post: a restart asks no sooner than the platform's schedule says
                next_attempt_at=next_check_at(self.retry, result.detail, now),
            )
        if result.detail.get("dry_run") is True:  # a dry-run account: recorded, never "published"
            return await self._finish(
                c,
                attempt,
                S.DRY_RUN,
                "dry_run",
                None,
                reason=DRY_RUN_REASON,
                remote_id=result.remote_id,
                url=result.url,  # dryrun://...: evidence of the record, never a post on a platform
                last_error=None,
                rendered_hash=sent,
                ids=extra,
                due_override_at=None,  # a person's "publish now" was tried; the file's time holds again
            )
        return await self._finish(
            c,
            attempt,
            S.PUBLISHED,
            "published",
            None,
            reason="published",
            remote_id=result.remote_id,
            url=result.url,
            last_error=None,
            rendered_hash=sent,
            ids=extra,
        )

    async def _failed(
        self,
        c: ClaimedPost,
        post: RenderedPost,
        attempt: Attempt,
        adapter: Adapter,
        exc: errors.PlatformError,
    ) -> Outcome:
        now = self.now()
        msg = redact_text(str(exc))
        code = getattr(exc, "code", None)
        if isinstance(exc, errors.TransientError):
            counted, _ = attempt_budget(self.store, c.id)  # attempts cut short by a crash are not counted
            if counted >= self.retry.max_attempts:
                return await self._finish(
                    c,
                    attempt,
                    S.FAILED,
                    "transient",
                    msg,
                    code=code,
                    reason=said("reason.gave_up", n=counted, msg=msg),
                )
            wait = backoff(self.retry, c.id, counted, getattr(exc, "retry_after", None))
            return await self._finish(
                c,
                attempt,
                S.RETRYING,
                "transient",
                msg,
                code=code,
                reason=said("reason.retry", msg=msg),
                next_attempt_at=now + timedelta(seconds=wait),
            )
        if isinstance(exc, errors.QuotaExhausted):
            reset = exc.reset_at or local_midnight_after(now, self.ws.zone)
            return await self._finish(
                c,
                attempt,
                S.RETRYING,
                "quota",
                msg,
                code=code,
                reason=said(
                    "reason.quota", reset=f"{reset.astimezone(self.ws.zone):%Y-%m-%d %H:%M %Z}", msg=msg
                ),
                next_attempt_at=reset,
            )
        if isinstance(exc, errors.PermanentError):
            return await self._finish(c, attempt, S.FAILED, "permanent", msg, code=code, reason=msg)
        if isinstance(exc, errors.AuthError):
            mark_needs_reauth(self.store, c.account, reason=msg, post_id=c.id, now=now)
            if self._flagged is not None:
                self._flagged.add(c.account)  # the rest of this batch waits too
            return await self._finish(
                c,
                attempt,
                S.NEEDS_REAUTH,
                "auth",
                msg,
                code=code,
                reason=said("reason.reauth", account=c.account, msg=msg),
            )
        if isinstance(exc, errors.NeedsPerson):
            return await self._finish(
                c,
                attempt,
                S.NEEDS_ATTENTION,
                "needs_person",
                msg,
                code=code,
                reason=said("reason.needs_person", msg=msg),
            )
        # OutcomeUnknown, or a PlatformError that does not say: the request may have taken effect.
        await self._finish(
            c, attempt, S.RECONCILE, "unknown", msg, code=code, reason=said("reason.unknown", msg=msg)
        )
        # A fresh adapter, as Reconciler.pending builds one: the attempt is over, so the publish adapter's
        # intent sink would refuse a step reconcile takes (a WeChat mass send repeats its clientmsgid: 45065).
        found = self.reconciler.sink(c.id)
        checker = self.adapter(c.platform, c.account, ids_sink=found)
        return await self.reconciler.one(
            c.id, c.item_id, c.platform, c.account, post, attempt, checker, submitted=False, found=found
        )

    # -- helpers --------------------------------------------------------------------------------------------

    def adapter(self, platform: str, account: str, **sinks: Any) -> Adapter:
        return self.adapter_factory(platform, self.contexts.make(platform, account, **sinks))

    async def _leased(self, post_id: int, work: Awaitable[T]) -> T:
        """Await the adapter while renewing the lease, so a slow upload does not lose it to the reaper.

        The renewal is a timer on the loop rather than a task watching a task: a task and a wait per post cost
        more than a fast publish, and cancelling the queue now cancels the adapter instead of orphaning it."""
        loop = asyncio.get_running_loop()
        interval = self.lease_s / 3
        timer: asyncio.TimerHandle  # rebound by each renewal; the finally cancels the latest

        def renew() -> None:
            nonlocal timer
            if not renew_lease(self.store, post_id, owner=self.owner, now=self.now(), lease_s=self.lease_s):
                logger.warning("post %s: lease lost while sending; the outcome will be reconciled", post_id)
            timer = loop.call_later(interval, renew)

        timer = loop.call_later(interval, renew)
        try:
            return await work
        finally:
            timer.cancel()

    async def _move(
        self,
        c: ClaimedPost,
        to: PostState,
        why: str | Msg,
        now: datetime,
        *,
        alert: bool = False,
        **fields: Any,
    ) -> Outcome:
        worded = _reason_fields(why)
        reason = worded["reason"]
        if not await self.commits.transition(
            c.id,
            owner=self.owner,
            from_states=[S.CLAIMED],
            to=to,
            now=now,
            **worded,
            **fields,
        ):
            raise LeaseLost(f"post {c.id}: lease lost before it could move to {to}")
        if alert:
            self.db.alert(c.id, c.item_id, c.platform, c.account, to, c.attempt_count, reason, now=now)
        return self._outcome(c, to.value, reason)

    async def _finish(
        self,
        c: ClaimedPost,
        attempt: Attempt,
        to: PostState,
        outcome: str,
        error: str | None,
        *,
        code: Any = None,
        evidence: str = "",
        ids: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Outcome:
        now = self.now()
        status = code if isinstance(code, int) and 100 <= code < 600 else None
        if "reason" in fields:
            fields.update(_reason_fields(fields["reason"]))
        moved = await self.commits.finish_attempt(
            c.id,
            attempt.number,
            owner=self.owner,
            outcome=outcome,
            to=to,
            now=now,
            http_status=status,
            platform_code=code,
            error=error and redact_text(error),
            ids=ids,
            **fields,
        )
        if not moved:
            raise LeaseLost(f"post {c.id}: lease lost before it could move to {to} ({outcome} recorded)")
        reason = str(fields.get("reason") or outcome)
        self.db.alert(
            c.id,
            c.item_id,
            c.platform,
            c.account,
            to,
            attempt.number,
            reason,
            now=now,
            url=fields.get("url"),
            evidence=evidence,
        )
        return self._outcome(c, to.value, reason)

    def _outcome(self, c: ClaimedPost, state: str, reason: str) -> Outcome:
        return Outcome(c.id, c.item_id, c.platform, c.account, state, reason)

    @staticmethod
    def _outcome_of(post_id: int, item: str, platform: str, account: str, state: str, reason: str) -> Outcome:
        return Outcome(post_id, item, platform, account, state, reason)


def _reason_fields(why: str | Msg) -> dict[str, str]:
    """A post's reason as stored: the English words, and for a catalogue message its code and values
    (`reason_msg`), so every face words it in its reader's language; redacted either way."""
    if isinstance(why, Msg):
        return {"reason": redact_text(why.text("en")), "reason_msg": redact_text(why.to_json())}
    return {"reason": redact_text(why)}
