"""Product Hunt: no API creates a launch, so publish writes a launch kit; metrics come from the GraphQL API.

docs/platforms/producthunt.md#metrics-graphql: `post(slug:|id:)` gives votesCount, commentsCount,
reviewsRating, featuredAt. Reads are batched into one aliased query within a per-call complexity budget; a
budget running low raises RateLimited (with the samples read so far) instead of sleeping, so the queue parks
the pull until the window resets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx

from publisher import errors
from publisher.adapters.assisted import media_plan, write_pack
from publisher.adapters.base import AdapterContext
from publisher.adapters.http import RetryPolicy, Sleep, call, classify_http, open_client
from publisher.adapters.producthunt import launch
from publisher.messages import msg
from publisher.models import (
    Attempt,
    MetricSample,
    Problem,
    PublishResult,
    RemoteRef,
    RenderedPost,
    Severity,
)
from publisher.redact import register_secret
from publisher.workspace.credentials import env_var

logger = logging.getLogger(__name__)

PLATFORM = "producthunt"
GRAPHQL = "/v2/api/graphql"
PT = launch.PT  # a Product Hunt day runs midnight to midnight Pacific time
LAUNCH_TIME = time(0, 1)
POST_FIELDS = ("id", "slug", "votesCount", "commentsCount", "reviewsRating", "featuredAt")
#: 1 point per field, the post itself included; the real rule is unpublished [U], so it is a setting.
COST_PER_POST = 1 + len(POST_FIELDS)
#: (normalised name, Product Hunt field); votes also count as "likes" so reports can compare platforms.
FIGURES = (
    ("votes", "votesCount"),
    ("likes", "votesCount"),
    ("comments", "commentsCount"),
    ("rating", "reviewsRating"),
    ("featured", "featuredAt"),
)
DEFAULT_BUDGET = 350  # complexity points per call (of 6250 per 15 min)
VOTES_PAGE = launch.VOTES_PAGE  # launches per createdAt query, as many as votes per page
TAGLINE_MAX = 60  # [M] docs/platforms/producthunt.md#limits
_UPVOTE_ASK = re.compile(r"\b(up)?vote\s+(for\s+)?(us|me)\b|\bupvote\b|求(点赞|投票)|帮忙点赞", re.IGNORECASE)


class RateLimitedPartial(errors.RateLimited):
    """The complexity budget ran out mid-pull: `samples` holds what was read before it did."""

    def __init__(self, message: str, *, samples: list[MetricSample], retry_after: float | None) -> None:
        self.samples = samples
        super().__init__(message, retry_after=retry_after, platform=PLATFORM)

    @classmethod
    def wrap(cls, exc: errors.RateLimited, samples: list[MetricSample]) -> RateLimitedPartial:
        """The same refusal (text, code, wait), now carrying the samples read before it."""
        partial = cls("", samples=samples, retry_after=exc.retry_after)
        partial.args, partial.code = exc.args, exc.code
        return partial


def post_key(ref: RemoteRef) -> tuple[str, str] | None:
    """("slug", s) or ("id", n) from a stored slug, the remote id, or the confirmed launch URL.

    A launch's URL is /posts/<slug> or /products/<product>/launches/<slug>; a product's page /products/<slug>
    names the product, whose first launch has the same slug (a later launch needs one of the launch URLs)."""
    if ref.ids.get("slug"):
        return "slug", str(ref.ids["slug"])
    for text in (ref.remote_id, ref.url or ""):
        text = text.strip()
        if "producthunt.com" in text:
            slug = url_slug(text)
            if slug is not None:
                return "slug", slug
        elif text.isdigit():
            return "id", text
        elif re.fullmatch(r"[a-z0-9][a-z0-9-]*", text):
            return "slug", text
    return None


def url_slug(url: str) -> str | None:
    """The launch slug in a producthunt.com URL (/posts/<s>, /products/<p>/launches/<s>, /products/<s>)."""
    parts = [p for p in urlsplit(url if "://" in url else f"https://{url}").path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "posts":
        return parts[1]
    if len(parts) >= 4 and parts[0] == "products" and parts[2] == "launches":
        return parts[3]
    if len(parts) >= 2 and parts[0] == "products" and parts[1] != "new":
        return parts[1]
    return None


def next_launch_slot(after: datetime) -> datetime:
    """The first 00:01 Pacific time at or after `after` (aware), as an aware PT datetime."""
    local = after.astimezone(PT)
    slot = datetime.combine(local.date(), LAUNCH_TIME, tzinfo=PT)
    return (
        slot if slot >= local else datetime.combine(local.date() + timedelta(days=1), LAUNCH_TIME, tzinfo=PT)
    )


def launch_kit(post: RenderedPost, *, now: datetime, post_id: int | None, zone: str) -> str:
    """launch.md: the listing fields with their limits, media in order, and the launch-day checklist."""
    f = post.fields
    slot = next_launch_slot(post.publish_at or now)
    local = slot.astimezone(ZoneInfo(zone))
    files = [name for name, _ in media_plan(post)]
    thumbs = [n for n in files if "thumbnail" in n] or files[:1]
    gallery = [n for n in files if n not in thumbs]
    topics = [str(t) for t in (f.get("topics") or f.get("tags") or [])]
    tagline = str(f.get("tagline") or "")
    out = [
        f"# Product Hunt launch kit · {f.get('name') or post.item_id}",
        "",
        "没有可以创建发布的 API：请在 producthunt.com 上手动创建并预约 "
        "(no API creates a launch; create it on the website and schedule it there).",
        "",
        "## 字段 (fields)",
        f"- Name: {f.get('name') or ''}",
        f"- Tagline ({len(tagline)}/{TAGLINE_MAX}): {tagline}",
        f"- Website: {f.get('website') or '—'}",
        f"- Topics: {', '.join(topics) or '—'}",
        "",
        "### Description",
        str(f.get("description") or "").strip() or "—",
        "",
        "### First comment (maker comment)",
        str(f.get("first_comment") or "").strip() or "—",
        "",
        "## 图片 (media)",
        f"- Thumbnail: {', '.join(thumbs) or '—'}",
        f"- Gallery, in this order: {', '.join(gallery) or '—'}",
        "",
        "## 发布日清单 (launch-day checklist)",
        f"- [ ] 预约在 {slot:%Y-%m-%d} 00:01 PT 上线（{zone} {local:%Y-%m-%d %H:%M}）："
        "Product Hunt 的一天从太平洋时间 0 点开始，00:01 上线可拿满 24 小时 "
        f"(schedule the launch for {slot:%Y-%m-%d} 00:01 PT).",
        "- [ ] 上线后立即贴出 First comment (post the first comment as soon as the launch is live).",
        "- [ ] 当天回复每一条评论 (reply to every comment during the day).",
        "- [ ] 不要请求点赞/upvote：违反 Product Hunt 社区规则，可能被下架；只分享链接、请大家反馈 "
        "(never ask for upvotes: it breaks PH guidelines and can get the launch removed; ask for feedback).",
        "- [ ] 复制发布链接（https://www.producthunt.com/posts/<slug>，或 /products/<产品>/launches/<slug>；"
        "产品首次发布也可用 /products/<slug>）并运行 (copy the launch URL, then run): "
        f"publisher resolve {post_id if post_id is not None else 'POST'} --published URL",
    ]
    return "\n".join(out) + "\n"


@dataclass
class ProductHuntAdapter:
    """Assisted launches (the kit) and GraphQL metrics for one Product Hunt account."""

    ctx: AdapterContext
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Sleep = asyncio.sleep
    name: str = PLATFORM
    _remaining: int | None = field(default=None, init=False)
    _reset_at: datetime | None = field(default=None, init=False)

    def _now(self) -> datetime:
        return self.ctx.now() if self.ctx.now else datetime.now(UTC)

    def validate(self, post: RenderedPost) -> list[Problem]:
        def problem(name: str, message: str, hint: str = "", severity: Severity = "error") -> Problem:
            return Problem(
                post.item_path, 1, f"platforms.producthunt.{name}", message, hint, PLATFORM, severity
            )

        f, found = post.fields, list[Problem]()
        for key in ("name", "tagline"):
            if not str(f.get(key) or "").strip():
                found.append(problem(key, f"{key} is required for a launch"))
        if len(str(f.get("tagline") or "")) > TAGLINE_MAX:
            found.append(
                problem("tagline", f"tagline is {len(str(f['tagline']))} characters, max {TAGLINE_MAX}")
            )
        if not post.media_of("thumbnail"):
            found.append(problem("thumbnail", "a thumbnail (square logo) is required for featuring"))
        if not post.media_of("gallery"):
            found.append(problem("gallery", "at least one gallery image is required for featuring"))
        for key in ("description", "first_comment"):
            if _UPVOTE_ASK.search(str(f.get(key) or "")):
                found.append(
                    problem(
                        key,
                        "asks for upvotes, which Product Hunt forbids (posts get removed)",
                        "ask for feedback instead",
                        "warning",
                    )
                )
        return found

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        if self.ctx.out_dir is None:
            raise errors.ConfigError(
                msg("usage.pack_folder"),
                key=f"accounts.{self.ctx.account}.mode",
            )
        now = self._now()
        # Writing the kit is idempotent (same inputs, same files): a resumed attempt just writes it again.
        folder = write_pack(post, self.ctx.out_dir, now=now, post_id=attempt.post_id)
        zone = str(self.ctx.options.get("timezone") or "Asia/Shanghai")
        (folder / "launch.md").write_text(
            launch_kit(post, now=now, post_id=attempt.post_id, zone=zone), encoding="utf-8"
        )
        if self.ctx.ids_sink is not None:
            self.ctx.ids_sink({"pack": str(folder)})
        return PublishResult(
            remote_id=None,
            url=None,
            state="awaiting_manual",
            detail={"pack": str(folder), "kit": str(Path(folder) / "launch.md")},
        )

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        return None  # nothing was sent: a person creates the launch and confirms its URL

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        token = self.ctx.credentials.get("token", "")
        if not token:
            raise errors.AuthError(self._auth_hint("has no developer token"), platform=PLATFORM)
        register_secret(token)
        keyed: dict[tuple[str, str], list[RemoteRef]] = {}
        for ref in refs:
            key = post_key(ref)
            if key is None:
                logger.warning(
                    "producthunt post %s: no slug or id in %r; confirm its /posts/<slug> or /products/ URL",
                    ref.post_id,
                    ref.url or ref.remote_id,
                )
                continue
            keyed.setdefault(key, []).append(ref)
        options = self.ctx.options
        per_post = int(options.get("complexity_per_post", COST_PER_POST))
        budget = int(options.get("complexity_budget", DEFAULT_BUDGET))
        reserve = int(options.get("complexity_reserve", 0))
        pending, samples = list(keyed), list[MetricSample]()
        async with self._client(token) as client:
            while pending:
                if self._reset_at is not None and self._now() >= self._reset_at:
                    self._remaining = None  # a new window: what the last answer said no longer holds
                room = budget if self._remaining is None else min(budget, self._remaining - reserve)
                size = min(len(pending), room // per_post)
                if size <= 0:
                    raise RateLimitedPartial(
                        f"complexity budget low ({self._remaining} points left); {len(pending)} posts wait",
                        samples=samples,
                        retry_after=self._wait(),
                    )
                batch, pending = pending[:size], pending[size:]
                try:
                    data = await self._query(client, batch)
                except errors.RateLimited as exc:
                    raise RateLimitedPartial.wrap(exc, samples) from None
                samples += self._samples(batch, keyed, data)
        return samples

    def _wait(self) -> float | None:
        if self._reset_at is None:
            return None
        return max(0.0, (self._reset_at - self._now()).total_seconds())

    def _auth_hint(self, what: str) -> str:
        return (
            f"account {self.ctx.account} {what}; set {env_var(self.ctx.account, 'token')} (or the keyring / "
            "credentials file) to a developer token from https://www.producthunt.com/v2/oauth/applications"
        )

    def _classify(self, response: httpx.Response) -> None:
        self._note_limits(response.headers)
        if response.status_code == 401:
            raise errors.AuthError(self._auth_hint("was refused (HTTP 401)"), platform=PLATFORM, code=401)
        classify_http(response, PLATFORM, now=self._now())

    def _note_limits(self, headers: httpx.Headers) -> None:
        remaining, reset = headers.get("x-rate-limit-remaining"), headers.get("x-rate-limit-reset")
        if remaining is not None and remaining.strip().isdigit():
            self._remaining = int(remaining)
        if reset is not None:
            with contextlib.suppress(ValueError):  # seconds until the reset, not a timestamp (4.4)
                self._reset_at = self._now() + timedelta(seconds=float(reset))

    async def _query(self, client: httpx.AsyncClient, batch: list[tuple[str, str]]) -> dict[str, Any]:
        params, selections, variables = [], [], {}
        for n, (kind, value) in enumerate(batch):
            params.append(f"$k{n}: {'String' if kind == 'slug' else 'ID'}")
            selections.append(f"p{n}: post({kind}: $k{n}) {{ {' '.join(POST_FIELDS)} }}")
            variables[f"k{n}"] = value
        query = f"query Metrics({', '.join(params)}) {{ {' '.join(selections)} }}"
        return await self._graphql(client, query, variables)

    async def launch_curve(self, ref: RemoteRef) -> list[tuple[datetime, int]]:
        """The launch-day vote curve: votes gathered by the end of each hour of the Product Hunt day (midnight
        to midnight Pacific) the launch went live, counted from `Post.votes` and each vote's `createdAt`.

        24 points (fewer while the day is still running); [] when the post cannot be named or found."""
        key, token = post_key(ref), self.ctx.credentials.get("token", "")
        if key is None or not token:
            return []
        async with self._client(token) as client:
            ask = partial(self._graphql, client)
            created = (await launch.created_at(ask, [key])).get(key)
            if created is None:
                return []
            start, end = launch.launch_day(created)
            until = min(end, self._now())
            return launch.hourly(await launch.vote_times(ask, key, start, until), start, until)

    async def hourly_series(self, refs: list[RemoteRef]) -> list[MetricSample]:
        """`votes_by_hour` and `comments_by_hour` points of the launches whose Product Hunt day runs now (or
        ended within launch.GRACE), each dated at the end of its hour: the metrics pull stores each once."""
        token = self.ctx.credentials.get("token", "")
        if not token:
            raise errors.AuthError(self._auth_hint("has no developer token"), platform=PLATFORM)
        keyed: dict[tuple[str, str], list[RemoteRef]] = {}
        for ref in refs:
            key = post_key(ref)
            if key is not None:
                keyed.setdefault(key, []).append(ref)
        out: list[MetricSample] = []
        async with self._client(token) as client:
            ask = partial(self._graphql, client)
            keys = list(keyed)
            created: dict[tuple[str, str], datetime] = {}
            for start in range(0, len(keys), VOTES_PAGE):
                created.update(await launch.created_at(ask, keys[start : start + VOTES_PAGE]))
            now = self._now()
            for key, at in created.items():
                if not launch.tracked(at, now):
                    continue
                series = await launch.curves(ask, key, at, now)
                for name, raw in launch.SERIES:
                    out += [
                        MetricSample(r.post_id, PLATFORM, name, float(count), mark, raw)
                        for mark, count in series[name]
                        for r in keyed[key]
                    ]
        return out

    @contextlib.asynccontextmanager
    async def _client(self, token: str) -> AsyncIterator[httpx.AsyncClient]:
        """The account's client, its developer token in the headers: a run's pooled one (one connection for
        all the account's reads), else a fresh one closed on exit."""
        register_secret(token)
        async with open_client(
            scope=self.ctx.account,
            base_url=self.ctx.base_url,
            platform=PLATFORM,
            transport=self.ctx.transport,
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            yield client

    async def _graphql(
        self, client: httpx.AsyncClient, query: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        response = await call(
            client,
            "POST",
            GRAPHQL,
            policy=self.policy,
            idempotent=True,
            classify=self._classify,
            sleep=self.sleep,
            json={"query": query, "variables": variables},
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise errors.TransientError(
                "Product Hunt answered with something other than a JSON object", platform=PLATFORM
            )
        data, problems = body.get("data"), body.get("errors") or []
        if not isinstance(data, dict):
            messages = "; ".join(str(e.get("message", e)) for e in problems if isinstance(e, dict))
            raise errors.PermanentError(f"GraphQL error: {messages or 'no data'}", platform=PLATFORM)
        for problem in problems:
            logger.warning(
                "producthunt GraphQL: %s", problem.get("message") if isinstance(problem, dict) else problem
            )
        return data

    def _samples(
        self,
        batch: list[tuple[str, str]],
        keyed: dict[tuple[str, str], list[RemoteRef]],
        data: dict[str, Any],
    ) -> list[MetricSample]:
        taken, out = self._now(), []
        for n, key in enumerate(batch):
            node = data.get(f"p{n}")
            if not isinstance(node, dict):
                logger.warning("producthunt post %s=%s not found (removed, or not live yet)", *key)
                continue
            for ref in keyed[key]:
                for name, raw in FIGURES:
                    value = node.get(raw)
                    if raw == "featuredAt":
                        value = 1.0 if value else 0.0  # featured or not: a figure to chart, not a date
                    if value is not None:
                        out.append(MetricSample(ref.post_id, PLATFORM, name, float(value), taken, raw))
        return out


def producthunt_factory(ctx: AdapterContext) -> ProductHuntAdapter:
    """The registry's factory (SPEC.factory); Product Hunt publishing is assisted in every mode."""
    return ProductHuntAdapter(ctx)


__all__ = [
    "ProductHuntAdapter",
    "RateLimitedPartial",
    "launch_kit",
    "next_launch_slot",
    "post_key",
    "producthunt_factory",
]
