"""The Xiaohongshu adapter: an assisted pack by default; opt-in, a bridge to the user's own xiaohongshu-mcp.

docs/platforms/xiaohongshu.md: there is no publishing API for creators. With `options["bridge_url"]` set,
notes go through an xiaohongshu-mcp service the user runs under their own login (its risk is the user's,
stated in the docs); this project never signs private API calls itself. Reconcile follows the queue's
convention: a result with `detail["reconcile"] == "absent"` is a confirmed negative, None means "cannot tell".

The bridge publishes synchronously and slowly (it uploads each image, then types the text at ~0.12 s a
character), cancels the publish when the client hangs up, and answers without a note id. So publish waits as
long as the bridge may need (`publish_timeout_s`), a timeout or a dropped connection is an unknown outcome for
reconcile (never a blind retry), and the note is found afterwards by its exact title on the account's notes.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import shutil
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import httpx

from publisher import errors
from publisher.adapters.assisted import AssistedAdapter
from publisher.adapters.http import Timeouts, call, classify_http, open_client
from publisher.adapters.platform_clock import window_start
from publisher.adapters.plumbing import ApiAdapter
from publisher.adapters.xiaohongshu.codes import CODES
from publisher.adapters.xiaohongshu.csv_import import parse_count, parse_creator_csv
from publisher.messages import msg
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
# The bridge answers every publish failure with HTTP 500; these details mean "refused", not "maybe posted"
# (xiaohongshu-mcp service.go, xiaohongshu/publish.go): title or body too long, bad schedule, missing video,
# unknown visibility, no image, original declaration not possible.
REFUSED = (
    "标题长度超过限制",
    "定时发布时间",
    "请求参数错误",
    "当前输入长度为",
    "长度超过限制",
    "视频文件不存在",
    "必须提供本地视频文件",
    "不支持的可见范围",
    "图片不能为空",
    "no valid images found",
    "下载图片失败",
    "设置原创声明失败",
)
# The item's `visibility` in the bridge's words; any other value goes as written and the bridge refuses it.
VISIBILITY = {"public": "公开可见", "private": "仅自己可见", "friends": "仅互关好友可见"}
# Long enough for 18 images and 1,000 characters: the bridge waits up to 60 s for each image's upload preview
# (18 x 60 s) and types at up to 0.4 s a character (its keystroke delay; 0.12 s typical), plus page work.
DEFAULT_PUBLISH_TIMEOUT_S = 1800.0
LOGGED_OUT = ("未登录",)
Absent = Literal["absent"]

__all__ = ["XiaohongshuAdapter", "parse_count", "parse_creator_csv", "title_length"]


def title_length(title: str) -> int:
    """XHS counts non-ASCII UTF-16 units as 2 and ASCII as 1, then halves, rounding up
    (docs/platforms/xiaohongshu.md#limits-and-how-they-are-counted)."""
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
    if response.status_code == 401:
        raise errors.AuthError(
            msg("cred.xhs_bridge_token"),
            platform=PLATFORM,
            code=401,
        )
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


class XiaohongshuAdapter(ApiAdapter):
    """Assisted unless the account opts in to a bridge (`options["bridge_url"]`)."""

    name = PLATFORM

    def _configure(self) -> None:
        ctx = self.ctx
        bridge = ctx.options.get("bridge_url")
        # In sandbox mode the registry may pass True/"sandbox": the fake bridge is ctx.base_url.
        self.bridge: str | None = (
            ctx.base_url if bridge in (True, "sandbox") else (str(bridge) if bridge else None)
        )
        self.listing_cap = int(ctx.options.get("listing_cap", 30))
        self.publish_timeout = float(ctx.options.get("publish_timeout_s") or DEFAULT_PUBLISH_TIMEOUT_S)
        token = ctx.credentials.get("token")  # the bridge's AUTH_TOKEN, from PUBLISHER_<ACCOUNT>_TOKEN
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[httpx.AsyncClient]:
        """The account's client of the bridge (its token in the headers): the queue run's pooled one, its
        connection kept from post to post, else a fresh one closed on exit. The publish request carries its
        own, longer timeouts (`_publish_timeouts`), so one client serves every call of the account."""
        assert self.bridge is not None
        async with open_client(
            scope=self.ctx.account,
            base_url=self.bridge,
            platform=PLATFORM,
            transport=self.ctx.transport,
            headers=self.headers,
        ) as client:
            yield client

    def _publish_timeouts(self) -> httpx.Timeout:
        """The publish request waits as long as the bridge may take to answer."""
        return Timeouts(read=self.publish_timeout, write=300.0).to_httpx()

    def _bridge_path(self, path: Path) -> str:
        """The path of a media file as the bridge sees it.

        Without `media_dir` the bridge runs here and gets the absolute path. With it (the bridge in Docker,
        its documented mount `./images:/app/images`), the file is copied into `local_media_dir` (the folder
        mounted there) under a content name and sent as `media_dir/<name>`. The bridge skips an image it
        cannot find and posts the rest, so a missing file is refused here, before anything is sent.
        """
        source = path.resolve()
        if not source.is_file():
            raise errors.PermanentError(f"media file not found: {source}", platform=PLATFORM)
        remote = self.ctx.options.get("media_dir")
        if not remote:
            return str(source)
        local = self.ctx.options.get("local_media_dir")
        if not local:
            raise errors.PermanentError(
                "media_dir is set but local_media_dir is not: name the folder on this machine that the "
                "bridge sees as media_dir",
                platform=PLATFORM,
            )
        folder = Path(str(local)).expanduser().resolve()
        try:
            inside = source.relative_to(folder)
        except ValueError:
            digest = hashlib.sha256(source.read_bytes()).hexdigest()[:20]
            inside = Path("publisher") / f"{digest}{source.suffix.lower()}"
            target = folder / inside
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target.with_suffix(target.suffix + ".part"))
                target.with_suffix(target.suffix + ".part").replace(target)
        return f"{str(remote).rstrip('/')}/{inside.as_posix()}"

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
        content, tags = content_and_tags(post)
        title = str(post.fields.get("title") or "")
        body: dict[str, Any] = {"title": title, "content": content, "tags": tags}
        if post.fields.get("declaration") == "original":
            body["is_original"] = True  # the bridge's 原创声明 (needs the account's right)
        if post.fields.get("visibility"):
            visibility = str(post.fields["visibility"])
            body["visibility"] = VISIBILITY.get(visibility, visibility)
        videos = post.media_of("video")
        if videos:
            body["video"] = self._bridge_path(Path(videos[0].path))
        else:
            body["images"] = [self._bridge_path(Path(m.path)) for m in post.media_of("images")]
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
            sent = {"bridge_sent_at": self._now().isoformat(), "bridge_title": title}
            self._sink(ids, **sent, **self.platform_clock.stamp(ids))
            self._intent("publish")
        # One request, held open as long as the bridge works: a timeout or a hang-up is OutcomeUnknown (the
        # bridge cancels on hang-up, but a click may already have landed), so the queue reconciles.
        async with self._client() as c:
            response = await call(
                c,
                "POST",
                "/api/v1/publish_video" if videos else "/api/v1/publish",
                policy=self.policy,
                idempotent=False,
                classify=_classify_write,
                sleep=self.sleep,
                json=body,
                timeout=self._publish_timeouts(),
            )
        self.platform_clock.observe(response)
        found = None
        with contextlib.suppress(errors.PlatformError):  # the note is up; a failed look is retried by poll
            async with self._client() as c:
                # The answer has no note id: the note is looked up by its title on the account's own notes.
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
                if not note_id and ref.ids.get("bridge_title"):
                    note_id, token = await self._by_title(c, ref)
                else:
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

    async def _by_title(self, c: httpx.AsyncClient, ref: RemoteRef) -> tuple[str, str]:
        """A published note stored without its id (the bridge never gives one), found as reconcile does."""
        post = RenderedPost(str(ref.post_id), "", PLATFORM, ref.account, {"title": ref.ids["bridge_title"]})
        found = await self._find(c, post, Attempt(ref.post_id, 0, ref.published_at, dict(ref.ids)), ref.ids)
        return (found["note_id"], found["xsec_token"]) if isinstance(found, dict) else ("", "")

    async def _find(
        self, c: httpx.AsyncClient, post: RenderedPost, attempt: Attempt, ids: Mapping[str, Any]
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
