"""The Douyin adapter: upload, create and follow review with `video.create.bind`; else an assisted pack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx

from publisher import errors
from publisher.adapters.assisted import AssistedAdapter
from publisher.adapters.base import AdapterContext
from publisher.adapters.douyin_auth import ACCESS, DouyinTokens, envelope, reauth_error
from publisher.adapters.http import RetryPolicy, Timeouts, call, make_client, with_token_refresh
from publisher.models import Attempt, MediaFile, MetricSample, Problem, PublishResult, RemoteRef, RenderedPost

MB = 1024 * 1024
V1 = "/api/douyin/v1/video"
CONSUMED = 2190007  # create_video with a used video_id [U]: the post may already exist, so reconcile
UPLOAD_TIMEOUT = Timeouts.upload().to_httpx()
#: statistics field -> normalised names (PLATFORMS.md 6: play_count is the view figure)
STATS = {
    "play_count": ("views", "plays"),
    "digg_count": ("likes",),
    "comment_count": ("comments",),
    "share_count": ("shares",),
    "download_count": ("downloads",),
    "forward_count": ("forwards",),
}
BASE_STATS = {
    "avg_play_duration": "avg_play_duration_s",
    "total_play": "total_play",
    "total_like": "total_like",
    "total_comment": "total_comment",
    "total_share": "total_share",
}
VISIBILITY = {6: "friends only (好友可见)", 7: "private (仅自己可见)"}
Absent = Literal["absent"]


@dataclass
class _Session:
    client: httpx.AsyncClient
    tokens: DouyinTokens


class DouyinAdapter:
    """Real publishing for accounts configured `verified` (holding video.create.bind); assisted otherwise."""

    name = "douyin"

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
        opts = ctx.options
        self.direct_max = int(opts.get("direct_max_bytes", 50 * MB))  # chunking recommended above 50 MB [H]
        self.part_bytes = int(
            opts.get("part_bytes", 20 * MB)
        )  # 20 MB recommended, ≥ 5 MB except the last [H]
        self.review_polls = int(opts.get("review_polls", 3))
        self.review_poll_s = float(opts.get("review_poll_s", 20.0))
        self.skew = timedelta(seconds=float(opts.get("reconcile_skew_s", 300)))
        self.reconcile_pages = int(opts.get("reconcile_pages", 5))

    # -- plumbing -----------------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.ctx.now() if self.ctx.now else datetime.now(UTC)

    def _sink(self, ids: dict[str, Any], **new: Any) -> None:
        ids.update(new)
        if self.ctx.ids_sink is not None:
            self.ctx.ids_sink(dict(new))

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[_Session]:
        async with make_client(
            base_url=self.ctx.base_url, platform="douyin", transport=self.ctx.transport
        ) as client:
            yield _Session(
                client,
                DouyinTokens(
                    self.ctx.tokens,
                    self.ctx.account,
                    dict(self.ctx.credentials),
                    client,
                    self.policy,
                    self._now,
                ),
            )

    async def _api(
        self,
        s: _Session,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: dict[str, Any] | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        async def do(token: str) -> dict[str, Any]:
            response = await call(
                s.client,
                method,
                path,
                policy=self.policy,
                idempotent=idempotent,
                sleep=self.sleep,
                classify=lambda r: envelope(r, now=self._now()),
                params={"open_id": s.tokens.open_id, **(params or {})},
                headers={"access-token": token},
                **kw,
            )
            return envelope(response, now=self._now())

        failure: errors.AuthError | None = None
        try:
            return await with_token_refresh(do, s.tokens.get)
        except errors.AuthError as exc:
            failure = reauth_error(exc)
        raise failure from None  # outside `except`: not even __context__ links to the original

    # -- the contract -------------------------------------------------------------------------------------

    def validate(self, post: RenderedPost) -> list[Problem]:
        problems = []
        if not str(post.fields.get("text") or "").strip():
            problems.append(
                Problem(post.item_path, 1, "text", "Douyin needs a caption text", platform="douyin")
            )
        if not post.media_of("video") and not post.media_of("images"):
            problems.append(
                Problem(post.item_path, 1, "video", "Douyin needs a video or images", platform="douyin")
            )
        return problems

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        if not self.ctx.options.get("verified"):
            # Without video.create.bind there is no server-side publishing (PLATFORMS.md 2.1): a person posts.
            return await AssistedAdapter(self.ctx, self.name).publish(post, attempt)
        ids = dict(attempt.ids)
        async with self._session() as s:
            if "item_id" not in ids:
                if post.media_of("video"):
                    await self._create_video(s, post, attempt, ids)
                else:
                    await self._create_image_text(s, post, ids)
            return await self._follow(s, ids)

    async def poll(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        """One review check of a created item (the queue calls this for a post left "submitted")."""
        ids = dict(attempt.ids)
        async with self._session() as s:
            video = await self._video_data(s, str(ids["item_id"]))
        if video is None:
            return PublishResult(str(ids["item_id"]), None, "submitted", {**ids, "review": "not listed yet"})
        return _result(video, ids)

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        """Stored item_id first, then video_list by exact text within the attempt's window; None: unknown."""
        if not self.ctx.options.get("verified"):
            return None
        ids = dict(attempt.ids)
        try:
            async with self._session() as s:
                if ids.get("item_id"):
                    video = await self._video_data(s, str(ids["item_id"]))
                    return _result(video, ids) if video is not None else None
                found = await self._find(s, post, attempt)
        except errors.TransientError:
            return None
        if found == "absent":
            return PublishResult(remote_id=None, url=None, state="submitted", detail={"reconcile": "absent"})
        if found is None:
            return None
        self._sink(ids, item_id=found["item_id"])
        return _result(found, ids)

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        wanted = {r.post_id: str(r.ids.get("item_id") or r.remote_id) for r in refs}
        wanted = {p: i for p, i in wanted.items() if i.startswith("@")}  # item ids; a pasted URL is not one
        if not wanted or self.ctx.tokens is None or self.ctx.tokens.get(self.ctx.account, ACCESS) is None:
            return []
        samples: list[MetricSample] = []
        by_item = {item: post for post, item in wanted.items()}
        items = list(by_item)
        async with self._session() as s:
            now = self._now()
            for start in range(0, len(items), 20):
                data = await self._api(
                    s,
                    "POST",
                    f"{V1}/video_data/",
                    idempotent=True,
                    json={"item_ids": items[start : start + 20]},
                )
                for video in data.get("list") or []:
                    post_id = by_item.get(str(video.get("item_id")))
                    for raw, names in STATS.items():
                        value = (video.get("statistics") or {}).get(raw)
                        if post_id is not None and isinstance(value, (int, float)):
                            samples += [
                                MetricSample(post_id, "douyin", n, float(value), now, raw) for n in names
                            ]
            if "data.external.item" in s.tokens.scopes:
                for item, post_id in by_item.items():
                    data = await self._api(
                        s, "GET", "/data/external/item/base/", idempotent=True, params={"item_id": item}
                    )
                    for raw, name in BASE_STATS.items():
                        value = (data.get("result") or {}).get(raw)
                        if isinstance(value, (int, float)):
                            samples.append(MetricSample(post_id, "douyin", name, float(value), now, raw))
        return samples

    # -- steps --------------------------------------------------------------------------------------------

    async def _create_video(
        self, s: _Session, post: RenderedPost, attempt: Attempt, ids: dict[str, Any]
    ) -> None:
        for fresh_upload in (False, True):
            if "video_id" not in ids:
                await self._upload_video(s, post.media_of("video")[0], ids)
            body: dict[str, Any] = {"video_id": ids["video_id"], "text": str(post.fields.get("text") or "")}
            for key, kind in (("cover_tsp", float), ("private_status", int)):
                if post.fields.get(key) is not None:
                    body[key] = kind(post.fields[key])
            if self.ctx.intent is not None:
                self.ctx.intent("create_video")
            try:
                data = await self._api(s, "POST", f"{V1}/create_video/", idempotent=False, json=body)
            except errors.PermanentError as exc:
                if exc.code not in (CONSUMED, str(CONSUMED)):
                    raise
                found = await self._find(s, post, attempt)  # never re-upload blindly: the post may exist
                if isinstance(found, dict):
                    self._sink(ids, item_id=found["item_id"])
                    return
                if found is None or fresh_upload:
                    raise errors.OutcomeUnknown(
                        "the stored video_id was already used and no matching post was "
                        "found for sure; reconcile before any retry",
                        platform="douyin",
                        code=CONSUMED,
                    ) from None
                ids.pop("video_id", None)  # confirmed absent: the id was spent without a post, upload again
                continue
            self._sink(ids, item_id=str(data["item_id"]))
            return

    async def _upload_video(self, s: _Session, media: MediaFile, ids: dict[str, Any]) -> None:
        path = Path(media.path)
        size = media.bytes or path.stat().st_size
        mime = media.mime or "video/mp4"
        if size <= self.direct_max:
            data = await self._api(
                s,
                "POST",
                f"{V1}/upload_video/",
                idempotent=True,
                timeout=UPLOAD_TIMEOUT,
                files={"video": (path.name, path.read_bytes(), mime)},
            )
        else:
            if not ids.get("upload_id"):
                init = await self._api(s, "POST", f"{V1}/init_video_part_upload/", idempotent=True, json={})
                self._sink(ids, upload_id=str(init["upload_id"]), parts_done=0)
            done = int(ids.get("parts_done") or 0)
            with path.open("rb") as fh:
                fh.seek(done * self.part_bytes)
                number = done + 1
                while chunk := fh.read(self.part_bytes):
                    await self._api(
                        s,
                        "POST",
                        f"{V1}/upload_video_part/",
                        idempotent=True,
                        timeout=UPLOAD_TIMEOUT,
                        params={"upload_id": ids["upload_id"], "part_number": number},
                        files={"video": (path.name, chunk, mime)},
                    )
                    self._sink(ids, parts_done=number)
                    number += 1
            data = await self._api(
                s,
                "POST",
                f"{V1}/complete_video_part_upload/",
                idempotent=True,
                params={"upload_id": ids["upload_id"]},
            )
        # When it was uploaded bounds the reconcile window even if a later attempt finds it consumed.
        self._sink(ids, video_id=str(data["video"]["video_id"]), uploaded_at=self._now().isoformat())

    async def _create_image_text(self, s: _Session, post: RenderedPost, ids: dict[str, Any]) -> None:
        image_ids = list(ids.get("image_ids") or [])
        for media in post.media_of("images")[len(image_ids) :]:
            path = Path(media.path)
            data = await self._api(
                s,
                "POST",
                f"{V1}/upload_image/",
                idempotent=True,
                timeout=UPLOAD_TIMEOUT,
                files={"image": (path.name, path.read_bytes(), media.mime or "image/jpeg")},
            )
            image_ids.append(str(data["image"]["image_id"]))
            self._sink(ids, image_ids=list(image_ids))
        if self.ctx.intent is not None:
            self.ctx.intent("create_image_text")
        data = await self._api(
            s,
            "POST",
            f"{V1}/create_image_text/",
            idempotent=False,
            json={"image_list": image_ids, "text": str(post.fields.get("text") or "")},
        )
        new = {"item_id": str(data["item_id"])}
        if data.get("video_id"):
            new["video_id"] = str(data["video_id"])
        self._sink(ids, **new)

    async def _follow(self, s: _Session, ids: dict[str, Any]) -> PublishResult:
        """A few review checks; still under review → "submitted" (the queue polls later via `poll`)."""
        item_id = str(ids["item_id"])
        result = PublishResult(item_id, None, "submitted", dict(ids))
        for n in range(self.review_polls):
            if n:
                await self.sleep(self.review_poll_s)
            try:
                video = await self._video_data(s, item_id)
            except errors.TransientError:
                return result  # the item exists (its id is stored); a failed read must not fail the post
            if video is not None:
                result = _result(video, ids)
                if result.state != "submitted":
                    return result
        return result

    async def _video_data(self, s: _Session, item_id: str) -> dict[str, Any] | None:
        data = await self._api(s, "POST", f"{V1}/video_data/", idempotent=True, json={"item_ids": [item_id]})
        return next((v for v in data.get("list") or [] if v.get("item_id") == item_id), None)

    async def _find(
        self, s: _Session, post: RenderedPost, attempt: Attempt
    ) -> dict[str, Any] | Absent | None:
        """The post by exact text, created since the attempt began (minus skew); never "the newest post"."""
        text = str(post.fields.get("text") or "")
        began = [attempt.started_at, *_times(attempt.ids.get("uploaded_at"))]
        since = (min(began) - self.skew).timestamp()
        matches: list[dict[str, Any]] = []
        cursor: Any = 0
        for _ in range(self.reconcile_pages):
            data = await self._api(
                s, "GET", f"{V1}/video_list/", idempotent=True, params={"cursor": cursor, "count": 20}
            )
            page = data.get("list") or []
            older = False
            for video in page:
                if float(video.get("create_time") or 0) < since:
                    older = True  # newest first: everything after this is older than the attempt
                    continue
                if video.get("title") == text:
                    matches.append(video)
            if older or not data.get("has_more") or not page:
                break
            cursor = data.get("cursor")
        else:
            return _earliest(matches)  # window not fully scanned: a match is certain, an absence is not
        return _earliest(matches) or "absent"


def _times(*values: Any) -> list[datetime]:
    out = []
    for value in values:
        try:
            out.append(datetime.fromisoformat(str(value)))
        except ValueError:
            continue
    return [t if t.tzinfo else t.replace(tzinfo=UTC) for t in out]


def _earliest(matches: list[dict[str, Any]]) -> dict[str, Any] | None:
    return (
        min(matches, key=lambda v: (float(v.get("create_time") or 0), str(v.get("item_id"))))
        if matches
        else None
    )


def _result(video: dict[str, Any], ids: dict[str, Any]) -> PublishResult:
    """Review state to result: 4 under review, 5 public, 6/7 published but not public, 2 rejected."""
    item_id = str(video.get("item_id") or ids.get("item_id"))
    status = video.get("video_status")
    detail = {**ids, "item_id": item_id, "video_status": status, "is_reviewed": video.get("is_reviewed")}
    url = video.get("share_url") or None
    if status == 2:
        raise errors.PermanentError(
            "Douyin review: not suitable for public viewing (video_status 2)",
            platform="douyin",
            code="video_status 2",
        )
    if not video.get("is_reviewed") or status == 4:
        return PublishResult(item_id, url, "submitted", detail)
    if status in VISIBILITY:
        detail["warning"] = f"published but {VISIBILITY[status]}, not public"
    return PublishResult(item_id, url, "published", detail)
