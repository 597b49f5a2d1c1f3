"""The WeChat adapter against the sandbox: publish flows, tokens, faults, reconcile, metrics, secrets."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from PIL import Image

from publisher import errors
from publisher.adapters.base import AdapterContext, MemoryMediaCache, MemoryTokenCache
from publisher.adapters.http import RetryPolicy
from publisher.adapters.wechat.adapter import WechatAdapter
from publisher.adapters.wechat.article import clientmsgid
from publisher.models import Attempt, MediaFile, PublishResult, RemoteRef, RenderedPost
from publisher.redact import install_logging_redaction
from publisher.sandbox import create_app

T = TypeVar("T")
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
APPID = "wxadaptertest01"
SECRET = "canary-wx-secret-5d1e8f0a2b"
TITLE = "效率神器上线｜3 步搞定周报"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class Sandbox:
    """One in-process fake (ASGI transport), its control plane, and hooks run before a matching request."""

    def __init__(self) -> None:
        self.app = create_app(seed=7, now=NOW)
        self.asgi = httpx.ASGITransport(app=self.app)
        self.hooks: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        sandbox = self

        class Hooked(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                for hook in [h for h in sandbox.hooks if request.url.path.endswith(h[0])]:
                    sandbox.hooks.remove(hook)
                    await hook[1]()
                return await sandbox.asgi.handle_async_request(request)

        self.transport = Hooked()

    def now(self) -> datetime:
        return self.app.state.world.now  # type: ignore[no-any-return]

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(transport=self.asgi, base_url="http://sandbox") as client:
            response = await client.request(method, f"/__fake/{path}", json=body)
            response.raise_for_status()
            return response.json()

    async def advance(self, seconds: float) -> None:
        await self.control("POST", "clock", {"advance_seconds": seconds})

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:  # the adapter's waits pass on the virtual clock, in no real time
            await self.advance(seconds)

    async def fault(self, **rule: Any) -> None:
        await self.control("POST", "faults", {"platform": "wechat", **rule})

    async def config(self, **wechat: Any) -> None:
        await self.control("POST", "config", {"wechat": wechat})

    async def state(self) -> dict[str, Any]:
        return await self.control("GET", "state")  # type: ignore[no-any-return]

    async def calls(self, fragment: str) -> list[dict[str, Any]]:
        return [c for c in (await self.state())["calls"] if fragment in c["path"]]


@dataclass
class Recorder:
    ids: dict[str, Any] = field(default_factory=dict)
    intents: list[str] = field(default_factory=list)


def make_adapter(
    sb: Sandbox,
    *,
    verified: bool = True,
    tokens: MemoryTokenCache | None = None,
    media_cache: MemoryMediaCache | None = None,
    now: Callable[[], datetime] | None = None,
    secret: str = SECRET,
    rec: Recorder | None = None,
    **options: Any,
) -> tuple[WechatAdapter, Recorder]:
    rec = rec or Recorder()
    ctx = AdapterContext(
        account="wechat",
        mode="sandbox",
        base_url="http://sandbox/wx",
        options={"verified": verified, **options},
        credentials={"appid": APPID, "secret": secret},
        transport=sb.transport,
        now=now or sb.now,
        ids_sink=rec.ids.update,
        intent=rec.intents.append,
        tokens=tokens or MemoryTokenCache(),
        media=media_cache,
    )
    adapter = WechatAdapter(ctx, policy=RetryPolicy.immediate(attempts=4), sleep=sb.sleep)
    return adapter, rec


async def follow(
    sb: Sandbox, adapter: WechatAdapter, post: RenderedPost, result: PublishResult, ids: dict[str, Any]
) -> PublishResult:
    """What the queue does with a submitted job: wait on the clock for the time the adapter names, poll."""
    for _ in range(10):
        if result.state != "submitted":
            return result
        await sb.advance(float(result.detail["poll_after_s"]))
        polled = await adapter.poll(post, attempt(sb, ids))
        assert polled is not None
        result = polled
    return result


def media(path: Path, role: str, source: str) -> MediaFile:
    data = path.read_bytes()
    mime = "image/png" if path.suffix == ".png" else "image/jpeg"
    return MediaFile(role, str(path), source, hashlib.sha256(data).hexdigest(), len(data), mime, 64, 64)


def make_post(tmp_path: Path, title: str = TITLE, **fields: Any) -> RenderedPost:
    tmp_path.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 64), "#ff2442").save(tmp_path / "step1.3f2a.png")
    Image.new("RGB", (80, 60), "#3366ff").save(tmp_path / "step2.9c1d.jpg")
    Image.new("RGB", (900, 383), "#222222").save(tmp_path / "cover.77aa.jpg")
    content = (
        '<section><p style="margin:0">第一步</p><img src="step1.3f2a.png" alt="一">'
        '<p>第二步</p><img src="step2.9c1d.jpg" alt="二"></section>'
    )
    return RenderedPost(
        item_id="launch-day",
        item_path="content/launch-day.md",
        platform="wechat",
        account="wechat",
        fields={"title": title, "author": "运营小王", "digest": "一篇讲清楚", "content": content, **fields},
        media=(
            media(tmp_path / "step1.3f2a.png", "images", "media/step1.png"),
            media(tmp_path / "step2.9c1d.jpg", "images", "media/step2.jpg"),
            media(tmp_path / "cover.77aa.jpg", "cover", "media/cover.png"),
        ),
        content_hash="h1",
    )


def attempt(sb: Sandbox, ids: dict[str, Any] | None = None, started_at: datetime | None = None) -> Attempt:
    return Attempt(post_id=1, number=1, started_at=started_at or sb.now(), ids=dict(ids or {}))


def codes(calls: list[dict[str, Any]]) -> list[str | None]:
    return [c["code"] for c in calls]


# --- flows ------------------------------------------------------------------------------------------------


def test_unverified_account_gets_a_draft_with_images_replaced_and_cover_as_material(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult, dict[str, Any], Recorder]:
        sb = Sandbox()
        adapter, rec = make_adapter(sb, verified=False)
        result = await adapter.publish(make_post(tmp_path), attempt(sb))
        return result, await sb.state(), rec

    result, state, rec = run(scenario())
    wx = state["wechat"]
    assert len(wx["drafts"]) == 1 and not wx["publish_jobs"]
    draft = wx["drafts"][0]
    article = draft["articles"][0]
    uploaded = {i["url"] for i in wx["images"]}
    assert len(uploaded) == 2
    # The fake strips every <img> whose src is not an mmbiz URL: both images surviving proves the rewrite.
    assert article["content"].count("<img") == 2
    assert all(url in article["content"] for url in uploaded)
    assert [m["type"] for m in wx["materials"]] == ["image"]
    assert article["thumb_media_id"] == wx["materials"][0]["media_id"]
    assert (article["title"], article["author"], article["digest"]) == (TITLE, "运营小王", "一篇讲清楚")
    assert result.state == "awaiting_manual"
    assert (
        result.remote_id == draft["media_id"] == result.detail["draft_media_id"] == rec.ids["draft_media_id"]
    )
    assert "mp.weixin.qq.com" in result.detail["reason"] and "publisher resolve" in result.detail["reason"]
    assert rec.ids["thumb_media_id"] == article["thumb_media_id"] and len(rec.ids["image_urls"]) == 2
    assert rec.intents == ["draft/add"]
    assert not [c for c in state["calls"] if "freepublish" in c["path"]]


def test_draft_mode_on_a_verified_account_stops_at_the_draft(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult, list[dict[str, Any]]]:
        sb = Sandbox()
        adapter, _ = make_adapter(sb)
        result = await adapter.publish(make_post(tmp_path, mode="draft"), attempt(sb))
        return result, await sb.calls("freepublish")

    result, submits = run(scenario())
    assert result.state == "awaiting_manual" and "mode: draft" in result.detail["reason"]
    assert submits == []


def test_verified_account_publishes_and_follows_the_job_to_the_article_url(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult, dict[str, Any], Recorder]:
        sb = Sandbox()
        adapter, rec = make_adapter(sb)
        post = make_post(tmp_path)
        first = await adapter.publish(post, attempt(sb))
        assert first.state == "submitted" and not await sb.calls("freepublish/get")  # no waiting in publish
        result = await follow(sb, adapter, post, first, rec.ids)
        return result, await sb.state(), rec

    result, state, rec = run(scenario())
    wx = state["wechat"]
    assert result.state == "published"
    assert result.url is not None and result.url.startswith("https://mp.weixin.qq.com/s/")
    assert len(wx["articles"]) == 1 and wx["drafts"] == []  # a published draft leaves the box
    assert result.remote_id == wx["articles"][0]["article_id"] == rec.ids["article_id"]
    assert rec.ids["publish_id"] == wx["publish_jobs"][0]["publish_id"]
    assert rec.ids["msg_data_id"] == result.detail["msg_data_id"]
    polls = [c for c in state["calls"] if c["path"].startswith("/wx/cgi-bin/freepublish/get")]
    assert len(polls) == 2  # at 15 s (still publishing: the fake takes 30 s) and at 60 s: quota-aware
    assert rec.intents == ["draft/add", "freepublish/submit"]


def test_a_slow_job_returns_submitted_and_poll_finishes_it_later(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult, PublishResult | None, PublishResult | None, int]:
        sb = Sandbox()
        await sb.config(publish_delay_seconds=600)
        adapter, rec = make_adapter(sb)
        post = make_post(tmp_path)
        first = await adapter.publish(post, attempt(sb))
        still = await adapter.poll(post, attempt(sb, rec.ids))
        await sb.advance(600)
        done = await adapter.poll(post, attempt(sb, rec.ids))
        return first, still, done, len(await sb.calls("freepublish/get"))

    first, still, done, polls = run(scenario())
    assert first.state == "submitted" and first.remote_id == first.detail["publish_id"]
    assert first.detail["poll_after_s"] == 15
    assert still is not None and still.state == "submitted"
    assert done is not None and done.state == "published" and done.url
    assert polls == 2  # publish itself asked nothing


def test_48001_downgrades_the_account_to_draft_only_and_is_remembered(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult, PublishResult, MemoryTokenCache, int]:
        sb = Sandbox()
        await sb.config(verified={APPID: False})  # the platform disagrees with the account's setting
        tokens = MemoryTokenCache()
        adapter, _ = make_adapter(sb, tokens=tokens)
        first = await adapter.publish(make_post(tmp_path), attempt(sb))
        second = await adapter.publish(make_post(tmp_path / "2", title="第二篇"), attempt(sb))
        return first, second, tokens, len(await sb.calls("freepublish/submit"))

    first, second, tokens, submits = run(scenario())
    assert first.state == "awaiting_manual" and first.detail["draft_only"] is True
    assert "48001" in first.detail["reason"] and first.detail["draft_media_id"]
    assert tokens.get("wechat", "capability") is not None
    assert second.state == "awaiting_manual" and "48001" in second.detail["reason"]
    assert submits == 1  # the second post did not spend a submit on a known refusal


def test_token_expiring_mid_flow_is_refreshed_once(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult, dict[str, Any]]:
        sb = Sandbox()
        # Our clock stands still, so the cached token looks valid while the platform's has expired.
        adapter, _ = make_adapter(sb, verified=False, now=lambda: NOW)
        sb.hooks.append(("/cgi-bin/draft/add", lambda: sb.advance(7300)))
        result = await adapter.publish(make_post(tmp_path), attempt(sb))
        return result, await sb.state()

    result, state = run(scenario())
    assert result.state == "awaiting_manual"
    paths = [c["path"].split("?")[0] for c in state["calls"]]
    assert paths.count("/wx/cgi-bin/stable_token") == 2
    assert codes([c for c in state["calls"] if "draft/add" in c["path"]]) == ["42001", None]
    assert len(state["wechat"]["drafts"]) == 1


def test_superseded_token_40001_fetches_the_current_one_without_force_refresh(tmp_path: Path) -> None:
    forced: dict[str, list[datetime]] = {}

    async def scenario() -> tuple[PublishResult, dict[str, Any]]:
        sb = Sandbox()
        tokens = MemoryTokenCache()
        adapter, _ = make_adapter(sb, verified=False, tokens=tokens)
        await adapter.publish(make_post(tmp_path), attempt(sb))
        await sb.advance(60)
        async with httpx.AsyncClient(transport=sb.asgi, base_url="http://sandbox") as other_worker:
            await other_worker.post(
                "/wx/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": APPID,
                    "secret": SECRET,
                    "force_refresh": True,
                },
            )
        result = await adapter.publish(make_post(tmp_path / "2", title="第二篇"), attempt(sb))
        forced.update(sb.app.state.world.stores["wechat"].force_refreshes)
        return result, await sb.state()

    result, state = run(scenario())
    assert result.state == "awaiting_manual"
    assert [c["code"] for c in state["calls"]].count("40001") == 1
    assert len(forced[APPID]) == 1  # only the other worker forced a refresh; we never do
    assert len(state["wechat"]["drafts"]) == 2
    assert len(state["wechat"]["apps"]) == 1


def test_busy_answers_on_reads_and_uploads_are_retried(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult, dict[str, Any]]:
        sb = Sandbox()
        await sb.fault(
            path="/cgi-bin/media/uploadimg", kind="app_error", errcode=-1, errmsg="system busy", times=2
        )
        await sb.fault(
            path="/cgi-bin/freepublish/get", kind="app_error", errcode=-1, errmsg="system busy", times=1
        )
        adapter, rec = make_adapter(sb)
        post = make_post(tmp_path)
        result = await follow(sb, adapter, post, await adapter.publish(post, attempt(sb)), rec.ids)
        return result, await sb.state()

    result, state = run(scenario())
    assert result.state == "published"
    assert codes([c for c in state["calls"] if "freepublish/get" in c["path"]])[0] == "-1"  # retried read
    uploads = [c for c in state["calls"] if "uploadimg" in c["path"]]
    assert codes(uploads)[:2] == ["-1", "-1"] and len(uploads) == 4
    assert len(state["wechat"]["images"]) == 2 and len(state["wechat"]["articles"]) == 1


def test_daily_quota_45009_raises_quota_exhausted_without_retrying(tmp_path: Path) -> None:
    async def scenario() -> list[dict[str, Any]]:
        sb = Sandbox()
        await sb.fault(path="/cgi-bin/draft/add", kind="app_error", errcode=45009, errmsg="quota", times=-1)
        adapter, _ = make_adapter(sb, verified=False)
        with pytest.raises(errors.QuotaExhausted) as info:
            await adapter.publish(make_post(tmp_path), attempt(sb))
        assert info.value.reset_at == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # Beijing midnight
        return await sb.calls("draft/add")

    assert len(run(scenario())) == 1


def test_publish_status_3_fails_permanently_with_the_reason(tmp_path: Path) -> None:
    async def scenario() -> tuple[errors.PermanentError, dict[str, Any]]:
        sb = Sandbox()
        await sb.config(publish_outcome=3, publish_fail_idx=[1])
        adapter, rec = make_adapter(sb)
        post = make_post(tmp_path)
        first = await adapter.publish(post, attempt(sb))
        with pytest.raises(errors.PermanentError) as info:
            await follow(sb, adapter, post, first, rec.ids)
        return info.value, await sb.state()

    err, state = run(scenario())
    assert "general failure" in str(err) and "[1]" in str(err) and "draft box" in str(err)
    assert err.code == "publish_status=3"
    assert len(state["wechat"]["drafts"]) == 1 and state["wechat"]["articles"] == []
    assert len([c for c in state["calls"] if "freepublish/submit" in c["path"]]) == 1  # never resubmitted


# --- crash recovery ---------------------------------------------------------------------------------------


def test_draft_add_dropped_after_commit_is_reconciled_to_the_one_draft(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult | None, PublishResult, dict[str, Any], str]:
        sb = Sandbox()
        adapter, rec = make_adapter(sb)
        post = make_post(tmp_path)
        # A near-identical draft (same title, another cover) made just before must not be taken for ours.
        decoy, _ = make_adapter(sb, verified=False)
        await decoy.publish(make_post(tmp_path / "decoy"), attempt(sb))
        await sb.advance(5)
        started = sb.now()
        await sb.fault(path="/cgi-bin/draft/add", kind="drop_after_commit")
        with pytest.raises(errors.OutcomeUnknown):
            await adapter.publish(post, attempt(sb, started_at=started))
        assert "draft_media_id" not in rec.ids
        found = await adapter.reconcile(post, attempt(sb, rec.ids, started))
        again = await adapter.publish(post, attempt(sb, rec.ids, started))
        again = await follow(sb, adapter, post, again, rec.ids)
        return found, again, await sb.state(), rec.ids["draft_media_id"]

    found, again, state, draft_id = run(scenario())
    assert found is not None and found.detail["reconcile"] == "absent"  # nothing published yet: safe to go on
    assert found.detail["draft_media_id"] == draft_id
    assert again.state == "published"
    assert len([c for c in state["calls"] if "draft/add" in c["path"]]) == 2  # the decoy's and ours, no third
    assert [j["media_id"] for j in state["wechat"]["publish_jobs"]] == [draft_id]
    assert len(state["wechat"]["drafts"]) == 1  # only the decoy is left in the box


def test_reconcile_of_an_unverified_draft_reports_awaiting_manual(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult | None, int]:
        sb = Sandbox()
        adapter, rec = make_adapter(sb, verified=False)
        post = make_post(tmp_path)
        await sb.fault(path="/cgi-bin/draft/add", kind="drop_after_commit")
        with pytest.raises(errors.OutcomeUnknown):
            await adapter.publish(post, attempt(sb))
        found = await adapter.reconcile(post, attempt(sb, rec.ids, NOW))
        return found, len((await sb.state())["wechat"]["drafts"])

    found, drafts = run(scenario())
    assert found is not None and found.state == "awaiting_manual" and found.remote_id
    assert drafts == 1


def test_reconcile_with_nothing_sent_is_a_confirmed_negative_and_ambiguity_is_none(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult | None, PublishResult | None]:
        sb = Sandbox()
        adapter, _ = make_adapter(sb)
        post = make_post(tmp_path)
        nothing = await adapter.reconcile(post, attempt(sb))
        decoy, rec = make_adapter(sb, verified=False)
        await decoy.publish(post, attempt(sb))
        cover = {k: rec.ids[k] for k in ("thumb_media_id", "thumb_sha256")}
        await decoy.publish(post, attempt(sb, cover))  # a second draft with the very same cover
        two = await adapter.reconcile(post, attempt(sb, cover, NOW))
        return nothing, two

    nothing, two = run(scenario())
    assert nothing is not None and nothing.detail["reconcile"] == "absent"
    assert two is None  # two drafts match: never guess


def test_submit_dropped_after_commit_is_reconciled_to_the_article(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult | None, PublishResult | None, dict[str, Any]]:
        sb = Sandbox()
        adapter, rec = make_adapter(sb)
        post = make_post(tmp_path)
        await sb.fault(path="/cgi-bin/freepublish/submit", kind="drop_after_commit")
        with pytest.raises(errors.OutcomeUnknown):
            await adapter.publish(post, attempt(sb))
        assert "publish_id" not in rec.ids and rec.ids["submit_at"]
        early = await adapter.reconcile(post, attempt(sb, rec.ids, NOW))  # the job may still be running
        await sb.advance(31)
        late = await adapter.reconcile(post, attempt(sb, rec.ids, NOW))
        return early, late, await sb.state()

    early, late, state = run(scenario())
    assert early is not None and early.state == "submitted" and "reconcile" not in early.detail  # pending
    assert late is not None and late.state == "published"
    assert len(state["wechat"]["articles"]) == 1
    article = state["wechat"]["articles"][0]
    assert late.url == article["news_item"][0]["url"] and late.remote_id == article["article_id"]
    assert len([c for c in state["calls"] if "freepublish/submit" in c["path"]]) == 1


def test_publish_resumes_from_stored_ids_without_repeating_steps(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult, list[str]]:
        sb = Sandbox()
        post = make_post(tmp_path)
        first, rec = make_adapter(sb, verified=False)
        await first.publish(post, attempt(sb))
        before = len((await sb.state())["calls"])
        again, _ = make_adapter(sb, verified=True, rec=rec)
        result = await again.publish(post, attempt(sb, rec.ids))
        result = await follow(sb, again, post, result, rec.ids)
        later = (await sb.state())["calls"][before:]
        return result, [c["path"].split("?")[0].removeprefix("/wx/cgi-bin/") for c in later]

    result, paths = run(scenario())
    assert result.state == "published"
    assert not {"media/uploadimg", "material/add_material", "draft/add"} & set(paths)
    assert paths.count("freepublish/submit") == 1


def test_mass_send_dropped_then_reconciled_by_clientmsgid_keeps_the_first_msg_id(tmp_path: Path) -> None:
    async def scenario() -> tuple[PublishResult | None, dict[str, Any], Recorder, RenderedPost]:
        sb = Sandbox()
        adapter, rec = make_adapter(sb)
        post = make_post(tmp_path, mass_send=True)
        await sb.fault(path="/cgi-bin/message/mass/sendall", kind="drop_after_commit")
        with pytest.raises(errors.OutcomeUnknown):
            await adapter.publish(post, attempt(sb))
        found = await adapter.reconcile(post, attempt(sb, rec.ids, NOW))
        return found, await sb.state(), rec, post

    found, state, rec, post = run(scenario())
    sends = state["wechat"]["mass_sends"]
    assert len(sends) == 1
    assert found is not None and found.state == "published"
    assert str(found.detail["msg_id"]) == sends[0]["msg_id"] and found.detail["already_sent"] is True
    assert rec.ids["clientmsgid"] == sends[0]["clientmsgid"] == clientmsgid(post, "wechat")
    assert len(rec.ids["clientmsgid"].encode()) <= 64
    assert codes([c for c in state["calls"] if "sendall" in c["path"]])[1:] == ["45066", "45065"]


# --- validation, metrics, secrets -------------------------------------------------------------------------


def test_validate_catches_platform_limits_before_any_call(tmp_path: Path) -> None:
    sb = Sandbox()
    adapter, _ = make_adapter(sb)
    post = make_post(tmp_path, title="长" * 33, author="作" * 17, digest="摘" * 129)
    big = tmp_path / "huge.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 1_000_000)
    gif = tmp_path / "anim.gif"
    Image.new("RGB", (8, 8)).save(gif)
    content = (
        "<p>" + "字" * 20_000 + '</p><img src="huge.png"><img src="anim.gif"><img src="http://x.test/a.png">'
    )
    post = RenderedPost(
        post.item_id,
        post.item_path,
        "wechat",
        "wechat",
        {**post.fields, "content": content},
        (
            *post.media,
            media(big, "images", "media/huge.png"),
            MediaFile("images", str(gif), "media/anim.gif", "0", 100, "image/gif"),
        ),
    )
    problems = adapter.validate(post)
    fields = sorted(p.field for p in problems)
    assert fields == ["author", "content", "content", "digest", "images", "images", "title"]
    assert all(p.path == "content/launch-day.md" and p.platform == "wechat" for p in problems)
    assert adapter.validate(make_post(tmp_path / "ok")) == []

    async def scenario() -> list[Any]:
        with pytest.raises(errors.PermanentError, match="invalid input"):
            await adapter.publish(post, attempt(sb))
        return (await sb.state())["calls"]

    assert run(scenario()) == []


def test_metrics_join_by_msgid_and_grow_with_the_clock(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[Any], list[Any], list[Any]]:
        sb = Sandbox()
        adapter, _ = make_adapter(sb)
        result = await adapter.publish(make_post(tmp_path), attempt(sb))
        ref = RemoteRef(
            1, "wechat", "wechat", str(result.remote_id), result.url, sb.now(), dict(result.detail)
        )
        same_day = await adapter.fetch_metrics([ref])
        await sb.advance(timedelta(hours=22).total_seconds())  # 10:00 the next day in Beijing
        first = await adapter.fetch_metrics([ref])
        await sb.advance(timedelta(days=1).total_seconds())
        second = await adapter.fetch_metrics([ref])
        return same_day, first, second

    same_day, first, second = run(scenario())
    assert [s.name for s in same_day] == ["followers"]  # the publish day is not over: no article data yet
    by_name = {s.name: s for s in first}
    assert {"views", "shares", "likes", "zaikan", "comments", "favorites", "followers"} <= set(by_name)
    assert by_name["views"].raw_name == "read_user" and by_name["zaikan"].raw_name == "zaikan_user"
    assert by_name["views"].post_id == 1 and by_name["followers"].post_id is None
    later = {s.name: s.value for s in second}
    assert later["views"] > by_name["views"].value
    assert all(later[n] >= by_name[n].value for n in by_name)


def test_unverified_accounts_read_no_metrics(tmp_path: Path) -> None:
    sb = Sandbox()
    adapter, _ = make_adapter(sb, verified=False)
    assert run(adapter.fetch_metrics([])) == []


def test_canary_secret_and_tokens_never_reach_logs_or_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    install_logging_redaction(verbose=True)
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "publisher"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    raised: list[BaseException] = []
    tokens = MemoryTokenCache()

    async def scenario() -> None:
        sb = Sandbox()
        adapter, _ = make_adapter(sb, tokens=tokens)
        await sb.fault(path="/cgi-bin/media/uploadimg", kind="app_error", errcode=-1, errmsg=f"busy {SECRET}")
        await sb.fault(path="/cgi-bin/draft/add", kind="drop_after_commit")
        with pytest.raises(errors.OutcomeUnknown) as unknown:
            await adapter.publish(make_post(tmp_path), attempt(sb))
        raised.append(unknown.value)
        wrong, _ = make_adapter(sb, secret=SECRET + "-wrong")  # the fake trusted the first secret: 40125
        with pytest.raises(errors.AuthError) as auth:
            await wrong.publish(make_post(tmp_path / "2"), attempt(sb))
        raised.append(auth.value)

    try:
        run(scenario())
    finally:
        install_logging_redaction(verbose=False)
    token = tokens.get("wechat", "access_token")
    assert token is not None
    assert any("stable_token" in r.getMessage() for r in caplog.records), "httpx must have logged the calls"
    texts = [caplog.text, *(r.getMessage() for r in caplog.records)]
    texts += [t for e in raised for t in (str(e), repr(e), "".join(traceback.format_exception(e)))]
    for text in texts:
        assert SECRET not in text and token[0] not in text
    assert all(e.__cause__ is None and e.__suppress_context__ for e in raised)


def test_assisted_mode_writes_the_shared_pack_and_calls_nothing(tmp_path: Path) -> None:
    sb = Sandbox()
    adapter, _ = make_adapter(sb)
    ctx = adapter.ctx
    assisted = WechatAdapter(
        AdapterContext(
            ctx.account,
            "assisted",
            ctx.base_url,
            ctx.options,
            ctx.credentials,
            ctx.transport,
            ctx.now,
            out_dir=tmp_path / "packs",
        )
    )

    async def scenario() -> tuple[PublishResult, list[Any]]:
        result = await assisted.publish(make_post(tmp_path / "media"), attempt(sb))
        return result, (await sb.state())["calls"]

    result, calls = run(scenario())
    assert result.state == "awaiting_manual" and calls == []
    assert (Path(result.detail["pack"]) / "article.html").is_file()


# -- the IP whitelist -------------------------------------------------------------------------------------


def test_40164_names_the_exact_address_to_add_and_where(tmp_path: Path) -> None:
    async def scenario() -> None:
        sb = Sandbox()
        await sb.config(ip_whitelist=["203.0.113.7"])
        adapter, rec = make_adapter(sb)
        with pytest.raises(errors.NeedsPerson) as caught:
            await adapter.publish(make_post(tmp_path), attempt(sb))
        text = str(caught.value)
        assert "127.0.0.1" in text and "mp.weixin.qq.com → 设置与开发 → 基本配置 → IP白名单" in text
        assert caught.value.code == 40164 and rec.intents == []

    run(scenario())


def test_auth_status_calls_a_cheap_endpoint_and_reports_the_whitelist(tmp_path: Path) -> None:
    from support.workspaces import Layout, credential_env, open_ws, write_workspace

    from publisher.accounts.login import account_status
    from publisher.store.db import open_store

    root = write_workspace(tmp_path / "ws", Layout(platforms=("wechat",), items=0, mode="sandbox"))
    ws = open_ws(root, credential_env(root, ("wechat",)))
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    sb = Sandbox()
    [ok] = account_status(ws, store, now=NOW, transport=sb.asgi)
    assert ok["state"] == "ok" and ok["check"].startswith("API 可用")  # the reader's language (zh)
    assert ok["check_code"] == "auth.check.wechat_ok"
    assert [c["path"].split("?")[0] for c in run(sb.state())["calls"]] == [
        "/wx/cgi-bin/stable_token",
        "/wx/cgi-bin/get_api_domain_ip",
    ]
    run(sb.config(ip_whitelist=["203.0.113.7"]))
    [refused] = account_status(ws, store, now=NOW, transport=sb.asgi)
    assert refused["state"] == "error" and "请在 mp.weixin.qq.com" in refused["check"], refused["check"]
    assert "添加 127.0.0.1" in refused["check"] and refused["check_code"] == "auth.whitelist"
    [english] = account_status(ws, store, now=NOW, transport=sb.asgi, lang="en")
    assert "Add 127.0.0.1 at mp.weixin.qq.com" in english["check"]
    assert account_status(ws, store, now=NOW, transport=sb.asgi, probe=False)[0].get("check") is None


def test_the_rehearsal_whitelists_this_machine_as_a_person_would() -> None:
    from publisher.adapters.wechat.whitelist import whitelist_in_sandbox

    async def scenario() -> dict[str, Any]:
        sb = Sandbox()
        async with httpx.AsyncClient(transport=sb.asgi) as client:
            await whitelist_in_sandbox(client, "http://sandbox", "/wx", {"appid": APPID, "secret": SECRET})
        codes_seen = [c["code"] for c in await sb.calls("stable_token")]
        assert codes_seen == ["40164"]  # a fresh account lists nothing: the first call is refused
        return await sb.control("GET", "config")  # type: ignore[no-any-return]

    assert run(scenario())["wechat"]["ip_whitelist"] == ["127.0.0.1"]


# -- image posts (图片消息, 小绿书) ------------------------------------------------------------------


def newspic_post(tmp_path: Path, count: int = 3, **fields: Any) -> RenderedPost:
    tmp_path.mkdir(parents=True, exist_ok=True)
    images = []
    for n in range(count):
        Image.new("RGB", (60 + n, 80), (n * 10 % 256, 90, 200)).save(tmp_path / f"p{n}.jpg")
        images.append(media(tmp_path / f"p{n}.jpg", "images", f"media/p{n}.jpg"))
    content = "<p>三张图看懂周报</p><p>第一步 &amp; 第二步</p>"
    return RenderedPost(
        "weekly-pics",
        "content/weekly-pics.md",
        "wechat",
        "wechat",
        {"title": "三张图看懂周报", "content": content, "format": "newspic", **fields},
        tuple(images),
        content_hash="h2",
    )


def test_an_image_post_goes_through_draft_add_as_newspic(tmp_path: Path) -> None:
    async def scenario(verified: bool) -> tuple[PublishResult, dict[str, Any], Recorder]:
        sb = Sandbox()
        adapter, rec = make_adapter(sb, verified=verified)
        post = newspic_post(tmp_path)
        result = await follow(sb, adapter, post, await adapter.publish(post, attempt(sb)), rec.ids)
        return result, await sb.state(), rec

    assert run(scenario(True))[0].state == "published"
    result, state, rec = run(scenario(False))  # the draft stays in the box, to be read
    assert result.state == "awaiting_manual"
    [draft] = state["wechat"]["drafts"]
    [article] = draft["articles"]
    materials = [m["media_id"] for m in state["wechat"]["materials"]]
    assert article["article_type"] == "newspic" and "thumb_media_id" not in article
    assert [i["image_media_id"] for i in article["image_info"]["image_list"]] == materials  # in order
    assert article["content"] == "三张图看懂周报\n第一步 & 第二步"  # plain text, no tags
    assert not state["wechat"]["images"]  # no in-article uploadimg for an image post
    assert list(rec.ids["newspic_media_ids"].values()) == materials and rec.intents[0] == "draft/add"


def test_an_image_post_is_validated_and_reconciled_by_its_first_image(tmp_path: Path) -> None:
    from publisher.adapters.wechat.article import validate

    assert any(p.field == "images" for p in validate(newspic_post(tmp_path / "none", count=0)))
    assert any(p.field == "images" for p in validate(newspic_post(tmp_path / "many", count=21)))
    assert any(p.field == "format" for p in validate(newspic_post(tmp_path / "odd", format="video")))
    assert not validate(newspic_post(tmp_path / "ok"))

    async def scenario() -> PublishResult | None:
        sb = Sandbox()
        await sb.fault(path="/cgi-bin/draft/add", kind="drop_after_commit")
        adapter, rec = make_adapter(sb, verified=False)
        post = newspic_post(tmp_path / "dropped")
        first = attempt(sb)
        with pytest.raises(errors.OutcomeUnknown):
            await adapter.publish(post, first)
        found = await adapter.reconcile(post, attempt(sb, rec.ids, first.started_at))
        assert len((await sb.state())["wechat"]["drafts"]) == 1
        return found

    found = run(scenario())
    assert found is not None and found.state == "awaiting_manual" and found.detail["draft_media_id"]


def test_a_cover_already_uploaded_for_the_account_is_reused_from_the_media_cache(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any], MemoryMediaCache]:
        sb = Sandbox()
        cache = MemoryMediaCache()
        adapter, _ = make_adapter(sb, verified=False, media_cache=cache)
        await adapter.publish(make_post(tmp_path), attempt(sb))
        await adapter.publish(make_post(tmp_path / "2", title="第二篇"), attempt(sb))  # the same cover bytes
        return await sb.calls("material/add_material"), await sb.state(), cache

    uploads, state, cache = run(scenario())
    assert len(uploads) == 1
    [material] = state["wechat"]["materials"]
    assert {d["articles"][0]["thumb_media_id"] for d in state["wechat"]["drafts"]} == {material["media_id"]}
    assert cache.get("wechat", "image", material["sha256"]) == material["media_id"]
