"""The Weibo adapter: one `statuses/share` per post, the status id as its identity, counts for metrics.

docs/platforms/weibo.md; R10 and R13 in docs/reliability.md. The intent is committed before the share leaves;
the status id is committed the moment it arrives. A lost answer is never re-sent: reconcile reads the user's
own timeline for the exact text (links masked, since Weibo turns them into t.cn links) within a wide window on
Weibo's own clock (adapters.platform_clock). Reconcile convention (shared with the queue):
`detail["reconcile"] == "absent"` is a confirmed negative; None means "cannot tell".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from publisher import errors
from publisher.adapters.http import Timeouts, open_client
from publisher.adapters.platform_clock import window_start
from publisher.adapters.plumbing import ApiAdapter
from publisher.adapters.weibo.api import (
    COUNT,
    LINK,
    OAUTH,
    SHARE,
    SHOW,
    TOPIC,
    Api,
    RepeatContent,
    created,
    find_status,
    status_url,
)
from publisher.adapters.weibo.auth import WeiboTokens
from publisher.models import Attempt, MetricSample, Problem, PublishResult, RemoteRef, RenderedPost
from publisher.platforms.rules import count_length

TEXT_MAX = 2000  # counted with the `weibo` rule
PIC_MAX = 5 * 1024 * 1024  # "< 5M"; JPEG, GIF or PNG
PIC_TYPES = ("image/jpeg", "image/png", "image/gif")
#: statuses/count field -> normalised names (the raw name is kept too)
STATS = {"reposts": ("shares", "reposts"), "comments": ("comments",), "attitudes": ("likes", "attitudes")}
UPLOAD_TIMEOUT = Timeouts.upload().to_httpx()


class WeiboAdapter(ApiAdapter):
    """Real publishing through the open API (any app with statuses/share; no special grant)."""

    name = "weibo"

    def _configure(self) -> None:
        opts = self.ctx.options
        domains = opts.get("secure_domains") or []
        self.domains = [str(d).lower() for d in ([domains] if isinstance(domains, str) else domains)]
        self.rip = str(opts.get("rip") or ("" if self.ctx.mode == "live" else "127.0.0.1"))
        self.reconcile_pages = int(opts.get("reconcile_pages", 5))

    @asynccontextmanager
    async def _api(self) -> AsyncIterator[Api]:
        """An authorised caller: the token in the `Authorization: OAuth2` header, never in a URL.

        The client is the account's (the queue run's pooled one, else a fresh one closed on exit); the token
        goes with each request, so the client holds no credential."""
        token = WeiboTokens(self.ctx.tokens, self.ctx.account, self._now).get()  # before any intent
        async with open_client(
            scope=self.ctx.account, base_url=self.ctx.base_url, platform="weibo", transport=self.ctx.transport
        ) as c:

            async def api(
                method: str, path: str, *, idempotent: bool, params: dict[str, Any] | None = None, **kw: Any
            ) -> Any:
                return await OAUTH.reauthorising(
                    self._checked(
                        OAUTH.check,
                        c,
                        method,
                        path,
                        idempotent=idempotent,
                        params=params,
                        headers={"Authorization": f"OAuth2 {token}"},
                        **kw,
                    )
                )

            yield api

    # -- the contract -------------------------------------------------------------------------------------

    def validate(self, post: RenderedPost) -> list[Problem]:
        text = str(post.fields.get("text") or "")

        def problem(field: str, message: str, hint: str = "") -> Problem:
            return Problem(post.item_path, 1, field, message, hint, platform="weibo")

        problems = []
        if not text.strip():
            problems.append(problem("text", "Weibo needs a text"))
        length = count_length(text, "weibo")
        limit = int(self.ctx.options.get("text_max", TEXT_MAX))
        if length > limit:
            problems.append(
                problem("text", f"Weibo text is {length} characters as Weibo counts; max {limit}")
            )
        links = LINK.findall(text)
        if not any(self._secure(link) for link in links):
            where = f" on {', '.join(self.domains)}" if self.domains else ""
            problems.append(
                problem(
                    "link",
                    f"statuses/share needs a link{where} (the app's secure domain) in the text",
                    "add `link:` to the item's weibo fields",
                )
            )
        if TOPIC.search(text):
            problems.append(problem("text", "statuses/share refuses #topic# in the text", "drop the topics"))
        if not self.rip:
            problems.append(
                problem(
                    "rip",
                    "statuses/share needs the operator's real IP (`rip`)",
                    f"set accounts.{self.ctx.account}.options.rip",
                )
            )
        for pic in post.media_of("images")[:1]:
            if pic.mime not in PIC_TYPES or pic.bytes >= PIC_MAX:
                problems.append(problem("images", "Weibo takes one JPEG, PNG or GIF picture under 5 MB"))
        return problems

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        ids = dict(attempt.ids)
        if ids.get("status_id"):
            return self._result(ids)
        text = str(post.fields.get("text") or "")
        kw: dict[str, Any] = {"data": {"status": text, "rip": self.rip}}
        pics = post.media_of("images")[:1]
        if pics:
            path = Path(pics[0].path)
            kw["files"] = {"pic": (path.name, path.read_bytes(), pics[0].mime)}
            kw["timeout"] = UPLOAD_TIMEOUT
        async with self._api() as api:
            self._sink(ids, **self.platform_clock.stamp(ids))
            self._intent("share")
            try:
                status = await api("POST", SHARE, idempotent=False, **kw)
            except RepeatContent as exc:
                # 20019: this text is already there. Ours from a lost answer, or an older one: find out.
                since = window_start(ids, attempt.started_at)
                found = await find_status(api, text, since, self.reconcile_pages)
                if found is None:  # several, or the window not fully read: a person decides
                    raise errors.OutcomeUnknown(
                        f"Weibo refused the text as repeated content; cannot tell which post is ours: {exc}",
                        platform="weibo",
                        code=exc.code,
                    ) from None
                if found == "absent":
                    raise errors.PermanentError(
                        f"Weibo refused the text as repeated content and no post of it since "
                        f"{since:%Y-%m-%d %H:%M} UTC was found: {exc}",
                        platform="weibo",
                        code=exc.code,
                    ) from None
                status = found
        self._sink(ids, status_id=str(status.get("idstr") or status["id"]), url=status_url(status))
        return self._result(ids, status)

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        """The stored status id first; else the exact text on the user's timeline since the attempt began."""
        ids = dict(attempt.ids)
        try:
            async with self._api() as api:
                if ids.get("status_id"):
                    status = await api("GET", SHOW, idempotent=True, params={"id": ids["status_id"]})
                    return self._result(ids, status)
                since = window_start(ids, attempt.started_at)
                found = await find_status(
                    api, str(post.fields.get("text") or ""), since, self.reconcile_pages
                )
        except (errors.TransientError, errors.PermanentError):
            return None  # 20101 for a stored id (deleted since?) or a failed read: a person decides
        if found == "absent":
            return PublishResult(remote_id=None, url=None, state="submitted", detail={"reconcile": "absent"})
        if found is None:
            return None
        self._sink(ids, status_id=str(found.get("idstr") or found["id"]), url=status_url(found))
        return self._result(ids, found)

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        by_id = {str(r.ids.get("status_id") or r.remote_id): r.post_id for r in refs}
        by_id = {i: p for i, p in by_id.items() if i.isdigit()}  # status ids; a pasted URL is not one
        if not by_id or WeiboTokens(self.ctx.tokens, self.ctx.account, self._now).entry() is None:
            return []
        samples: list[MetricSample] = []
        items = list(by_id)
        async with self._api() as api:
            now = self._now()
            for start in range(0, len(items), 100):
                rows = await api(
                    "GET", COUNT, idempotent=True, params={"ids": ",".join(items[start : start + 100])}
                )
                for row in rows if isinstance(rows, list) else []:
                    post_id = by_id.get(str(row.get("idstr") or row.get("id")))
                    for raw, names in STATS.items():
                        if post_id is not None and isinstance(row.get(raw), (int, float)):
                            samples += [
                                MetricSample(post_id, "weibo", n, float(row[raw]), now, raw) for n in names
                            ]
        return samples

    # -- pieces -------------------------------------------------------------------------------------------

    def _secure(self, link: str) -> bool:
        if not self.domains:
            return True  # not configured: any link; the platform has the last word (10017)
        host = (urlsplit(link).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def _result(self, ids: dict[str, Any], status: dict[str, Any] | None = None) -> PublishResult:
        status_id = str(ids["status_id"])
        url = status_url(status) if status else str(ids.get("url") or status_url({"idstr": status_id}))
        detail = dict(ids)
        at = created(status) if status else None
        if at is not None:
            detail["created_at"] = at.isoformat()
        return PublishResult(status_id, url, "published", detail)
