"""The legal transitions of a post's state; the DB enforces them too (R6 in docs/reliability.md)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from publisher.errors import StoreError
from publisher.models import PostState

S = PostState

# Each edge carries its reason. Staying in the same state is not a transition (see can_transition).
_EDGES: dict[PostState, frozenset[PostState]] = {
    S.PLANNED: frozenset(
        {
            S.QUEUED,  # an edit set publish_at (and approval is not required or given)
            S.WAITING_APPROVAL,  # publish_at set, but require_approval and no approved_by yet
            S.HELD,  # an edit made the item invalid for this platform
            S.CANCELLED,  # item removed, or set to draft
        }
    ),
    S.WAITING_APPROVAL: frozenset(
        {
            S.QUEUED,  # approved_by was added in review
            S.PLANNED,  # publish_at removed while waiting
            S.HELD,  # an edit made the item invalid
            S.CANCELLED,  # item removed, or set to draft
        }
    ),
    S.HELD: frozenset(
        {
            S.QUEUED,  # the edit that broke it was fixed
            S.PLANNED,  # fixed, but no publish_at
            S.WAITING_APPROVAL,  # fixed, but not approved (an edit may need review again)
            S.CANCELLED,  # item removed, or set to draft
        }
    ),
    S.QUEUED: frozenset(
        {
            S.CLAIMED,  # due: a worker took it with a lease
            S.HELD,  # an edit made the item invalid: never publish the old or the broken version
            S.CANCELLED,  # item removed, or set to draft
            S.PLANNED,  # publish_at removed
            S.WAITING_APPROVAL,  # approval withdrawn, or required after an edit
            S.MISSED,  # the start-up sweep found it past its late window: never claimed, never sent
        }
    ),
    S.CLAIMED: frozenset(
        {
            S.SENDING,  # the attempt row is committed: the request may now leave
            S.QUEUED,  # lease expired with nothing sent, or released (rate cap, shutdown)
            S.MISSED,  # claimed after the late window: a person decides
            S.HELD,  # re-validation before the irreversible call: changed since it was rendered
            S.CANCELLED,  # re-validation: deleted or set to draft
            S.NEEDS_REAUTH,  # the pre-send credential check failed; nothing was sent
        }
    ),
    S.SENDING: frozenset(
        {
            S.PUBLISHED,  # the platform confirmed it
            S.DRY_RUN,  # a dry-run account: the request was recorded, nothing was sent
            S.RETRYING,  # transient error and nothing was sent: a durable wait until next_attempt_at
            S.FAILED,  # permanent error: the platform's message is kept
            S.AWAITING_MANUAL,  # assisted platform: a pack was made, a person posts it
            S.RECONCILE,  # outcome unknown (crash, timeout, 5xx after the request left)
            S.NEEDS_REAUTH,  # credentials expired or revoked: the post waits, it does not fail
            S.NEEDS_ATTENTION,  # the platform wants a person (captcha, IP whitelist)
        }
    ),
    S.RETRYING: frozenset(
        {
            S.CLAIMED,  # next_attempt_at reached: claimed again
            S.CANCELLED,  # item removed, or a person cancelled it
            S.HELD,  # an edit made the item invalid while waiting
        }
    ),
    S.RECONCILE: frozenset(
        {
            S.PUBLISHED,  # found on the platform by stored id or exact match
            S.RETRYING,  # a confirmed negative: it is safe to send again
            S.NEEDS_ATTENTION,  # not found or can't tell: a person must look
            S.FAILED,  # the platform's publish job ended in failure: its reason is kept
        }
    ),
    S.NEEDS_ATTENTION: frozenset(
        {
            S.PUBLISHED,  # resolve --published URL
            S.QUEUED,  # explicit override: retry --force ("I checked, publish again")
            S.FAILED,  # resolve --not-published: a person says it did not go out
            S.CANCELLED,  # a person gives up on it
        }
    ),
    S.AWAITING_MANUAL: frozenset(
        {
            S.PUBLISHED,  # the person confirmed the URL
            S.CANCELLED,  # not posted after all
            S.FAILED,  # the person says it was not published
        }
    ),
    S.NEEDS_REAUTH: frozenset(
        {
            S.QUEUED,  # the account was re-authorised
            S.CANCELLED,  # item removed while waiting
        }
    ),
    S.FAILED: frozenset(
        {
            S.QUEUED,  # a person retries it
            S.CANCELLED,  # a person gives up on it
        }
    ),
    S.MISSED: frozenset(
        {
            S.QUEUED,  # a person decided to send it late (or rescheduled it)
            S.CANCELLED,  # a person decided not to
        }
    ),
    S.CANCELLED: frozenset(
        {
            S.QUEUED,  # the item was restored (file back, or status ready again)
            S.PLANNED,  # restored without publish_at
            S.WAITING_APPROVAL,  # restored, not approved
            S.HELD,  # restored, but invalid
        }
    ),
    S.PUBLISHED: frozenset(),  # terminal: an edit after publishing is reported, never re-posted
    S.DRY_RUN: frozenset(
        {
            S.QUEUED,  # the account's mode became sandbox or live and the post is still in the future
            S.NEEDS_ATTENTION,  # the mode became sandbox or live and its time has passed: a person decides
            S.CANCELLED,  # item removed, or set to draft
        }
    ),
}

#: state -> states it may move to. Self-loops are absent: staying put is not a transition.
TRANSITIONS: Mapping[PostState, frozenset[PostState]] = MappingProxyType(_EDGES)

#: States in which a worker holds a lease; only the lease holder moves such a post on.
LEASED_STATES: frozenset[PostState] = frozenset({S.CLAIMED, S.SENDING})

# -- The groups the rest of the code asks about (one definition each; PostState is a str, so a plain state
# -- string is found in these sets too).

#: Waiting for its due time (or its next attempt): what "next due" and "publish now" look at.
WAITING: frozenset[PostState] = frozenset({S.QUEUED, S.RETRYING})

#: Not yet out and not given up: what a plan or an "upcoming" list shows.
UPCOMING: frozenset[PostState] = frozenset(
    {S.QUEUED, S.RETRYING, S.PLANNED, S.HELD, S.WAITING_APPROVAL, S.CLAIMED, S.SENDING, S.RECONCILE}
)

#: Finished for good from the calendar's point of view: nothing more will go out.
DONE: frozenset[PostState] = frozenset({S.PUBLISHED, S.CANCELLED, S.DRY_RUN})

#: A person must act (each sends one notification and shows in `status`).
PERSON: frozenset[PostState] = frozenset(
    {S.NEEDS_ATTENTION, S.NEEDS_REAUTH, S.AWAITING_MANUAL, S.MISSED, S.FAILED}
)

#: Shown with their evidence: a person must act, or the queue is asking the platform what happened.
ATTENTION: frozenset[PostState] = PERSON | {S.RECONCILE, S.HELD}

#: Being sent now, or due to be: a publish waits for these to settle.
IN_FLIGHT: frozenset[PostState] = frozenset({S.QUEUED, S.CLAIMED, S.SENDING})

#: Out of the queue's hands as asked: on the platform, a ready-to-post pack with a person, or (a dry-run
#: account) recorded without sending.
DELIVERED: frozenset[PostState] = frozenset({S.PUBLISHED, S.AWAITING_MANUAL, S.DRY_RUN})


#: Reached an outcome the reports count (success rate, on-time rate).
SETTLED: frozenset[PostState] = frozenset({S.PUBLISHED, S.FAILED, S.MISSED, S.NEEDS_ATTENTION})

#: Went wrong: listed as problems in the reports.
PROBLEM: frozenset[PostState] = frozenset({S.FAILED, S.MISSED, S.NEEDS_ATTENTION})

#: `publisher retry` applies (NEEDS_ATTENTION only with --force: the platform may have it).
RETRYABLE: frozenset[PostState] = frozenset({S.FAILED, S.MISSED, S.NEEDS_REAUTH})

#: `publisher cancel` applies.
CANCELLABLE: frozenset[PostState] = frozenset(
    {
        S.QUEUED,
        S.RETRYING,
        S.HELD,
        S.PLANNED,
        S.WAITING_APPROVAL,
        S.NEEDS_ATTENTION,
        S.AWAITING_MANUAL,
        S.NEEDS_REAUTH,
        S.FAILED,
        S.MISSED,
    }
)

#: `publisher resolve` applies: a person says whether it went out.
RESOLVABLE: frozenset[PostState] = frozenset({S.AWAITING_MANUAL, S.NEEDS_ATTENTION, S.RECONCILE})

#: States sync may move a post out of (everything else belongs to the queue or a person).
SYNC_OWNED: frozenset[PostState] = frozenset(
    {S.PLANNED, S.WAITING_APPROVAL, S.HELD, S.QUEUED, S.CANCELLED, S.RETRYING, S.MISSED}
)


def can_transition(a: PostState | str, b: PostState | str) -> bool:
    """True if a post may go from `a` to `b`; staying in the same state is always allowed (no transition)."""
    try:
        old, new = PostState(a), PostState(b)
    except ValueError:
        return False
    return old == new or new in TRANSITIONS[old]


def check_transition(a: PostState | str, b: PostState | str) -> None:
    """Raise StoreError unless `a -> b` is legal."""
    if can_transition(a, b):
        return
    try:
        allowed = sorted(TRANSITIONS[PostState(a)])
    except ValueError:
        raise StoreError(f"unknown post state {a!r}") from None
    if b not in {s.value for s in PostState}:
        raise StoreError(f"unknown post state {b!r}")
    options = ", ".join(allowed) if allowed else "nothing (terminal)"
    raise StoreError(f"illegal post state transition {a} -> {b}; from {a} a post may go to {options}")


def transition_pairs() -> frozenset[tuple[str, str]]:
    """Every legal (from, to) pair as plain strings, as the DB's post_transition table holds them."""
    return frozenset((a.value, b.value) for a, targets in TRANSITIONS.items() for b in targets)


#: aggregate precedence when nothing is published: the first state present names the item's status (an item
#: whose live posts were all dry runs is `dry_run`: recorded, nothing sent)
_PRECEDENCE = (
    S.FAILED,
    S.NEEDS_ATTENTION,
    S.NEEDS_REAUTH,
    S.MISSED,
    S.AWAITING_MANUAL,
    S.RECONCILE,
    S.SENDING,
    S.CLAIMED,
    S.RETRYING,
    S.HELD,
    S.QUEUED,
    S.WAITING_APPROVAL,
    S.PLANNED,
    S.DRY_RUN,
)


def aggregate_state(states: list[PostState]) -> str:
    """One word for a multi-platform item: the most urgent of its posts' states, or (partially) published."""
    if not states:
        return "unknown"
    live = [x for x in states if x != S.CANCELLED]
    if not live:
        return S.CANCELLED.value
    published = sum(1 for x in live if x == S.PUBLISHED)
    if published == len(live):
        return S.PUBLISHED.value
    if published:
        return "partially_published"
    return next(x.value for x in _PRECEDENCE if x in live)


#: The reason of a post a person made due now, until the queue looks at it (`publish` waits for a change;
#: sync keeps it while the override stands).
PUBLISH_NOW_REASON = "publish now (a person)"
