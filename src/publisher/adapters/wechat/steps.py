"""The steps of one WeChat publish: upload, draft, submit, follow the job, mass send; ids committed at once.

The adapter (`adapter.py`) decides which steps run; a step never repeats what `ids` says is already done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher import errors
from publisher.adapters.base import AdapterContext
from publisher.adapters.wechat.api import PLATFORM, WechatApi
from publisher.adapters.wechat.article import (
    article_body,
    body_images,
    clientmsgid,
    cover_of,
    is_newspic,
    newspic_body,
    newspic_images,
    replace_image_sources,
)
from publisher.adapters.wechat.jobs import (
    REASON_48001,
    REASON_DRAFT_MODE,
    REASON_UNVERIFIED,
    check_job,
    code_is,
    manual,
    published,
    submit_counter,
    submitted,
)
from publisher.models import MediaFile, PublishResult, RenderedPost

logger = logging.getLogger(__name__)
MATERIAL_KIND = "image"  # the MediaCache kind of WeChat's permanent image material (material/add_material)


@dataclass
class WechatSteps:
    """The account's context; `commit` is the write-ahead id sink."""

    ctx: AdapterContext

    async def create_draft(self, api: WechatApi, post: RenderedPost, ids: dict[str, Any]) -> None:
        if is_newspic(post):
            await self._create_image_post(api, post, ids)
            return
        urls: dict[str, str] = dict(ids.get("image_urls") or {})  # sha256 of the processed file -> mmbiz URL
        for media in body_images(post):
            if media.sha256 in urls:
                continue
            data = await api.upload(
                "/cgi-bin/media/uploadimg", Path(media.path).name, _read(media.path), media.mime
            )
            urls[media.sha256] = _required(data, "url", "media/uploadimg")
            self.commit(ids, {"image_urls": dict(urls)})
        by_name = {Path(m.path).name: urls[m.sha256] for m in body_images(post)}
        content = replace_image_sources(str(post.fields.get("content") or ""), by_name)
        cover = cover_of(post)
        if cover is None:  # validate() reports it first; this guards direct callers
            raise errors.PermanentError("a WeChat article needs a cover image", platform=PLATFORM)
        cached = False
        if not ids.get("thumb_media_id") or ids.get("thumb_sha256") != cover.sha256:
            thumb, cached = await self._material(api, cover)
            self.commit(ids, {"thumb_media_id": thumb, "thumb_sha256": cover.sha256})
        self.commit(ids, api.platform_clock.stamp(ids))  # reconcile's window, on the platform's clock
        try:
            data = await self._draft_add(api, [article_body(post, content, str(ids["thumb_media_id"]))])
        except errors.PermanentError as exc:
            if not (cached and code_is(exc, 40007)):
                raise
            # 40007 refuses the draft (nothing was made): the cached cover was deleted from the library
            # in the console. Forget it, upload the cover again, and make the draft with the new id.
            self.forget_material(cover)
            thumb, _ = await self._material(api, cover)
            self.commit(ids, {"thumb_media_id": thumb, "thumb_sha256": cover.sha256})
            data = await self._draft_add(api, [article_body(post, content, thumb)])
        if not data.get("media_id"):
            raise errors.OutcomeUnknown("draft/add answered without a media_id", platform=PLATFORM)
        self.commit(ids, {"draft_media_id": str(data["media_id"])})
        logger.info("wechat %s: draft created for %s", self.ctx.account, post.item_id)

    async def _draft_add(self, api: WechatApi, articles: list[dict[str, Any]]) -> dict[str, Any]:
        self.intent("draft/add")
        return await api.post("/cgi-bin/draft/add", {"articles": articles}, idempotent=False)

    async def _material(self, api: WechatApi, media: MediaFile) -> tuple[str, bool]:
        """The permanent image material of this file for the account: (media id, whether it came from the
        cache). One upload per content hash: the same cover on many posts is uploaded once."""
        cache = self.ctx.media
        if cache is not None:
            hit = cache.get(self.ctx.account, MATERIAL_KIND, media.sha256)
            if hit:
                return hit, True
        data = await api.upload(
            "/cgi-bin/material/add_material",
            Path(media.path).name,
            _read(media.path),
            media.mime,
            params={"type": "image"},
        )
        media_id = _required(data, "media_id", "material/add_material")
        if cache is not None:
            cache.put(self.ctx.account, MATERIAL_KIND, media.sha256, media_id)
        return media_id, False

    def forget_material(self, media: MediaFile) -> None:
        if self.ctx.media is not None:
            self.ctx.media.forget(self.ctx.account, MATERIAL_KIND, media.sha256)

    async def _create_image_post(self, api: WechatApi, post: RenderedPost, ids: dict[str, Any]) -> None:
        """An image post (图片消息, 小绿书): each image becomes permanent image material (committed one by
        one), then draft/add with `article_type: newspic` and `image_info.image_list`."""
        media_ids: dict[str, str] = dict(ids.get("newspic_media_ids") or {})  # sha256 -> permanent media_id
        for media in newspic_images(post):
            if media.sha256 in media_ids:
                continue
            media_ids[media.sha256], _ = await self._material(api, media)
            self.commit(ids, {"newspic_media_ids": dict(media_ids)})
        self.commit(ids, api.platform_clock.stamp(ids))
        ordered = [media_ids[m.sha256] for m in newspic_images(post)]
        data = await self._draft_add(api, [newspic_body(post, ordered)])
        if not data.get("media_id"):
            raise errors.OutcomeUnknown("draft/add answered without a media_id", platform=PLATFORM)
        self.commit(ids, {"draft_media_id": str(data["media_id"])})
        logger.info("wechat %s: image-post draft created for %s", self.ctx.account, post.item_id)

    def manual_reason(self, api: WechatApi, post: RenderedPost) -> str | None:
        """Why a person has to press publish, or None when the API may publish."""
        if not self.ctx.options.get("verified"):
            return REASON_UNVERIFIED
        if post.fields.get("mode") == "draft":
            return REASON_DRAFT_MODE
        if api.draft_only():
            return REASON_48001
        return None

    async def submit(self, api: WechatApi, ids: dict[str, Any]) -> PublishResult:
        # The account's submit count of the day, read before the submit: if the answer is lost, an unmoved
        # count proves the submit never reached WeChat, so it is sent again at once (jobs.submit_counter).
        counted = await submit_counter(api)
        self.intent("freepublish/submit")
        # submit_at tells reconcile a submit may have left; the stamp dates it on the platform's clock
        self.commit(ids, {"submit_at": api.now.timestamp(), **counted, **api.platform_clock.stamp(ids)})
        try:
            data = await api.post(
                "/cgi-bin/freepublish/submit", {"media_id": ids["draft_media_id"]}, idempotent=False
            )
        except errors.PermanentError as exc:
            if not code_is(exc, 48001):
                raise
            api.remember_draft_only("48001 api unauthorized on freepublish/submit")
            logger.warning(
                "wechat %s: 48001 on freepublish/submit; the account is now draft-only", self.ctx.account
            )
            return manual(ids, REASON_48001, draft_only=True)
        self.commit(
            ids,
            {
                "publish_id": _required(data, "publish_id", "freepublish/submit"),
                "msg_data_id": str(data.get("msg_data_id") or ""),
            },
        )
        # No waiting here (adapters never sleep): the queue keeps the job as a durable "submitted" post and
        # asks freepublish/get at the times `jobs.poll_after` names, stored with the post.
        return submitted(ids, api.now)

    async def follow(self, api: WechatApi, ids: dict[str, Any]) -> PublishResult:
        """One freepublish/get of a submitted job: published (ids committed), or still submitted."""
        found = await check_job(api, ids)
        if found is None:
            return submitted(ids, api.now)
        self.commit(ids, found)
        return published(ids)

    async def mass_send(self, api: WechatApi, post: RenderedPost, ids: dict[str, Any]) -> PublishResult:
        """message/mass/sendall with a stable clientmsgid: a repeat within 24 h is answered 45065 + msg_id."""
        if not ids.get("clientmsgid"):
            self.commit(ids, {"clientmsgid": clientmsgid(post, self.ctx.account)})
        self.intent("message/mass/sendall")
        audience: dict[str, Any] = {"is_to_all": True}
        if self.ctx.options.get("mass_send_tag_id") is not None:
            audience = {"is_to_all": False, "tag_id": self.ctx.options["mass_send_tag_id"]}
        data = await api.post(
            "/cgi-bin/message/mass/sendall",
            {
                "filter": audience,
                "mpnews": {"media_id": ids["draft_media_id"]},
                "msgtype": "mpnews",
                "send_ignore_reprint": int(bool(self.ctx.options.get("send_ignore_reprint"))),
                "clientmsgid": ids["clientmsgid"],
            },
            idempotent=False,
        )
        new: dict[str, Any] = {"msg_id": _required(data, "msg_id", "message/mass/sendall")}
        if data.get("msg_data_id"):
            new["msg_data_id"] = str(data["msg_data_id"])
        if data.get("errcode") == 45065:
            new["already_sent"] = True
        self.commit(ids, new)
        return published(ids)

    async def draft_exists(self, api: WechatApi, ids: dict[str, Any]) -> bool:
        try:
            await api.post("/cgi-bin/draft/get", {"media_id": ids["draft_media_id"]}, idempotent=True)
        except errors.PermanentError as exc:
            if code_is(exc, 40007):
                return False
            raise
        return True

    def commit(self, ids: dict[str, Any], new: dict[str, Any]) -> None:
        ids.update(new)
        if self.ctx.ids_sink is not None:
            self.ctx.ids_sink(dict(new))

    def intent(self, step: str) -> None:
        if self.ctx.intent is not None:
            self.ctx.intent(step)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise errors.PermanentError(
            f"cannot read the processed file {Path(path).name}: {exc.strerror}", platform=PLATFORM
        ) from None


def _required(data: dict[str, Any], key: str, endpoint: str) -> str:
    value = data.get(key)
    if value in (None, ""):
        raise errors.PermanentError(f"{endpoint} answered without {key}", platform=PLATFORM)
    return str(value)
