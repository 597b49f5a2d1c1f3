"""The named store queries behind metrics, reports, recurring jobs and tokens, on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher.store import Store, open_store
from publisher.store import jobs as job_store
from publisher.store import metrics as metric_store
from publisher.store import reports as report_store
from publisher.store import tokens as token_store
from publisher.store.claims import claimed_by

T0 = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'p.db'}")


def item(n: int, title: str = "") -> dict[str, Any]:
    return {
        "id": f"i{n}",
        "path": f"content/{n}.md",
        "hash": "h",
        "fields": {},
        "status": "ready",
        "title": title,
        "synced_at": T0,
    }


def post(n: int, state: str, due: datetime, **extra: Any) -> dict[str, Any]:
    row = {
        "id": n,
        "item_id": f"i{n}",
        "platform": "wechat",
        "account": "wx",
        "state": state,
        "due_at": due,
        "ids": {},
        "remote_id": None,
        "url": None,
        "last_error": None,
        "created_at": T0 - timedelta(days=1),
        "updated_at": due,
    }
    return {**row, **extra}


def published(n: int, at: datetime) -> dict[str, Any]:
    return {"post_id": n, "at": at, "kind": "transition", "message": "sending -> published"}


def sample(
    n: int | None, name: str, value: float, taken: datetime, age_s: float | None = None
) -> dict[str, Any]:
    return {
        "post_id": n,
        "platform": "wechat",
        "account": "wx",
        "name": name,
        "raw_name": name,
        "value": value,
        "taken_at": taken,
        "age_s": age_s,
    }


@pytest.fixture
def seeded(store: Store) -> Store:
    """Post 1 published at T0 (per the audit log), 2 published without a log entry, 3 queued, 4 failed."""
    report_store.insert_history(
        store,
        items=[item(1, "第一篇"), item(2), item(3, "third"), item(4, "fourth")],
        posts=[
            post(1, "published", T0 - timedelta(minutes=5), remote_id="r1", url="https://x/1", ids={"a": 1}),
            post(2, "published", T0 - timedelta(days=10), remote_id="r2", updated_at=T0 - timedelta(days=9)),
            post(3, "queued", T0 + timedelta(hours=2, seconds=30)),
            post(4, "failed", T0 + timedelta(hours=1), last_error="boom", account="wx2"),
        ],
        events=[published(1, T0)],
        follows=[
            {"platform": "wechat", "account": "wx", "day": date(2027, 1, d), "name": "followers", "value": v}
            for d, v in ((1, 100.0), (3, 110.0), (5, 130.0))
        ],
    )
    return store


def test_published_refs_use_the_audit_log_and_filter_by_since(seeded: Store) -> None:
    refs = metric_store.published_refs(seeded)
    assert [(r.post_id, r.remote_id, r.url, r.published_at) for r in refs] == [
        (1, "r1", "https://x/1", T0),
        (2, "r2", None, T0 - timedelta(days=9)),  # no transition logged: its last update
    ]
    assert refs[0].ids == {"a": 1}
    assert [r.post_id for r in metric_store.published_refs(seeded, since=T0 - timedelta(days=1))] == [1]
    assert metric_store.published_refs(seeded, since=T0 + timedelta(seconds=1)) == []


def test_post_titles(seeded: Store) -> None:
    assert metric_store.post_titles(seeded, [1, 2, 99]) == {1: "第一篇", 2: ""}
    assert metric_store.post_titles(seeded, []) == {}


def test_appended_samples_read_back_as_the_latest_figures(seeded: Store) -> None:
    rows = [
        sample(1, "likes", 3, T0 + timedelta(hours=1), 3600),
        sample(1, "likes", 7, T0 + timedelta(hours=30), 30 * 3600),
        sample(1, "views", 50, T0 + timedelta(hours=1), 3600),
        sample(None, "followers", 130, T0 + timedelta(hours=1)),
    ]
    assert metric_store.append_samples(seeded, rows) == 4
    assert metric_store.append_samples(seeded, []) == 0
    end = T0 + timedelta(days=2)
    assert report_store.latest(seeded, before=end) == {
        (1, "likes"): (7.0, T0 + timedelta(hours=30)),
        (1, "views"): (50.0, T0 + timedelta(hours=1)),
    }
    assert report_store.latest(seeded, before=T0 + timedelta(hours=2), names=["likes"]) == {
        (1, "likes"): (3.0, T0 + timedelta(hours=1))
    }
    at24 = report_store.latest(seeded, before=end, post_ids=[1], by_age=86400)
    assert at24[(1, "likes")] == (3.0, T0 + timedelta(hours=1))
    assert report_store.latest(seeded, before=end, post_ids=[2]) == {}
    assert metric_store.latest_totals(seeded) == {"wechat": {"likes": 7.0, "views": 50.0}}


def test_daily_maxima_bucket_by_day_start(seeded: Store) -> None:
    metric_store.append_samples(
        seeded,
        [
            sample(1, "likes", 2, T0 + timedelta(hours=1)),
            sample(1, "likes", 5, T0 + timedelta(hours=3)),
            sample(1, "likes", 9, T0 + timedelta(hours=13)),
        ],
    )
    days = [("d1", T0), ("d2", T0 + timedelta(hours=12))]
    got = report_store.daily_maxima(seeded, days=days, end=T0 + timedelta(days=1), names=["likes"])
    assert got == {(1, "likes", "d1"): 5.0, (1, "likes", "d2"): 9.0}
    assert report_store.daily_maxima(seeded, days=[], end=T0, names=["likes"]) == {}


def test_account_figures_are_set_once_per_day(seeded: Store) -> None:
    day = date(2027, 1, 5)
    assert metric_store.put_account_figures(seeded, {("wechat", "wx", day, "followers"): 140.0}) == 1
    assert metric_store.put_account_figures(seeded, {}) == 0
    assert report_store.followers(seeded, date(2027, 1, 3), date(2027, 1, 6)) == {
        ("wechat", "wx"): (100.0, 140.0)
    }
    assert report_store.followers(seeded, date(2027, 1, 1), date(2027, 1, 3)) == {
        ("wechat", "wx"): (100.0, 110.0)
    }


def test_an_import_is_recorded_once(seeded: Store) -> None:
    rows = [sample(1, "likes", 4, T0)]
    assert not metric_store.import_recorded(seeded, "abc wechat/wx", kind="metrics.import")
    assert metric_store.record_import(
        seeded, rows, marker="abc wechat/wx", kind="metrics.import", message="abc wechat/wx f.csv: 1", now=T0
    )
    assert metric_store.import_recorded(seeded, "abc wechat/wx", kind="metrics.import")
    assert not metric_store.import_recorded(seeded, "abc wechat/wx", kind="other")
    assert not metric_store.record_import(
        seeded, rows, marker="abc wechat/wx", kind="metrics.import", message="again", now=T0
    )
    assert metric_store.latest_totals(seeded) == {"wechat": {"likes": 4.0}}  # the second added nothing


def test_report_posts_and_their_filters(seeded: Store) -> None:
    posts = {p.id: p for p in report_store.report_posts(seeded)}
    assert posts[1].published_at == T0 and posts[1].title == "第一篇"
    assert posts[2].published_at == T0 - timedelta(days=9) and posts[2].title == "i2"
    assert posts[3].published_at is None and posts[3].due_at == T0 + timedelta(hours=2, seconds=30)
    assert posts[4].last_error == "boom" and posts[4].reason == ""
    queued = report_store.report_posts(
        seeded, states=["queued", "failed"], due_from=T0, due_before=T0 + timedelta(hours=2)
    )
    assert [p.id for p in queued] == [4]


def test_post_times_urls_and_state_counts(seeded: Store) -> None:
    assert report_store.due_at_of(seeded, "i3", "wechat", "wx") == T0 + timedelta(hours=2, seconds=30)
    assert report_store.due_at_of(seeded, "i3", "wechat", "other") is None
    taken = report_store.due_times_taken(seeded, "wechat", "wx", besides="i1")
    assert sorted(taken) == [T0 - timedelta(days=10), T0 + timedelta(hours=2, seconds=30)]
    assert report_store.post_urls(seeded, [1, 3]) == {1: "https://x/1", 3: None}
    assert report_store.state_counts(seeded) == {"published": 2, "queued": 1, "failed": 1}


def test_job_queries(seeded: Store) -> None:
    assert job_store.queued_due_after(seeded, T0) == [T0 + timedelta(hours=2, seconds=30)]
    assert job_store.queued_due_after(seeded, T0 + timedelta(hours=3)) == []
    assert job_store.accounts_due(seeded, T0, T0 + timedelta(hours=3)) == {"wx": "wechat"}
    assert job_store.accounts_due(seeded, T0, T0 + timedelta(hours=2)) == {}
    assert job_store.claim_period(seeded, "daily", "p1", now=T0)
    assert not job_store.claim_period(seeded, "daily", "p1", now=T0)
    job_store.finish_period(seeded, "daily", "p1", now=T0, outcome="ok: " + "x" * 600)
    assert job_store.claim_period(seeded, "daily", "p2", now=T0)
    assert claimed_by(seeded, "node-1") == []


def test_token_queries_never_return_the_value(store: Store) -> None:
    token_store.put_token(store, "dy", "douyin_refresh", "SECRET-1", T0 + timedelta(days=2), {"scope": "a"})
    token_store.put_token(store, "dy", "douyin_refresh", "SECRET-2", T0 + timedelta(days=3), {"scope": "b"})
    token_store.put_token(store, "dy", "access", "SECRET-3", T0 + timedelta(hours=1))
    assert token_store.token_meta(store, "dy") == {
        "douyin_refresh": (T0 + timedelta(days=3), {"scope": "b"}),
        "access": (T0 + timedelta(hours=1), {}),
    }
    assert token_store.expiring_tokens(store, before=T0 + timedelta(days=4), kind_contains="refresh") == [
        ("dy", "douyin_refresh", T0 + timedelta(days=3))
    ]
    assert token_store.expiring_tokens(store, before=T0 + timedelta(days=1)) == [
        ("dy", "access", T0 + timedelta(hours=1))
    ]
    assert token_store.StoreTokenCache(store).get("dy", "douyin_refresh") == (
        "SECRET-2",
        T0 + timedelta(days=3),
        {"scope": "b"},
    )
