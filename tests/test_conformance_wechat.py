"""Conformance: wechatpy, a WeChat client nobody here wrote, drives the WeChat fake through every call the
adapter makes, and the adapter's request for each call has the same shape as wechatpy's.

wechatpy's own URLs (https://api.weixin.qq.com/...) are sent to a sandbox on 127.0.0.1 by a requests adapter
mounted on its session, the way a DNS override would; nothing else about its requests is touched. The
installed wechatpy (1.8) predates the draft and freepublish APIs: those calls go through its generic `post`
with the bodies of its later `WeChatDraft.add` / `WeChatFreePublish.submit/get` (wechatpy/client/api/draft.py
and freepublish.py on its main branch).
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import requests
from PIL import Image
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient

from publisher.adapters.base import AdapterContext, MemoryTokenCache
from publisher.adapters.http import RetryPolicy
from publisher.adapters.wechat.adapter import WechatAdapter
from publisher.models import Attempt, MediaFile, RemoteRef, RenderedPost
from publisher.sandbox import running

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
APPID, SECRET = "wxconformance01", "conformance-secret-1"
LIVE = "https://api.weixin.qq.com"
Shape = tuple[str, str, frozenset[str], Any]
# draft/add's `article_type` ("news" | "newspic") arrived with 小绿书 in the 2025 draft doc, after wechatpy's
# last draft.py; it is the one key the adapter sends that wechatpy does not.
NEWER_THAN_WECHATPY = {"article_type"}


def json_shape(value: Any) -> Any:
    """Keys and JSON types, recursively (a list by its first element)."""
    if isinstance(value, dict):
        return {k: json_shape(v) for k, v in value.items() if k not in NEWER_THAN_WECHATPY}
    if isinstance(value, list):
        return [json_shape(value[0])] if value else []
    return type(value).__name__


def body_shape(content_type: str, body: bytes) -> Any:
    if "multipart/form-data" in content_type:
        return ("multipart", tuple(sorted(set(re.findall(rb'; name="([^"]+)"', body)))))
    if not body:
        return None
    return ("json", json_shape(json.loads(body)))


def shape(method: str, url: str, content_type: str, body: bytes) -> Shape:
    parts = urlsplit(url)
    path = parts.path.removeprefix("/wx")
    return method, path, frozenset(k for k, _ in parse_qsl(parts.query)), body_shape(content_type, body)


class ToSandbox(HTTPAdapter):
    """Sends wechatpy's requests for api.weixin.qq.com to the sandbox, and remembers their shapes."""

    def __init__(self, base: str, seen: dict[str, Shape]) -> None:
        super().__init__()
        self.base, self.seen = base, seen

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        request.url = str(request.url).replace(LIVE, f"{self.base}/wx")
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        found = shape(str(request.method), request.url, request.headers.get("Content-Type", ""), body)
        self.seen[found[1]] = found
        return super().send(request, **kwargs)


class Recording(httpx.AsyncBaseTransport):
    """The adapter's transport: the real network to the sandbox, remembering each request's shape."""

    def __init__(self, seen: dict[str, Shape]) -> None:
        self.inner, self.seen = httpx.AsyncHTTPTransport(), seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        found = shape(request.method, str(request.url), request.headers.get("content-type", ""), body)
        self.seen[found[1]] = found
        return await self.inner.handle_async_request(request)


def post_of(tmp: Path) -> RenderedPost:
    def media(name: str, role: str, size: tuple[int, int]) -> MediaFile:
        Image.new("RGB", size, "#07c160").save(tmp / name)
        data = (tmp / name).read_bytes()
        return MediaFile(
            role, str(tmp / name), f"media/{name}", str(hash(data)), len(data), "image/png", *size
        )

    content = '<section><p>第一步</p><img src="step.png" alt="一"></section>'
    fields = {
        "title": "三步写周报",
        "author": "运营小王",
        "digest": "一篇讲清楚",
        "content": content,
        "content_source_url": "https://example.com/weekly",
    }
    return RenderedPost(
        "weekly",
        "content/weekly.md",
        "wechat",
        "wechat",
        fields,
        (media("step.png", "images", (64, 64)), media("cover.png", "cover", (900, 383))),
        content_hash="h1",
    )


def drive_with_wechatpy(base: str, tmp: Path, seen: dict[str, Shape]) -> dict[str, Any]:
    """Every call the adapter makes, made by wechatpy; each must succeed."""
    client = WeChatClient(APPID, SECRET)
    client._http.mount(LIVE, ToSandbox(base, seen))
    out: dict[str, Any] = {"token": client.access_token}  # GET /cgi-bin/token
    stable = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET, "force_refresh": False}
    out["stable"] = client.post("stable_token", params={"access_token": None}, data=stable)
    Image.new("RGB", (64, 64), "#ff2442").save(tmp / "inline.png")
    Image.new("RGB", (900, 383), "#222222").save(tmp / "thumb.png")
    with (tmp / "inline.png").open("rb") as image:
        out["image_url"] = client.media.upload_image(image)
    with (tmp / "thumb.png").open("rb") as image:
        out["material"] = client.material.add("image", image)
    article = {
        "title": "三步写周报",
        "author": "运营小王",
        "digest": "一篇讲清楚",
        "content": f'<p>第一步</p><img src="{out["image_url"]}">',
        "content_source_url": "https://example.com/weekly",
        "thumb_media_id": out["material"]["media_id"],
        "need_open_comment": 0,
        "only_fans_can_comment": 0,
    }
    out["draft"] = client.post("draft/add", data={"articles": [article]})
    out["submit"] = client.post("freepublish/submit", data={"media_id": out["draft"]["media_id"]})
    out["status"] = client.post("freepublish/get", data={"publish_id": out["submit"]["publish_id"]})
    day = (NOW - timedelta(days=1)).date()
    out["followers"] = client.datacube.get_user_cumulate(day, day)
    out["articles"] = client.datacube._post(
        "getarticletotaldetail", data={"begin_date": day.isoformat(), "end_date": day.isoformat()}
    )
    return out


def drive_with_the_adapter(base: str, tmp: Path, seen: dict[str, Shape]) -> None:
    ctx = AdapterContext(
        account="wechat",
        mode="sandbox",
        base_url=f"{base}/wx",
        options={"verified": True},
        credentials={"appid": APPID, "secret": SECRET},
        transport=Recording(seen),
        now=lambda: NOW,
        tokens=MemoryTokenCache(),
    )

    async def flow() -> None:
        adapter = WechatAdapter(ctx, policy=RetryPolicy.immediate())
        submitted = await adapter.publish(post_of(tmp), Attempt(1, 1, NOW, {}))
        assert submitted.state == "submitted", submitted  # the adapter never waits: the queue polls
        result = await adapter.poll(post_of(tmp), Attempt(1, 1, NOW, dict(submitted.detail)))
        assert result is not None and result.state == "published", result
        ref = RemoteRef(
            1, "wechat", "wechat", str(result.remote_id), result.url, NOW - timedelta(days=1), result.detail
        )
        await adapter.fetch_metrics([ref])

    asyncio.run(flow())


def test_wechatpy_drives_the_fake_and_the_adapter_sends_the_same_shapes(tmp_path: Path) -> None:
    ours: dict[str, Shape] = {}
    theirs: dict[str, Shape] = {}
    with running(now=NOW) as base:
        httpx.post(f"{base}/__fake/config", json={"wechat": {"publish_delay_seconds": 0}})
        got = drive_with_wechatpy(base, tmp_path, theirs)
        assert got["token"] and got["stable"]["access_token"]
        assert got["image_url"].startswith("http://mmbiz.qpic.cn/") and got["material"]["media_id"]
        assert got["draft"]["media_id"] and got["submit"]["publish_id"]
        assert got["status"]["publish_status"] == 0 and got["status"]["article_id"]
        assert isinstance(got["followers"], list) and isinstance(got["articles"].get("list"), list)
        drive_with_the_adapter(base, tmp_path, ours)
    wanted = {
        "/cgi-bin/stable_token",
        "/cgi-bin/media/uploadimg",
        "/cgi-bin/material/add_material",
        "/cgi-bin/draft/add",
        "/cgi-bin/freepublish/submit",
        "/cgi-bin/freepublish/get",
        "/datacube/getarticletotaldetail",
        "/datacube/getusercumulate",
    }
    assert wanted <= set(ours), sorted(ours)
    for path in sorted(wanted):
        method, _, query, body = ours[path]
        their_method, _, their_query, their_body = theirs[path]
        assert method == their_method, path
        assert query - {"access_token"} == their_query - {"access_token"}, path
        assert body == their_body, (path, body, their_body)


def test_wechatpy_reads_the_fakes_errors_and_recovers_from_an_expired_token() -> None:
    from wechatpy.exceptions import WeChatClientException

    with running(now=NOW) as base:
        client = WeChatClient(APPID, SECRET)
        client._http.mount(LIVE, ToSandbox(base, {}))
        token = client.access_token
        httpx.post(f"{base}/__fake/clock", json={"advance_seconds": 7201})  # the token expires: 42001
        # (A GET: wechatpy repeats an upload with the file object it already read to the end.)
        assert client.get("draft/count")["total_count"] == 0
        assert client.access_token != token  # wechatpy fetched a new one and repeated the call
        httpx.post(f"{base}/__fake/config", json={"wechat": {"ip_whitelist": ["203.0.113.7"]}})
        try:
            client.get("draft/count")
        except WeChatClientException as exc:
            assert exc.errcode == 40164 and "invalid ip 127.0.0.1" in exc.errmsg
        else:
            raise AssertionError("the fake let a caller outside the whitelist through")
