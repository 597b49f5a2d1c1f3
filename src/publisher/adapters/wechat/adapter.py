"""The WeChat Official Accounts adapter: images, cover, draft, then (verified accounts) publish and follow it.

docs/platforms/wechat.md and its product decision. Every platform id is committed through `ctx.ids_sink` the
moment it arrives and `publish` resumes from `attempt.ids`, so no step is ever done twice.

Reconcile convention (agreed with the queue): a result with `detail["reconcile"] == "absent"` is a confirmed
negative (publishing again is safe and reuses the committed ids); `None` means "cannot tell" (a person
decides).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from publisher import errors
from publisher.adapters.assisted import AssistedAdapter
from publisher.adapters.base import AdapterContext
from publisher.adapters.http import RetryPolicy, Sleep
from publisher.adapters.platform_clock import window_start
from publisher.adapters.wechat.api import PLATFORM, WechatApi, open_api, shared_cache
from publisher.adapters.wechat.article import is_newspic, newspic_images, validate
from publisher.adapters.wechat.jobs import (
    REASON_48001,
    UNCOUNTED_S,
    absent,
    code_is,
    find_article,
    find_draft,
    manual,
    poll_after,
    public,
    published,
    submit_count_moved,
    uncounted,
)
from publisher.adapters.wechat.metrics import fetch_metrics
from publisher.adapters.wechat.steps import WechatSteps
from publisher.models import Attempt, MetricSample, Problem, PublishResult, RemoteRef, RenderedPost
from publisher.redact import register_secret

DEFAULT_SETTLE_S = 3600.0  # a publish job still unresolved after this long is assumed never to have started


class WechatAdapter:
    """Publishes one rendered article to one WeChat Official Account: a draft, or a full publish."""

    name = PLATFORM

    def __init__(
        self,
        ctx: AdapterContext,
        *,
        policy: RetryPolicy | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        register_secret(ctx.credentials.get("secret"))
        self.ctx = ctx
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.steps = WechatSteps(ctx)
        self.tokens = shared_cache(ctx)

    # --- the contract ----------------------------------------------------------------------------------
    def validate(self, post: RenderedPost) -> list[Problem]:
        return validate(post, self.ctx.options.get("limits"))

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        problems = [p for p in self.validate(post) if p.severity == "error"]
        if problems:
            raise errors.PermanentError(
                "invalid input: " + "; ".join(p.format() for p in problems), platform=self.name
            )
        if self.ctx.mode == "assisted":
            # The shared ready-to-post pack: a person pastes the article and confirms the URL.
            return await AssistedAdapter(self.ctx, self.name).publish(post, attempt)
        ids = dict(attempt.ids)
        async with self._api() as api:
            if ids.get("publish_id"):
                return await self.steps.follow(api, ids)
            if ids.get("msg_id"):
                return published(ids)
            spent = api.quota_spent()
            if spent is not None:  # nothing new is uploaded or drafted until the reset (the post waits)
                raise spent
            if not ids.get("draft_media_id"):
                await self.steps.create_draft(api, post, ids)
            reason = self.steps.manual_reason(api, post)
            if reason is not None:
                return manual(ids, reason, draft_only=reason == REASON_48001)
            if post.fields.get("mass_send"):
                return await self.steps.mass_send(api, post, ids)
            return await self.steps.submit(api, ids)

    async def poll(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        """One freepublish/get for a submitted job: published, still "submitted" (see `poll_after_s`), or
        PermanentError when the job failed; reconcile when a submit left unanswered; else None."""
        ids = dict(attempt.ids)
        if not ids.get("publish_id"):
            # A submit whose answer was lost, still pending (see _reconcile_submit): look again the same way.
            return await self.reconcile(post, attempt) if ids.get("submit_at") else None
        async with self._api() as api:
            return await self.steps.follow(api, ids)

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        """Find out what an interrupted attempt left on the platform (docs/platforms/wechat.md#reconcile).

        Stored ids first (publish_id -> freepublish/get; draft media_id -> draft/get, and when the draft left
        the box, freepublish/batchget by title since the attempt began), else draft/batchget by title + cover
        (the cover's media_id is this post's own) + digest; never "the newest post". A listing is read back
        to a wide window measured on the platform's clock (adapters.platform_clock), never on ours.

        Returns: "published" (found, with its ids); "submitted" without the marker (the job is still
        publishing: poll later); "awaiting_manual" (the draft is there and a person must publish it); the
        confirmed negative `PublishResult(None, None, "submitted", {"reconcile": "absent", ...})`, after which
        publishing again is safe (committed ids, e.g. a found draft, are reused); or None when it cannot
        tell (several matches, a job that may still run, a draft that left the box unexplained).
        """
        ids = dict(attempt.ids)
        title = str(post.fields.get("title") or "")
        if ids.get("msg_id"):
            return published(ids)  # the mass send was answered before the interruption
        async with self._api() as api:
            if ids.get("publish_id"):
                return await self.steps.follow(api, ids)
            if not ids.get("draft_media_id"):
                cover = _cover_id(post, ids)
                if not cover:
                    return absent(ids, "draft/add was never sent (no cover uploaded)")
                drafts, complete = await find_draft(
                    api,
                    title,
                    cover,
                    window_start(ids, attempt.started_at),
                    _digest(post),
                )
                if len(drafts) != 1:
                    return absent(ids, "no draft in the attempt window") if not drafts and complete else None
                self.steps.commit(ids, {"draft_media_id": drafts[0]})
            if ids.get("clientmsgid") and not ids.get("msg_id"):
                return await self._reconcile_mass_send(api, post, ids)
            if not ids.get("submit_at"):
                reason = self.steps.manual_reason(api, post)
                return (
                    manual(ids, reason) if reason else absent(ids, "the draft exists; it was never submitted")
                )
            return await self._reconcile_submit(api, post, ids, attempt)

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        if not self.ctx.options.get("verified"):
            # datacube is open to verified accounts only (docs/platforms/wechat.md#which-accounts-can-do-what)
            return []
        async with self._api() as api:
            return await fetch_metrics(api, refs)

    async def _reconcile_mass_send(
        self, api: WechatApi, post: RenderedPost, ids: dict[str, Any]
    ) -> PublishResult | None:
        # A sent draft leaves the box; if it is still there, the send did not happen.
        if await self.steps.draft_exists(api, ids):
            return absent(ids, "the draft is still in the draft box: the mass send did not happen")
        try:  # the same clientmsgid again: 45065 names the first send, within its 24 h dedupe window
            return await self.steps.mass_send(api, post, ids)
        except errors.PermanentError as exc:
            if code_is(exc, 40007):
                return None  # the draft left some other way: a person must look
            raise

    async def _reconcile_submit(
        self, api: WechatApi, post: RenderedPost, ids: dict[str, Any], attempt: Attempt
    ) -> PublishResult | None:
        title = str(post.fields.get("title") or "")
        if await self.steps.draft_exists(api, ids):
            moved = await submit_count_moved(api, ids)
            if moved is False:
                return absent(
                    ids, "the submit never reached WeChat: its count of today's submits did not move"
                )
            waited = api.now.timestamp() - float(ids["submit_at"])
            if moved is None:
                # Nothing but identity can tell: the draft leaving the box (then the article by title, digest
                # and cover). Checked on the job schedule for UNCOUNTED_S (the count may be readable again by
                # then); still in the box after that, a person decides.
                if waited >= UNCOUNTED_S:
                    raise uncounted(ids, waited)
                return self._unanswered(api, ids, "submit unanswered; the submit count cannot be compared")
            settle = float(self.ctx.options.get("publish_settle_s", DEFAULT_SETTLE_S))
            if waited < settle:
                # The count moved, so a job may still be publishing it: pending, so the queue asks again on
                # the job schedule until the draft leaves the box or the settle time is over.
                return self._unanswered(api, ids, "submit unanswered")
            return absent(ids, "the draft is still in the draft box long after the submit")
        since = window_start(ids, attempt.started_at)
        articles, _ = await find_article(api, title, ids.get("thumb_media_id"), since, _digest(post))
        if len(articles) != 1:
            return None
        self.steps.commit(ids, articles[0])
        return published(ids)

    @staticmethod
    def _unanswered(api: WechatApi, ids: dict[str, Any], reason: str) -> PublishResult:
        """Pending: the queue asks again at the next mark of the job schedule (`poll_after_s`)."""
        detail = {**public(ids), "reason": reason, "poll_after_s": poll_after(ids, api.now)}
        return PublishResult(None, None, "submitted", detail)

    # --- plumbing --------------------------------------------------------------------------------------
    @asynccontextmanager
    async def _api(self) -> AsyncIterator[WechatApi]:
        async with open_api(self.ctx, self.policy, self.sleep, self.tokens) as api:
            yield api


def _digest(post: RenderedPost) -> str | None:
    if is_newspic(post):
        return None  # an image post sends no digest: WeChat makes one from its text
    return str(post.fields.get("digest") or "") or None


def _cover_id(post: RenderedPost, ids: dict[str, Any]) -> str:
    """The permanent media id that identifies this post's draft: the cover's, or an image post's first."""
    if not is_newspic(post):
        return str(ids.get("thumb_media_id") or "")
    uploaded = dict(ids.get("newspic_media_ids") or {})
    first = newspic_images(post)[:1]
    return str(uploaded.get(first[0].sha256) or "") if first else ""
