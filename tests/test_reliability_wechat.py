"""WeChat through the real queue and the sandbox, on the harness's virtual clock: the adapter never waits for
a publish job (the queue polls it at the times stored with the post, also across restarts), a lost submit is
settled in seconds by WeChat's own count of submits, a spent daily quota stops the account's new drafts until
the reset, and a cover is uploaded once per account and content.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.harness import T0, Harness, Hooked
from support.workspaces import Layout, attempts, item_text, post_of, posts, remote_objects

from publisher.sandbox import create_app
from publisher.store.claims import take_over
from publisher.store.db import open_store

WX = "wechat"
SUBMIT, FP_GET = "/cgi-bin/freepublish/submit", "/cgi-bin/freepublish/get"
DRAFT_ADD, ADD_MATERIAL = "/cgi-bin/draft/add", "/cgi-bin/material/add_material"
BEIJING_MIDNIGHT = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # the quotas' reset after T0
Make = Callable[..., Harness]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    made: list[Harness] = []

    def build(layout: Layout | None = None, **kw: Any) -> Harness:
        h = Harness(tmp_path / f"h{len(made)}", layout or Layout(items=1, platforms=(WX,)), **kw)
        made.append(h)
        return h

    yield build
    for h in made:
        h.close()


def articles(h: Harness) -> list[dict[str, Any]]:
    return remote_objects(h.state())["wechat_articles"]


def only(h: Harness, item: str = "item-0000") -> dict[str, Any]:
    return post_of(h.store, item, WX)


# -- D2: adapters never sleep; the queue waits durably ------------------------------------------------------


def test_a_submitted_job_leaves_the_worker_at_once_and_is_polled_at_the_stored_time(make: Make) -> None:
    h = make(fake_config={"wechat": {"publish_delay_seconds": 600}})
    assert [o.state for o in h.run()] == ["reconcile"]
    post = only(h)
    assert post["reason"].startswith("submitted") and post["lease_owner"] is None
    assert h.slept == [] and h.clock() == T0  # no wait in the adapter, on any clock
    assert h.calls(FP_GET) == []  # and no status poll inside publish
    assert post["next_attempt_at"] == T0 + timedelta(seconds=15)  # the first mark of the job schedule
    assert asyncio.run(h.queue().poll_submitted()) == []  # not due yet: nothing asked
    h.drive()
    assert only(h)["state"] == "published"
    # Checked at 15 s, 60 s, 300 s (still publishing) and 1800 s (done at 600 s): the schedule, no more.
    assert [c["at"] for c in h.calls(FP_GET)] == [
        (T0 + timedelta(seconds=s)).isoformat() for s in (15, 60, 300, 1800)
    ]
    assert len(articles(h)) == 1


def test_restarting_the_queue_again_and_again_never_polls_sooner_than_the_schedule(make: Make) -> None:
    """Each restart is a new store handle and a new queue, as after a daemon restart; the next check time is
    read from the database, so the number of freepublish/get calls follows the schedule, not the restarts."""
    h = make(Layout(items=3, platforms=(WX,)), fake_config={"wechat": {"publish_delay_seconds": 3000}})
    assert [o.state for o in h.run()] == ["reconcile"] * 3
    url = str(h.store.engine.url)
    for restart in range(120):  # a restart every 30 s for an hour
        h.clock.advance(30)
        store = open_store(url, clock=h.clock)
        try:
            asyncio.run(h.queue(owner=f"restart-{restart}", store=store).run_due())
        finally:
            store.close()
    assert {p["state"] for p in posts(h.store)} == {"published"}
    gets = h.calls(FP_GET)
    # Marks at 15, 60, 300, 1800 (publishing) and 3600 s (published) after submit: five per job, 120 restarts.
    assert len(gets) == 3 * 5, [c["at"] for c in gets]


# -- D12: one 503 on submit ----------------------------------------------------------------------------------


def test_a_503_on_submit_is_proven_unsent_by_the_submit_count_and_sent_again_within_a_minute(
    make: Make,
) -> None:
    h = make(fake_config={"wechat": {"publish_delay_seconds": 600}})  # a slow job, to show no blind resubmit
    h.fault(kind="http_status", platform=WX, path=SUBMIT, status=503)
    assert [o.state for o in h.run()] == ["retrying"]
    post = only(h)
    assert "confirmed not on the platform" in post["reason"]
    assert post["next_attempt_at"] - h.clock() <= timedelta(seconds=60)  # seconds, not an hour
    h.drive()
    assert only(h)["state"] == "published"
    assert [c["status"] for c in h.calls(SUBMIT)] == [503, 200]
    assert len(h.calls(DRAFT_ADD)) == 1  # the draft was reused, not made again
    assert len(articles(h)) == 1 and h.state()["duplicates"] == []
    first, second = (datetime.fromisoformat(c["at"]) for c in h.calls(SUBMIT))
    assert second - first <= timedelta(seconds=60)  # sent again within a minute, not after an hour


def test_a_submit_that_went_through_but_lost_its_answer_is_never_sent_again(make: Make) -> None:
    h = make(fake_config={"wechat": {"publish_delay_seconds": 900}})
    h.fault(kind="drop_after_commit", platform=WX, path=SUBMIT)
    assert [o.state for o in h.run()] == ["reconcile"]  # the count moved: the job may be running
    h.drive()
    assert only(h)["state"] == "published"
    assert len(h.calls(SUBMIT)) == 1 and len(articles(h)) == 1


QUOTA_GET = "/cgi-bin/openapi/quota/get"


def test_a_lost_submit_answer_the_count_cannot_settle_goes_to_a_person_within_five_minutes(
    make: Make,
) -> None:
    """WeChat's submit count cannot be read (before the submit or after): the draft still in the box cannot
    tell "never submitted" from "still publishing". Checked at 15 s, 1 min and 5 min, never sent again
    blind, then a person is told why; not an hour's wait and a guess."""
    h = make(fake_config={"wechat": {"publish_delay_seconds": 600}})
    h.fault(kind="http_status", platform=WX, path=QUOTA_GET, status=503, times=0)  # every time
    h.fault(kind="drop_after_commit", platform=WX, path=SUBMIT)  # the job runs, its answer is lost
    h.config({"wechat": {"publish_outcome": 3}})  # and fails: the draft stays in the box
    assert [o.state for o in h.run()] == ["reconcile"]
    h.drive()
    post = only(h)
    assert post["state"] == "needs_attention", post["reason"]
    assert "count of today's submits cannot be compared" in post["reason"]
    assert "publisher resolve" in post["reason"] and "still in the draft box 5 min" in post["reason"]
    assert h.clock() - T0 == timedelta(seconds=300)  # decided at the 5-minute check, not after an hour
    assert len(h.calls(SUBMIT)) == 1 and articles(h) == []
    assert [c["at"] for c in h.calls("/cgi-bin/draft/get")] == [
        (T0 + timedelta(seconds=s)).isoformat() for s in (0, 15, 60, 300)
    ]


def test_a_lost_submit_answer_with_no_count_is_found_by_identity_once_the_draft_leaves(make: Make) -> None:
    h = make(fake_config={"wechat": {"publish_delay_seconds": 30}})
    h.fault(kind="http_status", platform=WX, path=QUOTA_GET, status=503, times=0)
    h.fault(kind="drop_after_commit", platform=WX, path=SUBMIT)
    assert [o.state for o in h.run()] == ["reconcile"]
    h.drive()
    post = only(h)
    assert post["state"] == "published" and post["url"] == articles(h)[0]["news_item"][0]["url"]
    assert h.clock() - T0 == timedelta(seconds=60)  # the first check after the job ended
    assert len(h.calls(SUBMIT)) == 1 and len(articles(h)) == 1 and h.state()["duplicates"] == []


def test_a_worker_killed_before_its_submit_left_is_published_again_within_a_minute(tmp_path: Path) -> None:
    """The kill test's stuck post: the write-ahead step of the submit was committed, then the worker died
    before the request left. The draft stays in the box and no job exists; before, reconcile took that for a
    job still publishing and waited an hour (the post sat in reconcile, "submitted"). Now WeChat's unmoved
    count of submits proves the submit never arrived."""

    class Killed(BaseException):
        pass

    app = create_app(seed=11, now=T0)
    hooked = Hooked(httpx.ASGITransport(app=app))
    h = Harness(tmp_path, Layout(items=1, platforms=(WX,)), transport=hooked, world=app.state.world)
    try:

        def kill(request: httpx.Request) -> None:
            if request.url.path.endswith(SUBMIT):
                hooked.hooks.remove(kill)
                raise Killed

        hooked.hooks.append(kill)
        with pytest.raises(Killed):
            h.run(h.queue(owner="dead"))
        assert only(h)["state"] == "sending" and only(h)["ids"]["submit_at"]
        take_over(h.store, h.clock(), keep="alive")  # the restarted daemon proves the old one dead
        h.drive(queue=h.queue(owner="alive"))
        post = only(h)
        assert post["state"] == "published", post
        assert post["updated_at"] - T0 < timedelta(minutes=1)
        assert len(h.calls(SUBMIT)) == 1 and len(articles(h)) == 1  # the only submit that ever arrived
    finally:
        h.close()


# -- a spent daily quota stops new drafts until the reset ---------------------------------------------------


def test_after_a_45009_the_account_makes_no_drafts_until_the_reset_and_loses_nothing(make: Make) -> None:
    h = make(Layout(items=4, platforms=(WX,), late_window="24h"))
    h.config({"wechat": {"quotas": {DRAFT_ADD: 2}}})
    first = {o.item: o.state for o in h.run_through()}
    assert first == {
        "item-0000": "published",
        "item-0001": "published",
        "item-0002": "retrying",
        "item-0003": "retrying",
    }, first
    assert [c["code"] for c in h.calls(DRAFT_ADD)] == [None, None, "45009"]  # one refusal, then nothing
    waiting = [p for p in posts(h.store) if p["state"] == "retrying"]
    for p in waiting:
        assert p["next_attempt_at"] == BEIJING_MIDNIGHT, p
        assert "quota" in p["reason"], p["reason"]
    third = only(h, "item-0003")
    assert "draft/add" in third["reason"] and "2026-12-02 00:00" in third["reason"]  # which quota, until when
    assert not third["ids"].get("thumb_media_id") or len(h.calls(ADD_MATERIAL)) == 1  # no upload either
    h.clock.advance(3600)
    assert h.run() == [] and len(h.calls(DRAFT_ADD)) == 3  # nothing is tried before the reset
    h.clock.set(BEIJING_MIDNIGHT)
    h.drive()
    assert {p["state"] for p in posts(h.store)} == {"published"}
    assert len(articles(h)) == 4 and h.state()["duplicates"] == []


# -- the cover is uploaded once per content hash -------------------------------------------------------------


def test_the_same_cover_on_two_posts_is_uploaded_once_and_reused_after_a_restart(make: Make) -> None:
    h = make(Layout(items=2, platforms=(WX,)))
    assert {o.state for o in h.run_through()} == {"published"}
    assert len(h.calls(ADD_MATERIAL)) == 1
    thumbs = {a["news_item"][0]["thumb_media_id"] for a in articles(h)}
    assert len(thumbs) == 1
    # A third item with the same cover, synced and sent by a new queue on a new store handle: still one.
    (h.root / "content" / "item-0002.md").write_text(item_text(2, h.layout), encoding="utf-8")
    h.sync()
    store = open_store(str(h.store.engine.url), clock=h.clock)
    try:
        h.drive(queue=h.queue(owner="B", store=store))
    finally:
        store.close()
    assert only(h, "item-0002")["state"] == "published"
    assert len(h.calls(ADD_MATERIAL)) == 1
    assert {a["news_item"][0]["thumb_media_id"] for a in articles(h)} == thumbs


def test_a_cached_cover_deleted_in_the_console_is_uploaded_again(make: Make) -> None:
    h = make(Layout(items=2, platforms=(WX,), when="2026-12-01 12:00"))
    path = h.root / "content" / "item-0001.md"
    path.write_text(path.read_text(encoding="utf-8").replace("12:00", "13:00"), encoding="utf-8")
    h.sync()
    assert [o.state for o in h.run_through()] == ["published"]
    h.world.stores["wechat"].materials.clear()  # a person tidied the material library
    h.clock.set(T0 + timedelta(hours=1))
    assert [o.state for o in h.run_through()] == ["published"]
    assert [c["code"] for c in h.calls(DRAFT_ADD)] == [None, "40007", None]
    assert len(h.calls(ADD_MATERIAL)) == 2 and len(articles(h)) == 2
    assert len(attempts(h.store, only(h, "item-0001")["id"])) == 1  # within the one attempt


# -- posts of different accounts go out side by side ---------------------------------------------------------


def test_posts_of_different_accounts_are_sent_side_by_side_each_account_in_order(tmp_path: Path) -> None:
    """One lane per account: while one account's request waits on the platform, another account's goes out;
    one account never has two requests in flight, and every post is still sent exactly once."""

    class Counting(httpx.AsyncBaseTransport):
        def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
            self.inner = inner
            self.flying: list[str] = []
            self.together: set[frozenset[str]] = set()
            self.same_account_overlap = False

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            who = request.url.path.split("/")[1]  # the fake's prefix: one account per platform here
            self.same_account_overlap |= who in self.flying
            self.flying.append(who)
            self.together.add(frozenset(self.flying))
            try:
                return await self.inner.handle_async_request(request)
            finally:
                self.flying.remove(who)

    app = create_app(seed=5, now=T0)
    counting = Counting(httpx.ASGITransport(app=app))
    h = Harness(
        tmp_path, Layout(items=2, platforms=(WX, "xiaohongshu")), transport=counting, world=app.state.world
    )
    try:
        for platform, path in ((WX, DRAFT_ADD), ("xiaohongshu", "/api/v1/publish")):
            h.fault(kind="delay", platform=platform, path=path, ms=50, times=0)
        states = {(o.item, o.platform): o.state for o in h.run_through()}
        assert set(states.values()) == {"published"} and len(states) == 4, states
        assert frozenset({"wx", "xhs"}) in counting.together  # two accounts' requests in flight at once
        assert not counting.same_account_overlap  # an account's own steps never overlap
        got = remote_objects(h.state())
        assert len(got["wechat_articles"]) == 2 and len(got["xiaohongshu"]) == 2
        assert h.state()["duplicates"] == []
    finally:
        h.close()


def test_each_write_step_is_committed_before_its_request_leaves_though_steps_share_commits(
    tmp_path: Path,
) -> None:
    """Group commit queues an adapter's intent and ids instead of committing them on the spot; the request
    hook makes them durable first. Read from another connection when draft/add or freepublish/submit arrives,
    the store already holds the step and the ids it follows."""

    class Checking(httpx.AsyncBaseTransport):
        def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
            self.inner = inner
            self.store: Any = None
            self.seen: list[tuple[str, bool]] = []

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            path = request.url.path.removeprefix("/wx")
            needs = {DRAFT_ADD: ("draft/add", "thumb_media_id"), SUBMIT: ("freepublish/submit", "submit_at")}
            if path in needs and self.store is not None:
                step, key = needs[path]
                rows = {p["id"]: p for p in posts(self.store)}
                open_steps = [a for a in attempts(self.store) if a["finished_at"] is None]
                self.seen.append(
                    (step, any(a["step"] == step and key in rows[a["post_id"]]["ids"] for a in open_steps))
                )
            return await self.inner.handle_async_request(request)

    app = create_app(seed=7, now=T0)
    checking = Checking(httpx.ASGITransport(app=app))
    h = Harness(tmp_path, Layout(items=2, platforms=(WX,)), transport=checking, world=app.state.world)
    checking.store = h.store
    try:
        h.run_through()
        assert checking.seen == [("draft/add", True), ("freepublish/submit", True)] * 2, checking.seen
        assert len(articles(h)) == 2
    finally:
        h.close()


def test_an_unverified_accounts_draft_waits_for_a_person_told_where_it_is_and_what_to_do(make: Make) -> None:
    """Not "ready to post by hand: <the draft's media_id>" (an id no person can use): the adapter's own words,
    that the draft is in the draft box, to publish it in mp.weixin.qq.com and confirm with publisher resolve;
    worded in Chinese for a Chinese reader."""
    from publisher.messages import reason

    h = make(Layout(items=1, platforms=(WX,), options={"wechat": {"verified": False}}))
    assert [o.state for o in h.run()] == ["awaiting_manual"]
    post = only(h)
    assert post["reason"].startswith("this account is not verified") and "publisher resolve" in post["reason"]
    assert h.calls(SUBMIT) == []
    assert reason(post["reason"], "zh").startswith("该公众号未认证")
