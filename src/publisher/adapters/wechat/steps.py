"""The steps of one WeChat publish: upload, draft, submit, follow the job, mass send; ids committed at once.

The adapter (`wechat.py`) decides which steps run; a step never repeats what `ids` says is already done.
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
    submitted,
)
from publisher.models import PublishResult, RenderedPost

logger = logging.getLogger(__name__)


@dataclass
class WechatSteps:
    """The account's context and the in-process poll schedule; `commit` is the write-ahead id sink."""

    ctx: AdapterContext
    poll_waits: tuple[float, ...]

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
        if not ids.get("thumb_media_id") or ids.get("thumb_sha256") != cover.sha256:
            data = await api.upload(
                "/cgi-bin/material/add_material",
                Path(cover.path).name,
                _read(cover.path),
                cover.mime,
                params={"type": "image"},
            )
            thumb = _required(data, "media_id", "material/add_material")
            self.commit(ids, {"thumb_media_id": thumb, "thumb_sha256": cover.sha256})
        self.commit(ids, api.platform_clock.stamp(ids))  # reconcile's window, on the platform's clock
        self.intent("draft/add")
        data = await api.post(
            "/cgi-bin/draft/add",
            {"articles": [article_body(post, content, str(ids["thumb_media_id"]))]},
            idempotent=False,
        )
        if not data.get("media_id"):
            raise errors.OutcomeUnknown("draft/add answered without a media_id", platform=PLATFORM)
        self.commit(ids, {"draft_media_id": str(data["media_id"])})
        logger.info("wechat %s: draft created for %s", self.ctx.account, post.item_id)

    async def _create_image_post(self, api: WechatApi, post: RenderedPost, ids: dict[str, Any]) -> None:
        """An image post (图片消息, 小绿书): each image becomes permanent image material (committed one by
        one), then draft/add with `article_type: newspic` and `image_info.image_list`."""
        media_ids: dict[str, str] = dict(ids.get("newspic_media_ids") or {})  # sha256 -> permanent media_id
        for media in newspic_images(post):
            if media.sha256 in media_ids:
                continue
            data = await api.upload(
                "/cgi-bin/material/add_material",
                Path(media.path).name,
                _read(media.path),
                media.mime,
                params={"type": "image"},
            )
            media_ids[media.sha256] = _required(data, "media_id", "material/add_material")
            self.commit(ids, {"newspic_media_ids": dict(media_ids)})
        self.commit(ids, api.platform_clock.stamp(ids))
        self.intent("draft/add")
        ordered = [media_ids[m.sha256] for m in newspic_images(post)]
        data = await api.post(
            "/cgi-bin/draft/add", {"articles": [newspic_body(post, ordered)]}, idempotent=False
        )
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
        self.intent("freepublish/submit")
        # submit_at tells reconcile a submit may have left; the stamp dates it on the platform's clock
        self.commit(ids, {"submit_at": api.now.timestamp(), **api.platform_clock.stamp(ids)})
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
        return await self.follow(api, ids)

    async def follow(self, api: WechatApi, ids: dict[str, Any]) -> PublishResult:
        """A bounded few polls with growing waits (freepublish/get: 100 calls a day), then the queue's."""
        for wait in self.poll_waits:
            await api.sleep(wait)
            found = await check_job(api, ids)
            if found is not None:
                self.commit(ids, found)
                return published(ids)
        return submitted(ids, api.now)

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
