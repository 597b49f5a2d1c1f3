"""Test doubles for the queue: a fake platform with scripted outcomes, its adapter, a clock and a notifier."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from publisher import errors
from publisher.adapters.base import AdapterContext
from publisher.models import Attempt, MetricSample, Problem, PublishResult, RemoteRef, RenderedPost

T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


class Clock:
    """A clock tests move by hand."""

    def __init__(self, t: datetime = T0) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


@dataclass
class Notices:
    """A notifier that remembers what it was asked to send."""

    sent: list[Any] = field(default_factory=list)

    def send(self, notification: Any) -> None:
        self.sent.append(notification)

    def keys(self) -> Counter[tuple[int, str]]:
        return Counter((n.post_id, n.kind) for n in self.sent)


class Crash(BaseException):
    """The process dies here (not an Exception: nothing in the queue may catch it)."""


@dataclass
class FakePlatform:
    """What the platform holds, and what each publish call does next.

    script[key] is a list of actions consumed per publish call (key = (item, account)); the default is "ok".
    Actions: ok, transient, rate_limited, quota, permanent, auth, person, unknown_sent, unknown_lost, submitted,
    crash_after_draft. `reconcile` says how reconcile answers: truthful | blind | pending.
    """

    script: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    reconcile: str = "truthful"
    posts: Counter[tuple[str, str]] = field(default_factory=Counter)  # what is live on the platform
    steps: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (item, account, step) calls
    pending: set[tuple[str, str]] = field(default_factory=set)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    seen_ids: list[dict[str, Any]] = field(default_factory=list)

    def next_action(self, key: tuple[str, str]) -> str:
        todo = self.script.get(key)
        return todo.pop(0) if todo else "ok"


class FakeAdapter:
    """Three steps like WeChat: upload -> draft -> publish; each resumes from attempt.ids and announces intent."""

    name = "fake"

    def __init__(self, platform: FakePlatform, ctx: AdapterContext) -> None:
        self.platform = platform
        self.ctx = ctx

    def validate(self, post: RenderedPost) -> list[Problem]:
        return []

    def _step(self, key: tuple[str, str], step: str, ids: dict[str, Any], id_key: str) -> None:
        if id_key in ids:
            return  # done in an earlier attempt: never repeated
        assert self.ctx.intent is not None and self.ctx.ids_sink is not None
        self.ctx.intent(step)
        self.platform.steps[(*key, step)] += 1
        ids[id_key] = f"{step}-{key[0]}-{key[1]}"
        self.ctx.ids_sink({id_key: ids[id_key]})

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        await asyncio.sleep(0)  # let a racing queue in
        key = (post.item_id, post.account)
        self.platform.calls[key] += 1
        self.platform.seen_ids.append(dict(attempt.ids))
        ids = dict(attempt.ids)
        action = self.platform.next_action(key)
        if action == "transient":
            raise errors.TransientError("system busy, nothing was sent", platform="fake", code=-1)
        if action == "rate_limited":
            raise errors.RateLimited("slow down", platform="fake", code=429, retry_after=600)
        if action == "quota":
            raise errors.QuotaExhausted("daily quota used up", platform="fake", code=45009,
                                        reset_at=T0 + timedelta(hours=20))
        if action == "permanent":
            raise errors.PermanentError("title contains forbidden words", platform="fake", code=45166)
        if action == "auth":
            raise errors.AuthError("access_token expired and cannot be refreshed", platform="fake", code=40001)
        if action == "person":
            raise errors.NeedsPerson("IP not in whitelist", platform="fake", code=40164)
        self._step(key, "upload", ids, "media_id")
        self._step(key, "draft", ids, "draft_id")
        if action == "crash_after_draft":
            raise Crash()
        if action == "unknown_lost":
            assert self.ctx.intent is not None
            self.ctx.intent("publish")
            raise errors.OutcomeUnknown("read timeout after the request left", platform="fake")
        self._step(key, "publish", ids, "publish_id")
        if action == "unknown_sent":
            self.platform.posts[key] += 1
            raise errors.OutcomeUnknown("502 after the request left", platform="fake", code=502)
        if action == "submitted":
            self.platform.pending.add(key)
            return PublishResult(remote_id=None, url=None, state="submitted", detail={"publish_id": ids["publish_id"]})
        self.platform.posts[key] += 1
        return PublishResult(remote_id=f"r-{key[0]}-{key[1]}", url=f"https://fake/{key[0]}/{key[1]}")

    async def poll(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        key = (post.item_id, post.account)
        if key in self.platform.pending and self.platform.reconcile != "pending":
            self.platform.pending.discard(key)
            self.platform.posts[key] += 1
        return await self.reconcile(post, attempt)

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        key = (post.item_id, post.account)
        if self.platform.reconcile == "blind":
            return None
        if key in self.platform.pending:
            return PublishResult(remote_id=None, url=None, state="submitted")
        if self.platform.posts[key]:
            return PublishResult(remote_id=f"r-{key[0]}-{key[1]}", url=f"https://fake/{key[0]}/{key[1]}")
        return PublishResult(remote_id=None, url=None, state="submitted", detail={"reconcile": "absent"})

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        return []


def factory(platform: FakePlatform):  # type: ignore[no-untyped-def]
    def make(name: str, ctx: AdapterContext) -> FakeAdapter:
        return FakeAdapter(platform, ctx)

    return make
