"""The twelve fault scenarios of docs/reliability.md#how-to-run-them, each through the QUEUE with the real
adapters against the sandbox, asserting the post's final state and what the fake holds; plus "30 % transient
faults and token expiry: every post is published within its retry budget; permanent errors fail after one
attempt".
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.harness import T0, Harness, Hooked, ShortRead, serve_app
from support.procs import wait_for
from support.workspaces import CREDENTIALS, Layout, attempts, post_of, posts, remote_objects

from publisher.queue.policy import RetrySettings
from publisher.sandbox import create_app

WX, DY, XHS, WB = "wechat", "douyin", "xiaohongshu", "weibo"
DRAFT_ADD, SUBMIT, SENDALL = (
    "/cgi-bin/draft/add",
    "/cgi-bin/freepublish/submit",
    "/cgi-bin/message/mass/sendall",
)
ADD_MATERIAL, FP_GET = "/cgi-bin/material/add_material", "/cgi-bin/freepublish/get"
DY_V1 = "/api/douyin/v1/video"
CREATE_IMAGE_TEXT, CREATE_VIDEO, UPLOAD_IMAGE = (
    f"{DY_V1}/create_image_text/",
    f"{DY_V1}/create_video/",
    f"{DY_V1}/upload_image/",
)
XHS_PUBLISH = "/api/v1/publish"
WB_SHARE = "/2/statuses/share.json"
Make = Callable[..., Harness]
BEIJING_MIDNIGHT = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    made: list[Harness] = []

    def build(layout: Layout | None = None, **kw: Any) -> Harness:
        h = Harness(tmp_path / f"h{len(made)}", layout, **kw)
        made.append(h)
        return h

    yield build
    for h in made:
        h.close()


def only(h: Harness, platform: str, item: str = "item-0000") -> dict[str, Any]:
    return post_of(h.store, item, platform)


def objects(h: Harness) -> dict[str, list[dict[str, Any]]]:
    return remote_objects(h.state())


def one_of_each(h: Harness, items: int = 1) -> None:
    """Exactly one remote object per item and platform of the layout, and no duplicate the fake noticed."""
    got = objects(h)
    if WX in h.layout.platforms:
        assert Counter(a["news_item"][0]["title"] for a in got["wechat_articles"]) == Counter(
            {f"周报第{n}期": 1 for n in range(items)}
        ), got["wechat_articles"]
    if DY in h.layout.platforms:
        assert len(got["douyin"]) == items, got["douyin"]
    if XHS in h.layout.platforms:
        assert Counter(n["title"] for n in got["xiaohongshu"]) == Counter(
            {f"周报第{n}期": 1 for n in range(items)}
        )
    assert h.state()["duplicates"] == []


def wx_only(**kw: Any) -> Layout:
    return Layout(items=kw.pop("items", 1), platforms=(WX,), **kw)


# -- 1. 429 + Retry-After ------------------------------------------------------------------------------------


def test_1_rate_limit_waits_retry_after_on_the_virtual_clock_then_publishes(make: Make) -> None:
    h = make(Layout(items=1, platforms=(WX, XHS)))
    for platform, path in ((WX, DRAFT_ADD), (XHS, XHS_PUBLISH)):
        h.fault(kind="http_status", platform=platform, path=path, status=429, headers={"Retry-After": "30"})
    out = {o.platform: o.state for o in h.run_through()}
    assert out == {WX: "published", XHS: "published"}
    assert h.slept.count(30.0) == 2  # waited what the server asked, on the virtual clock
    assert [c["status"] for c in h.calls(DRAFT_ADD)] == [429, 200]
    assert len(attempts(h.store)) == 2  # one attempt per post: the wait happened inside it
    one_of_each(h)


def test_1_a_long_retry_after_becomes_a_durable_retry_that_releases_the_lease(make: Make) -> None:
    h = make(wx_only())
    h.fault(kind="http_status", platform=WX, path=DRAFT_ADD, status=429, headers={"Retry-After": "900"})
    assert [o.state for o in h.run()] == ["retrying"]
    post = only(h, WX)
    assert post["lease_owner"] is None and post["next_attempt_at"] >= T0 + timedelta(seconds=900)
    assert h.slept == []  # the adapter never sleeps for a long wait
    h.drive()
    assert only(h, WX)["state"] == "published"
    one_of_each(h)


# -- 2. busy codes -------------------------------------------------------------------------------------------


def test_2_busy_codes_are_retried_with_backoff_and_succeed_within_the_budget(make: Make) -> None:
    h = make(Layout(items=1, platforms=(WX, DY)))
    h.fault(kind="app_error", platform=WX, path=ADD_MATERIAL, code=-1, times=2)
    h.fault(kind="app_error", platform=DY, path=UPLOAD_IMAGE, code=2100004, times=2)
    h.fault(kind="app_error", platform=DY, path=f"{DY_V1}/video_data/", code=28001005, times=1)
    assert {o.platform: o.state for o in h.run_through()} == {WX: "published", DY: "published"}
    assert [c["code"] for c in h.calls(ADD_MATERIAL)] == ["-1", "-1", "0"] or len(h.calls(ADD_MATERIAL)) == 3
    assert len(h.calls(UPLOAD_IMAGE)) == 3
    assert len(attempts(h.store)) == 2
    one_of_each(h)


def test_2_busy_beyond_the_budget_retries_durably_then_fails_and_never_writes(make: Make) -> None:
    h = make(wx_only())
    h.fault(kind="app_error", platform=WX, path=ADD_MATERIAL, code=-1, times=0)  # busy for ever
    assert [o.state for o in h.run()] == ["retrying"]
    assert len(h.calls(ADD_MATERIAL)) == h.policy.attempts  # the in-process budget, then back to the queue
    h.drive()
    post = only(h, WX)
    assert post["state"] == "failed" and "gave up after 5 attempts" in post["reason"]
    assert len(attempts(h.store, post["id"])) == h.retry.max_attempts
    assert h.calls(DRAFT_ADD) == []  # nothing was ever written
    assert objects(h)["wechat_articles"] == []


def test_2_busy_on_a_write_is_reconciled_never_blindly_retried(make: Make) -> None:
    h = make(Layout(items=1, platforms=(WX, DY)))
    h.fault(kind="app_error", platform=WX, path=DRAFT_ADD, code=-1, times=1)
    h.fault(kind="app_error", platform=DY, path=CREATE_IMAGE_TEXT, code=2100004, times=1)
    first = {o.platform: o.state for o in h.run()}
    assert first == {WX: "retrying", DY: "retrying"}  # reconcile: confirmed absent, so sent again later
    assert len(h.calls(DRAFT_ADD)) == 1 and len(h.calls(CREATE_IMAGE_TEXT)) == 1
    h.drive()
    assert {p["platform"]: p["state"] for p in posts(h.store)} == {WX: "published", DY: "published"}
    one_of_each(h)


# -- 3. token expiry mid-flow --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "platform, path, ttl, codes",
    [
        (WX, DRAFT_ADD, 7200, {"42001"}),
        (DY, CREATE_IMAGE_TEXT, 15 * 86400, {"28001008", "2190008"}),
    ],
)
def test_3_token_expiry_between_upload_and_create_refreshes_once_and_continues(
    tmp_path: Path, platform: str, path: str, ttl: int, codes: set[str]
) -> None:
    app = create_app(seed=3, now=T0)
    hooked = Hooked(httpx.ASGITransport(app=app))
    h = Harness(tmp_path, Layout(items=1, platforms=(platform,)), transport=hooked, world=app.state.world)
    try:
        jumped: list[str] = []

        def expire(request: httpx.Request) -> None:
            if request.url.path.endswith(path) and not jumped:
                jumped.append(path)
                h.clock.advance(ttl + 60)  # the token cached at the upload is now past its TTL

        hooked.hooks.append(expire)
        assert [o.state for o in h.run_through()] == ["published"]
        assert jumped == [path]
        seen = [c["code"] for c in h.calls(path)]
        assert len(seen) == 2 and seen[0] in codes, seen  # refused once as expired, then accepted
        if platform == DY:
            assert len(h.calls("/oauth/refresh_token/")) == 1
        one_of_each(h)
    finally:
        h.close()


def test_3_a_token_still_rejected_after_one_refresh_needs_reauth_without_a_loop(make: Make) -> None:
    h = make(wx_only())
    h.fault(kind="app_error", platform=WX, path=DRAFT_ADD, code=40001, times=0, message="invalid credential")
    assert [o.state for o in h.run()] == ["needs_reauth"]
    assert len(h.calls(DRAFT_ADD)) == 2  # the call, one refresh, the call again: then stop
    assert "need renewing" in only(h, WX)["reason"]
    assert h.run() == []  # the account waits for a person; nothing is retried meanwhile


# -- 4. superseded token -------------------------------------------------------------------------------------


def test_4_a_token_superseded_by_another_worker_is_fetched_again(make: Make) -> None:
    h = make(wx_only(items=2, when="2026-12-01 12:00"))
    (h.root / "content" / "item-0001.md").write_text(
        (h.root / "content" / "item-0001.md").read_text(encoding="utf-8").replace("12:00", "13:00"),
        encoding="utf-8",
    )
    h.sync()
    assert [o.state for o in h.run_through()] == ["published"]
    h.clock.advance(3600)

    async def force_refresh() -> None:  # another worker, with the same app secret, forces a new token
        async with httpx.AsyncClient(transport=h.transport, base_url=h.base) as c:
            r = await c.post(
                "/wx/cgi-bin/stable_token",
                json={"grant_type": "client_credential", **CREDENTIALS[WX], "force_refresh": True},
            )
            assert r.json().get("access_token")

    asyncio.run(force_refresh())
    assert [o.state for o in h.run_through()] == ["published"]
    assert "40001" in [c["code"] for c in h.state()["calls"]]  # the old token was refused once, then renewed
    one_of_each(h, items=2)


# -- 5. daily quota ------------------------------------------------------------------------------------------


def test_5_daily_quota_is_a_durable_retry_at_the_reset(make: Make) -> None:
    # A 24 h late window: past the reset, the 2 h default would make these `missed` (a person decides).
    h = make(Layout(items=2, platforms=(WX, DY), late_window="24h"))
    h.config({"wechat": {"quotas": {SUBMIT: 1}}})
    h.fault(
        kind="app_error", platform=DY, path=CREATE_IMAGE_TEXT, code=2114007, times=1, message="daily limit"
    )
    out = Counter(o.state for o in h.run_through())
    assert out == Counter({"published": 2, "retrying": 2}), out
    waiting = [p for p in posts(h.store) if p["state"] == "retrying"]
    assert {p["platform"] for p in waiting} == {WX, DY}
    for p in waiting:
        assert p["next_attempt_at"] == BEIJING_MIDNIGHT and "quota" in p["reason"]
    # The second submit is never sent: openapi/quota/get said none was left today (it would be 45009).
    assert [c["code"] for c in h.calls(SUBMIT)] == ["0"] and len(h.calls("/openapi/quota/get")) == 2
    assert h.run() == []  # nothing is tried again before the reset
    h.clock.set(BEIJING_MIDNIGHT)
    assert Counter(o.state for o in h.run_through()) == Counter({"published": 2})
    one_of_each(h, items=2)


# -- 6. slow responses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seconds, outcome", [(0.2, "direct"), (1.5, "reconciled")])
def test_6_slow_answers_below_the_read_timeout_succeed_above_it_reconcile(
    tmp_path: Path, seconds: float, outcome: str
) -> None:
    app = create_app(seed=6, now=T0)
    with serve_app(app) as base:
        h = Harness(
            tmp_path,
            Layout(items=1, platforms=(WX, XHS)),
            transport=ShortRead(0.6),
            base=base,
            world=app.state.world,
        )
        try:
            # The fake commits, then answers late: the sandbox's `timeout` fault.
            h.fault(kind="timeout", platform=WX, path=DRAFT_ADD, seconds=seconds)
            h.fault(kind="timeout", platform=XHS, path=XHS_PUBLISH, seconds=seconds)
            out = {o.platform: (o.state, o.reason) for o in h.run_through()}
            assert {p: s for p, (s, _) in out.items()} == {
                WX: "retrying" if outcome == "reconciled" else "published",
                XHS: "published",
            }, out
            if outcome == "reconciled":
                assert "confirmed on the platform" in out[XHS][1]  # the note was found, not sent again
                h.drive()
            assert {p["platform"]: p["state"] for p in posts(h.store)} == {WX: "published", XHS: "published"}
            # The fake logs a call once it answered; a late answer nobody waited for is logged late.
            wait_for(lambda: len(h.calls(DRAFT_ADD)) and len(h.calls(XHS_PUBLISH)), timeout=5, what="the log")
            assert len(h.calls(DRAFT_ADD)) == 1 and len(h.calls(XHS_PUBLISH)) == 1
            one_of_each(h)
        finally:
            h.close()


# -- 7. commit then drop, on every write endpoint ------------------------------------------------------------

WRITES = [
    (WX, DRAFT_ADD, wx_only()),
    (WX, SUBMIT, wx_only()),
    (WX, SENDALL, wx_only(wechat_extra="mass_send: true")),
    (DY, CREATE_VIDEO, Layout(items=1, platforms=(DY,), video=True)),
    (DY, CREATE_IMAGE_TEXT, Layout(items=1, platforms=(DY,))),
    (XHS, XHS_PUBLISH, Layout(items=1, platforms=(XHS,))),
    (WB, WB_SHARE, Layout(items=1, platforms=(WB,))),
]


@pytest.mark.parametrize(
    "platform, path, layout", WRITES, ids=[w[1].rstrip("/").rsplit("/", 1)[-1] for w in WRITES]
)
def test_7_commit_then_drop_leaves_exactly_one_remote_object(
    make: Make, platform: str, path: str, layout: Layout
) -> None:  # type: ignore[no-untyped-def]
    h = make(layout)
    h.fault(kind="drop_after_commit", platform=platform, path=path)
    h.drive()
    post = only(h, platform)
    assert post["state"] == "published", post
    assert h.calls(path)[0]["status"] == 502  # the answer was lost after the platform committed
    assert h.state()["duplicates"] == []
    got = objects(h)
    if path == SENDALL:
        assert len(got["wechat_mass"]) == 1
        # Reconcile re-sent with the same clientmsgid: the platform answered 45065 with the first msg_id.
        # (45066 first when it comes back within a minute: wait 60 s, then ask again.)
        assert [c["code"] for c in h.calls(SENDALL)][1:] in (["45065"], ["45066", "45065"])
        assert post["ids"]["msg_id"] == got["wechat_mass"][0]["msg_id"]
    elif platform == WX:
        assert len(got["wechat_articles"]) == 1 and len(h.calls(SUBMIT)) <= 2
    elif platform == DY:
        assert len(got["douyin"]) == 1 and len(h.calls(path)) == 1
        assert post["remote_id"] == got["douyin"][0]["item_id"]
    else:
        assert len(got[platform]) == 1 and len(h.calls(path)) == 1


def test_7_a_dropped_submit_of_a_slow_publish_job_is_polled_not_handed_to_a_person(make: Make) -> None:
    h = make(wx_only(), fake_config={"wechat": {"publish_delay_seconds": 600}})
    h.fault(kind="drop_after_commit", platform=WX, path=SUBMIT)
    assert [o.state for o in h.run()] == ["reconcile"]  # the job may still run: pending, asked again later
    h.drive()
    post = only(h, WX)
    assert post["state"] == "published", post
    assert len(h.calls(SUBMIT)) == 1 and len(objects(h)["wechat_articles"]) == 1


# -- 8. duplicate detection ----------------------------------------------------------------------------------


def test_8_a_repeated_clientmsgid_is_answered_45065_and_recorded_as_success(make: Make) -> None:
    h = make(wx_only(wechat_extra="mass_send: true"))
    h.fault(kind="drop_after_commit", platform=WX, path=SENDALL)
    h.drive()
    assert only(h, WX)["state"] == "published"
    sends = h.calls(SENDALL)
    assert sends[0]["status"] == 502 and sends[-1]["code"] == "45065", sends
    assert {c["code"] for c in sends[1:-1]} <= {
        "45066"
    }  # "same clientmsgid within a minute": wait, ask again
    mass = objects(h)["wechat_mass"]
    assert len(mass) == 1 and str(only(h, WX)["ids"]["msg_id"]) == str(mass[0]["msg_id"])


def test_8_a_consumed_video_id_is_reconciled_through_video_list_not_uploaded_again(make: Make) -> None:
    from publisher.store.claims import record_ids

    h = make(Layout(items=1, platforms=(DY,), video=True))
    # The first attempt uploaded and created, then died before it stored the item id (commit, then drop).
    h.fault(kind="drop_after_commit", platform=DY, path=CREATE_VIDEO)
    h.fault(kind="http_status", platform=DY, path=f"{DY_V1}/video_list/", status=500, times=5)
    assert [o.state for o in h.run()] == ["needs_attention"]  # reconcile could not ask: a person decides
    post = only(h, DY)
    assert post["ids"].get("video_id") and not post["ids"].get("item_id")
    # A person forces a resend (`publisher retry --force`): publish resumes with the consumed video_id.
    from publisher.queue.actions import retry

    retry(h.store, post["id"], now=h.clock(), force=True)
    record_ids(h.store, post["id"], "test", {"video_id": post["ids"]["video_id"]})
    h.drive()
    post = only(h, DY)
    assert post["state"] == "published"
    assert "2190007" in [c["code"] for c in h.calls(CREATE_VIDEO)]  # the platform said: already used
    assert len(h.calls("/upload_video/")) == 1  # ... and the client looked, it did not upload again
    assert len(objects(h)["douyin"]) == 1


def test_8_the_xhs_fake_accepts_duplicates_so_the_client_guards(make: Make) -> None:
    h = make(Layout(items=1, platforms=(XHS,)))
    h.fault(kind="drop_after_commit", platform=XHS, path=XHS_PUBLISH)
    h.drive()
    h.drive()
    assert only(h, XHS)["state"] == "published"
    assert len(h.calls(XHS_PUBLISH)) == 1 and len(objects(h)["xiaohongshu"]) == 1

    async def publish_again() -> int:  # the fake itself would take the same note twice
        async with httpx.AsyncClient(transport=h.transport, base_url=h.base) as c:
            note = objects(h)["xiaohongshu"][0]
            body = {"title": note["title"], "content": note["content"], "images": note["images"]}
            return (await c.post(f"/xhs{XHS_PUBLISH}", json=body)).status_code

    assert asyncio.run(publish_again()) == 200
    assert len(objects(h)["xiaohongshu"]) == 2


# -- 9. async publish failure --------------------------------------------------------------------------------


def test_9_an_async_publish_failure_fails_with_the_reason_and_is_not_resubmitted(make: Make) -> None:
    h = make(wx_only())
    h.config({"wechat": {"publish_outcome": 3, "publish_fail_idx": [1]}})
    h.drive()
    post = only(h, WX)
    assert post["state"] == "failed" and post["reason"], post
    assert "3" in post["reason"] or "fail" in post["reason"].lower()
    h.drive()
    assert len(h.calls(SUBMIT)) == 1  # never resubmitted by itself
    assert objects(h)["wechat_articles"] == []


# -- 10. status-poll quota -----------------------------------------------------------------------------------


def test_10_polling_a_day_of_posts_stays_under_the_freepublish_get_quota(make: Make) -> None:
    # The house daily cap is 8 WeChat posts; each publish job takes 10 minutes on the fake.
    h = make(
        wx_only(items=8),
        retry=RetrySettings(),
        fake_config={"wechat": {"publish_delay_seconds": 600}},
    )
    h.config({"wechat": {"publish_delay_seconds": 600}})
    h.drive(steps=200)
    assert Counter(p["state"] for p in posts(h.store)) == Counter({"published": 8})
    gets = h.calls(FP_GET)
    assert len(gets) < 100 and all(c["code"] in (None, "0") for c in gets), len(gets)
    one_of_each(h, items=8)


# -- 11. validation ------------------------------------------------------------------------------------------


def test_11_invalid_content_is_caught_before_any_network_call(make: Make) -> None:
    h = make(Layout(items=1, platforms=(WX, DY, XHS)))
    path = h.root / "content" / "item-0000.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "周报第0期", "这是一个远远超过微信公众号三十二个字标题上限的标题，小红书也放不下它的长度"
        ),
        encoding="utf-8",
    )
    h.sync()
    before = len(h.state()["calls"])
    h.drive()
    got = {p["platform"]: p for p in posts(h.store)}
    for platform in (WX, XHS):
        assert got[platform]["state"] in ("held", "failed") or got[platform]["state"] is None, got[platform]
        assert "title" in (got[platform]["reason"] or "")
    assert not [c for c in h.state()["calls"][before:] if c["platform"] in (WX, XHS)]
    assert got[DY]["state"] == "published"  # valid for one platform: published there

    async def fake_rejects_too() -> Any:  # drift check: the fake refuses the same title
        async with httpx.AsyncClient(transport=h.transport, base_url=h.base) as c:
            token = (
                await c.get(
                    "/wx/cgi-bin/token", params={"grant_type": "client_credential", **CREDENTIALS[WX]}
                )
            ).json()["access_token"]
            article = {"title": "长" * 40, "content": "<p>x</p>", "thumb_media_id": "x"}
            r = await c.post(
                "/wx/cgi-bin/draft/add", params={"access_token": token}, json={"articles": [article]}
            )
            return r.json()

    assert asyncio.run(fake_rejects_too())["errcode"] != 0


# -- 12. needs a person --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "platform, rule, state",
    [
        (
            WX,
            {"kind": "app_error", "path": DRAFT_ADD, "code": 89503, "message": "risk control: confirm"},
            "needs_attention",
        ),
        (
            WX,
            {
                "kind": "app_error",
                "path": ADD_MATERIAL,
                "code": 40164,
                "message": "invalid ip, not in whitelist",
            },
            "needs_attention",
        ),
        (
            DY,
            {
                "kind": "app_error",
                "path": CREATE_IMAGE_TEXT,
                "code": 10010,
                "message": "refresh_token expired",
            },
            "needs_reauth",
        ),
        (
            XHS,
            {"kind": "http_status", "path": XHS_PUBLISH, "status": 461, "body": {"error": "captcha"}},
            "needs_attention",
        ),
        (
            WB,
            {"kind": "app_error", "path": WB_SHARE, "code": 21327, "message": "expired_token"},
            "needs_reauth",
        ),
    ],
    ids=["wx-89503", "wx-40164", "dy-10010", "xhs-461", "wb-21327"],
)
def test_12_codes_only_a_person_can_clear_stop_at_once(
    make: Make, platform: str, rule: dict[str, Any], state: str
) -> None:  # type: ignore[no-untyped-def]
    h = make(Layout(items=1, platforms=(platform,)))
    h.fault(platform=platform, times=0, **rule)
    out = h.drive()
    assert [o.state for o in out] == [state]
    post = only(h, platform)
    assert post["state"] == state and post["reason"]
    assert len(attempts(h.store, post["id"])) == 1
    assert len(h.calls(rule["path"])) == 1  # no retry, in-process or durable
    assert h.notices.sent and h.notices.sent[0].kind in (state, "needs_reauth")


# -- 30 % transient faults and token expiry (R17, R20) -------------------------------------------------------


def test_30_percent_transient_faults_and_token_expiry_every_post_published_within_budget(make: Make) -> None:
    # Tokens live 10 minutes on the fake, so they expire between the queue's runs (the clock jumps ahead).
    h = make(
        Layout(items=6, late_window="24h"),
        seed=31,
        retry=RetrySettings(max_attempts=5, base_s=30, poll_s=60),
        fake_config={
            "wechat": {"token_ttl": 600, "stable_refresh_before": 60},
            "douyin": {"access_ttl": 600},
        },
    )
    bad = "周报第5期 #效率工具"
    h.fault(
        kind="app_error",
        platform=DY,
        path=CREATE_IMAGE_TEXT,
        match_body={"text": bad},
        code=2100007,
        message="内容不符合社区规范",
        times=0,
    )
    for platform in (WX, DY, XHS):
        h.fault(kind="http_status", platform=platform, path="*", status=503, times=0, probability=0.3)
    for path in (DRAFT_ADD, SUBMIT):  # and a token that expires mid-flow, now and then
        h.fault(kind="app_error", platform=WX, path=path, code=42001, times=2, probability=0.2)
    h.drive(steps=300)
    rows = {(p["item_id"], p["platform"]): p for p in posts(h.store)}
    failed = rows.pop(("item-0005", DY))
    assert failed["state"] == "failed" and "内容不符合社区规范" in failed["reason"]
    assert len(attempts(h.store, failed["id"])) == 1  # permanent: one attempt, the platform's message
    states = Counter(p["state"] for p in rows.values())
    assert states == Counter({"published": len(rows)}), {
        k: (p["state"], p["reason"]) for k, p in rows.items() if p["state"] != "published"
    }
    for p in rows.values():
        assert len(attempts(h.store, p["id"])) <= h.retry.max_attempts
    faults = Counter(c["fault"] for c in h.state()["calls"])
    assert faults["http_status"] >= 20, faults  # the faults really were injected
    assert "42001" in [c["code"] for c in h.state()["calls"]] and h.calls("/oauth/refresh_token/")
    assert h.state()["duplicates"] == []
    got = objects(h)
    assert len(got["wechat_articles"]) == 6 and len(got["xiaohongshu"]) == 6 and len(got["douyin"]) == 5


# -- 7b. commit then drop while the platform's clock is minutes off ours -------------------------------------


@pytest.mark.parametrize("skew", [-300, -900, 900], ids=["behind-5min", "behind-15min", "ahead-15min"])
@pytest.mark.parametrize(
    "platform, path, layout", WRITES, ids=[w[1].rstrip("/").rsplit("/", 1)[-1] for w in WRITES]
)
def test_7_commit_then_drop_with_a_skewed_platform_clock_never_duplicates(
    make: Make, platform: str, path: str, layout: Layout, skew: int
) -> None:
    h = make(layout, platform_skew_s=skew)
    h.fault(kind="drop_after_commit", platform=platform, path=path)
    h.drive()
    post = only(h, platform)
    assert h.calls(path)[0]["status"] == 502
    assert h.state()["duplicates"] == []
    got = objects(h)
    kinds = {WX: ("wechat_drafts", "wechat_articles")}.get(platform, (platform,))
    made = sum(len(got[k]) for k in kinds)
    if path == SENDALL:
        assert len(got["wechat_mass"]) == 1, got["wechat_mass"]
    elif platform == WX:
        assert len(got["wechat_articles"]) + len(got["wechat_drafts"]) == 1, got
    else:
        assert made == 1, got
    assert post["state"] == "published", post  # decided by identity, not by a window on our clock
