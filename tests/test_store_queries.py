"""The store's named queries (store/posts, attempts, events, items, sync, sync_state, tokens, metrics) on a
real SQLite file (the queue's wake-up and reconcile reads on PostgreSQL too): what each returns, and that
sync's writes are compare-and-set transitions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.pg import fresh_schema

from publisher.models import PostState
from publisher.store import attempts, claims, events, items, posts, sync, sync_state, tokens
from publisher.store.db import Store, open_store
from publisher.store.media import StoreMediaCache
from publisher.store.metrics import metric_samples
from publisher.store.tables import event_t, media_cache_t, metric_t
from publisher.store.tokens import StoreTokenCache, token_expiries

S = PostState
T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'publisher.sqlite'}", clock=lambda: T0)
    yield opened
    opened.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The store on SQLite, then on PostgreSQL (an unreachable server makes the test error, never skip)."""
    if request.param == "sqlite":
        opened = open_store(f"sqlite:///{tmp_path / 'publisher.sqlite'}", clock=lambda: T0)
        yield opened
        opened.close()
        return
    with fresh_schema() as url:
        opened = open_store(url, clock=lambda: T0)
        yield opened
        opened.close()


def _item(item_id: str, title: str = "") -> sync.ItemRecord:
    return sync.ItemRecord(item_id, f"content/{item_id}.md", "h-" + item_id, {"title": title}, "ready", title)


def _new(item_id: str, account: str, state: S = S.QUEUED, due: datetime | None = T0) -> sync.NewPost:
    return sync.NewPost(item_id, "xiaohongshu", account, state, due, 7200.0, "h-" + item_id, "")


def _seed(store: Store) -> dict[str, int]:
    """Two items: a on two accounts (queued, due at T0), b planned without a time."""
    sync.write_sync(
        store,
        [_item("a", "标题 A"), _item("b")],
        [_new("a", "xhs-1"), _new("a", "xhs-2"), _new("b", "xhs-1", S.PLANNED, None)],
        now=T0,
    )
    ids = {f"{p.account}/a": p.id for p in posts.item_posts(store, "a")}
    ids["b"] = posts.item_posts(store, "b")[0].id
    return ids


def test_sync_writes_items_posts_and_the_last_sync_time(store: Store) -> None:
    ids = _seed(store)
    assert items.item_path(store, "a") == "content/a.md"
    assert items.item_path(store, "missing") is None
    assert [(p.platform, p.account, p.state) for p in posts.item_posts(store, "a")] == [
        ("xiaohongshu", "xhs-1", S.QUEUED),
        ("xiaohongshu", "xhs-2", S.QUEUED),
    ]
    assert posts.post_id_of(store, "a", "xiaohongshu", "xhs-2") == ids["xhs-2/a"]
    assert posts.post_id_of(store, "a", "douyin", "xhs-2") is None
    rows = sync.synced_posts(store, {"b"})
    assert list(rows) == [("b", "xiaohongshu", "xhs-1")]
    assert rows[("b", "xiaohongshu", "xhs-1")].state == S.PLANNED
    assert sync_state.get_value(store, sync.LAST_SYNC) == T0.isoformat()
    # The same writes again change nothing (two syncs racing agree).
    sync.write_sync(store, [_item("a")], [_new("a", "xhs-1", S.HELD)], now=T0 + timedelta(minutes=1))
    assert posts.post_state(store, ids["xhs-1/a"]) == posts.CurrentPost(S.QUEUED, "xhs-1", {}, "xiaohongshu")


def test_sync_moves_are_compare_and_set_transitions_and_are_logged(store: Store) -> None:
    ids = _seed(store)
    later = T0 + timedelta(minutes=5)
    key = ("b", "xiaohongshu", "xhs-1")
    stale = sync.Move(*key, S.HELD, S.CANCELLED, "removed")  # the row is planned, not held: nothing happens
    move = sync.Move(*key, S.PLANNED, S.QUEUED, "scheduled", reset_retry=True)
    sync.write_sync(store, [], [stale, move], now=later)
    assert posts.post_state(store, ids["b"]) is not None
    assert posts.post_state(store, ids["b"]).state == S.QUEUED  # type: ignore[union-attr]
    with store.session() as s:
        logged = s.execute(
            sa.select(event_t.c.kind, event_t.c.message, event_t.c.at).where(event_t.c.post_id == ids["b"])
        ).all()
    assert [tuple(r) for r in logged] == [("transition", "planned -> queued: scheduled", later)]
    # A note and a reschedule (only while in the given states) leave the state alone.
    new_due = T0 + timedelta(days=1)
    sync.write_sync(
        store,
        [],
        [
            sync.Note(*key, "edited after it was published"),
            sync.Reschedule(*key, new_due, 60.0, "h2", frozenset({S.QUEUED})),
            sync.Reschedule("a", "xiaohongshu", "xhs-1", new_due, 60.0, "h2", frozenset({S.PLANNED})),
        ],
        now=later,
    )
    view = {v.id: v for v in posts.post_views(store)}
    assert (view[ids["b"]].due_at, view[ids["b"]].reason) == (new_due, "edited after it was published")
    assert view[ids["xhs-1/a"]].due_at == T0


def test_post_views_order_filters_and_overrides(store: Store) -> None:
    ids = _seed(store)
    assert [v.id for v in posts.post_views(store)] == [ids["xhs-1/a"], ids["xhs-2/a"], ids["b"]]
    assert [v.id for v in posts.post_views(store, states={"planned"})] == [ids["b"]]
    assert [v.id for v in posts.post_views(store, until=T0 - timedelta(hours=1))] == [ids["b"]]
    assert sync.due_overrides(store) == {}
    claims.transition(
        store, ids["b"], owner=None, from_states=[S.PLANNED], to=S.QUEUED, due_at=T0, due_override_at=T0
    )
    assert sync.due_overrides(store) == {("b", "xiaohongshu", "xhs-1"): T0}
    assert posts.account_posts_in(store, "xhs-1", S.QUEUED) == [ids["xhs-1/a"], ids["b"]]


def test_what_the_queue_claims_and_waits_for(store: Store) -> None:
    ids = _seed(store)
    assert posts.claimable_accounts(store, T0 - timedelta(seconds=1)) == set()
    assert posts.claimable_accounts(store, T0) == {"xhs-1", "xhs-2"}
    assert [p.id for p in posts.overdue_queued(store, T0, 1)] == [ids["xhs-1/a"]]
    assert posts.next_wake(store, set()) == T0
    assert posts.next_wake(store, {"xhs-1", "xhs-2"}) is None
    everyone = set(ids.values())  # a node leaves posts its copy of the folder lacks to the others
    assert posts.next_wake(store, set(), skip=everyone) is None
    assert claims.claim_due(store, now=T0, owner="w", lease_s=60, limit=9, skip=everyone) == []
    claimed = claims.claim_due(store, now=T0, owner="w", lease_s=60, limit=1, accounts=["xhs-2"])
    assert [c.id for c in claimed] == [ids["xhs-2/a"]]
    claims.start_attempt(store, ids["xhs-2/a"], owner="w", now=T0)
    claims.record_ids(store, ids["xhs-2/a"], "w", {"note_id": "n1", "upload": None})
    claims.finish_attempt(
        store, ids["xhs-2/a"], 1, owner="w", outcome="unknown", to=S.RECONCILE, now=T0, reason="checking"
    )
    waiting = posts.reconcile_due(store, T0, 10, set())
    assert waiting == [
        posts.WaitingPost(
            ids["xhs-2/a"], "a", "xiaohongshu", "xhs-2", "checking", 1, {"note_id": "n1"}, content_hash="h-a"
        )
    ]
    assert waiting[0].last == (1, T0, T0)  # its latest attempt, read in the same query
    claims.transition(store, ids["xhs-2/a"], owner=None, from_states=[S.RECONCILE], to=S.RETRYING, now=T0)
    claims.claim_due(store, now=T0, owner="w", lease_s=60, limit=1, accounts=["xhs-2"])
    claims.start_attempt(store, ids["xhs-2/a"], owner="w", now=T0 + timedelta(seconds=5))
    later = T0 + timedelta(seconds=9)
    claims.finish_attempt(
        store, ids["xhs-2/a"], 2, owner="w", outcome="unknown", to=S.RECONCILE, now=later, reason="checking"
    )
    (again,) = posts.reconcile_due(store, later, 10, set())
    assert again.last == (2, T0 + timedelta(seconds=5), later) == attempts.last_attempt(store, again.id)[:3]
    assert posts.reconcile_due(store, T0, 10, {"xhs-2"}) == []
    assert posts.reconcile_due(store, T0, 10, set(), skip={ids["xhs-2/a"]}) == []  # another node's to check
    assert posts.platform_ids(store, [ids["xhs-2/a"]]) == {ids["xhs-2/a"]: {"note_id": "n1", "upload": None}}


def test_the_wake_up_is_the_soonest_of_a_due_post_a_poll_and_a_lease(any_store: Store) -> None:
    """Each of the three sources, through Core with the flagged accounts given, and read with them by the
    same statement (`flagged=None`; on SQLite, the driver connection's `Prepared` statement)."""
    store = any_store
    ids = _seed(store)
    one, two = ids["xhs-1/a"], ids["xhs-2/a"]
    claims.claim_due(store, now=T0, owner="w", lease_s=600, limit=1, accounts=["xhs-1"])
    assert posts.next_wake(store, set()) == T0 == posts.next_wake(store, None)  # xhs-2's post is still due
    claims.claim_due(store, now=T0, owner="w", lease_s=300, limit=1, accounts=["xhs-2"])
    lease = T0 + timedelta(seconds=300)
    assert posts.next_wake(store, set()) == lease == posts.next_wake(store, None)  # the sooner lease runs out
    claims.start_attempt(store, two, owner="w", now=T0)
    poll = T0 + timedelta(seconds=15)
    claims.finish_attempt(
        store, two, 1, owner="w", outcome="submitted", to=S.RECONCILE, now=T0, next_attempt_at=poll
    )
    assert posts.next_wake(store, set()) == poll == posts.next_wake(store, None)
    assert posts.next_wake(store, {"xhs-2"}) == T0 + timedelta(seconds=600)  # its poll waits for a person
    tokens.mark_needs_reauth(store, "xhs-2", reason="expired", post_id=None, now=T0)
    assert posts.next_wake(store, None) == T0 + timedelta(seconds=600)  # the same, flagged in the store
    tokens.clear_needs_reauth(store, "xhs-2")
    assert posts.next_wake(store, set(), skip={two}) == T0 + timedelta(seconds=600)
    claims.transition(store, one, owner="w", from_states=[S.CLAIMED], to=S.QUEUED, now=T0)
    assert posts.next_wake(store, {"xhs-2"}) == T0


def test_flagged_accounts_as_stored_are_left_out_by_the_same_query(any_store: Store) -> None:
    """`flagged=None`: the accounts needing re-authorisation are read by the wake-up and reconcile queries
    themselves (on SQLite, on the driver connection; on PostgreSQL, through Core), with the same answers as
    when the caller read them first and the query went through Core."""
    store = any_store
    ids = _seed(store)
    assert posts.next_wake(store, None) == posts.next_wake(store, set()) == T0
    tokens.mark_needs_reauth(store, "xhs-1", reason="expired", post_id=None, now=T0)
    tokens.mark_needs_reauth(store, "xhs-2", reason="expired", post_id=None, now=T0)
    flagged = set(tokens.accounts_needing_reauth(store))
    assert flagged == {"xhs-1", "xhs-2"}
    assert posts.next_wake(store, None) is None is posts.next_wake(store, flagged)
    assert posts.next_wake(store, None, skip={ids["b"]}) is None
    tokens.clear_needs_reauth(store, "xhs-2")
    assert posts.next_wake(store, None) == T0 == posts.next_wake(store, {"xhs-1"})
    claims.claim_due(store, now=T0, owner="w", lease_s=60, limit=1, accounts=["xhs-2"])
    claims.start_attempt(store, ids["xhs-2/a"], owner="w", now=T0)
    claims.finish_attempt(
        store, ids["xhs-2/a"], 1, owner="w", outcome="unknown", to=S.RECONCILE, now=T0, reason="checking"
    )
    claims.record_ids(store, ids["xhs-2/a"], "w", {"note_id": "n1", "upload": None})
    (raw,) = posts.reconcile_due(store, T0, 10, None)  # on SQLite: read on the driver connection
    assert raw == posts.reconcile_due(store, T0, 10, set())[0]  # read through Core: the same post
    assert (raw.id, raw.ids, raw.last) == (ids["xhs-2/a"], {"note_id": "n1"}, (1, T0, T0))
    tokens.mark_needs_reauth(store, "xhs-2", reason="expired", post_id=None, now=T0)
    assert posts.reconcile_due(store, T0, 10, None) == [] == posts.reconcile_due(store, T0, 10, {"xhs-2"})


def test_attempts_and_an_accounts_pace(store: Store) -> None:
    ids = _seed(store)
    one, two = ids["xhs-1/a"], ids["xhs-2/a"]
    assert attempts.last_attempt(store, one) is None
    claims.claim_due(store, now=T0, owner="w", lease_s=60, limit=5)
    claims.start_attempt(store, one, owner="w", now=T0, request_hash="r1")
    claims.finish_attempt(store, one, 1, owner="w", outcome="error", to=S.RETRYING, now=T0, error="boom")
    claims.claim_due(store, now=T0 + timedelta(hours=1), owner="w", lease_s=60, limit=5)
    claims.start_attempt(store, one, owner="w", now=T0 + timedelta(hours=1), request_hash="r2")
    assert attempts.last_attempt(store, one) == (2, T0 + timedelta(hours=1), None, "r2")
    listed = attempts.attempts_of(store, [one, two])
    assert [(a.post_id, a.number, a.outcome, a.error) for a in listed] == [
        (one, 1, "error", "boom"),
        (one, 2, None, None),
    ]
    assert attempts.latest_attempts(store, [one, two])[one].number == 2
    # Another post of the account sees one post sent today, the latest at T0 + 1 h; the post itself, none.
    pace = attempts.account_pace(
        store, platform="xiaohongshu", account="xhs-1", other_than=ids["b"], since=T0, day_start=T0
    )
    assert pace == (1, T0 + timedelta(hours=1))
    mine = dict(platform="xiaohongshu", account="xhs-1", other_than=one, since=T0, day_start=T0)
    assert attempts.account_pace(store, **mine) == (0, None)  # type: ignore[arg-type]


def test_events_are_found_by_kind_and_literal_prefix(store: Store) -> None:
    ids = _seed(store)
    post = ids["b"]
    assert events.last_event_at(store, post, "retry") is None
    claims.log_event(store, post, "retry", "first", now=T0)
    claims.log_event(store, post, "retry", "second", now=T0 + timedelta(hours=2))
    claims.log_event(store, post, "notify", "failed#1 100% sure", now=T0)
    assert events.last_event_at(store, post, "retry") == T0 + timedelta(hours=2)
    assert events.has_event(store, post, "notify", message_prefix="failed#1 ")
    assert events.has_event(store, post, "notify", message_prefix="failed#1 100%")
    assert not events.has_event(store, post, "notify", message_prefix="failed#1 1_0")  # `_` is not a wildcard
    assert not events.has_event(store, post, "notify", message_prefix="%")
    assert not events.has_event(store, ids["xhs-1/a"], "notify")


def test_sync_state_values_are_set_once(store: Store) -> None:
    assert sync_state.get_value(store, "mcp:k") is None
    sync_state.put_new(store, "mcp:k", {"post_ids": [1]})
    with pytest.raises(sa.exc.IntegrityError):
        sync_state.put_new(store, "mcp:k", {"post_ids": [2]})
    assert sync_state.get_value(store, "mcp:k") == {"post_ids": [1]}


def test_calendar_views_and_the_dashboard_fingerprint(store: Store) -> None:
    ids = _seed(store)
    entries = posts.calendar_entries(store, hidden=[S.CANCELLED.value])
    assert [(e.id, e.title) for e in entries] == [(ids["xhs-1/a"], "标题 A"), (ids["xhs-2/a"], "标题 A")]
    assert posts.calendar_entries(store, hidden=[], platform="douyin") == []
    assert posts.scheduled_for_account(store, "xiaohongshu", "xhs-2") == [("a", T0, {"title": "标题 A"})]
    before = posts.posts_fingerprint(store)
    assert before == (3, T0)
    claims.transition(
        store,
        ids["xhs-2/a"],
        owner=None,
        from_states=[S.QUEUED],
        to=S.CANCELLED,
        now=T0 + timedelta(seconds=1),
    )
    assert posts.posts_fingerprint(store) == (3, T0 + timedelta(seconds=1))
    assert [e.id for e in posts.calendar_entries(store, hidden=[S.CANCELLED.value])] == [ids["xhs-1/a"]]
    assert posts.scheduled_for_account(store, "xiaohongshu", "xhs-2") == []


def test_the_media_cache_remembers_what_it_found_until_it_is_told_to_forget(store: Store) -> None:
    cache = StoreMediaCache(store, "wechat", now=lambda: T0)
    assert cache.get("wx", "image", "abc") is None
    StoreMediaCache(store, "wechat", now=lambda: T0).put("wx", "image", "abc", "m1")  # another worker's
    assert cache.get("wx", "image", "abc") == "m1"  # a miss is never remembered
    with store.begin() as conn:  # changed behind its back: the instance keeps what it found for its run
        conn.execute(sa.update(media_cache_t).values(media_id="m2"))
    assert cache.get("wx", "image", "abc") == "m1"
    assert StoreMediaCache(store, "wechat").get("wx", "image", "abc") == "m2"  # the next run reads again
    cache.forget("wx", "image", "abc")  # the platform refused m1 (40007): gone here and in the store
    assert cache.get("wx", "image", "abc") is None
    cache.put("wx", "image", "abc", "m3")
    assert cache.get("wx", "image", "abc") == "m3"


def test_token_expiries_never_carry_a_value(store: Store) -> None:
    assert token_expiries(store) == {}
    StoreTokenCache(store).put("dy-1", "access", "SECRET-VALUE", T0, {"scope": "video"})
    assert token_expiries(store) == {"dy-1": {"access": (T0, {"scope": "video"})}}


def test_metric_samples_oldest_first(store: Store) -> None:
    ids = _seed(store)
    post = ids["xhs-1/a"]
    with store.begin() as conn:
        for name, value, taken in [("likes", 5.0, T0 + timedelta(hours=2)), ("views", 90.0, T0)]:
            conn.execute(
                sa.insert(metric_t).values(
                    post_id=post,
                    platform="xiaohongshu",
                    account="xhs-1",
                    name=name,
                    value=value,
                    taken_at=taken,
                )
            )
    assert metric_samples(store, [post]) == [
        (post, "views", 90.0, T0),
        (post, "likes", 5.0, T0 + timedelta(hours=2)),
    ]
    assert metric_samples(store, [ids["b"]]) == []
