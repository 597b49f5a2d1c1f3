"""Conformance with Douyin's own documentation: no maintained Python SDK covers the calls the adapter makes
(the official OpenAPI SDKs are Java, NodeJS and Go; see docs/platforms/douyin.md), so the official examples
are recorded under tests/fixtures/douyin/ with their source, and every request the adapter sends to the fake
for the same call must have the example's method, path, content type, headers and query keys, send only
documented body keys and every required one."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from publisher.adapters.base import AdapterContext, MemoryTokenCache
from publisher.adapters.douyin.adapter import DouyinAdapter
from publisher.adapters.douyin.auth import (
    ACCESS,
    DEFAULT_SCOPES,
    REFRESH,
    DouyinTokens,
    authorize_url,
    exchange_code,
    save_tokens,
)
from publisher.adapters.http import RetryPolicy
from publisher.models import Attempt, MediaFile, RemoteRef, RenderedPost
from publisher.sandbox import create_app

T = TypeVar("T")
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures" / "douyin"
CREDS = {"client_key": "dy_client_key", "client_secret": "dy-client-secret-canary"}
BASE = "http://sandbox/dy"


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


class Recorder(httpx.AsyncBaseTransport):
    """The fake behind a transport that keeps every request the adapter sends."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.requests = inner, []  # type: list[httpx.Request]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


def media(tmp: Path, name: str, data: bytes, role: str, mime: str) -> MediaFile:
    (tmp / name).write_bytes(data)
    return MediaFile(
        role, str(tmp / name), f"content/media/{name}", hashlib.sha256(data).hexdigest(), len(data), mime
    )


def post_of(tmp: Path, kind: str, size: int = 600) -> RenderedPost:
    if kind == "video":
        files: tuple[MediaFile, ...] = (
            media(tmp, f"v{size}.mp4", b"\0\0\0\x18ftypmp42" + b"v" * size, "video", "video/mp4"),
        )
    else:
        files = tuple(
            media(tmp, f"i{n}.jpg", b"\xff\xd8" + bytes([n]) * 300, "images", "image/jpeg") for n in (1, 2)
        )
    return RenderedPost(
        f"{kind}-{size}",
        f"content/{kind}.md",
        "douyin",
        "douyin",
        {"text": f"{kind} #效率工具", "tags": ["效率工具"]},
        files,
    )


def every_call(tmp: Path) -> list[httpx.Request]:
    """Drive every call the adapter makes against the fake, through the recorder."""
    app = create_app(seed=5, now=NOW)
    world = app.state.world
    world.config["douyin"]["min_part_bytes"] = 500
    recorder = Recorder(httpx.ASGITransport(app=app))
    tokens = MemoryTokenCache()

    def now() -> datetime:
        return world.now  # type: ignore[no-any-return]

    def adapter(**options: Any) -> DouyinAdapter:
        ctx = AdapterContext(
            account="douyin",
            mode="sandbox",
            base_url=BASE,
            options={"verified": True, **options},
            credentials=dict(CREDS),
            transport=recorder,
            now=now,
            out_dir=tmp / "packs",
            tokens=tokens,
        )
        return DouyinAdapter(ctx, policy=RetryPolicy.immediate())

    async def go() -> None:
        async with httpx.AsyncClient(transport=recorder) as client:  # consent, then the code exchange
            url = authorize_url(
                CREDS["client_key"], "http://127.0.0.1/cb", DEFAULT_SCOPES, "s", base_url=BASE
            )
            answer = await client.get(url)
            code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
            granted = await exchange_code(
                *CREDS.values(),
                code,
                base_url=BASE,
                transport=recorder,
                now=now,
                policy=RetryPolicy.immediate(),
            )
            save_tokens(tokens, "douyin", granted)
            async with httpx.AsyncClient(transport=recorder, base_url=BASE) as api:
                keeper = DouyinTokens(tokens, "douyin", dict(CREDS), api, RetryPolicy.immediate(), now)
                await keeper.get(force=True)  # refresh
                held = tokens.get("douyin", REFRESH)
                assert held is not None
                tokens.put("douyin", REFRESH, held[0], now() + timedelta(days=2), held[2])
                await keeper.get()  # renew: fewer than 5 days left
        attempt = Attempt(1, 1, now())
        video = await adapter().publish(post_of(tmp, "video"), attempt)  # upload, create_video
        created = Attempt(1, 1, now(), {"item_id": video.remote_id})
        await adapter().poll(post_of(tmp, "video"), created)  # video_data (the review check)
        await adapter(direct_max_bytes=1000, part_bytes=600).publish(post_of(tmp, "video", 1500), attempt)
        await adapter().publish(post_of(tmp, "images"), attempt)  # upload_image, create_image_text
        await adapter().reconcile(post_of(tmp, "video", 700), Attempt(2, 1, now()))  # video_list
        ref = RemoteRef(1, "douyin", "douyin", str(video.remote_id), video.url, now(), {})
        assert tokens.get("douyin", ACCESS) is not None
        await adapter().fetch_metrics([ref])  # video_data, data/external/item/base
        share = adapter(verified=False, share=True, share_media_base_url="https://cdn.example.com/dy")
        await share.publish(
            post_of(tmp, "video", 800), attempt
        )  # client_token, getticket, share-id, get_share

    run(go())
    return recorder.requests


def shape(request: httpx.Request) -> dict[str, Any]:
    """What the comparison looks at: method, path, content type, header names, query keys, body keys."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    raw = request.content
    body: set[str] | None = None
    if kind == "application/json" and raw:
        body = set(json.loads(raw))
    elif kind == "application/x-www-form-urlencoded":
        body = set(parse_qs(raw.decode(), keep_blank_values=True))
    elif kind == "multipart/form-data":
        body = {m.decode() for m in re.findall(rb'(?<![a-z])name="([^"]+)"', raw)}
    return {
        "method": request.method,
        "path": urlsplit(str(request.url)).path.removeprefix("/dy"),
        "content_type": kind or None,
        "headers": {k.lower() for k in request.headers},
        "query": set(parse_qs(urlsplit(str(request.url)).query, keep_blank_values=True)),
        "body": body if body is not None else (set() if raw == b"{}" else None),
    }


FIXTURE_FILES = sorted(FIXTURES.glob("*.json"))


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return [shape(r) for r in every_call(tmp_path_factory.mktemp("conformance"))]


def test_every_fixture_names_its_source() -> None:
    assert len(FIXTURE_FILES) >= 17
    for path in FIXTURE_FILES:
        fixture = json.loads(path.read_text(encoding="utf-8"))
        assert fixture["source"].startswith("https://developer.open-douyin.com/docs/"), path.name
        assert fixture["example_from"], path.name


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_the_adapter_sends_each_call_as_the_documentation_shows(
    path: Path, sent: list[dict[str, Any]]
) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    mine = [s for s in sent if s["path"] == doc["path"]]
    assert mine, f"the adapter never sent {doc['method']} {doc['path']}"
    for request in mine:
        assert request["method"] == doc["method"]
        assert request["content_type"] == doc["content_type"], f"{doc['path']}: {request['content_type']}"
        assert set(doc["headers"]) <= request["headers"]
        optional = set(doc.get("optional_query", []))
        assert set(doc["query"]) <= request["query"] <= set(doc["query"]) | optional, doc["path"]
        if doc["body"] is None:
            assert request["body"] in (None, set()), f"{doc['path']} has no body"
            continue
        assert request["body"] is not None, f"{doc['path']} needs a body"
        assert request["body"] <= set(doc["body"]), f"undocumented keys {request['body'] - set(doc['body'])}"
        assert set(doc["required"]) <= request["body"], f"missing {set(doc['required']) - request['body']}"


def test_a_json_code_exchange_is_what_the_documentation_forbids(sent: list[dict[str, Any]]) -> None:
    """The page says the exchange is a form, not JSON; the fake refuses JSON, the adapter sends a form."""
    exchange = next(s for s in sent if s["path"] == "/oauth/access_token/")
    assert exchange["content_type"] == "application/x-www-form-urlencoded"
