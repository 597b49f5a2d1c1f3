"""The exactly-once queue: claims, outcomes, reconcile, late policy, re-validation, caps, people's commands.

Fake adapters (defined here, implementing the Adapter protocol) stand in for the platforms; the dry-run
adapter runs through the real registry.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import WS, make_image
from support.clock import ManualClock

from publisher import errors
from publisher.adapters.base import AdapterContext
from publisher.calendar.load import Calendar, Checked
from publisher.calendar.sync import sync_calendar
from publisher.errors import UsageError
from publisher.messages import Msg, reason
from publisher.models import Attempt, MetricSample, PostState, Problem, PublishResult, RemoteRef, RenderedPost
from publisher.notify import headline, lines
from publisher.queue.actions import (
    ActionRefused,
    cancel,
    item_status,
    publish_now,
    reauthorized,
    resolve,
    retry,
    retry_item,
)
from publisher.queue.overview import status_summary
from publisher.queue.policy import RetrySettings, next_check_at
from publisher.queue.runner import SUBMITTED, Outcome, Queue
from publisher.store.claims import take_over
from publisher.store.db import Store, open_store
from publisher.store.tables import AttemptRow, EventRow, PostRow
from publisher.store.tokens import StoreTokenCache, accounts_needing_reauth
from publisher.workspace.settings import DEFAULTS_DIR, Workspace

S = PostState
T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


Clock = ManualClock


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
    Actions: ok, transient, rate_limited, quota, permanent, auth, person, unknown_sent, unknown_lost,
    submitted, crash_after_draft. `reconcile` says how reconcile answers: truthful | blind | pending.
    """

    script: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    reconcile: str = "truthful"
    posts: Counter[tuple[str, str]] = field(default_factory=Counter)  # what is live on the platform
    steps: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (item, account, step) calls
    pending: set[tuple[str, str]] = field(default_factory=set)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    seen_ids: list[dict[str, Any]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # for any post without a script of its own

    def next_action(self, key: tuple[str, str]) -> str:
        todo = self.script.get(key) or self.answers
        return todo.pop(0) if todo else "ok"


class FakeAdapter:
    """Three steps like WeChat: upload -> draft -> publish;
    each resumes from attempt.ids and announces intent."""

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
            raise errors.QuotaExhausted(
                "daily quota used up", platform="fake", code=45009, reset_at=T0 + timedelta(hours=20)
            )
        if action == "permanent":
            raise errors.PermanentError("title contains forbidden words", platform="fake", code=45166)
        if action == "auth":
            raise errors.AuthError(
                "access_token expired and cannot be refreshed", platform="fake", code=40001
            )
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
            return PublishResult(
                remote_id=None, url=None, state="submitted", detail={"publish_id": ids["publish_id"]}
            )
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


# -- the workspace under test --------------------------------------------------------------------------------

ITEM = """
---
id: {id}
title: {title}
publish_at: {when}
status: {status}
platforms:
{platforms}
---
正文：{body}
"""
WECHAT = '  {account}: {{author: 运营, digest: "摘要", cover: media/cover.png}}'


class Env:
    """A workspace, its store, a clock, a fake platform and a notifier; `queue()` makes a worker."""

    def __init__(self, w: WS, tmp: Path) -> None:
        self.w = w
        self.clock = Clock()
        self.platform = FakePlatform()
        self.notices = Notices()
        self.url = f"sqlite:///{tmp / 'q.sqlite'}"
        self.store = open_store(self.url, clock=self.clock)
        self._ws: Workspace | None = None

    @property
    def ws(self) -> Workspace:
        if self._ws is None:
            self._ws = self.w.open()
        return self._ws

    def item(
        self,
        id: str,
        *,
        accounts: tuple[str, ...] = ("wechat",),
        when: str = "2026-12-01 12:00",
        status: str = "ready",
        title: str = "",
        body: str = "一",
    ) -> Path:
        platforms = "\n".join(WECHAT.format(account=a) for a in accounts)
        return self.w.item(
            f"{id}.md",
            ITEM.format(
                id=id, title=title or f"标题 {id}", when=when, status=status, platforms=platforms, body=body
            ),
        )

    def sync(self) -> None:
        sync_calendar(self.ws, self.store, now=self.clock())

    def queue(self, owner: str = "A", store: Store | None = None, **kw: Any) -> Queue:
        return Queue(
            self.ws,
            store or self.store,
            owner=owner,
            now=self.clock,
            notifier=self.notices,
            adapter_factory=factory(self.platform),
            **kw,
        )

    def run(self, queue: Queue | None = None) -> list[Outcome]:
        return asyncio.run((queue or self.queue()).run_due())

    def post(self, item: str, account: str = "wechat") -> dict[str, Any]:
        t = PostRow.__table__  # type: ignore[attr-defined]
        with self.store.session() as s:
            row = s.execute(sa.select(t).where(t.c.item_id == item, t.c.account == account)).mappings().one()
        return dict(row)

    def attempts(self, post_id: int) -> list[dict[str, Any]]:
        t = AttemptRow.__table__  # type: ignore[attr-defined]
        with self.store.session() as s:
            return [
                dict(r)
                for r in s.execute(sa.select(t).where(t.c.post_id == post_id).order_by(t.c.number)).mappings()
            ]

    def events(self, post_id: int, kind: str) -> list[str]:
        t = EventRow.__table__  # type: ignore[attr-defined]
        with self.store.session() as s:
            return list(
                s.execute(sa.select(t.c.message).where(t.c.post_id == post_id, t.c.kind == kind)).scalars()
            )


@pytest.fixture
def env(ws: WS, tmp_path: Path) -> Iterator[Env]:
    e = Env(ws, tmp_path)
    yield e
    e.store.close()


def states(outcomes: list[Outcome]) -> dict[str, str]:
    return {f"{o.item}:{o.account}": o.state for o in outcomes}


# -- the basic promise ---------------------------------------------------------------------------------------


def test_a_due_post_goes_out_once_and_a_second_run_does_nothing(env: Env) -> None:
    env.item("a", accounts=("wechat", "wechat_en"))
    env.item("later", when="2026-12-02 12:00")
    env.sync()
    assert states(env.run()) == {"a:wechat": "published", "a:wechat_en": "published"}
    assert env.run() == []
    assert env.platform.posts == {("a", "wechat"): 1, ("a", "wechat_en"): 1}
    post = env.post("a")
    assert (post["state"], post["remote_id"], post["url"]) == (
        "published",
        "r-a-wechat",
        "https://fake/a/wechat",
    )
    assert post["ids"] == {
        "media_id": "upload-a-wechat",
        "draft_id": "draft-a-wechat",
        "publish_id": "publish-a-wechat",
    }
    (attempt,) = env.attempts(post["id"])
    assert attempt["outcome"] == "published" and attempt["step"] == "publish" and attempt["request_hash"]
    assert post["rendered_hash"] == attempt["request_hash"]
    assert env.queue().next_due() == datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
    assert env.notices.sent == []  # nothing a person must act on


def test_two_queues_racing_on_one_store_publish_each_post_once(env: Env) -> None:
    for i in range(6):
        env.item(f"r{i}", accounts=("wechat", "wechat_en"))
    env.sync()
    stores = [open_store(env.url, clock=env.clock) for _ in range(2)]
    queues = [env.queue(owner, store=s) for owner, s in zip(("A", "B"), stores, strict=True)]
    results: list[list[Outcome]] = [[], []]

    def work(i: int) -> None:
        for _ in range(4):  # small batches so both queues keep coming back for more
            results[i] += asyncio.run(queues[i].run_due(limit=3))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for s in stores:
        s.close()
    published = [o.post_id for r in results for o in r if o.state == "published"]
    assert sorted(published) == sorted(set(published)) and len(published) == 12
    assert set(env.platform.posts.values()) == {1} and len(env.platform.posts) == 12
    assert sum(env.platform.calls.values()) == 12


# -- what the platform answers -------------------------------------------------------------------------------


def test_transient_error_retries_durably_then_publishes(env: Env) -> None:
    env.item("t")
    env.sync()
    env.platform.script[("t", "wechat")] = ["transient", "rate_limited"]
    assert states(env.run()) == {"t:wechat": "retrying"}
    post = env.post("t")
    wait = (post["next_attempt_at"] - env.clock()).total_seconds()
    assert 15 <= wait <= 30 and "system busy" in post["last_error"]
    assert env.run() == []  # not before next_attempt_at
    env.clock.advance(seconds=wait)
    assert states(env.run()) == {"t:wechat": "retrying"}
    assert (env.post("t")["next_attempt_at"] - env.clock()).total_seconds() >= 600  # Retry-After honoured
    env.clock.advance(seconds=600)
    assert states(env.run()) == {"t:wechat": "published"}
    assert [a["outcome"] for a in env.attempts(post["id"])] == ["transient", "transient", "published"]
    assert env.platform.posts[("t", "wechat")] == 1


def test_transient_errors_give_up_after_the_budget(env: Env) -> None:
    env.item("t")
    env.sync()
    env.platform.script[("t", "wechat")] = ["transient"] * 10
    queue = env.queue(retry=RetrySettings(max_attempts=3, base_s=1, cap_s=1))
    for _ in range(3):
        env.run(queue)
        env.clock.advance(seconds=2)
    post = env.post("t")
    assert post["state"] == "failed" and post["reason"].startswith("gave up after 3 attempts")
    assert env.notices.keys() == {(post["id"], "failed"): 1}
    # the person reads the item and the reason in the workspace's language, not the event log's English title
    (notice,) = env.notices.sent
    assert headline(notice) == "【发布失败 failed】wechat/wechat：t"
    assert "原因：重试 3 次后放弃：fake: system busy" in "\n".join(lines(notice))
    # stored by code and values too: every face words it in its reader's language
    zh = reason(post["reason"], "zh", post["reason_msg"])
    assert zh == "重试 3 次后放弃：fake: system busy, nothing was sent (code -1)"
    assert reason(post["reason"], "en", post["reason_msg"]) == post["reason"]


def test_permanent_error_fails_at_once_with_the_platforms_message(env: Env) -> None:
    env.item("p")
    env.sync()
    env.platform.script[("p", "wechat")] = ["permanent"]
    assert states(env.run()) == {"p:wechat": "failed"}
    post = env.post("p")
    assert "title contains forbidden words" in post["last_error"] and "45166" in post["last_error"]
    (attempt,) = env.attempts(post["id"])
    assert attempt["outcome"] == "permanent" and attempt["platform_code"] == "45166"
    assert env.platform.calls[("p", "wechat")] == 1
    assert env.notices.keys() == {(post["id"], "failed"): 1}
    env.clock.advance(hours=1)
    assert env.run() == []


def test_quota_waits_for_the_reset(env: Env) -> None:
    env.item("q")
    env.sync()
    env.platform.script[("q", "wechat")] = ["quota"]
    assert states(env.run()) == {"q:wechat": "retrying"}
    assert env.post("q")["next_attempt_at"] == T0 + timedelta(hours=20)
    quota = env.post("q")
    assert Msg.from_json(quota["reason_msg"]).code == "reason.quota"  # type: ignore[union-attr]
    zh = reason(quota["reason"], "zh", quota["reason_msg"])  # the reset at Beijing midnight, in its zone
    assert zh.startswith("当日配额已用完，2026-12-02 08:00 CST 重置后再发：fake: daily quota"), zh
    assert reason(quota["reason"], "en", quota["reason_msg"]) == quota["reason"]


def test_unknown_outcome_found_on_the_platform_is_published_without_resending(env: Env) -> None:
    env.item("u")
    env.sync()
    env.platform.script[("u", "wechat")] = ["unknown_sent"]
    assert states(env.run()) == {"u:wechat": "published"}
    post = env.post("u")
    assert post["reason"] == "published (confirmed on the platform)" and post["remote_id"] == "r-u-wechat"
    assert env.platform.posts[("u", "wechat")] == 1 and env.platform.calls[("u", "wechat")] == 1


def test_unknown_outcome_confirmed_absent_is_sent_again_once(env: Env) -> None:
    env.item("u")
    env.sync()
    env.platform.script[("u", "wechat")] = ["unknown_lost"]
    assert states(env.run()) == {"u:wechat": "retrying"}
    env.clock.advance(minutes=5)
    assert states(env.run()) == {"u:wechat": "published"}
    assert env.platform.posts[("u", "wechat")] == 1 and env.platform.calls[("u", "wechat")] == 2
    # the second attempt resumed: upload and draft were not repeated
    assert (
        env.platform.steps[("u", "wechat", "upload")] == 1
        and env.platform.steps[("u", "wechat", "draft")] == 1
    )
    assert env.notices.sent == []


def test_unknown_outcome_nobody_can_tell_needs_a_person_and_one_notification(env: Env) -> None:
    env.item("u")
    env.sync()
    env.platform.script[("u", "wechat")] = ["unknown_sent"]
    env.platform.reconcile = "blind"
    assert states(env.run()) == {"u:wechat": "needs_attention"}
    post = env.post("u")
    assert "publisher resolve" in post["reason"]
    env.clock.advance(hours=3)
    assert env.run() == []  # never re-sent by itself
    assert env.platform.calls[("u", "wechat")] == 1
    assert env.notices.keys() == {(post["id"], "needs_attention"): 1}
    (notice,) = env.notices.sent
    assert "publish-u-wechat" in notice.reason  # the evidence: the stored ids
    (shown,) = status_summary(env.store)["attention"]  # and `publisher status` shows the same evidence
    assert shown["state"] == "needs_attention" and "publish-u-wechat" in json.dumps(shown["platform_ids"])
    assert shown["last_attempt"]["number"] == 1 and shown["last_attempt"]["outcome"] is not None


def test_submitted_publish_is_polled_until_the_platform_answers(env: Env) -> None:
    env.item("s")
    env.sync()
    env.platform.script[("s", "wechat")] = ["submitted"]
    env.platform.reconcile = "pending"
    queue = env.queue()
    assert states(env.run(queue)) == {"s:wechat": "reconcile"}
    assert env.post("s")["reason"] == SUBMITTED
    assert queue.next_due() == T0 + timedelta(seconds=60)
    env.clock.advance(seconds=61)
    assert states(asyncio.run(queue.poll_submitted())) == {"s:wechat": "reconcile"}
    env.platform.reconcile = "truthful"
    env.clock.advance(seconds=61)
    assert states(asyncio.run(queue.poll_submitted())) == {"s:wechat": "published"}
    assert env.platform.posts[("s", "wechat")] == 1 and env.platform.calls[("s", "wechat")] == 1


def test_submitted_jobs_of_one_second_share_their_checks_instant_never_sooner_than_asked() -> None:
    retry = RetrySettings(poll_s=60)
    at = T0 + timedelta(seconds=3, microseconds=250_000)
    later = at + timedelta(milliseconds=600)
    assert next_check_at(retry, {"poll_after_s": 15}, at) == T0 + timedelta(seconds=19)  # 18.25 s, up
    assert next_check_at(retry, {"poll_after_s": 15}, later) == T0 + timedelta(seconds=19)  # one wake-up
    assert next_check_at(retry, {"poll_after_s": 15}, T0) == T0 + timedelta(seconds=15)  # whole: as asked
    assert next_check_at(retry, {}, at) == T0 + timedelta(seconds=64)  # the queue's own poll_s


def test_not_published_is_refused_while_the_platform_job_is_pending_and_forced_it_sends_afresh(
    env: Env,
) -> None:
    """A person says "not published" while the submitted job still processes: refused (it would post twice
    when the job completes), nothing moves; once they saw the job fail, --force sends it again, afresh."""
    env.item("j")
    env.sync()
    env.platform.script[("j", "wechat")] = ["submitted"]
    env.platform.reconcile = "pending"
    assert states(env.run()) == {"j:wechat": "reconcile"}
    pid = env.post("j")["id"]
    job = env.post("j")["ids"]["publish_id"]
    with pytest.raises(ActionRefused, match=f"{job}.*--force"):
        resolve(env.store, pid, published_url=None, not_published=True, now=env.clock())
    assert env.post("j")["state"] == "reconcile" and env.post("j")["reason"] == SUBMITTED
    env.platform.pending.discard(("j", "wechat"))  # the job failed on the platform; a person saw it
    assert resolve(env.store, pid, published_url=None, not_published=True, force=True, now=env.clock()) == (
        S.RETRYING
    )
    assert not any(v is not None for v in env.post("j")["ids"].values())
    assert states(env.run()) == {"j:wechat": "published"}
    assert env.platform.posts[("j", "wechat")] == 1
    assert env.platform.seen_ids[-1] == {}  # sent afresh, not following the failed job


def test_auth_error_pauses_the_account_not_the_others(env: Env) -> None:
    for name in ("x1", "x2", "x3"):
        env.item(name, accounts=("wechat", "wechat_en"))
    env.sync()
    env.platform.script[("x1", "wechat")] = ["auth"]
    out = states(env.run(env.queue()))
    assert out["x1:wechat"] == "needs_reauth"
    # the first post of the account hit the error; its other posts were never attempted, and wait in queued
    assert {k: v for k, v in out.items() if k.endswith(":wechat_en")} == {
        "x1:wechat_en": "published",
        "x2:wechat_en": "published",
        "x3:wechat_en": "published",
    }
    assert env.platform.calls[("x2", "wechat")] + env.platform.calls[("x3", "wechat")] == 0
    assert {env.post(n)["state"] for n in ("x2", "x3")} <= {"queued"}
    x1 = env.post("x1")
    assert "publisher auth" in x1["reason"] and env.notices.keys() == {(x1["id"], "needs_reauth"): 1}
    assert accounts_needing_reauth(env.store)["wechat"]["post_id"] == x1["id"]
    # `publish` of that post names what to do (it said "it is not waiting to be sent")
    with pytest.raises(ActionRefused, match=f"publisher auth\\), then publisher retry {x1['id']}$"):
        publish_now(env.store, x1["id"], now=env.clock())
    assert env.run() == [] and env.queue().next_due() is None
    assert reauthorized(env.store, "wechat", env.clock()) == [x1["id"]]
    assert states(env.run()) == {"x1:wechat": "published", "x2:wechat": "published", "x3:wechat": "published"}


def test_needs_person_goes_to_needs_attention(env: Env) -> None:
    env.item("n")
    env.sync()
    env.platform.script[("n", "wechat")] = ["person"]
    assert states(env.run()) == {"n:wechat": "needs_attention"}
    assert "whitelist" in env.post("n")["reason"]


def test_secrets_in_error_messages_are_redacted_before_storing(env: Env) -> None:
    from publisher.redact import register_secret

    secret = "CANARY-s3cr3t-token-0123456789"
    register_secret(secret)
    env.item("c")
    env.sync()

    class Leaky(FakeAdapter):
        async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
            raise errors.PermanentError(f"bad request access_token={secret}", platform="fake")

    queue = Queue(
        env.ws,
        env.store,
        owner="A",
        now=env.clock,
        notifier=env.notices,
        adapter_factory=lambda name, ctx: Leaky(env.platform, ctx),
    )
    env.run(queue)
    post = env.post("c")
    dumped = repr(post) + repr(env.attempts(post["id"])) + repr(env.notices.sent)
    assert post["state"] == "failed" and secret not in dumped


# -- time ----------------------------------------------------------------------------------------------------


def test_late_beyond_the_window_is_missed_inside_it_is_sent(env: Env) -> None:
    env.item("early", when="2026-12-01 09:00")  # 3 h before now: beyond the default 2 h window
    env.item("recent", when="2026-12-01 10:30")  # 1.5 h before now: inside it
    env.sync()
    out = states(env.run())
    assert out == {"early:wechat": "missed", "recent:wechat": "published"}
    early = env.post("early")
    assert "late window" in early["reason"] and env.platform.calls[("early", "wechat")] == 0
    assert env.notices.keys() == {(early["id"], "missed"): 1}
    # a person decides to send it anyway: the window restarts at that decision
    assert retry(env.store, early["id"], now=env.clock()) == S.QUEUED
    assert states(env.run()) == {"early:wechat": "published"}
    assert env.notices.keys() == {(early["id"], "missed"): 1}


def test_a_claimed_post_past_its_window_is_missed_not_sent(env: Env) -> None:
    env.item("m")
    env.sync()
    env.platform.script[("m", "wechat")] = ["transient"]
    env.run()
    env.clock.advance(hours=3)  # the retry comes due long after the late window
    assert states(env.run()) == {"m:wechat": "missed"}
    assert env.platform.calls[("m", "wechat")] == 1


# -- re-validation just before sending (R5) ----------------------------------------------------------------


def test_edited_before_send_is_not_sent_until_sync_updates_it(env: Env) -> None:
    env.item("e")
    env.sync()
    env.item("e", body="改过了")  # edited after the last sync, before the send
    assert states(env.run()) == {"e:wechat": "queued"}
    assert env.platform.calls[("e", "wechat")] == 0
    env.sync()
    env.clock.advance(minutes=2)
    assert states(env.run()) == {"e:wechat": "published"}
    assert env.platform.calls[("e", "wechat")] == 1


def test_deleted_or_drafted_before_send_is_cancelled_and_broken_is_held(env: Env) -> None:
    env.item("gone")
    env.item("draft")
    env.item("broken")
    env.sync()
    (env.w.root / "content" / "gone.md").unlink()
    env.item("draft", status="draft")
    env.item("broken", title="这是一个非常非常长的标题" * 5)  # WeChat allows 32 characters
    out = env.run()
    assert states(out) == {"gone:wechat": "cancelled", "draft:wechat": "cancelled", "broken:wechat": "held"}
    gone, draft = (
        env.post("gone"),
        env.post("draft"),
    )  # the cancels' reasons stored by code, worded when shown
    assert reason(gone["reason"], "zh", gone["reason_msg"]) == "内容文件已删除（发送时未找到）"
    assert (
        reason(gone["reason"], "en", gone["reason_msg"])
        == "item removed (its file is gone)"
        == gone["reason"]
    )
    assert reason(draft["reason"], "zh", draft["reason_msg"]) == "内容已改为草稿"
    assert reason(draft["reason"], "en", draft["reason_msg"]) == "item set to draft" == draft["reason"]
    held = next(o for o in out if o.item == "broken")
    assert "content/broken.md" in held.reason and "title" in held.reason
    assert sum(env.platform.calls.values()) == 0


class CountingCalendar(Calendar):
    """A daemon's calendar (lean records) that counts the files it checks."""

    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws, lean=True)
        self.checked: list[str] = []

    def check_file(self, path: Path, ctx: Any = None, used: set[Path] | None = None) -> Checked:
        self.checked.append(path.name)
        return super().check_file(path, ctx, used)


def test_a_daemons_send_parses_the_file_again_but_checks_it_only_when_it_or_its_media_changed(
    env: Env,
) -> None:
    """A lean record keeps no body, so the send reads the file again; the sync's check of it is reused while
    the item's hash (its bytes and its media's) is the one checked, and a changed cover is checked again."""
    env.item("a")
    env.item("b", when="2026-12-01 12:10")
    calendar = CountingCalendar(env.ws)
    sync_calendar(env.ws, env.store, now=env.clock(), calendar=calendar)
    assert sorted(calendar.checked) == ["a.md", "b.md"]
    calendar.checked.clear()
    queue = env.queue(calendar=calendar)
    assert states(asyncio.run(queue.run_due())) == {"a:wechat": "published"}
    assert calendar.checked == []  # parsed for its body, not checked again
    make_image(env.w.root / "content" / "media" / "cover.png", (1800, 766), "#333333")
    env.clock.advance(minutes=10)
    assert states(asyncio.run(queue.run_due())) == {"b:wechat": "queued"}  # its item changed since the sync
    assert calendar.checked == ["b.md"]
    assert env.platform.calls[("b", "wechat")] == 0


# -- pacing --------------------------------------------------------------------------------------------------


def test_daily_cap_releases_instead_of_sending(env: Env) -> None:
    folder = env.w.root / "platforms" / "wechat"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "wechat", folder)
    yaml_text = (folder / "platform.yaml").read_text(encoding="utf-8")
    (folder / "platform.yaml").write_text(
        re.sub(r"daily_cap: \d+", "daily_cap: 2", yaml_text), encoding="utf-8"
    )
    for i in range(3):
        env.item(f"d{i}")
    env.sync()
    out = env.run()
    assert sorted(o.state for o in out) == ["published", "published", "queued"]
    released = next(o for o in out if o.state == "queued")
    assert "daily cap of 2" in released.reason
    row = env.post(released.item)
    assert row["next_attempt_at"] == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    assert env.platform.calls[(released.item, "wechat")] == 0
    env.clock.t = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert states(env.run()) == {f"{released.item}:wechat": "missed"}  # a day late: a person decides


# -- several platforms, people's commands --------------------------------------------------------------------


def test_multi_account_item_partial_failure_and_retry_touches_only_the_failed_post(env: Env) -> None:
    env.item("multi", accounts=("wechat", "wechat_en"))
    env.sync()
    env.platform.script[("multi", "wechat_en")] = ["permanent"]
    assert states(env.run()) == {"multi:wechat": "published", "multi:wechat_en": "failed"}
    assert item_status(env.store, "multi") == "partially_published"
    retried = retry_item(env.store, "multi", now=env.clock())
    assert retried == {env.post("multi", "wechat_en")["id"]: S.QUEUED}
    assert states(env.run()) == {"multi:wechat_en": "published"}
    assert item_status(env.store, "multi") == "published"
    assert env.platform.posts == {("multi", "wechat"): 1, ("multi", "wechat_en"): 1}


def test_people_commands_are_guarded_and_audited(env: Env) -> None:
    env.item("u")
    env.item("ok")
    env.sync()
    env.platform.script[("u", "wechat")] = ["unknown_sent"]
    env.platform.reconcile = "blind"
    env.run()
    u, ok = env.post("u")["id"], env.post("ok")["id"]
    with pytest.raises(ActionRefused, match="already published"):
        retry(env.store, ok, now=env.clock())
    with pytest.raises(ActionRefused, match="needs_attention"):
        retry(env.store, u, now=env.clock())
    with pytest.raises(ActionRefused, match="cannot be cancelled: it is already published"):
        cancel(env.store, ok, env.clock())
    with pytest.raises(UsageError, match="exactly one"):
        resolve(env.store, u, published_url=None, not_published=False, now=env.clock())
    with pytest.raises(UsageError, match="not an http"):
        resolve(env.store, u, published_url="javascript:alert(1)", not_published=False, now=env.clock())
    with pytest.raises(UsageError, match="no post 999"):
        cancel(env.store, 999, env.clock())
    assert retry(env.store, u, force=True, now=env.clock()) == S.QUEUED
    (audit,) = env.events(u, "forced_retry")
    assert "publish_id" in audit
    env.platform.reconcile = "truthful"
    assert states(env.run()) == {"u:wechat": "published"}
    # forced: the ids were dropped, so the adapter published afresh (the person said it was not there)
    assert env.platform.seen_ids[-1] == {}
    assert env.platform.posts[("u", "wechat")] == 2  # what the person asked for, and only that


def test_resolve_and_cancel(env: Env) -> None:
    for name in ("r1", "r2", "r3", "c1"):
        env.item(name)
    env.sync()
    for name in ("r1", "r2"):
        env.platform.script[(name, "wechat")] = ["unknown_sent"]
    env.platform.reconcile = "blind"
    env.platform.script[("r3", "wechat")] = ["transient"]
    cancel(env.store, env.post("c1")["id"], env.clock())
    assert states(env.run()) == {
        "r1:wechat": "needs_attention",
        "r2:wechat": "needs_attention",
        "r3:wechat": "retrying",
    }
    r1, r2, r3 = (env.post(n)["id"] for n in ("r1", "r2", "r3"))
    assert (
        resolve(
            env.store,
            r1,
            published_url="https://mp.weixin.qq.com/s/abc",
            not_published=False,
            now=env.clock(),
        )
        == S.PUBLISHED
    )
    assert env.post("r1")["url"] == "https://mp.weixin.qq.com/s/abc"
    assert resolve(env.store, r2, published_url=None, not_published=True, now=env.clock()) == S.FAILED
    with pytest.raises(ActionRefused, match="retrying"):
        resolve(env.store, r3, published_url=None, not_published=True, now=env.clock())
    assert cancel(env.store, r3, env.clock()) == S.CANCELLED
    assert env.post("c1")["state"] == "cancelled"
    env.clock.advance(hours=1)
    assert env.run() == []


def test_a_cancel_stands_against_an_edit_made_before_it(env: Env) -> None:
    """Fuzzing found it: the file edited while the post waited for a person (sync leaves such a post alone,
    its stored version too), then `cancel`, and the next sync took that edit as the reason to send the
    cancelled post again, although the platform held it. The cancel takes the file as it is then; only an edit
    after it brings the post back."""
    env.item("u")
    env.sync()
    env.platform.script[("u", "wechat")] = ["unknown_sent"]
    env.platform.reconcile = "blind"
    assert states(env.run()) == {"u:wechat": "needs_attention"}
    u = env.post("u")["id"]
    env.item("u", body="改过的正文")  # edited meanwhile
    env.sync()
    assert env.post("u")["state"] == "needs_attention"
    assert cancel(env.store, u, env.clock()) == S.CANCELLED
    env.sync()
    env.clock.advance(hours=1)
    assert env.run() == [] and env.post("u")["state"] == "cancelled"
    assert env.platform.posts[("u", "wechat")] == 1
    env.sync()  # and again: still nothing to do
    assert env.post("u")["state"] == "cancelled"
    env.item("u", body="再改一次")  # an edit after the cancel brings it back
    env.sync()
    assert env.post("u")["state"] == "queued"


# -- crash and resume ----------------------------------------------------------------------------------------


def test_resume_after_a_crash_mid_publish_never_repeats_a_step(env: Env) -> None:
    env.item("k")
    env.sync()
    env.platform.script[("k", "wechat")] = ["crash_after_draft"]
    with pytest.raises(Crash):
        env.run(env.queue("dead", lease_s=60))
    post = env.post("k")
    assert post["state"] == "sending" and post["ids"] == {
        "media_id": "upload-k-wechat",
        "draft_id": "draft-k-wechat",
    }
    (attempt,) = env.attempts(post["id"])
    assert attempt["finished_at"] is None and attempt["step"] == "draft"  # the write-ahead intent is there
    survivor = env.queue("B", lease_s=60)
    assert env.run(survivor) == []  # the lease is still live: nobody touches it
    env.clock.advance(seconds=61)
    # reaped to reconcile, the platform confirms it is absent -> retrying (never sent blindly)
    assert states(env.run(survivor)) == {"k:wechat": "retrying"}
    env.clock.advance(minutes=5)
    assert states(env.run(survivor)) == {"k:wechat": "published"}
    assert env.platform.steps == {
        ("k", "wechat", "upload"): 1,
        ("k", "wechat", "draft"): 1,
        ("k", "wechat", "publish"): 1,
    }
    assert env.platform.seen_ids[-1] == {"media_id": "upload-k-wechat", "draft_id": "draft-k-wechat"}
    assert [a["outcome"] for a in env.attempts(post["id"])] == ["interrupted", "published"]


def crash_loop(env: Env, retry: RetrySettings, rounds: int = 40) -> int:
    """Run queues that die mid-send (Crash) and a restart's take-over of each dead owner, 11 s apart (past the
    in-flight grace), until post k settles; returns how many workers died."""
    crashes = 0
    for n in range(rounds):
        owner = f"w{n}"
        try:
            env.run(env.queue(owner, lease_s=60, retry=retry))
        except Crash:
            crashes += 1
            take_over(env.store, env.clock(), owners={owner})
        if env.post("k")["state"] in ("published", "failed", "needs_attention"):
            break
        env.clock.advance(seconds=11)
    return crashes


def test_attempts_cut_short_by_a_crash_do_not_use_up_the_retry_budget(env: Env) -> None:
    """Five SIGKILLs mid-send, then a transient error, with a budget of 3: the post is still sent. Its
    worker's death is no refusal by the platform; the attempts are counted apart (outcome interrupted)."""
    env.item("k")
    env.sync()
    env.platform.script[("k", "wechat")] = ["crash_after_draft"] * 5 + ["transient", "ok"]
    retry = RetrySettings(max_attempts=3, base_s=1, cap_s=1, max_interrupted=10)
    assert crash_loop(env, retry) == 5
    post = env.post("k")
    assert post["state"] == "published", post["reason"]
    outcomes = [a["outcome"] for a in env.attempts(post["id"])]
    assert outcomes == ["interrupted"] * 5 + ["transient", "published"]
    assert env.platform.posts[("k", "wechat")] == 1 and env.platform.steps[("k", "wechat", "draft")] == 1


def test_a_crash_loop_still_ends_with_a_person(env: Env) -> None:
    env.item("k")
    env.sync()
    env.platform.script[("k", "wechat")] = ["crash_after_draft"] * 10
    retry = RetrySettings(max_attempts=3, base_s=1, cap_s=1, max_interrupted=4)
    assert crash_loop(env, retry) == 4
    post = env.post("k")
    assert post["state"] == "needs_attention"
    assert "after 0 attempts and 4 cut short by a crash" in post["reason"]
    assert env.notices.keys() == {(post["id"], "needs_attention"): 1}


def test_a_resume_with_changed_content_starts_afresh(env: Env) -> None:
    env.item("k")
    env.sync()
    env.platform.script[("k", "wechat")] = ["unknown_lost"]
    assert states(env.run()) == {"k:wechat": "retrying"}
    env.item("k", body="新版本")
    env.sync()  # a retrying post takes the edit
    env.clock.advance(minutes=5)
    assert states(env.run()) == {"k:wechat": "published"}
    assert env.platform.seen_ids[-1] == {}  # the old version's draft was not reused
    post = env.post("k")
    assert env.events(post["id"], "ids_discarded")
    assert env.platform.steps[("k", "wechat", "draft")] == 2


# -- the dry-run adapter and tokens ------------------------------------------------------------------------


def test_dry_run_accounts_go_through_the_real_registry(env: Env) -> None:
    env.item("dry", accounts=("wechat", "wechat_en"))
    env.sync()
    queue = Queue(env.ws, env.store, owner="A", now=env.clock)
    assert states(asyncio.run(queue.run_due())) == {"dry:wechat": "dry_run", "dry:wechat_en": "dry_run"}
    assert env.post("dry")["url"].startswith("dryrun://wechat/")
    (log,) = (env.ws.state_dir / "dry-run").glob("requests-*.jsonl")  # the queue's daily record of dry runs
    sent = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["item"], r["account"]) for r in sent) == [("dry", "wechat"), ("dry", "wechat_en")]


def test_dry_run_record_folder_removed_between_runs_is_made_again(env: Env) -> None:
    env.item("one", accounts=("wechat",))
    env.item("two", accounts=("wechat",), when="2026-12-01 12:30")
    env.sync()
    queue = Queue(env.ws, env.store, owner="A", now=env.clock)
    assert states(asyncio.run(queue.run_due())) == {"one:wechat": "dry_run"}
    shutil.rmtree(env.ws.state_dir / "dry-run")
    env.clock.advance(minutes=30)
    assert states(asyncio.run(queue.run_due())) == {"two:wechat": "dry_run"}
    (log,) = (env.ws.state_dir / "dry-run").glob("requests-*.jsonl")
    assert [json.loads(line)["item"] for line in log.read_text(encoding="utf-8").splitlines()] == ["two"]


def test_a_payload_for_another_account_differs_in_the_account_alone_and_keeps_its_hash() -> None:
    post = RenderedPost("i", "content/i.md", "wechat", "a", {"title": "t", "tags": ["x"]}, content_hash="h")
    sent = post.rendered_hash
    other = post.for_account("b")
    assert other == replace(post, account="b") and other.account == "b" and post.account == "a"
    assert other.__dict__["rendered_hash"] == sent == replace(post, account="b").rendered_hash
    assert post.for_account("a") is post


def test_store_token_cache_shares_tokens_and_never_stores_empty_ones(env: Env) -> None:
    cache = StoreTokenCache(env.store)
    assert cache.get("wechat", "access_token") is None
    cache.put("wechat", "access_token", "tok-1", T0 + timedelta(hours=2), {"n": 1})
    cache.put("wechat", "access_token", "", None)
    assert StoreTokenCache(env.store).get("wechat", "access_token") == (
        "tok-1",
        T0 + timedelta(hours=2),
        {"n": 1},
    )
    cache.put("wechat", "access_token", "tok-2", None)
    assert cache.get("wechat", "access_token") == ("tok-2", None, {})


def test_the_reconciler_is_handed_its_collaborators_and_knows_nothing_of_the_queue() -> None:
    import ast
    import inspect

    import publisher.queue.reconcile as reconcile

    tree = ast.parse(inspect.getsource(reconcile))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert "publisher.queue.runner" not in imported, imported
    params = set(inspect.signature(reconcile.Reconciler).parameters)
    assert params == {
        "store", "db", "owner", "now", "retry", "adapter_for", "rendered", "behind", "commits", "lanes"
    }, params  # fmt: skip
