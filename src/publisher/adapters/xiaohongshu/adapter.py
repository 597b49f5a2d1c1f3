"""The Xiaohongshu adapter: an assisted pack by default; opt-in, a bridge to the user's own xiaohongshu-mcp.

PLATFORMS.md section 3: there is no publishing API for creators. With `options["bridge_url"]` set, notes go
through an xiaohongshu-mcp service the user runs under their own login (its risk is the user's, stated in the
docs); this project never signs private API calls itself. Reconcile follows the queue's convention: a result
with `detail["reconcile"] == "absent"` is a confirmed negative, None means "cannot tell".
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx

from publisher import errors
from publisher.adapters.assisted import AssistedAdapter
from publisher.adapters.base import AdapterContext
from publisher.adapters.http import RetryPolicy, call, classify_http, make_client
from publisher.adapters.platform_clock import PlatformClock, window_start
from publisher.adapters.xiaohongshu.codes import CODES
from publisher.adapters.xiaohongshu.csv_import import parse_count, parse_creator_csv
from publisher.models import Attempt, MetricSample, Problem, PublishResult, RemoteRef, RenderedPost
from publisher.redact import redact_text

PLATFORM = "xiaohongshu"
NOTE_URL = "https://www.xiaohongshu.com/explore/{}"
INTERACT = {
    "likedCount": "likes",
    "collectedCount": "favorites",
    "commentCount": "comments",
    "sharedCount": "shares",
}
# The bridge answers every publish failure with HTTP 500; these details mean "refused", not "maybe posted".
REFUSED = ("标题长度超过限制", "定时发布时间", "请求参数错误")
LOGGED_OUT = ("未登录",)
Absent = Literal["absent"]

__all__ = ["XiaohongshuAdapter", "parse_count", "parse_creator_csv", "title_length"]


def title_length(title: str) -> int:
    """XHS counts non-ASCII UTF-16 units as 2 and ASCII as 1, then halves, rounding up (PLATFORMS.md 3.2)."""
    units = sum(1 if ord(ch) < 128 else (2 if ord(ch) <= 0xFFFF else 4) for ch in title)
    return math.ceil(units / 2)


def content_and_tags(post: RenderedPost) -> tuple[str, list[str]]:
    """The body without its trailing #topics line when tags go separately (the bridge adds them as topics)."""
    body = str(post.fields.get("body") or "").rstrip()
    tags = [str(t) for t in post.fields.get("tags") or []]
    head, _, last = body.rpartition("\n")
    words = last.split()
    if tags and words and {w for w in words} == {f"#{t}" for t in tags}:
        body = head.rstrip()
    return body, tags


def _classify(response: httpx.Response) -> None:
    if response.status_code >= 500:
        try:
            body = response.json()
        except ValueError:
            body = None
        details = str(body.get("details") or "") if isinstance(body, dict) else ""
        if any(word in details for word in LOGGED_OUT):
            raise errors.NeedsPerson(
                "xiaohongshu-mcp is not logged in: log in to xiaohongshu-mcp by scanning its QR code",
                platform=PLATFORM,
                code=response.status_code,
            )
        if any(word in details for word in REFUSED):
            raise errors.PermanentError(
                redact_text(f"the bridge refused the note: {details}"),
                platform=PLATFORM,
                code=str(body.get("code") if isinstance(body, dict) else ""),
            )
    classify_http(response, PLATFORM, table=CODES)


def _classify_write(response: httpx.Response) -> None:
    _classify(response)
    _data(response)  # inside `call`, so an unreadable answer to a write becomes OutcomeUnknown


class XiaohongshuAdapter:
    """Assisted unless the account opts in to a bridge (`options["bridge_url"]`)."""

    name = PLATFORM

    def __init__(
        self,
        ctx: AdapterContext,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.ctx = ctx
        self.policy = policy or RetryPolicy()
        self.sleep = sleep or asyncio.sleep
        bridge = ctx.options.get("bridge_url")
        # In sandbox mode the registry may pass True/"sandbox": the fake bridge is ctx.base_url.
        self.bridge: str | None = (
            ctx.base_url if bridge in (True, "sandbox") else (str(bridge) if bridge else None)
        )
        self.platform_clock = PlatformClock(self._now)  # set by the Date of each answer
        self.listing_cap = int(ctx.options.get("listing_cap", 30))

    def _now(self) -> datetime:
        return self.ctx.now() if self.ctx.now else datetime.now(UTC)

    def _sink(self, ids: dict[str, Any], **new: Any) -> None:
        ids.update(new)
        if self.ctx.ids_sink is not None:
            self.ctx.ids_sink(dict(new))

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[httpx.AsyncClient]:
        assert self.bridge is not None
        async with make_client(
            base_url=self.bridge, platform=PLATFORM, transport=self.ctx.transport
        ) as client:
            yield client

    async def _get(self, c: httpx.AsyncClient, method: str, path: str, **kw: Any) -> dict[str, Any]:
        response = await call(
            c, method, path, policy=self.policy, idempotent=True, classify=_classify, sleep=self.sleep, **kw
        )
        self.platform_clock.observe(response)
        return _data(response)

    # -- the contract -------------------------------------------------------------------------------------

    def validate(self, post: RenderedPost) -> list[Problem]:
        f, problems = post.fields, []

        def add(field: str, message: str) -> None:
            problems.append(Problem(post.item_path, 1, field, message, platform=PLATFORM))

        if not str(f.get("title") or "").strip():
            add("title", "Xiaohongshu needs a title")
        elif title_length(str(f["title"])) > 20:
            add("title", f"title is {title_length(str(f['title']))} (weighted); at most 20")
        if len(str(f.get("body") or "")) > 1000:
            add("body", "body is longer than 1000 characters")
        images = post.media_of("images")
        if not post.media_of("video") and not 1 <= len(images) <= 18:
            add("images", f"{len(images)} images; a note takes 1 to 18")
        return problems

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        if self.bridge is None:
            return await AssistedAdapter(self.ctx, self.name).publish(post, attempt)
        ids = dict(attempt.ids)
        if ids.get("note_id"):
            return _published(ids)
        async with self._client() as c:
            await self._check_login(c)
            if ids.get("bridge_sent_at"):
                # An earlier send may have landed (the bridge has no dedupe): look before sending again.
                found = await self._find(c, post, attempt, ids)
                if isinstance(found, dict):
                    self._sink(ids, **found)
                    return _published(ids)
                if found is None:
                    raise errors.OutcomeUnknown(
                        "an earlier send may have posted this note and the bridge's "
                        "listing cannot tell; reconcile before any retry",
                        platform=PLATFORM,
                    )
            self._sink(ids, bridge_sent_at=self._now().isoformat(), **self.platform_clock.stamp(ids))
            if self.ctx.intent is not None:
                self.ctx.intent("publish")
            content, tags = content_and_tags(post)
            body: dict[str, Any] = {
                "title": str(post.fields.get("title") or ""),
                "content": content,
                "tags": tags,
            }
            if post.fields.get("declaration") == "original":
                body["is_original"] = True  # the bridge's 原创声明 (needs the account's right)
            videos = post.media_of("video")
            if videos:
                body["video"] = str(Path(videos[0].path).resolve())
            else:
                body["images"] = [str(Path(m.path).resolve()) for m in post.media_of("images")]
            response = await call(
                c,
                "POST",
                "/api/v1/publish_video" if videos else "/api/v1/publish",
                policy=self.policy,
                idempotent=False,
                classify=_classify_write,
                sleep=self.sleep,
                json=body,
            )
            data = _data(response)
            if data.get("post_id"):
                self._sink(ids, note_id=str(data["post_id"]))
                token = await self._lookup_token(c, ids["note_id"])
                if token:
                    self._sink(ids, xsec_token=token)
                return _published(ids)
            found = await self._find(c, post, attempt, ids)
        if isinstance(found, dict):
            self._sink(ids, **found)
            return _published(ids)
        # The bridge said "published" without an id: the note is (very likely) up; the queue polls for its id.
        return PublishResult(None, None, "submitted", {**ids, "bridge": "published without an id"})

    async def poll(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        """Look for the note a bridge reported without an id; still unseen → "submitted"."""
        found = await self.reconcile(post, attempt)
        if found is None or found.state != "published":
            return PublishResult(None, None, "submitted", dict(attempt.ids))
        return found

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        if self.bridge is None:
            return None
        ids = dict(attempt.ids)
        if ids.get("note_id"):
            return _published(ids)
        try:
            async with self._client() as c:
                found = await self._find(c, post, attempt, ids)
        except errors.TransientError:
            return None
        if found == "absent":
            return PublishResult(remote_id=None, url=None, state="submitted", detail={"reconcile": "absent"})
        if found is None:
            return None
        self._sink(ids, **found)
        return _published(ids)

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        if self.bridge is None:
            return []  # metrics come from `publisher metrics import` (creator-centre CSV)
        samples: list[MetricSample] = []
        async with self._client() as c:
            for ref in refs:
                note_id = str(ref.ids.get("note_id") or ref.remote_id or "")
                token = str(ref.ids.get("xsec_token") or "") or await self._lookup_token(c, note_id)
                if not note_id or not token:
                    continue
                data = await self._get(
                    c, "POST", "/api/v1/feeds/detail", json={"feed_id": note_id, "xsec_token": token}
                )
                note = ((data.get("data") or {}).get("note")) or {}
                now = self._now()
                for raw, name in INTERACT.items():
                    value = parse_count((note.get("interactInfo") or {}).get(raw))
                    if value is not None:
                        samples.append(MetricSample(ref.post_id, PLATFORM, name, value, now, raw))
        return samples

    # -- helpers ------------------------------------------------------------------------------------------

    async def _check_login(self, c: httpx.AsyncClient) -> None:
        data = await self._get(c, "GET", "/api/v1/login/status")
        if not data.get("is_logged_in"):
            raise errors.NeedsPerson("log in to xiaohongshu-mcp by scanning its QR code", platform=PLATFORM)

    async def _feeds(self, c: httpx.AsyncClient) -> list[dict[str, Any]]:
        data = await self._get(c, "GET", "/api/v1/user/me")
        feeds = ((data.get("data") or {}).get("feeds")) or []
        return [f for f in feeds if isinstance(f, dict)]

    async def _lookup_token(self, c: httpx.AsyncClient, note_id: str) -> str:
        for feed in await self._feeds(c):
            if feed.get("id") == note_id:
                return str(feed.get("xsecToken") or "")
        return ""

    async def _find(
        self, c: httpx.AsyncClient, post: RenderedPost, attempt: Attempt, ids: dict[str, Any]
    ) -> dict[str, str] | Absent | None:
        """The note by exact title, posted within a wide window on the platform's clock before the earliest
        send (adapters.platform_clock); never "newest"; several such notes: None, a person decides."""
        title = str(post.fields.get("title") or "")
        began = []
        with contextlib.suppress(ValueError):
            began.append(datetime.fromisoformat(str(ids.get("bridge_sent_at"))))
        since = window_start(ids, attempt.started_at, *began)
        feeds = await self._feeds(c)
        matches: list[tuple[int, str, str]] = []
        for feed in feeds:
            if ((feed.get("noteCard") or {}).get("displayTitle")) != title:
                continue
            token = str(feed.get("xsecToken") or "")
            data = await self._get(
                c, "POST", "/api/v1/feeds/detail", json={"feed_id": feed.get("id"), "xsec_token": token}
            )
            at_ms = int(((data.get("data") or {}).get("note") or {}).get("time") or 0)
            if at_ms >= since.timestamp() * 1000:
                matches.append((at_ms, str(feed.get("id")), token))
        if len(matches) > 1:
            return None
        if matches:
            _, note_id, token = matches[0]
            return {"note_id": note_id, "xsec_token": token}
        # The profile lists newest first; a short listing without the title is a confirmed absence.
        return "absent" if len(feeds) < self.listing_cap else None


def _data(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise errors.TransientError(
            "unreadable answer from the xiaohongshu-mcp bridge", platform=PLATFORM
        ) from None
    if not isinstance(body, dict) or body.get("success") is False:
        raise errors.PermanentError(redact_text(f"the bridge said no: {str(body)[:200]}"), platform=PLATFORM)
    data = body.get("data")
    return data if isinstance(data, dict) else {}


def _published(ids: dict[str, Any]) -> PublishResult:
    note_id = str(ids["note_id"])
    return PublishResult(note_id, NOTE_URL.format(note_id), "published", dict(ids))
