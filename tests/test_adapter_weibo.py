"""The Weibo adapter on the Weibo fake: OAuth grant, share, lost answers, repeat content, reauth, metrics."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from publisher import errors
from publisher.adapters.base import AdapterContext, MemoryTokenCache
from publisher.adapters.http import RetryPolicy
from publisher.adapters.weibo import WeiboAdapter, grant_in_sandbox
from publisher.adapters.weibo.api import REAUTH
from publisher.models import Attempt, MediaFile, RemoteRef, RenderedPost
from publisher.sandbox.core import World
from publisher.sandbox.weibo import PREFIX, WeiboState, routes

T = TypeVar("T")
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
CREDS = {"client_id": "wbkey", "client_secret": "weibo-secret-canary", "redirect_uri": "http://127.0.0.1/cb"}
TEXT = "三步写完周报，省下一小时 https://example.com/launch?utm_source=weibo"


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


class Env:
    """One Weibo fake in process; `lose` drops the answer of the next share after Weibo has taken it."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.world = World(seed=5, now=NOW, factories={"weibo": WeiboState})
        self.asgi = httpx.ASGITransport(app=Starlette(routes=[Mount(PREFIX, routes=routes(self.world))]))
        self.tokens = MemoryTokenCache()
        self.ids: dict[str, Any] = {}
        self.intents: list[str] = []
        self.lose = False

        async def handler(request: httpx.Request) -> httpx.Response:
            response = await self.asgi.handle_async_request(request)
            await response.aread()
            if self.lose and request.url.path.endswith("/statuses/share.json"):
                self.lose = False
                raise httpx.ReadTimeout("answer lost", request=request)
            return response

        self.transport = httpx.MockTransport(handler)

    def adapter(self, **options: Any) -> WeiboAdapter:
        ctx = AdapterContext(
            account="weibo",
            mode="sandbox",
            base_url="http://sandbox/wb",
            options={"secure_domains": ["example.com"], **options},
            credentials=dict(CREDS),
            transport=self.transport,
            now=lambda: self.world.now,
            ids_sink=self.ids.update,
            intent=self.intents.append,
            tokens=self.tokens,
        )
        return WeiboAdapter(ctx, policy=RetryPolicy.immediate())

    async def authorise(self) -> None:
        async with httpx.AsyncClient(transport=self.transport) as c:
            await grant_in_sandbox(
                c, "http://sandbox/wb", CREDS, self.tokens, "weibo", lambda: self.world.now
            )

    def statuses(self) -> list[dict[str, Any]]:
        return list(self.world.stores["weibo"].statuses.values())


def post(text: str = TEXT, media: tuple[MediaFile, ...] = ()) -> RenderedPost:
    return RenderedPost("launch", "content/launch.md", "weibo", "weibo", {"text": text}, media)


def attempt(ids: dict[str, Any] | None = None) -> Attempt:
    return Attempt(post_id=1, number=1, started_at=NOW, ids=ids or {})


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = Env(tmp_path)
    run(e.authorise())
    return e


def test_publish_shares_once_and_commits_the_status_id(env: Env, tmp_path: Path) -> None:
    data = b"\xff\xd8\xff\xe0" + b"j" * 500
    (tmp_path / "a.jpg").write_bytes(data)
    pic = MediaFile(
        "images", str(tmp_path / "a.jpg"), "media/a.jpg", hashlib.sha256(data).hexdigest(), 504, "image/jpeg"
    )
    result = run(env.adapter().publish(post(media=(pic,)), attempt()))
    assert result.state == "published" and result.remote_id == env.ids["status_id"]
    assert result.url == f"https://m.weibo.cn/status/{result.remote_id}"
    assert env.intents == ["share"]
    [status] = env.statuses()
    assert status["pic"]["bytes"] == 504 and status["long_text"] == TEXT
    again = run(env.adapter().publish(post(), attempt(dict(env.ids))))  # a resumed attempt never re-sends
    assert again.remote_id == result.remote_id and len(env.statuses()) == 1


def test_a_lost_answer_is_never_resent_and_reconcile_finds_it_by_text(env: Env) -> None:
    env.lose = True
    with pytest.raises(errors.OutcomeUnknown):
        run(env.adapter().publish(post(), attempt()))
    assert "status_id" not in env.ids and len(env.statuses()) == 1
    env.world.advance(600)
    found = run(env.adapter().reconcile(post(), attempt()))
    assert found is not None and found.state == "published"
    assert found.remote_id == env.statuses()[0]["idstr"] == env.ids["status_id"]


def test_reconcile_says_absent_only_after_reading_the_window(env: Env) -> None:
    result = run(env.adapter().reconcile(post(), attempt()))
    assert result is not None and result.detail == {"reconcile": "absent"}
    other = "另一条 https://example.com/other"
    run(env.adapter().publish(post(other), attempt()))
    result = run(env.adapter().reconcile(post(), attempt()))
    assert result is not None and result.detail == {"reconcile": "absent"}  # a different text is not ours


def test_repeat_content_resolves_to_the_post_already_there(env: Env) -> None:
    first = run(env.adapter().publish(post(), attempt()))
    env.ids.clear()
    second = run(env.adapter().publish(post(), attempt()))  # ids lost: Weibo answers 20019
    assert second.remote_id == first.remote_id and len(env.statuses()) == 1
    old = Attempt(post_id=1, number=1, started_at=NOW + timedelta(days=3), ids={})
    env.world.advance(4 * 86400)
    with pytest.raises(errors.PermanentError, match="repeated content"):
        run(env.adapter().publish(post(), old))  # the same text from days ago is somebody else's post


def test_an_expired_token_waits_for_reauth_and_sends_nothing(env: Env) -> None:
    env.world.advance(7 * 86400 + 1)
    with pytest.raises(errors.AuthError, match="publisher auth weibo") as caught:
        run(env.adapter().publish(post(), attempt()))
    assert REAUTH in str(caught.value) and env.statuses() == [] and env.intents == []
    # Weibo's own verdict too, when our clock still trusts the token
    entry = env.tokens.get("weibo", "weibo_access")
    assert entry is not None
    env.tokens.put("weibo", "weibo_access", entry[0], None, entry[2])
    with pytest.raises(errors.AuthError) as caught:
        run(env.adapter().publish(post(), attempt()))
    assert caught.value.code == 21327 and "weibo-secret-canary" not in str(caught.value)


def test_rate_limit_goes_back_to_the_queue(env: Env) -> None:
    env.world.config["weibo"] = {"calls_per_hour": 0}
    with pytest.raises(errors.RateLimited) as caught:
        run(env.adapter().publish(post(), attempt()))
    assert caught.value.code == 10023 and (caught.value.retry_after or 0) >= 3600


def test_metrics_from_statuses_count(env: Env) -> None:
    result = run(env.adapter().publish(post(), attempt()))
    env.world.advance(86400)
    ref = RemoteRef(1, "weibo", "weibo", str(result.remote_id), result.url, NOW, dict(env.ids))
    samples = run(env.adapter().fetch_metrics([ref, RemoteRef(2, "weibo", "weibo", "https://x", None, NOW)]))
    names = {s.name for s in samples}
    assert {"shares", "comments", "likes", "reposts", "attitudes"} <= names
    assert all(s.post_id == 1 and s.value > 0 for s in samples)


def test_validate_before_any_request(env: Env) -> None:
    adapter = env.adapter()
    assert adapter.validate(post()) == []
    fields = {p.field for p in adapter.validate(post("没有链接"))}
    assert fields == {"link"}
    assert {p.field for p in adapter.validate(post("别家 https://other.org/x"))} == {"link"}
    assert {p.field for p in adapter.validate(post("带 #话题# https://example.com/x"))} == {"text"}
    assert {p.field for p in adapter.validate(post("长" * 1995 + " https://example.com/x"))} == {"text"}
    live = WeiboAdapter(AdapterContext(account="weibo", mode="live", base_url="https://api.weibo.com"))
    assert "rip" in {p.field for p in live.validate(post())}


def test_the_registry_and_the_mcp_server_know_weibo(tmp_path: Path) -> None:
    """Registered by its package alone: the spec is found, and a workspace with a Weibo account gets a
    publish_to_weibo tool whose dry run renders the status with its link."""
    from publisher.adapters import spec_for
    from publisher.mcp.server import build_server
    from publisher.workspace.settings import open_workspace

    spec = spec_for("weibo")
    assert spec is not None and spec.factory is WeiboAdapter and spec.mcp is not None
    assert spec.error_codes[21327] == "auth" and spec.label("zh") == "微博"
    (tmp_path / "content" / "media").mkdir(parents=True)
    (tmp_path / "publisher.toml").write_text(
        '[workspace]\nname = "t"\ntimezone = "Asia/Shanghai"\n\n[accounts.weibo]\nplatform = "weibo"\n',
        encoding="utf-8",
    )
    server = build_server(open_workspace(tmp_path, env={"PUBLISHER_NO_KEYRING": "1"}))
    tools = {t.name: t for t in run(server.list_tools())}
    assert set(tools) >= {"publish_to_weibo", "batch_publish"} and "publish_to_wechat" not in tools
    assert list(tools["publish_to_weibo"].input_schema["required"]) == ["title", "link"]
    args = {"title": "新品上线", "body": "三步写完周报。", "link": "https://example.com/a", "dry_run": True}
    result = run(server.call_tool("publish_to_weibo", args))
    [request] = result.structured_content["requests"]  # type: ignore[union-attr,index]
    assert request["fields"]["text"].startswith("新品上线\n三步写完周报。 https://example.com/a")
