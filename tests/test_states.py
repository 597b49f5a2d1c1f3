"""The post state machine: the edges R6 (docs/reliability.md) requires, and the shape of the relation."""

from __future__ import annotations

import pytest

from publisher.errors import StoreError
from publisher.models import PostState
from publisher.states import (
    LEASED_STATES,
    TRANSITIONS,
    aggregate_state,
    can_transition,
    check_transition,
    transition_pairs,
)

S = PostState

REQUIRED = [
    (S.QUEUED, S.HELD), (S.HELD, S.QUEUED), (S.QUEUED, S.CANCELLED), (S.PLANNED, S.QUEUED),
    (S.WAITING_APPROVAL, S.QUEUED), (S.QUEUED, S.CLAIMED),
    (S.CLAIMED, S.SENDING), (S.CLAIMED, S.QUEUED), (S.CLAIMED, S.MISSED), (S.CLAIMED, S.HELD),
    (S.CLAIMED, S.CANCELLED),
    (S.SENDING, S.PUBLISHED), (S.SENDING, S.RETRYING), (S.SENDING, S.FAILED), (S.SENDING, S.AWAITING_MANUAL),
    (S.SENDING, S.RECONCILE), (S.SENDING, S.NEEDS_REAUTH),
    (S.RETRYING, S.CLAIMED), (S.RETRYING, S.CANCELLED), (S.RETRYING, S.HELD),
    (S.RECONCILE, S.PUBLISHED), (S.RECONCILE, S.RETRYING), (S.RECONCILE, S.NEEDS_ATTENTION),
    (S.NEEDS_ATTENTION, S.PUBLISHED), (S.NEEDS_ATTENTION, S.QUEUED), (S.NEEDS_ATTENTION, S.FAILED),
    (S.NEEDS_ATTENTION, S.CANCELLED),
    (S.AWAITING_MANUAL, S.PUBLISHED), (S.AWAITING_MANUAL, S.CANCELLED), (S.AWAITING_MANUAL, S.FAILED),
    (S.NEEDS_REAUTH, S.QUEUED), (S.FAILED, S.QUEUED), (S.MISSED, S.QUEUED), (S.MISSED, S.CANCELLED),
    (S.CANCELLED, S.QUEUED),
]  # fmt: skip

FORBIDDEN = [
    (S.PUBLISHED, S.QUEUED),  # published is terminal: never re-posted by itself
    (S.QUEUED, S.SENDING),  # nothing is sent without a claim
    (S.QUEUED, S.PUBLISHED),
    (S.RECONCILE, S.QUEUED),  # an unknown outcome is never retried blindly
    (S.RECONCILE, S.CLAIMED),
    (S.SENDING, S.QUEUED),  # after the request left, only reconcile decides
    (S.SENDING, S.CLAIMED),
    (S.NEEDS_ATTENTION, S.CLAIMED),  # the override goes through queued, explicitly
    (S.HELD, S.CLAIMED),
]


def test_every_state_has_an_entry() -> None:
    assert set(TRANSITIONS) == set(PostState)
    assert all(a not in targets for a, targets in TRANSITIONS.items())


@pytest.mark.parametrize(("a", "b"), REQUIRED)
def test_required_edge(a: PostState, b: PostState) -> None:
    assert can_transition(a, b)
    check_transition(a, b)


@pytest.mark.parametrize(("a", "b"), FORBIDDEN)
def test_forbidden_edge(a: PostState, b: PostState) -> None:
    assert not can_transition(a, b)
    with pytest.raises(StoreError, match=f"{a} -> {b}"):
        check_transition(a, b)


def test_published_is_terminal() -> None:
    assert TRANSITIONS[S.PUBLISHED] == frozenset()
    with pytest.raises(StoreError, match="terminal"):
        check_transition(S.PUBLISHED, S.QUEUED)


def test_staying_put_is_allowed() -> None:
    assert all(can_transition(s, s) for s in PostState)


def test_only_claims_lead_to_sending() -> None:
    into = {b: {a for a in PostState if b in TRANSITIONS[a]} for b in PostState}
    assert into[S.SENDING] == {S.CLAIMED}  # the write-ahead intent is committed on this edge
    assert into[S.CLAIMED] == {S.QUEUED, S.RETRYING}
    assert {S.CLAIMED, S.SENDING} == LEASED_STATES


def test_every_state_can_still_reach_published_or_is_it() -> None:
    def reachable(start: PostState) -> set[PostState]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    assert all(S.PUBLISHED in reachable(s) for s in PostState)


def test_strings_and_unknown_states() -> None:
    assert can_transition("queued", "claimed")
    assert not can_transition("queued", "bogus")
    with pytest.raises(StoreError, match="unknown post state 'bogus'"):
        check_transition("bogus", "queued")
    with pytest.raises(StoreError, match="unknown post state 'bogus'"):
        check_transition("queued", "bogus")


def test_pairs_are_plain_strings() -> None:
    pairs = transition_pairs()
    assert ("queued", "claimed") in pairs
    assert len(pairs) == sum(len(t) for t in TRANSITIONS.values())
    assert all(type(a) is str and type(b) is str for a, b in pairs)


def test_an_item_whose_posts_all_went_out_as_dry_runs_has_a_status() -> None:
    """`publisher status` after `publisher publish ITEM` on dry-run accounts: every post of the item ends in
    `dry_run`, and the item's one word is `dry_run` (it stopped with StopIteration, an internal error)."""
    assert aggregate_state([PostState.DRY_RUN, PostState.DRY_RUN]) == "dry_run"
    assert aggregate_state([PostState.DRY_RUN, PostState.CANCELLED]) == "dry_run"
    assert aggregate_state([PostState.DRY_RUN, PostState.QUEUED]) == "queued"


@pytest.mark.parametrize("state", list(PostState))
def test_every_state_alone_or_beside_any_other_names_the_item(state: PostState) -> None:
    for other in PostState:
        assert aggregate_state([state, other])
