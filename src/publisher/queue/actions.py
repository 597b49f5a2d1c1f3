"""People's commands on posts (retry, cancel, resolve, re-authorised)
and an item's aggregate status (R14, R15).

Each command is a compare-and-set on the post's state and is written to the event log (the audit trail).
Refusals raise ActionRefused naming the current state and what would work instead.

resolve --not-published: from reconcile it is the confirmed negative the adapter could not give, so the post
goes to retrying and is sent again; from needs_attention or awaiting_manual it goes to failed, because a
person was asked and nothing is re-sent without them (`publisher retry` sends it, `publisher cancel` drops
it).

A post the platform accepted for later (reconcile with the SUBMITTED reason: a WeChat publish job still
publishing, a Douyin video under review) is not re-sent on a person's --not-published: the job may still
complete, and a second send would post twice. The refusal names the job and what to do (wait, or look on
the platform); `force=True` is for a person who looked and saw the job fail: audit-logged, and the stored
ids are dropped so the adapter sends afresh instead of following the job again.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from publisher.adapters import spec_for
from publisher.errors import UsageError
from publisher.messages import StateWord, msg
from publisher.models import PostState
from publisher.queue.ledger import SUBMITTED
from publisher.states import CANCELLABLE, PUBLISH_NOW_REASON, RESOLVABLE, RETRYABLE, aggregate_state
from publisher.states import PERSON as PERSON_STATES
from publisher.store.claims import ids_in, log_event, record_ids, transition, transition_in, write_tx
from publisher.store.db import Store
from publisher.store.events import RETRY_EVENT
from publisher.store.posts import CurrentPost, item_posts, post_state
from publisher.store.reauth import reauthorized
from publisher.store.tokens import clear_needs_reauth

S = PostState


class ActionRefused(UsageError):
    """A person's command does not apply to the post in its current state."""


def _state(store: Store, post_id: int) -> tuple[PostState, str, dict[str, object]]:
    found = post_state(store, post_id)
    if found is None:
        raise UsageError(msg("action.no_post", id=post_id))
    return found.state, found.account, found.ids


def _move(
    store: Store,
    post_id: int,
    state: PostState,
    to: PostState,
    now: datetime,
    reason: str,
    *,
    reason_was: str | None = None,
    **fields: object,
) -> PostState:
    moved = transition(
        store, post_id, owner=None, from_states=[state], to=to, now=now, reason=reason, reason_was=reason_was,
        **fields,
    )  # fmt: skip
    if not moved:
        current = _state(store, post_id)[0]
        raise ActionRefused(msg("action.changed", id=post_id, state=StateWord(current)))
    return to


def publish_now(store: Store, post_id: int, *, now: datetime) -> PostState:
    """A person's "publish now": the post becomes due now and stays so (sync keeps the override) until sent.

    Planned, queued, retrying and missed posts qualify; held ones need their content fixed first, and ones
    waiting for approval need `approved_by:`.
    """
    state, _account, _ids = _state(store, post_id)
    moves = {S.PLANNED: S.QUEUED, S.QUEUED: S.QUEUED, S.MISSED: S.QUEUED, S.RETRYING: S.RETRYING}
    if state not in moves:
        hint = {
            S.HELD: "action.hint.held",
            S.WAITING_APPROVAL: "action.hint.approval",
            S.PUBLISHED: "action.hint.published",
            S.NEEDS_REAUTH: "action.hint.reauth",
            S.FAILED: "action.hint.failed",
            S.NEEDS_ATTENTION: "action.hint.unknown",
        }.get(state, "action.hint.not_waiting")
        raise ActionRefused(
            msg("action.publish_now_refused", id=post_id, state=StateWord(state), hint=msg(hint, id=post_id))
        )
    log_event(store, post_id, "publish_now", f"made due now by a person (was {state})", now=now)
    return _move(
        store,
        post_id,
        state,
        moves[state],
        now,
        PUBLISH_NOW_REASON,
        due_at=now,
        due_override_at=now,
        next_attempt_at=None,
    )


def retry(store: Store, post_id: int, *, force: bool = False, now: datetime) -> PostState:
    """failed/missed/needs_reauth -> queued (sent now: the late window restarts at this decision).
    needs_attention only with force=True ("I checked, it is not there, publish again"): audit-logged, and the
    stored ids are dropped so the adapter publishes afresh instead of resuming the uncertain attempt."""
    state, account, ids = _state(store, post_id)
    if state == S.PUBLISHED:
        raise ActionRefused(msg("action.already_published", id=post_id))
    if state == S.NEEDS_ATTENTION and not force:
        raise ActionRefused(msg("action.needs_force", id=post_id, state=StateWord(state)))
    if state not in RETRYABLE and state != S.NEEDS_ATTENTION:
        hint = {S.AWAITING_MANUAL: msg("action.hint.by_hand"), S.RECONCILE: msg("action.hint.checking")}
        raise ActionRefused(
            msg("action.retry_refused", id=post_id, state=StateWord(state), hint=hint.get(state, ""))
        )
    if state == S.NEEDS_ATTENTION:
        live = {k: v for k, v in ids.items() if v is not None}
        log_event(
            store,
            post_id,
            "forced_retry",
            f"retry --force from needs_attention; ids dropped: {sorted(live)}",
            now=now,
        )
        if live:
            record_ids(store, post_id, "", {k: None for k in live})
    if state == S.NEEDS_REAUTH and clear_needs_reauth(store, account):
        log_event(
            store, post_id, "reauthorised", f"account {account} marked re-authorised by a retry", now=now
        )
    log_event(store, post_id, RETRY_EVENT, f"retry from {state} by a person", now=now)
    return _move(
        store,
        post_id,
        state,
        S.QUEUED,
        now,
        f"retried by a person (was {state})",
        next_attempt_at=None,
        last_error=None,
    )


def cancel(store: Store, post_id: int, now: datetime) -> PostState:
    """Drop a post that has not been sent (or a person gave up on); sync brings it back only after an edit."""
    state, _, _ = _state(store, post_id)
    if state not in CANCELLABLE:
        why = {
            S.PUBLISHED: msg("action.why.published"),
            S.CANCELLED: msg("action.why.cancelled"),
            S.CLAIMED: msg("action.why.sending"),
            S.SENDING: msg("action.why.sending"),
            S.RECONCILE: msg("action.why.unknown"),
        }.get(state, msg("action.why.state", state=StateWord(state)))
        raise ActionRefused(msg("action.cancel_refused", id=post_id, why=why))
    # The version the person cancelled is the file as it is now, which the row may not hold (sync leaves
    # posts that wait for the queue or a person alone, edits included): no hash, and the next sync takes
    # the file's as it stands, so only an edit after the cancel brings the post back (calendar.sync.diff).
    return _move(store, post_id, state, S.CANCELLED, now, "cancelled by a person", content_hash=None)


def platform_job_pending(state: str, reason: str) -> bool:
    """Whether the platform accepted the post for later and has not answered yet (a publish job, a review):
    a second send could post twice, so a person's --not-published needs force (the dashboard asks for it)."""
    return state == S.RECONCILE.value and reason.startswith(SUBMITTED)


def _job_name(found: CurrentPost) -> str:
    job = found.remote_id or found.ids.get("publish_id") or found.ids.get("item_id")
    return str(job) if job else "?"


def resolve(
    store: Store,
    post_id: int,
    *,
    published_url: str | None,
    not_published: bool,
    force: bool = False,
    now: datetime,
) -> PostState:
    """A person's answer for a post waiting on one: it is published at URL, or it is not published.
    --not-published on a post whose platform job is pending is refused unless `force` (see the module)."""
    if bool(published_url) == bool(not_published):
        raise UsageError(msg("usage.published_or_not"))
    found = post_state(store, post_id)
    if found is None:
        raise UsageError(msg("action.no_post", id=post_id))
    state = found.state
    if state not in RESOLVABLE:
        raise ActionRefused(msg("action.resolve_refused", id=post_id, state=StateWord(state)))
    if published_url:
        parts = urlsplit(published_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(msg("action.not_a_url", url=repr(published_url)))
        return _move(
            store,
            post_id,
            state,
            S.PUBLISHED,
            now,
            "published (confirmed by a person)",
            url=published_url,
            last_error=None,
        )
    if state == S.RECONCILE:
        if platform_job_pending(state.value, found.reason):
            job = _job_name(found)
            if not force:
                spec = spec_for(found.platform)
                console = (spec.console if spec else "") or found.platform
                raise ActionRefused(
                    msg("action.job_pending", id=post_id, job=job, platform=found.platform, console=console)
                )
            return _forced_resend(store, post_id, found, job, now)
        return _move(
            store,
            post_id,
            state,
            S.RETRYING,
            now,
            "confirmed not published by a person: sending again",
            reason_was=found.reason,  # not if the platform took a job meanwhile (the refusal above)
            next_attempt_at=now,
        )
    return _move(
        store,
        post_id,
        state,
        S.FAILED,
        now,
        "not published (confirmed by a person); `publisher retry` sends it, `publisher cancel` drops it",
    )


def _forced_resend(store: Store, post_id: int, found: CurrentPost, job: str, now: datetime) -> PostState:
    """reconcile -> retrying with the stored ids dropped, in one transaction: the move only if the post is
    still in reconcile, and the ids only with it (a post the queue finished meanwhile keeps its ids)."""
    live = {k: v for k, v in found.ids.items() if v is not None}
    reason = "confirmed not published by a person, who checked that the platform's job failed: sending again"
    with write_tx(store) as tx:
        moved = transition_in(
            tx, post_id, owner=None, from_states=[S.RECONCILE], to=S.RETRYING, now=now, reason=reason,
            next_attempt_at=now, reason_was=found.reason,
        )  # fmt: skip
        if moved and live:
            ids_in(tx, post_id, "", {k: None for k in live}, now)
    if not moved:
        current = _state(store, post_id)[0]
        raise ActionRefused(msg("action.changed", id=post_id, state=StateWord(current)))
    log_event(
        store,
        post_id,
        "forced_resolve",
        f"resolve --not-published --force while job {job} was pending; ids dropped: {sorted(live)}",
        now=now,
    )
    return S.RETRYING


def retry_item(store: Store, item_id: str, *, force: bool = False, now: datetime) -> dict[int, PostState]:
    """Retry every post of an item that can be retried; published ones are never touched (R14)."""
    rows = item_posts(store, item_id)
    if not rows:
        raise UsageError(msg("action.no_item_posts", item=repr(item_id)))
    wanted = RETRYABLE | ({S.NEEDS_ATTENTION} if force else set())
    return {r.id: retry(store, r.id, force=force, now=now) for r in rows if r.state in wanted}


def item_status(store: Store, item_id: str) -> str:
    """published | partially_published | failed | needs_attention | ... | cancelled | unknown, over the item's
    posts (cancelled ones do not count against "published")."""
    return aggregate_state([p.state for p in item_posts(store, item_id)])


__all__ = [
    "ActionRefused",
    "PERSON_STATES",
    "cancel",
    "aggregate_state",
    "item_status",
    "platform_job_pending",
    "reauthorized",
    "resolve",
    "retry",
    "retry_item",
]
