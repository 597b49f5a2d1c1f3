"""The Douyin adapter: upload and create with `video.create.bind`; else an assisted pack.

docs/platforms/douyin.md and its product decision. Every platform id is committed through `ctx.ids_sink` as it
arrives and `publish` resumes from `attempt.ids`. A created post is "submitted" at once: Douyin reviews it
later, and the queue asks `poll` at the times REVIEW_CHECKS names (counted from the create, stored with the
post), never by sleeping here. Reconcile convention (shared with the queue): a result with
`detail["reconcile"] == "absent"` is a confirmed negative; None means "cannot tell".
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from publisher import errors
from publisher.adapters.assisted import AssistedAdapter, options_zone
from publisher.adapters.checks import next_check_after
from publisher.adapters.douyin.api import (
    OAUTH,
    V1,
    Api,
    find_post,
    result_of,
    upload_images,
    upload_video,
    video_data,
)
from publisher.adapters.douyin.auth import ACCESS, DouyinTokens
from publisher.adapters.douyin.share import ShareClient, ShareRequest
from publisher.adapters.douyin.share_pack import host_media, write_failure, write_share
from publisher.adapters.http import open_client, with_token_refresh
from publisher.adapters.oauth import stored
from publisher.adapters.platform_clock import window_start
from publisher.adapters.plumbing import ApiAdapter
from publisher.models import Attempt, MetricSample, Problem, PublishResult, RemoteRef, RenderedPost
from publisher.redact import redact_text

MB = 1024 * 1024
# The API's text limit is undocumented [U] (docs/platforms/douyin.md#limits); platform.yaml says 1000 too.
TEXT_MAX = 1000
CONSUMED = 2190007  # create_video with a used video_id [U]: the post may already exist, so reconcile
#: statistics field -> normalised names (play_count is the view figure: docs/platforms/douyin.md#metrics)
STATS = {
    "play_count": ("views", "plays"),
    "digg_count": ("likes",),
    "comment_count": ("comments",),
    "share_count": ("shares",),
    "download_count": ("downloads",),
    "forward_count": ("forwards",),
}
JSON = {"content-type": "application/json"}
OFFLINE = 28001056  # 能力已下线: reported for video/list and video data (docs/platforms/douyin.md#metrics)
#: When a created post is checked for its review: seconds after the create, then every REVIEW_LATEST seconds
#: until the queue's submitted timeout hands it to a person. Reviews mostly end in minutes [U].
REVIEW_CHECKS = (15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0)
REVIEW_LATEST = 3600.0
CREATED_AT = "created_at"  # bookkeeping stored with the ids: when create_video / create_image_text answered
BASE_STATS = {
    "avg_play_duration": "avg_play_duration_s",
    "total_play": "total_play",
    "total_like": "total_like",
    "total_comment": "total_comment",
    "total_share": "total_share",
}


logger = logging.getLogger(__name__)


class DouyinAdapter(ApiAdapter):
    """Real publishing for accounts configured `verified` (holding video.create.bind); assisted otherwise."""

    name = "douyin"

    def _configure(self) -> None:
        opts = self.ctx.options
        self.direct_max = int(opts.get("direct_max_bytes", 50 * MB))  # chunking recommended above 50 MB [H]
        self.part_bytes = int(
            opts.get("part_bytes", 20 * MB)
        )  # 20 MB recommended, ≥ 5 MB except the last [H]
        self.reconcile_pages = int(opts.get("reconcile_pages", 5))

    # -- plumbing -----------------------------------------------------------------------------------------

    def _sinker(self, ids: dict[str, Any]) -> Callable[..., None]:
        return functools.partial(self._sink, ids)

    @asynccontextmanager
    async def _api(self) -> AsyncIterator[tuple[Api, DouyinTokens]]:
        """An authorised caller for one operation: token header, open_id, one refresh on an expired token.

        The client is the account's: the queue run's pooled one (its connection kept from post to post), else
        a fresh one closed on exit. The tokens live in the shared TokenCache, not in the client."""
        ctx = self.ctx
        async with open_client(
            scope=ctx.account, base_url=ctx.base_url, platform="douyin", transport=ctx.transport
        ) as client:
            tokens = DouyinTokens(
                ctx.tokens, ctx.account, dict(ctx.credentials), client, self.policy, self._now
            )

            async def api(
                method: str, path: str, *, idempotent: bool, params: dict[str, Any] | None = None, **kw: Any
            ) -> dict[str, Any]:
                async def do(token: str) -> dict[str, Any]:
                    data: dict[str, Any] = await self._checked(
                        OAUTH.check,
                        client,
                        method,
                        path,
                        idempotent=idempotent,
                        params={"open_id": tokens.open_id, **(params or {})},
                        # the documented examples send content-type application/json on reads too
                        headers={"access-token": token, **(JSON if method == "GET" else {})},
                        **kw,
                    )
                    return data

                return await OAUTH.reauthorising(with_token_refresh(do, tokens.get))

            yield api, tokens

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
        limit = int(self.ctx.options.get("text_max", TEXT_MAX))
        if len(str(post.fields.get("text") or "")) > limit:  # caught here, before any request leaves
            problems.append(
                Problem(
                    post.item_path, 1, "text", f"Douyin text is over {limit} characters", platform="douyin"
                )
            )
        return problems

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        if not self.ctx.options.get("verified"):
            # Without video.create.bind there is no server-side publishing: a person posts, from a share
            # link's QR code where the account is set up for Douyin's share path
            # (docs/platforms/douyin.md#what-is-possible).
            pack = await AssistedAdapter(self.ctx, self.name).publish(post, attempt)
            if self.ctx.options.get("share"):
                return await self._share(post, attempt, pack)
            return pack
        ids = dict(attempt.ids)
        if "item_id" not in ids:  # else an earlier attempt created it: only its review is left to follow
            async with self._api() as (api, _):
                if post.media_of("video"):
                    await self._create_video(api, post, attempt, ids)
                else:
                    image_ids = await upload_images(api, post.media_of("images"), ids, self._sinker(ids))
                    self._sinker(ids)(**self.platform_clock.stamp(ids))
                    self._intent("create_image_text")
                    body = {"image_list": image_ids, "text": str(post.fields.get("text") or "")}
                    data = await api("POST", f"{V1}/create_image_text/", idempotent=False, json=body)
                    self._created(ids, str(data["item_id"]))
        # Submitted at once: the queue asks `poll` on the REVIEW_CHECKS schedule, stored with the post.
        return self._pending(PublishResult(str(ids["item_id"]), None, "submitted", dict(ids)))

    async def poll(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        """One review check of a created item (the queue calls this for a post left "submitted")."""
        ids = dict(attempt.ids)
        async with self._api() as (api, _):
            video = await video_data(api, str(ids["item_id"]))
        if video is None:
            listed = PublishResult(
                str(ids["item_id"]), None, "submitted", {**ids, "review": "not listed yet"}
            )
            return self._pending(listed)
        return self._pending(result_of(video, ids))

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        """Stored item_id first, then video_list by exact text within a wide window on the platform's clock
        (adapters.platform_clock); None: unknown."""
        if not self.ctx.options.get("verified"):
            return None
        ids = dict(attempt.ids)
        try:
            async with self._api() as (api, _):
                if ids.get("item_id"):
                    video = await video_data(api, str(ids["item_id"]))
                    return self._pending(result_of(video, ids)) if video is not None else None
                since = window_start(ids, attempt.started_at, *_uploaded(ids))
                found = await find_post(api, str(post.fields.get("text") or ""), since, self.reconcile_pages)
        except errors.TransientError:
            return None
        except errors.PermanentError as exc:
            if exc.code != OFFLINE:
                raise
            # The listing that would tell is switched off on Douyin's side: "can't tell", a person decides.
            what = "video data (video.data.bind)" if ids.get("item_id") else "video list (video.list.bind)"
            logger.warning("douyin reconcile cannot tell: %s", capability_offline(what))
            return None
        if found == "absent":
            return PublishResult(remote_id=None, url=None, state="submitted", detail={"reconcile": "absent"})
        if found is None:
            return None
        self._sinker(ids)(item_id=found["item_id"])
        return self._pending(result_of(found, ids))

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        by_item = {str(r.ids.get("item_id") or r.remote_id): r.post_id for r in refs}
        by_item = {i: p for i, p in by_item.items() if i.startswith("@")}  # item ids; a pasted URL is not one
        if not by_item or stored(self.ctx.tokens, self.ctx.account, ACCESS) is None:
            return []
        samples: list[MetricSample] = []
        items = list(by_item)
        gone: errors.PermanentError | None = None
        async with self._api() as (api, tokens):
            now = self._now()
            try:
                for start in range(0, len(items), 20):
                    data = await api(
                        "POST",
                        f"{V1}/video_data/",
                        idempotent=True,
                        json={"item_ids": items[start : start + 20]},
                    )
                    for video in data.get("list") or []:
                        post_id = by_item.get(str(video.get("item_id")))
                        stats = video.get("statistics") or {}
                        for raw, names in STATS.items():
                            value = counter(stats.get(raw))
                            if post_id is not None and value is not None:
                                samples += [
                                    MetricSample(post_id, "douyin", n, value, now, raw) for n in names
                                ]
            except errors.PermanentError as exc:
                if exc.code != OFFLINE:
                    raise
                gone = capability_offline(
                    "video data (POST /api/douyin/v1/video/video_data/, video.data.bind)"
                )
            if "data.external.item" in tokens.scopes:  # the data-open service, where the user granted it
                for item, post_id in by_item.items():
                    data = await api(
                        "GET", "/data/external/item/base/", idempotent=True, params={"item_id": item}
                    )
                    result = data.get("result") or {}
                    for raw, name in BASE_STATS.items():
                        value = counter(result.get(raw))
                        if value is not None:
                            samples.append(MetricSample(post_id, "douyin", name, value, now, raw))
        if gone is not None:
            if not samples:
                raise gone
            logger.warning("douyin metrics: %s", gone)
        return samples

    # -- steps --------------------------------------------------------------------------------------------

    async def _share(self, post: RenderedPost, attempt: Attempt, pack: PublishResult) -> PublishResult:
        """The pack plus a share link and its QR code; without a link (no capability, no media address)
        the pack stands and the notification says why. A network failure is retried by the queue."""
        folder = Path(str(pack.detail["pack"]))
        zone = options_zone(self.ctx)
        try:
            video_url, image_urls = host_media(post, self.ctx.options, self.ctx.account)
            request = ShareRequest(
                video_url,
                tuple(image_urls),
                str(post.fields.get("text") or ""),
                tuple(str(t) for t in post.fields.get("tags") or ()),
                timedelta(seconds=float(self.ctx.options.get("share_ttl_s", 3600))),
            )
            async with open_client(
                scope=self.ctx.account,
                base_url=self.ctx.base_url,
                platform="douyin",
                transport=self.ctx.transport,
            ) as client:
                sharer = ShareClient(
                    client,
                    account=self.ctx.account,
                    credentials=dict(self.ctx.credentials),
                    tokens=self.ctx.tokens,
                    now=self._now,
                    policy=self.policy,
                    sleep=self.sleep,
                )
                link = await sharer.link(request)
        except errors.TransientError:
            raise  # nothing was posted: the queue tries again later, and the pack is written again
        except (errors.PlatformError, errors.ConfigError) as exc:
            notice = write_failure(folder, redact_text(str(exc)), post_id=attempt.post_id)
            logger.warning("douyin share link for %s: %s", post.item_id, redact_text(str(exc)))
            return replace(pack, detail={**pack.detail, "notice": notice})
        notice = write_share(folder, link, zone=zone, post_id=attempt.post_id)
        assert link.expires_at is not None
        detail = {
            **pack.detail,
            "notice": notice,
            "share_link": link.link,
            "share_id": link.share_id,
            "share_expires_at": link.expires_at.isoformat(),
        }
        return replace(pack, detail=detail)

    async def _create_video(
        self, api: Api, post: RenderedPost, attempt: Attempt, ids: dict[str, Any]
    ) -> None:
        sink = self._sinker(ids)
        for fresh_upload in (False, True):
            if "video_id" not in ids:
                await upload_video(
                    api,
                    post.media_of("video")[0],
                    ids,
                    sink,
                    direct_max=self.direct_max,
                    part_bytes=self.part_bytes,
                    now=self._now(),
                )
            body: dict[str, Any] = {"video_id": ids["video_id"], "text": str(post.fields.get("text") or "")}
            for key, kind in (("cover_tsp", float), ("private_status", int)):
                if post.fields.get(key) is not None:
                    body[key] = kind(post.fields[key])
            sink(**self.platform_clock.stamp(ids))
            self._intent("create_video")
            try:
                data = await api("POST", f"{V1}/create_video/", idempotent=False, json=body)
            except errors.PermanentError as exc:
                if exc.code not in (CONSUMED, str(CONSUMED)):
                    raise
                # Never re-upload blindly: the post this video_id went into may exist already.
                since = window_start(ids, attempt.started_at, *_uploaded(ids))
                found = await find_post(api, body["text"], since, self.reconcile_pages)
                if isinstance(found, dict):
                    self._created(ids, str(found["item_id"]))
                    return
                if found is None or fresh_upload:
                    raise errors.OutcomeUnknown(
                        "the stored video_id was already used and no matching post was found for sure; "
                        "reconcile before any retry",
                        platform="douyin",
                        code=CONSUMED,
                    ) from None
                ids.pop("video_id", None)  # confirmed absent: the id was spent without a post, upload again
                continue
            self._created(ids, str(data["item_id"]))
            return

    def _created(self, ids: dict[str, Any], item_id: str) -> None:
        """Commit the new item's id and when it was created: the review check schedule counts from then."""
        self._sinker(ids)(item_id=item_id, **{CREATED_AT: self._now().isoformat()})

    def _pending(self, result: PublishResult) -> PublishResult:
        """A post still in review names when the queue should ask again (`poll_after_s`)."""
        if result.state != "submitted" or result.detail.get("reconcile") == "absent":
            return result
        ids = dict(result.detail)
        wait = next_check_after(_created_ts(ids), self._now(), REVIEW_CHECKS, REVIEW_LATEST)
        return replace(result, detail={**ids, "poll_after_s": wait})


def _created_ts(ids: dict[str, Any]) -> float | None:
    """When the item was created (our clock, POSIX seconds), or None for an item created before it was
    recorded: its schedule then starts at the first check from now."""
    try:
        at = datetime.fromisoformat(str(ids.get(CREATED_AT)))
    except ValueError:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def _uploaded(ids: dict[str, Any]) -> list[datetime]:
    """When an earlier attempt uploaded the video (our clock): bounds the window without the platform's."""
    try:
        at = datetime.fromisoformat(str(ids.get("uploaded_at")))
    except ValueError:
        return []
    return [at if at.tzinfo else at.replace(tzinfo=UTC)]


def counter(value: Any) -> float | None:
    """A statistics figure as a number: Douyin sends ints, and sometimes the same figure as a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", ""))
        except ValueError:
            return None
    return None


def capability_offline(what: str) -> errors.PermanentError:
    """28001056 as a sentence naming the capability Douyin switched off."""
    return errors.PermanentError(
        f"Douyin says the capability behind {what} is offline (28001056 能力已下线); its figures cannot be "
        "read through the API until Douyin restores it: export them from the creator centre instead",
        platform="douyin",
        code=OFFLINE,
    )
