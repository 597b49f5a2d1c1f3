"""The Douyin adapter on the sandbox: OAuth, token lifecycle, uploads, create, review, reconcile, metrics."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from publisher import errors
from publisher.adapters.base import AdapterContext, MemoryTokenCache
from publisher.adapters.douyin.adapter import DouyinAdapter
from publisher.adapters.douyin.api import next_beijing_midnight
from publisher.adapters.douyin.auth import (
    ACCESS,
    REFRESH,
    authorize_url,
    exchange_code,
    run_local_oauth,
    save_tokens,
)
from publisher.adapters.http import RetryPolicy
from publisher.models import Attempt, MediaFile, PublishResult, RemoteRef, RenderedPost
from publisher.sandbox import create_app, running

T = TypeVar("T")
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
KEY, SECRET = "dy_client_key", "dy-client-secret-canary"
DAY = 86400.0


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def media(tmp: Path, name: str, data: bytes, role: str, mime: str) -> MediaFile:
    path = tmp / name
    path.write_bytes(data)
    return MediaFile(
        role, str(path), f"content/media/{name}", hashlib.sha256(data).hexdigest(), len(data), mime
    )


def video_post(
    tmp: Path, text: str = "效率神器上线 #效率工具 #AI", size: int = 600, **fields: Any
) -> RenderedPost:
    clip = media(tmp, "launch.mp4", b"\0\0\0\x18ftypmp42" + b"v" * size, "video", "video/mp4")
    return RenderedPost(
        "launch-day",
        "content/launch-day.md",
        "douyin",
        "douyin",
        {"text": text, "tags": ["效率工具", "AI"], **fields},
        (clip,),
    )


def image_post(tmp: Path, text: str = "三张图看懂周报 #效率工具") -> RenderedPost:
    images = tuple(
        media(tmp, f"s{n}.jpg", b"\xff\xd8" + bytes([n]) * 300, "images", "image/jpeg") for n in (1, 2)
    )
    return RenderedPost(
        "steps", "content/steps.md", "douyin", "douyin", {"text": text, "tags": ["效率工具"]}, images
    )


class Env:
    """One sandbox (in process), a token cache, and what the adapter committed."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.app = create_app(seed=7, now=NOW)
        self.world = self.app.state.world
        self.transport = httpx.ASGITransport(app=self.app)
        self.tokens = MemoryTokenCache()
        self.ids: dict[str, Any] = {}
        self.intents: list[str] = []

    def now(self) -> datetime:
        return self.world.now  # type: ignore[no-any-return]

    def adapter(self, verified: bool = True, **options: Any) -> DouyinAdapter:
        ctx = AdapterContext(
            account="douyin",
            mode="sandbox",
            base_url="http://sandbox/dy",
            options={"verified": verified, **options},
            credentials={"client_key": KEY, "client_secret": SECRET},
            transport=self.transport,
            now=self.now,
            ids_sink=self.ids.update,
            intent=self.intents.append,
            out_dir=self.tmp / "packs",
            tokens=self.tokens,
        )
        return DouyinAdapter(ctx, policy=RetryPolicy.immediate(), sleep=self.advance)

    async def control(self, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(transport=self.transport, base_url="http://sandbox") as c:
            r = await (c.post(path, json=body) if body is not None else c.get(path))
            assert r.status_code == 200, r.text
            return r.json()

    async def advance(self, seconds: float) -> None:
        await self.control("/__fake/clock", {"advance_seconds": seconds})

    async def authorise(self) -> None:
        async with httpx.AsyncClient(transport=self.transport) as c:
            r = await c.get(
                authorize_url(
                    KEY,
                    "http://127.0.0.1:1/callback",
                    [
                        "video.create.bind",
                        "video.list.bind",
                        "video.data.bind",
                        "data.external.item",
                        "renew_refresh_token",
                    ],
                    "s1",
                    base_url="http://sandbox/dy",
                )
            )
        code = parse_qs(urlparse(r.headers["location"]).query)["code"][0]
        tokens = await exchange_code(
            KEY, SECRET, code, base_url="http://sandbox/dy", transport=self.transport, now=self.now
        )
        save_tokens(self.tokens, "douyin", tokens)

    def calls(self, state: dict[str, Any], fragment: str) -> int:
        return sum(1 for c in state["calls"] if fragment in c["path"])


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = Env(tmp_path)
    run(e.authorise())
    return e


def attempt(env: Env, n: int = 1, ids: dict[str, Any] | None = None) -> Attempt:
    return Attempt(post_id=11, number=n, started_at=env.now(), ids=dict(ids or {}))


def follow(env: Env, post: RenderedPost, result: PublishResult) -> PublishResult:
    """What the queue does with a submitted post: wait the `poll_after_s` it names (on the sandbox's clock),
    then one `poll`, until the review is over (a handful of checks at most)."""
    for _ in range(6):
        if result.state != "submitted":
            return result
        run(env.advance(float(result.detail["poll_after_s"])))
        result = run(env.adapter().poll(post, attempt(env, 1, env.ids)))
    return result


def publish(env: Env, post: RenderedPost, **options: Any) -> PublishResult:
    """publish, then the review checks the queue would make: the post's end state."""
    return follow(env, post, run(env.adapter(**options).publish(post, attempt(env))))


# -- OAuth and tokens -------------------------------------------------------------------------------------


def test_oauth_round_trip_through_a_local_callback_server() -> None:
    with running() as base:

        def browser(
            url: str,
        ) -> None:  # stands in for the person: the sandbox auto-approves and redirects back
            httpx.get(url, follow_redirects=True, timeout=5)

        tokens = run(
            run_local_oauth(
                KEY,
                SECRET,
                base_url=f"{base}/dy",
                scopes=["video.create.bind"],
                open_browser=browser,
                timeout_s=10,
            )
        )
        assert tokens.access_token.startswith("act.") and tokens.refresh_token.startswith("rft.")
        assert tokens.open_id and tokens.scopes == ("video.create.bind",)
        assert tokens.refresh_expires_at - tokens.expires_at == timedelta(days=15)
        assert "act." not in repr(tokens)

        def forged(url: str) -> None:  # an answer for another request: the state does not match
            query = parse_qs(urlparse(url).query)
            httpx.get(query["redirect_uri"][0], params={"code": "x", "state": "forged"}, timeout=5)

        with pytest.raises(errors.AuthError, match="state"):
            run(
                run_local_oauth(
                    KEY,
                    SECRET,
                    base_url=f"{base}/dy",
                    scopes=["video.create.bind"],
                    open_browser=forged,
                    timeout_s=10,
                )
            )


def test_access_token_expired_after_15_days_is_refreshed_once(env: Env, tmp_path: Path) -> None:
    first = env.tokens.get("douyin", ACCESS)
    run(env.advance(15 * DAY + 1))
    result = run(env.adapter().publish(video_post(tmp_path), attempt(env)))
    assert result.remote_id
    state = run(env.control("/__fake/state"))
    assert env.calls(state, "/oauth/refresh_token/") == 1
    access = env.tokens.get("douyin", ACCESS)
    refreshed_at = NOW + timedelta(days=15, seconds=1)
    assert first and access and access[0] != first[0] and access[1] == refreshed_at + timedelta(days=15)


def test_a_token_the_platform_rejects_is_refreshed_once_and_the_call_repeated(
    env: Env, tmp_path: Path
) -> None:
    run(
        env.control(
            "/__fake/faults",
            {
                "platform": "douyin",
                "path": "*/upload_video/",
                "kind": "app_error",
                "code": 28001008,
                "message": "access_token过期",
            },
        )
    )
    result = run(env.adapter().publish(video_post(tmp_path), attempt(env)))
    assert result.remote_id
    state = run(env.control("/__fake/state"))
    assert env.calls(state, "/oauth/refresh_token/") == 1
    assert env.calls(state, "/upload_video/") == 2


def test_refresh_token_rejected_10010_is_auth_error_naming_the_command(env: Env, tmp_path: Path) -> None:
    run(env.advance(15 * DAY + 1))
    run(
        env.control(
            "/__fake/faults",
            {
                "platform": "douyin",
                "path": "/oauth/refresh_token/",
                "kind": "app_error",
                "code": 10010,
                "message": "refresh_token 无效或过期",
            },
        )
    )
    with pytest.raises(errors.AuthError, match="publisher auth douyin") as caught:
        run(env.adapter().publish(video_post(tmp_path), attempt(env)))
    refresh = env.tokens.get("douyin", REFRESH)
    assert refresh and refresh[0] not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_refresh_token_is_renewed_when_5_days_are_left_and_counted(env: Env, tmp_path: Path) -> None:
    old = env.tokens.get("douyin", REFRESH)
    run(env.advance(26 * DAY))  # access expired (15 d), refresh has 4 d left
    renewed_at = env.now()
    run(env.adapter().publish(video_post(tmp_path), attempt(env)))
    new = env.tokens.get("douyin", REFRESH)
    assert old and new and new[0] != old[0] and new[2]["renewals"] == 1
    assert new[1] == renewed_at + timedelta(days=30)
    # With the 5 renewals used up, nothing more is asked; the refresh token is used until it expires.
    env.tokens.put("douyin", REFRESH, new[0], env.now() + timedelta(days=2), {**new[2], "renewals": 5})
    run(env.advance(1))
    run(env.adapter().publish(video_post(tmp_path, text="第二条 #效率工具"), attempt(env)))
    state = run(env.control("/__fake/state"))
    assert env.calls(state, "/oauth/renew_refresh_token/") == 1


def test_renewals_refused_10020_is_auth_error_and_never_asked_again(env: Env, tmp_path: Path) -> None:
    run(env.advance(26 * DAY))
    run(
        env.control(
            "/__fake/faults",
            {
                "platform": "douyin",
                "path": "/oauth/renew_refresh_token/",
                "kind": "app_error",
                "code": 10020,
                "message": "更新refresh_token次数超出限制",
            },
        )
    )
    with pytest.raises(errors.AuthError, match="publisher auth douyin"):
        run(env.adapter().publish(video_post(tmp_path), attempt(env)))
    refresh = env.tokens.get("douyin", REFRESH)
    assert refresh and refresh[2]["renewals"] == 5
    run(
        env.adapter().publish(video_post(tmp_path), attempt(env))
    )  # the refresh token still works until it expires
    state = run(env.control("/__fake/state"))
    assert env.calls(state, "/oauth/renew_refresh_token/") == 1


class RecordingCache(MemoryTokenCache):
    """A cache that remembers every write, so a test can see an empty token was never offered."""

    def __init__(self) -> None:
        super().__init__()
        self.puts: list[tuple[str, str]] = []

    def put(
        self,
        account: str,
        kind: str,
        value: str,
        expires_at: datetime | None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.puts.append((kind, value))
        super().put(account, kind, value, expires_at, meta)


def test_an_empty_refresh_token_in_an_answer_never_replaces_the_stored_one(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.tokens = RecordingCache()
    run(env.authorise())
    stored = env.tokens.get("douyin", REFRESH)
    run(env.advance(15 * DAY + 1))
    body = {
        "data": {
            "access_token": "act.replacement-token-xyz",
            "expires_in": 1296000,
            "refresh_token": "",
            "open_id": "",
            "scope": "",
            "error_code": 0,
            "description": "",
        },
        "message": "success",
    }
    run(
        env.control(
            "/__fake/faults",
            {
                "platform": "douyin",
                "path": "/oauth/refresh_token/",
                "kind": "http_status",
                "status": 200,
                "body": body,
            },
        )
    )
    # The injected access token is unknown to the sandbox (2190002): one forced refresh, then it works.
    assert run(env.adapter().publish(video_post(tmp_path), attempt(env))).remote_id
    assert all(value for kind, value in env.tokens.puts if kind == REFRESH)
    assert env.tokens.get("douyin", REFRESH) == stored


# -- publishing -----------------------------------------------------------------------------------------


def test_video_upload_create_and_review_to_published(env: Env, tmp_path: Path) -> None:
    post = video_post(tmp_path, cover_tsp=1.5)
    created = run(env.adapter().publish(post, attempt(env)))
    # publish never waits for the review: submitted at once, with the first check 15 s after the create
    assert created.state == "submitted" and created.remote_id == env.ids["item_id"]
    assert created.detail["poll_after_s"] == 15.0 and env.now() == NOW
    result = follow(env, post, created)
    assert result.state == "published" and result.url and result.url.startswith("https://www.iesdouyin.com/")
    assert result.remote_id == env.ids["item_id"] and env.ids["video_id"].startswith("v0")
    assert env.intents == ["create_video"]
    state = run(env.control("/__fake/state"))
    assert len(state["douyin"]["items"]) == 1 and state["duplicates"] == []
    assert state["douyin"]["items"][0]["text"] == "效率神器上线 #效率工具 #AI"


def test_still_under_review_is_submitted_and_poll_finishes_it(env: Env, tmp_path: Path) -> None:
    post = video_post(tmp_path)
    result = run(env.adapter().publish(post, attempt(env)))
    assert result.state == "submitted" and result.remote_id == env.ids["item_id"]
    state = run(env.control("/__fake/state"))
    assert env.calls(state, "/video_data/") == 0  # no review read inside publish
    run(env.advance(15))
    early = run(env.adapter().poll(post, attempt(env, 1, env.ids)))
    assert early.state == "submitted" and early.detail["poll_after_s"] == 45.0  # the 1-minute mark
    run(env.advance(46))
    done = run(env.adapter().poll(post, attempt(env, 1, env.ids)))
    assert done.state == "published" and done.remote_id == result.remote_id


def test_review_checks_follow_a_schedule_counted_from_the_create(env: Env, tmp_path: Path) -> None:
    """15 s, 1 min, 5 min, 15 min, 30 min, 1 h after the create, then hourly: a restart (a new adapter, the
    stored ids) asks no sooner, and a post created before the time was stored starts at the first mark."""
    run(env.control("/__fake/config", {"douyin": {"review_delay_seconds": 6 * 3600}}))
    post = video_post(tmp_path)
    result = run(env.adapter().publish(post, attempt(env)))
    waits = []
    for _ in range(8):
        assert result.state == "submitted"
        waits.append(result.detail["poll_after_s"])
        run(env.advance(waits[-1]))
        result = run(env.adapter().poll(post, attempt(env, 1, env.ids)))
    assert waits == [15.0, 45.0, 240.0, 600.0, 900.0, 1800.0, 3600.0, 3600.0]
    unknown = {k: v for k, v in env.ids.items() if k != "created_at"}
    assert run(env.adapter().poll(post, attempt(env, 1, unknown))).detail["poll_after_s"] == 15.0


def test_large_video_goes_up_in_parts_and_each_part_is_committed(env: Env, tmp_path: Path) -> None:
    run(env.control("/__fake/config", {"douyin": {"min_part_bytes": 500}}))
    adapter = env.adapter(direct_max_bytes=1000, part_bytes=600)
    result = run(adapter.publish(video_post(tmp_path, size=1500), attempt(env)))
    assert result.state == "submitted" and result.remote_id == env.ids["item_id"]
    assert env.ids["upload_id"] and env.ids["parts_done"] == 3
    state = run(env.control("/__fake/state"))
    assert [v["bytes"] for v in state["douyin"]["videos"]] == [1512]
    assert env.calls(state, "/upload_video/") == 0 and env.calls(state, "/upload_video_part/") == 3


def test_image_text_post_uploads_each_image_then_creates(env: Env, tmp_path: Path) -> None:
    result = publish(env, image_post(tmp_path))
    assert result.state == "published" and len(env.ids["image_ids"]) == 2
    assert env.intents == ["create_image_text"]
    item = run(env.control("/__fake/state"))["douyin"]["items"][0]
    assert item["media_type"] == 2 and item["image_list"] == env.ids["image_ids"]


def test_resume_skips_every_step_whose_id_is_stored(env: Env, tmp_path: Path) -> None:
    post = image_post(tmp_path)
    run(
        env.control(
            "/__fake/faults",
            {"platform": "douyin", "path": "*/create_image_text/", "kind": "http_status", "status": 400},
        )
    )
    with pytest.raises(errors.PermanentError):
        run(env.adapter().publish(post, attempt(env)))
    uploaded = list(env.ids["image_ids"])
    assert len(uploaded) == 2 and "item_id" not in env.ids
    run(env.adapter().publish(post, attempt(env, 2, env.ids)))
    state = run(env.control("/__fake/state"))
    assert env.calls(state, "/upload_image/") == 2 and env.ids["image_ids"] == uploaded
    assert len(state["douyin"]["items"]) == 1


def test_drop_after_commit_on_create_is_unknown_and_reconcile_finds_exactly_one(
    env: Env, tmp_path: Path
) -> None:
    post = video_post(tmp_path)
    run(
        env.control(
            "/__fake/faults", {"platform": "douyin", "path": "*/create_video/", "kind": "drop_after_commit"}
        )
    )
    first = attempt(env)
    with pytest.raises(errors.OutcomeUnknown):
        run(env.adapter().publish(post, first))
    assert "item_id" not in env.ids and env.intents == ["create_video"]
    found = run(env.adapter().reconcile(post, Attempt(11, 1, first.started_at, dict(env.ids))))
    assert found is not None and found.remote_id and found.state in ("published", "submitted")
    state = run(env.control("/__fake/state"))
    assert [i["item_id"] for i in state["douyin"]["items"]] == [found.remote_id]
    assert state["duplicates"] == []


def test_a_consumed_video_id_reconciles_instead_of_uploading_again(env: Env, tmp_path: Path) -> None:
    post = video_post(tmp_path)
    run(
        env.control(
            "/__fake/faults", {"platform": "douyin", "path": "*/create_video/", "kind": "drop_after_commit"}
        )
    )
    with pytest.raises(errors.OutcomeUnknown):
        run(env.adapter().publish(post, attempt(env)))
    run(env.advance(600))  # a blind retry, later, with the ids committed so far (video_id, no item_id)
    result = run(env.adapter().publish(post, attempt(env, 2, env.ids)))
    state = run(env.control("/__fake/state"))
    assert len(state["douyin"]["videos"]) == 1 and len(state["douyin"]["items"]) == 1
    assert result.remote_id == state["douyin"]["items"][0]["item_id"] == env.ids["item_id"]
    assert state["duplicates"] == []


def test_reconcile_is_exact_never_the_newest_post(env: Env, tmp_path: Path) -> None:
    run(
        env.adapter().publish(video_post(tmp_path, text="效率神器上线!"), attempt(env))
    )  # near-identical text
    run(env.advance(60))
    absent = run(env.adapter().reconcile(video_post(tmp_path), attempt(env)))
    assert absent is not None and absent.remote_id is None and absent.detail == {"reconcile": "absent"}
    # The same text long before the attempt began is not this attempt's post either.
    run(env.adapter().publish(video_post(tmp_path, text="旧的一条"), attempt(env)))
    run(env.advance(DAY))
    old = run(env.adapter().reconcile(video_post(tmp_path, text="旧的一条"), attempt(env)))
    assert old is not None and old.detail == {"reconcile": "absent"}


def test_daily_create_cap_is_quota_exhausted_until_beijing_midnight(env: Env, tmp_path: Path) -> None:
    run(env.control("/__fake/config", {"douyin": {"daily_create_limit": 0}}))
    with pytest.raises(errors.QuotaExhausted) as caught:
        run(env.adapter().publish(video_post(tmp_path), attempt(env)))
    assert caught.value.code == 2114007
    assert (
        caught.value.reset_at == next_beijing_midnight(env.now()) == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    )


def test_review_rejection_fails_and_private_video_is_published_with_a_warning(
    env: Env, tmp_path: Path
) -> None:
    run(env.control("/__fake/config", {"douyin": {"review_outcome": 2}}))
    created = run(env.adapter().publish(video_post(tmp_path), attempt(env)))
    assert created.state == "submitted"  # the review's answer comes to a later check
    with pytest.raises(errors.PermanentError, match="not suitable"):
        follow(env, video_post(tmp_path), created)
    run(env.control("/__fake/config", {"douyin": {"review_outcome": 5}}))
    private = publish(env, video_post(tmp_path, text="仅自己可见", private_status=1))
    assert private.state == "published" and "private" in private.detail["warning"]


def test_without_the_grant_the_post_becomes_an_assisted_pack(env: Env, tmp_path: Path) -> None:
    result = run(env.adapter(verified=False).publish(video_post(tmp_path), attempt(env)))
    assert result.state == "awaiting_manual" and result.remote_id is None
    pack = Path(result.detail["pack"])
    assert {p.name for p in pack.iterdir()} == {"video.mp4", "text.txt", "checklist.md", "pack.json"}
    assert (pack / "text.txt").read_text(encoding="utf-8") == "效率神器上线 #效率工具 #AI\n"
    state = run(env.control("/__fake/state"))
    assert env.calls(state, "/api/douyin/") == 0


def test_metrics_map_statistics_and_keep_raw_names(env: Env, tmp_path: Path) -> None:
    result = publish(env, video_post(tmp_path))
    run(env.advance(DAY))
    ref = RemoteRef(11, "douyin", "douyin", str(result.remote_id), result.url, env.now(), {})
    samples = run(env.adapter().fetch_metrics([ref]))
    by_name = {s.name: s for s in samples}
    assert by_name["views"].raw_name == by_name["plays"].raw_name == "play_count"
    assert by_name["views"].value == by_name["plays"].value > 0
    assert by_name["likes"].raw_name == "digg_count" and by_name["comments"].raw_name == "comment_count"
    assert {"shares", "downloads", "forwards", "avg_play_duration_s"} <= set(by_name)
    assert all(s.post_id == 11 for s in samples)
    assert run(env.adapter().fetch_metrics([])) == []


def test_secrets_never_reach_the_sandbox_records(env: Env, tmp_path: Path) -> None:
    run(env.adapter().publish(video_post(tmp_path), attempt(env)))
    text = str(run(env.control("/__fake/state")))
    assert SECRET not in text
    access = env.tokens.get("douyin", ACCESS)
    assert access and access[0] not in text


# -- a live login that works: the registered https address, pasted back ------------------------------------

REGISTERED = "https://app.example/douyin/callback"


def test_login_with_the_registered_address_and_the_pasted_landing_address(tmp_path: Path) -> None:
    from publisher.adapters.douyin.auth import login
    from publisher.adapters.spec import LoginRequest

    with running(now=NOW) as base:
        landed: list[str] = []

        def browser(url: str) -> None:  # the person approves; the fake redirects to the registered address
            assert parse_qs(urlparse(url).query)["redirect_uri"] == [REGISTERED]
            landed.append(httpx.get(url, follow_redirects=False, timeout=5).headers["location"])

        cache = MemoryTokenCache()
        creds = {"client_key": KEY, "client_secret": SECRET}
        request = LoginRequest(
            "douyin", creds, f"{base}/dy", browser, lambda: NOW, cache, REGISTERED, lambda prompt: landed[-1]
        )
        assert "valid until" in login(request).text("en")
        assert cache.get("douyin", ACCESS) and cache.get("douyin", REFRESH)
        exchange = [
            c for c in httpx.get(f"{base}/__fake/state").json()["calls"] if "access_token" in c["path"]
        ]
        assert [c["code"] for c in exchange] == ["0"]  # one exchange, a form the fake accepted
        # Just the code works too; an address from another request (its state) does not.
        code_only = LoginRequest(
            "douyin",
            creds,
            f"{base}/dy",
            browser,
            lambda: NOW,
            cache,
            REGISTERED,
            lambda prompt: parse_qs(urlparse(landed[-1]).query)["code"][0],
        )
        assert "valid until" in login(code_only).text("en")
        forged = LoginRequest(
            "douyin",
            creds,
            f"{base}/dy",
            browser,
            lambda: NOW,
            cache,
            REGISTERED,
            lambda p: f"{REGISTERED}?code=x&state=y",
        )
        with pytest.raises(errors.AuthError, match="state mismatch"):
            login(forged)
        # Live, without a registered address, the command says what to pass.
        live = LoginRequest("douyin", creds, None, browser, lambda: NOW, cache)
        with pytest.raises(errors.AuthError, match="--redirect-uri"):
            login(live)


def test_the_fake_refuses_an_unregistered_redirect_and_a_json_exchange(env: Env) -> None:
    async def connect(redirect: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=env.transport) as c:
            url = authorize_url(KEY, redirect, ["video.create.bind"], "s", base_url="http://sandbox/dy")
            return await c.get(url, follow_redirects=False)

    assert run(connect(REGISTERED)).status_code == 302
    assert run(connect("https://sub.app.example/cb")).status_code == 302
    for wrong in ("https://evil.example/cb", "http://app.example/douyin/callback"):
        answer = run(connect(wrong))
        assert answer.status_code == 200 and answer.json()["data"]["error_code"] == 10006
    code = parse_qs(urlparse(run(connect(REGISTERED)).headers["location"]).query)["code"][0]

    async def exchange_json() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=env.transport) as c:
            body = {
                "client_key": KEY,
                "client_secret": SECRET,
                "code": code,
                "grant_type": "authorization_code",
            }
            return dict((await c.post("http://sandbox/dy/oauth/access_token/", json=body)).json())

    assert run(exchange_json())["data"]["error_code"] == 10005
    tokens = run(exchange_code(KEY, SECRET, code, base_url="http://sandbox/dy", transport=env.transport))
    assert tokens.access_token.startswith("act.")


@pytest.mark.parametrize(("times", "published"), [(1, True), (2, False)])
def test_28001003_refreshes_once_then_asks_for_reauthorisation(
    env: Env, tmp_path: Path, times: int, published: bool
) -> None:
    fault = {"platform": "douyin", "path": "*/upload_video/", "kind": "app_error", "code": 28001003}
    run(env.control("/__fake/faults", {**fault, "times": times, "message": "access_token无效"}))
    if published:
        assert run(env.adapter().publish(video_post(tmp_path), attempt(env))).remote_id
    else:
        with pytest.raises(errors.AuthError, match="publisher auth douyin"):
            run(env.adapter().publish(video_post(tmp_path), attempt(env)))
    state = run(env.control("/__fake/state"))
    assert env.calls(state, "/oauth/refresh_token/") == 1 and env.calls(state, "/upload_video/") == 2


def test_capability_offline_is_cant_tell_in_reconcile_and_named_in_metrics(env: Env, tmp_path: Path) -> None:
    post = video_post(tmp_path)
    result = run(env.adapter().publish(post, attempt(env)))
    run(env.control("/__fake/config", {"douyin": {"offline": ["video.list", "video.data"]}}))
    assert run(env.adapter().reconcile(post, attempt(env))) is None  # no listing: a person decides
    assert run(env.adapter().reconcile(post, attempt(env, ids={"item_id": result.remote_id}))) is None
    ref = RemoteRef(11, "douyin", "douyin", str(result.remote_id), result.url, env.now(), {})
    with pytest.raises(errors.PermanentError, match=r"video data .*offline \(28001056"):
        run(_without_external(env, ref))


async def _without_external(env: Env, ref: RemoteRef) -> Any:
    entry = env.tokens.get("douyin", ACCESS)
    assert entry is not None
    env.tokens.put("douyin", ACCESS, entry[0], entry[1], {**entry[2], "scope": "video.data.bind"})
    return await env.adapter().fetch_metrics([ref])


def test_counters_given_as_strings_are_parsed(env: Env, tmp_path: Path) -> None:
    from publisher.adapters.douyin.adapter import counter

    result = run(env.adapter().publish(video_post(tmp_path), attempt(env)))
    run(env.advance(DAY))
    run(env.control("/__fake/config", {"douyin": {"string_counters": True}}))
    ref = RemoteRef(11, "douyin", "douyin", str(result.remote_id), result.url, env.now(), {})
    by_name = {s.name: s.value for s in run(env.adapter().fetch_metrics([ref]))}
    assert by_name["views"] > 0 and by_name["likes"] >= 0
    assert (
        counter("1,234") == 1234.0
        and counter("12") == 12.0
        and counter("n/a") is None
        and counter(True) is None
    )


def test_auth_command_takes_the_registered_address_from_the_accounts_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.workspaces import Layout, credential_env, open_ws, write_workspace

    from publisher.accounts.login import authorize
    from publisher.store.db import open_store
    from publisher.store.tokens import StoreTokenCache

    layout = Layout(
        platforms=("douyin",), items=0, mode="sandbox", options={"douyin": {"redirect_uri": REGISTERED}}
    )
    root = write_workspace(tmp_path / "ws", layout)
    ws = open_ws(root, credential_env(root, ("douyin",)))
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    landed: list[str] = []
    said: list[str] = []
    monkeypatch.setattr(
        "webbrowser.open", lambda url: landed.append(httpx.get(url, timeout=5).headers["location"]) or True
    )
    with running(now=NOW) as base:
        monkeypatch.setenv("PUBLISHER_SANDBOX_URL", base)
        summary = authorize(
            ws,
            store,
            platform="douyin",
            account="douyin",
            sandbox=True,
            now=lambda: NOW,
            say=said.append,
            ask=lambda prompt: landed[-1],
            lang="en",
        )
    assert "valid until" in summary and landed[-1].startswith(REGISTERED + "?code=")
    assert (
        "redirect_uri=https%3A%2F%2Fapp.example%2Fdouyin%2Fcallback" in said[0] and "state=..." not in said[0]
    )
    assert StoreTokenCache(store).get("douyin", ACCESS) is not None


def test_the_auth_command_offers_the_registered_address() -> None:
    from typer.testing import CliRunner

    from publisher.cli.main import app

    shown = CliRunner().invoke(app, ["auth", "douyin", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "--redirect-uri" in shown.output
