"""One client per account, the token cached: every adapter that sends takes the account's client from the
run's pool (`http.open_client` inside `client_pool()`, as the queue and the metrics pull run them).

Each platform is a small `httpx.MockTransport` fake whose tokens name their account, so every request says
whose it is. `Clients` counts the httpx clients built and which accounts' requests each one sent:
inside a pool, several posts of two accounts (side by side, as the queue's lanes send them) make exactly one
client per account, never shared; outside a pool every call still opens a fresh client and closes it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from publisher.adapters.base import AdapterContext, MemoryTokenCache
from publisher.adapters.douyin.adapter import DouyinAdapter
from publisher.adapters.douyin.auth import ACCESS, REFRESH
from publisher.adapters.http import RetryPolicy, client_pool
from publisher.adapters.producthunt.adapter import ProductHuntAdapter
from publisher.adapters.weibo.adapter import WeiboAdapter
from publisher.adapters.weibo.auth import ACCESS as WEIBO_ACCESS
from publisher.adapters.xiaohongshu.adapter import XiaohongshuAdapter
from publisher.models import Attempt, MediaFile, RemoteRef, RenderedPost

T = TypeVar("T")
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
ACCOUNTS = ("acct_a", "acct_b")
POSTS = 3  # per account
WHOSE = re.compile(r"acct_[ab]")


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def whose(request: httpx.Request) -> str:
    """The account a request belongs to: its token (header, query or form) names it."""
    text = " ".join(f"{k}={v}" for k, v in request.headers.items()) + " " + str(request.url)
    if request.headers.get("content-type", "").startswith(("application/x-www-form", "application/json")):
        text += " " + request.content.decode()
    found = set(WHOSE.findall(text))
    assert len(found) == 1, f"{request.method} {request.url.path} names {found or 'no account'}"
    return str(found.pop())


class Clients:
    """Every httpx client built (whichever module builds it), and the accounts whose requests each sent."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.made: list[httpx.AsyncClient] = []
        self.sent_for: list[set[str]] = []
        real = httpx.AsyncClient.__init__
        made, sent_for = self.made, self.sent_for

        def counting(client: httpx.AsyncClient, *args: Any, **kw: Any) -> None:
            real(client, *args, **kw)
            accounts: set[str] = set()

            async def note(request: httpx.Request) -> None:
                accounts.add(whose(request))

            client.event_hooks["request"].append(note)
            made.append(client)
            sent_for.append(accounts)

        monkeypatch.setattr(httpx.AsyncClient, "__init__", counting)

    def one_per_account(self) -> None:
        """Exactly one client per account, each account's requests all on its own client, all closed."""
        assert sorted(a for sent in self.sent_for for a in sent) == sorted(ACCOUNTS), self.sent_for
        assert len(self.made) == len(ACCOUNTS), f"{len(self.made)} clients for {len(ACCOUNTS)} accounts"
        assert all(c.is_closed for c in self.made)  # the pool closed them at its end

    def one_per_call(self, calls: int) -> None:
        """Outside a pool: a fresh client for every adapter call, one account each, closed on exit."""
        assert len(self.made) == calls, f"{len(self.made)} clients for {calls} calls"
        assert all(len(sent) <= 1 for sent in self.sent_for)
        assert all(c.is_closed for c in self.made)


@dataclass
class Fake:
    """What a MockTransport fake saw: (account, method, path) of every request."""

    seen: list[tuple[str, str, str]] = field(default_factory=list)

    def note(self, request: httpx.Request) -> str:
        account = whose(request)
        self.seen.append((account, request.method, request.url.path))
        return account

    def count(self, path: str, account: str | None = None) -> int:
        return sum(1 for a, _, p in self.seen if p.endswith(path) and account in (None, a))


def context(account: str, transport: httpx.MockTransport, base: str, **kw: Any) -> AdapterContext:
    kw.setdefault("now", lambda: NOW)
    return AdapterContext(account=account, mode="sandbox", base_url=base, transport=transport, **kw)


def image(tmp: Path, name: str) -> MediaFile:
    path = tmp / name
    data = b"\xff\xd8" + name.encode() * 20
    path.write_bytes(data)
    return MediaFile(
        "images",
        str(path),
        f"content/media/{name}",
        hashlib.sha256(data).hexdigest(),
        len(data),
        "image/jpeg",
    )


def post(platform: str, account: str, n: int, tmp: Path, **fields: Any) -> RenderedPost:
    return RenderedPost(
        f"item-{n}", f"content/item-{n}.md", platform, account, fields, (image(tmp, "a.jpg"),)
    )


async def each_account(work: Callable[[str], Awaitable[None]], pooled: bool) -> None:
    """`work` for both accounts side by side (the queue's lanes), inside a client pool or not."""
    if not pooled:
        for account in ACCOUNTS:
            await work(account)
        return
    async with client_pool():
        await asyncio.gather(*(work(a) for a in ACCOUNTS))


# -- Douyin: the access token is refreshed once per account, then cached for its lifetime ------------------


class DouyinFake(Fake):
    def __init__(self) -> None:
        super().__init__()
        self.items = 0
        self.expire_once: set[str] = set()  # accounts whose next create answers "token expired"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        account = self.note(request)
        path = request.url.path

        def ok(**data: Any) -> httpx.Response:
            return httpx.Response(200, json={"data": {"error_code": 0, "description": "", **data}})

        if path.endswith("/oauth/refresh_token/"):
            n = self.count(path, account) - 1  # this request is counted already
            return ok(
                access_token=f"{account}-access-{n}",
                expires_in=15 * 86400,
                refresh_token=f"{account}-refresh",
                refresh_expires_in=30 * 86400,
                open_id=f"{account}-open",
                scope="video.create.bind,video.data.bind",
            )
        assert request.headers["access-token"].startswith(f"{account}-access-"), "a token of another account"
        if path.endswith("/upload_image/"):
            return ok(image={"image_id": f"{account}-img-{self.count(path)}"})
        if path.endswith("/create_image_text/"):
            if account in self.expire_once:
                self.expire_once.discard(account)
                return ok(error_code=28001003, description="access_token invalid")
            self.items += 1
            return ok(item_id=f"@{account}-{self.items}")
        if path.endswith("/video_data/"):
            ids = json.loads(request.content)["item_ids"]
            return ok(
                list=[
                    {
                        "item_id": i,
                        "video_status": 5,
                        "is_reviewed": True,
                        "statistics": {"play_count": 10, "digg_count": 2},
                    }
                    for i in ids
                ]
            )
        return httpx.Response(404, json={"data": {"error_code": 2100007, "description": path}})


def douyin_tokens() -> MemoryTokenCache:
    """Both accounts authorised, their access tokens within a day of their end: the first call refreshes."""
    cache = MemoryTokenCache()
    for account in ACCOUNTS:
        scope = {"open_id": f"{account}-open", "scope": "video.create.bind,video.data.bind"}
        cache.put(account, ACCESS, f"{account}-access-old", NOW + timedelta(hours=2), scope)
        until = NOW + timedelta(days=20)
        cache.put(
            account, REFRESH, f"{account}-refresh", until, {"open_id": f"{account}-open", "renewals": 0}
        )
    return cache


def access_token(tokens: MemoryTokenCache, account: str) -> str:
    entry = tokens.get(account, ACCESS)
    assert entry is not None
    return entry[0]


def douyin_work(fake: DouyinFake, tokens: MemoryTokenCache, tmp: Path) -> Callable[[str], Awaitable[None]]:
    transport = httpx.MockTransport(fake)  # one for every account, as the queue's contexts share theirs

    async def work(account: str) -> None:
        ctx = context(
            account,
            transport,
            "http://douyin.test",
            options={"verified": True},
            credentials={"client_key": "key", "client_secret": "adapter-clients-secret-canary"},
            tokens=tokens,
        )
        adapter = DouyinAdapter(ctx, policy=RetryPolicy.immediate())
        refs = []
        for n in range(POSTS):
            rendered = post("douyin", account, n, tmp, text=f"第{n}篇")
            sent = await adapter.publish(rendered, Attempt(n, 1, NOW, {}))
            polled = await adapter.poll(rendered, Attempt(n, 1, NOW, dict(sent.detail)))
            assert polled.state == "published"
            refs.append(RemoteRef(n, "douyin", account, str(sent.remote_id), None, NOW, dict(sent.detail)))
        assert await adapter.fetch_metrics(refs)

    return work


@pytest.mark.parametrize("pooled", [True, False], ids=["in a pool", "outside a pool"])
def test_douyin_one_client_per_account_and_one_token_refresh(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pooled: bool
) -> None:
    clients, fake, tokens = Clients(monkeypatch), DouyinFake(), douyin_tokens()
    run(each_account(douyin_work(fake, tokens, tmp_path), pooled))
    for account in ACCOUNTS:
        assert fake.count("/create_image_text/", account) == POSTS
        assert fake.count("/oauth/refresh_token/", account) == 1  # then cached for its 15 days
        assert access_token(tokens, account) == f"{account}-access-0"
    if pooled:
        clients.one_per_account()
    else:
        clients.one_per_call(len(ACCOUNTS) * (2 * POSTS + 1))  # publish and poll per post, one metrics pull


def test_douyin_an_expired_token_is_refreshed_once_on_the_pooled_client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clients, fake, tokens = Clients(monkeypatch), DouyinFake(), douyin_tokens()
    for account in ACCOUNTS:  # fresh tokens: nothing to refresh ahead of time
        entry = tokens.get(account, ACCESS)
        assert entry is not None
        tokens.put(account, ACCESS, f"{account}-access-x", NOW + timedelta(days=10), entry[2])
    fake.expire_once.add("acct_a")  # the platform retired a's token: with_token_refresh refreshes, repeats
    run(each_account(douyin_work(fake, tokens, tmp_path), pooled=True))
    assert fake.count("/oauth/refresh_token/", "acct_a") == 1
    assert fake.count("/oauth/refresh_token/", "acct_b") == 0
    assert fake.count("/create_image_text/", "acct_a") == POSTS + 1  # the refused one, repeated once
    assert access_token(tokens, "acct_a") == "acct_a-access-0"
    clients.one_per_account()


# -- Weibo: the stored token (no refresh exists), no token request at all ---------------------------------


class WeiboFake(Fake):
    def __call__(self, request: httpx.Request) -> httpx.Response:
        account = self.note(request)
        assert request.headers["authorization"] == f"OAuth2 {account}-token"
        if request.url.path.endswith("/statuses/share.json"):
            n = self.count("/statuses/share.json")
            return httpx.Response(
                200,
                json={"id": n, "idstr": str(n), "text": "x", "created_at": "Tue Dec 01 12:00:00 +0800 2026"},
            )
        if request.url.path.endswith("/statuses/count.json"):
            ids = request.url.params["ids"].split(",")
            return httpx.Response(
                200, json=[{"idstr": i, "reposts": 1, "comments": 2, "attitudes": 3} for i in ids]
            )
        return httpx.Response(400, json={"error_code": 10014, "error": request.url.path})


@pytest.mark.parametrize("pooled", [True, False], ids=["in a pool", "outside a pool"])
def test_weibo_one_client_per_account_and_the_stored_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pooled: bool
) -> None:
    clients, fake, tokens = Clients(monkeypatch), WeiboFake(), MemoryTokenCache()
    transport = httpx.MockTransport(fake)  # shared by the accounts, as in the queue
    for account in ACCOUNTS:
        tokens.put(account, WEIBO_ACCESS, f"{account}-token", NOW + timedelta(days=30), {"uid": "1"})

    async def work(account: str) -> None:
        ctx = context(
            account,
            transport,
            "http://weibo.test",
            tokens=tokens,
            options={"rip": "127.0.0.1"},
        )
        adapter = WeiboAdapter(ctx, policy=RetryPolicy.immediate())
        refs = []
        for n in range(POSTS):
            sent = await adapter.publish(
                post("weibo", account, n, tmp_path, text=f"{n} https://example.com"), Attempt(n, 1, NOW, {})
            )
            assert sent.state == "published"
            refs.append(RemoteRef(n, "weibo", account, str(sent.remote_id), None, NOW, dict(sent.detail)))
        assert await adapter.fetch_metrics(refs)

    run(each_account(work, pooled))
    for account in ACCOUNTS:
        assert fake.count("/statuses/share.json", account) == POSTS
    assert not [p for _, _, p in fake.seen if "oauth2" in p]  # the token is the stored one: never asked for
    if pooled:
        clients.one_per_account()
    else:
        clients.one_per_call(len(ACCOUNTS) * (POSTS + 1))


# -- Xiaohongshu: the bridge's token is the account's credential; one client serves the slow publish too ---


class BridgeFake(Fake):
    def __init__(self) -> None:
        super().__init__()
        self.notes: dict[str, list[dict[str, Any]]] = {a: [] for a in ACCOUNTS}
        self.timeouts: list[tuple[str, dict[str, Any]]] = []  # (path, timeouts) of every request

    def __call__(self, request: httpx.Request) -> httpx.Response:
        account = self.note(request)
        assert request.headers["authorization"] == f"Bearer {account}-bridge"
        path = request.url.path
        self.timeouts.append((path, dict(request.extensions["timeout"])))

        def ok(data: dict[str, Any]) -> httpx.Response:
            return httpx.Response(200, json={"success": True, "data": data})

        if path.endswith("/login/status"):
            return ok({"is_logged_in": True})
        if path.endswith("/publish"):
            title = json.loads(request.content)["title"]
            n = len(self.notes[account])
            self.notes[account].insert(
                0,
                {
                    "id": f"{account}-note-{n}",
                    "xsecToken": f"{account}-x{n}",
                    "noteCard": {"displayTitle": title},
                },
            )
            return ok({"title": title})
        if path.endswith("/user/me"):
            return ok({"data": {"feeds": self.notes[account]}})
        if path.endswith("/feeds/detail"):
            return ok(
                {
                    "data": {
                        "note": {
                            "time": int(NOW.timestamp() * 1000) + 1000,
                            "interactInfo": {"likedCount": "3"},
                        }
                    }
                }
            )
        return httpx.Response(404, json={"success": False})


@pytest.mark.parametrize("pooled", [True, False], ids=["in a pool", "outside a pool"])
def test_xiaohongshu_one_bridge_client_per_account_the_publish_keeps_its_long_timeout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pooled: bool
) -> None:
    clients, fake = Clients(monkeypatch), BridgeFake()
    transport = httpx.MockTransport(fake)  # shared by the accounts, as in the queue

    async def work(account: str) -> None:
        ctx = context(
            account,
            transport,
            "http://bridge.test",
            options={"bridge_url": "sandbox", "publish_timeout_s": 900},
            credentials={"token": f"{account}-bridge"},
        )
        adapter = XiaohongshuAdapter(ctx, policy=RetryPolicy.immediate())
        refs = []
        for n in range(POSTS):
            sent = await adapter.publish(
                post("xiaohongshu", account, n, tmp_path, title=f"第{n}篇", body="正文"),
                Attempt(n, 1, NOW, {}),
            )
            assert sent.state == "published", sent
            refs.append(
                RemoteRef(n, "xiaohongshu", account, str(sent.remote_id), None, NOW, dict(sent.detail))
            )
        assert await adapter.fetch_metrics(refs)

    run(each_account(work, pooled))
    assert {len(notes) for notes in fake.notes.values()} == {POSTS}
    # The publish request waits as long as the bridge may take; the other calls keep the usual 30 s.
    publish = [t for path, t in fake.timeouts if path.endswith("/publish")]
    others = [t for path, t in fake.timeouts if not path.endswith("/publish")]
    assert len(publish) == len(ACCOUNTS) * POSTS and others
    assert all(t["read"] == 900 and t["write"] == 300 and t["connect"] == 5 for t in publish)
    assert all(t["read"] == 30 and t["write"] == 30 for t in others)
    if pooled:
        clients.one_per_account()
    else:
        clients.one_per_call(len(ACCOUNTS) * (3 * POSTS + 1))  # login check, publish, lookup; the metrics


# -- Product Hunt: the developer token is the account's credential, in its client's headers ----------------


class GraphQLFake(Fake):
    def __call__(self, request: httpx.Request) -> httpx.Response:
        account = self.note(request)
        assert request.headers["authorization"] == f"Bearer {account}-dev"
        variables = json.loads(request.content)["variables"]
        data = {
            f"p{k[1:]}": {
                "id": "1",
                "slug": v,
                "votesCount": 5,
                "commentsCount": 1,
                "reviewsRating": 4.5,
                "featuredAt": None,
            }
            for k, v in variables.items()
        }
        return httpx.Response(200, json={"data": data}, headers={"x-rate-limit-remaining": "6000"})


@pytest.mark.parametrize("pooled", [True, False], ids=["in a pool", "outside a pool"])
def test_producthunt_one_client_per_account_for_its_reads(
    monkeypatch: pytest.MonkeyPatch, pooled: bool
) -> None:
    clients, fake = Clients(monkeypatch), GraphQLFake()
    transport = httpx.MockTransport(fake)  # shared by the accounts, as in the queue

    async def work(account: str) -> None:
        ctx = context(
            account,
            transport,
            "http://ph.test",
            credentials={"token": f"{account}-dev"},
            options={"complexity_budget": 7},
        )
        adapter = ProductHuntAdapter(ctx, policy=RetryPolicy.immediate())
        for n in range(POSTS):  # one post a read (a budget of 7 points), as separate metrics pulls
            ref = RemoteRef(
                n, "producthunt", account, f"{account}-launch-{n}".replace("_", "-"), None, NOW, {}
            )
            assert await adapter.fetch_metrics([ref])

    run(each_account(work, pooled))
    assert len(fake.seen) == len(ACCOUNTS) * POSTS
    if pooled:
        clients.one_per_account()
    else:
        clients.one_per_call(len(ACCOUNTS) * POSTS)


def test_a_pool_changes_which_client_sends_not_what_is_sent(tmp_path: Path) -> None:
    """Each account's requests are the same, in the same order, with or without a pool."""
    sent: list[dict[str, list[tuple[str, str]]]] = []
    for pooled in (False, True):
        fake, tokens = DouyinFake(), douyin_tokens()
        run(each_account(douyin_work(fake, tokens, tmp_path), pooled))
        sent.append({a: [(m, p) for who, m, p in fake.seen if who == a] for a in ACCOUNTS})
    assert sent[0] == sent[1] and len(sent[0]["acct_a"]) > 2 * POSTS
