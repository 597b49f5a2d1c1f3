"""Metrics: pull via adapters (fakes, and the real Douyin adapter on the sandbox), CSV import, the series."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from publisher import errors
from publisher.adapters.http import ClientPool, open_client
from publisher.metrics import pull as metrics
from publisher.metrics.imports import import_csv
from publisher.models import MetricSample, RemoteRef
from publisher.store import Store, open_store
from publisher.store.tables import account_metric_t as account_t
from publisher.store.tables import event_t, item_t, metric_t, post_t
from publisher.workspace.settings import Workspace, open_workspace

NOW = datetime(2027, 1, 11, 4, 0, tzinfo=UTC)
SECRET = "app-secret-CANARY-55"
TOML = """
[workspace]
name = "m"
timezone = "Asia/Shanghai"
[accounts.wechat]
platform = "wechat"
[accounts.douyin]
platform = "douyin"
[accounts.xiaohongshu]
platform = "xiaohongshu"
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    (tmp_path / "publisher.toml").write_text(TOML, encoding="utf-8")
    return open_workspace(tmp_path, env={})


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'p.db'}")


def add_post(
    store: Store,
    pid: int,
    platform: str,
    account: str,
    published_at: datetime,
    *,
    title: str = "",
    remote_id: str | None = None,
    ids: dict[str, Any] | None = None,
    state: str = "published",
) -> None:
    with store.begin() as conn:
        conn.execute(
            sa.insert(item_t).values(
                id=f"item-{pid}",
                path=f"content/{pid}.md",
                hash="h",
                fields={},
                status="ready",
                title=title or f"标题 {pid}",
                synced_at=published_at,
            )
        )
        conn.execute(
            sa.insert(post_t).values(
                id=pid,
                item_id=f"item-{pid}",
                platform=platform,
                account=account,
                state=state,
                due_at=published_at,
                remote_id=remote_id or f"r{pid}",
                ids=ids or {},
                created_at=published_at,
                updated_at=published_at,
            )
        )
        if state == "published":
            conn.execute(
                sa.insert(event_t).values(
                    post_id=pid, at=published_at, kind="transition", message="sending -> published"
                )
            )


def samples(store: Store) -> list[Any]:
    with store.session() as s:
        return list(s.execute(sa.select(metric_t).order_by(metric_t.c.id)).all())


class FakeAdapter:
    """Answers each ref with views and likes; can fail first with a given error."""

    def __init__(self, platform: str, now: datetime, fail: list[Exception] | None = None) -> None:
        self.name = platform
        self.now = now
        self.fail = list(fail or [])
        self.calls: list[list[int]] = []

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        self.calls.append([r.post_id for r in refs])
        if self.fail:
            raise self.fail.pop(0)
        out = [
            MetricSample(r.post_id, self.name, "views", 100.0 + r.post_id, self.now, "read_user")
            for r in refs
        ]
        out += [MetricSample(r.post_id, self.name, "zaikan", 3.0, self.now, "zaikan_user") for r in refs]
        out.append(MetricSample(None, self.name, "followers", 1234.0, self.now, "cumulate_user"))
        out.append(MetricSample(999, self.name, "views", 1.0, self.now))  # a post it was not asked about
        return out


def test_pull_appends_samples_with_age_raw_names_and_account_figures(ws: Workspace, store: Store) -> None:
    add_post(store, 1, "wechat", "wechat", NOW - timedelta(hours=24))
    add_post(store, 2, "wechat", "wechat", NOW - timedelta(days=30))  # older than `since`: not asked
    adapter = FakeAdapter("wechat", NOW)
    result = metrics.pull(
        ws,
        store,
        now=NOW,
        since=NOW - timedelta(days=14),
        accounts=False,
        adapter_for=lambda p, a: adapter if p == "wechat" else None,
    )
    assert adapter.calls == [[1]]
    rows = samples(store)
    assert {(r.post_id, r.name, r.raw_name, r.value) for r in rows} == {
        (1, "views", "read_user", 101.0),
        (1, "zaikan", "zaikan_user", 3.0),
        (None, "followers", "cumulate_user", 1234.0),
    }
    assert all(r.age_s == 86400.0 for r in rows if r.post_id == 1)
    assert result.samples == 3 and result.posts == 1 and result.accounts == 1 and result.errors == ()
    with store.session() as s:
        assert s.execute(sa.select(account_t.c.day, account_t.c.value)).all() == [(NOW.date(), 1234.0)]
    # A second pull appends: the series is never overwritten.
    adapter.now = NOW + timedelta(hours=1)
    metrics.pull(
        ws, store, now=NOW, since=NOW - timedelta(days=14), accounts=False, adapter_for=lambda p, a: adapter
    )
    views = [r for r in samples(store) if r.name == "views"]
    assert [r.age_s for r in views] == [86400.0, 90000.0]


def test_pull_batches_refs_and_asks_accounts_without_posts(ws: Workspace, store: Store) -> None:
    for pid in range(1, metrics.BATCH + 3):
        add_post(store, pid, "douyin", "douyin", NOW - timedelta(hours=2))
    made: dict[str, FakeAdapter] = {}

    def adapter_for(platform: str, account: str) -> FakeAdapter:
        return made.setdefault(account, FakeAdapter(platform, NOW))

    result = metrics.pull(ws, store, now=NOW, since=None, adapter_for=adapter_for)
    assert [len(c) for c in made["douyin"].calls] == [metrics.BATCH, 2]
    assert made["wechat"].calls == [[]] and made["xiaohongshu"].calls == [[]]  # account figures only
    assert result.accounts == 3 and result.account_figures == 3


class PooledAdapter(FakeAdapter):
    """A FakeAdapter that reads through its account's client, taken as the real adapters take it."""

    def __init__(self, platform: str, account: str, transport: httpx.AsyncBaseTransport) -> None:
        super().__init__(platform, NOW)
        self.account, self.transport = account, transport
        self.clients: list[httpx.AsyncClient] = []

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        async with open_client(
            scope=self.account, base_url="http://fake.test", platform=self.name, transport=self.transport
        ) as client:
            self.clients.append(client)
            await client.get("/read")
        return await super().fetch_metrics(refs)


def test_a_pull_keeps_one_client_per_account_for_all_its_batches(ws: Workspace, store: Store) -> None:
    for pid in range(1, metrics.BATCH + 3):
        add_post(store, pid, "douyin", "douyin", NOW - timedelta(hours=2))
        add_post(store, 100 + pid, "wechat", "wechat", NOW - timedelta(hours=2))
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    made: dict[str, PooledAdapter] = {}

    def adapter_for(platform: str, account: str) -> PooledAdapter:
        return made.setdefault(account, PooledAdapter(platform, account, transport))

    metrics.pull(ws, store, now=NOW, since=None, adapter_for=adapter_for)
    douyin, wechat = made["douyin"].clients, made["wechat"].clients
    assert len(douyin) == len(wechat) == 2  # two batches each, one client each
    assert douyin[0] is douyin[1] and wechat[0] is wechat[1] and douyin[0] is not wechat[0]
    assert all(c.is_closed for a in made.values() for c in a.clients)  # closed when the pull ended


def test_pulls_given_the_callers_clients_reuse_them_and_leave_them_open(ws: Workspace, store: Store) -> None:
    add_post(store, 1, "douyin", "douyin", NOW - timedelta(hours=2))
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    made: dict[str, PooledAdapter] = {}

    def adapter_for(platform: str, account: str) -> PooledAdapter:
        return made.setdefault(account, PooledAdapter(platform, account, transport))

    async def two_pulls() -> list[metrics.PullResult]:
        clients = ClientPool()
        done = [
            await metrics.pull_async(ws, store, now=NOW, since=None, adapter_for=adapter_for, clients=clients)
            for _ in range(2)
        ]
        assert not any(c.is_closed for c in made["douyin"].clients)  # the caller's to close
        await clients.aclose()
        return done

    first, second = asyncio.run(two_pulls())
    assert first.posts == second.posts == 1
    douyin = made["douyin"].clients
    assert len(douyin) == 2 and douyin[0] is douyin[1]  # one client, from pull to pull
    assert douyin[0].is_closed


def test_reads_are_retried_on_transient_errors_honouring_retry_after(ws: Workspace, store: Store) -> None:
    add_post(store, 1, "wechat", "wechat", NOW - timedelta(hours=3))
    adapter = FakeAdapter(
        "wechat",
        NOW,
        fail=[
            errors.RateLimited("slow down", retry_after=7, platform="wechat"),
            errors.TransientError("busy", platform="wechat", code=-1),
        ],
    )
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(s)

    result = metrics.pull(
        ws, store, now=NOW, since=None, accounts=False, adapter_for=lambda p, a: adapter, sleep=sleep
    )
    assert waits == [7.0, 2.0] and len(adapter.calls) == 3 and result.errors == () and result.samples == 3


def test_one_accounts_failure_is_reported_and_the_others_still_pull(ws: Workspace, store: Store) -> None:
    add_post(store, 1, "wechat", "wechat", NOW - timedelta(hours=3))
    add_post(store, 2, "douyin", "douyin", NOW - timedelta(hours=3))
    bad = FakeAdapter(
        "wechat", NOW, fail=[errors.AuthError(f"token rejected: secret={SECRET}", platform="wechat")]
    )
    good = FakeAdapter("douyin", NOW)

    def adapter_for(platform: str, account: str) -> FakeAdapter:
        if platform == "xiaohongshu":
            raise errors.ConfigError("no credentials", key="accounts.xiaohongshu")
        return bad if platform == "wechat" else good

    from publisher.redact import register_secret

    register_secret(SECRET)
    result = metrics.pull(ws, store, now=NOW, since=None, adapter_for=adapter_for)
    assert len(bad.calls) == 1  # an auth error is not retried
    assert {r.post_id for r in samples(store) if r.post_id} == {2}
    assert len(result.errors) == 2 and any("wechat" in e for e in result.errors)
    assert SECRET not in result.summary()


def test_pull_from_the_sandbox_through_the_real_douyin_adapter(
    ws: Workspace, store: Store, tmp_path: Path
) -> None:
    import httpx

    from publisher.adapters.base import AdapterContext, MemoryTokenCache
    from publisher.adapters.douyin.adapter import DouyinAdapter
    from publisher.adapters.douyin.auth import authorize_url, exchange_code, save_tokens
    from publisher.adapters.http import RetryPolicy
    from publisher.models import Attempt, MediaFile, RenderedPost
    from publisher.sandbox import create_app

    start = datetime(2027, 1, 4, 4, 0, tzinfo=UTC)
    app = create_app(seed=5, now=start)
    transport = httpx.ASGITransport(app=app)
    tokens = MemoryTokenCache()
    key, secret = "dy_key", "dy-secret-canary"

    def now() -> datetime:
        return app.state.world.now  # type: ignore[no-any-return]

    async def advance(seconds: float) -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as c:
            await c.post("/__fake/clock", json={"advance_seconds": seconds})

    def adapter() -> DouyinAdapter:
        ctx = AdapterContext(
            account="douyin",
            mode="sandbox",
            base_url="http://sandbox/dy",
            options={"verified": True},
            credentials={"client_key": key, "client_secret": secret},
            transport=transport,
            now=now,
            ids_sink=lambda ids: None,
            intent=lambda step: None,
            out_dir=tmp_path,
            tokens=tokens,
        )
        return DouyinAdapter(ctx, policy=RetryPolicy.immediate(), sleep=advance)

    async def publish() -> Any:
        from urllib.parse import parse_qs, urlparse

        async with httpx.AsyncClient(transport=transport) as c:
            r = await c.get(
                authorize_url(
                    key,
                    "http://127.0.0.1:1/cb",
                    ["video.create.bind", "video.data.bind"],
                    "s",
                    base_url="http://sandbox/dy",
                )
            )
        code = parse_qs(urlparse(r.headers["location"]).query)["code"][0]
        save_tokens(
            tokens,
            "douyin",
            await exchange_code(
                key, secret, code, base_url="http://sandbox/dy", transport=transport, now=now
            ),
        )
        clip = tmp_path / "v.mp4"
        clip.write_bytes(b"\0\0\0\x18ftypmp42" + b"v" * 500)
        media = MediaFile("video", str(clip), "content/v.mp4", "0" * 64, clip.stat().st_size, "video/mp4")
        post = RenderedPost(
            "launch", "content/launch.md", "douyin", "douyin", {"text": "上线 #效率"}, (media,)
        )
        return await adapter().publish(post, Attempt(1, 1, now()))

    result = asyncio.run(publish())
    add_post(store, 1, "douyin", "douyin", now(), remote_id=str(result.remote_id), ids=dict(result.detail))
    pulls = []
    for hours in (1, 23):  # T+1 h, then T+24 h
        asyncio.run(advance(hours * 3600))
        pulls.append(
            metrics.pull(
                ws,
                store,
                now=now(),
                since=None,
                accounts=False,
                adapter_for=lambda p, a: adapter() if p == "douyin" else None,
            )
        )
    assert [p.errors for p in pulls] == [(), ()]
    views = [r for r in samples(store) if r.name == "views"]
    assert len(views) == 2 and views[0].raw_name == "play_count"
    assert 0 < views[0].value <= views[1].value  # engagement grows with the sandbox's clock
    assert [round(v.age_s / 3600) for v in views] == [1, 24]
    assert {r.name for r in samples(store)} >= {"views", "plays", "likes", "comments", "shares"}


CSV = """笔记数据明细
笔记标题,首次发布时间,体裁,观看量,点赞,收藏,评论,分享,涨粉
三步搞定周报,2027-01-04 12:00,图文,1.2万,356,120,18,9,12
效率神器上线,2027-01-05 20:00,视频,8000,210,80,11,5,3
从没发过的笔记,2027-01-06 20:00,图文,10,1,0,0,0,0
"""


def test_import_matches_posts_by_title_keeps_raw_names_and_is_idempotent(
    ws: Workspace, store: Store, tmp_path: Path
) -> None:
    add_post(
        store, 1, "xiaohongshu", "xiaohongshu", datetime(2027, 1, 4, 4, 0, tzinfo=UTC), title="三步搞定周报"
    )
    add_post(
        store,
        2,
        "xiaohongshu",
        "xiaohongshu",
        datetime(2027, 1, 5, 12, 0, tzinfo=UTC),
        title="效率神器 上线",
        remote_id="64f0c0ffee",
    )
    path = tmp_path / "export.csv"
    path.write_text(CSV, encoding="utf-8-sig")
    result = import_csv(ws, store, path, platform="xiaohongshu", now=NOW)
    assert (result.rows, result.matched) == (3, 2) and result.unmatched == ("从没发过的笔记 (line 5)",)
    rows = samples(store)
    views = {r.post_id: r for r in rows if r.name == "views"}
    assert views[1].value == 12000.0 and views[1].raw_name == "观看量" and views[1].taken_at == NOW
    assert views[1].age_s == (NOW - datetime(2027, 1, 4, 4, 0, tzinfo=UTC)).total_seconds()
    assert {r.name for r in rows if r.post_id == 2} == {
        "views",
        "likes",
        "favorites",
        "comments",
        "shares",
        "followers_gained",
    }
    again = import_csv(ws, store, path, platform="xiaohongshu", now=NOW + timedelta(hours=1))
    assert again.already_imported and again.samples == 0 and len(samples(store)) == len(rows)


def test_import_prefers_the_note_id_and_refuses_a_file_without_a_title_column(
    ws: Workspace, store: Store, tmp_path: Path
) -> None:
    add_post(
        store, 1, "xiaohongshu", "xiaohongshu", NOW - timedelta(days=2), title="同名", remote_id="note-a"
    )
    add_post(
        store, 2, "xiaohongshu", "xiaohongshu", NOW - timedelta(days=2), title="同名", remote_id="note-b"
    )
    path = tmp_path / "ids.csv"
    path.write_text("笔记标题,笔记ID,观看量\n同名,note-b,500\n同名,,7\n", encoding="utf-8")
    result = import_csv(ws, store, path, platform="xiaohongshu", account="xiaohongshu", now=NOW)
    assert result.matched == 1 and [(r.post_id, r.value) for r in samples(store)] == [(2, 500.0)]
    assert len(result.unmatched) == 1  # same title twice, same day: ambiguous, so not guessed
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(errors.ContentError):
        import_csv(ws, store, bad, platform="xiaohongshu", now=NOW)


def test_job_pull_skips_dry_run_accounts(ws: Workspace, store: Store) -> None:
    from types import SimpleNamespace

    add_post(store, 1, "wechat", "wechat", NOW - timedelta(hours=3))
    ctx = SimpleNamespace(
        ws=ws, store=store, now=NOW, job=SimpleNamespace(args={"since_days": 3}), sandbox_url=None
    )
    assert metrics.job_pull(ctx).startswith("0 sample(s)")  # every account here is dry-run: nothing to read
    assert samples(store) == []


def test_job_pull_asks_the_daemons_sandbox_and_names_the_host(tmp_path: Path, store: Store) -> None:
    """Under `run --sandbox` the metrics job reads from that sandbox, not from another port; an error says
    which server it could not reach."""
    from types import SimpleNamespace

    (tmp_path / "publisher.toml").write_text(
        TOML.replace('platform = "wechat"', 'platform = "wechat"\nverified = true')
    )
    ws = open_workspace(
        tmp_path,
        env={
            "PUBLISHER_WECHAT_APPID": "wx0123456789abcdef",
            "PUBLISHER_WECHAT_SECRET": "s" * 32,
            "PUBLISHER_NO_KEYRING": "1",
        },
    )
    add_post(store, 1, "wechat", "wechat", NOW - timedelta(hours=3), ids={"msg_data_id": "1", "idx": 1})
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens, the request is never sent
    ctx = SimpleNamespace(
        ws=ws,
        store=store,
        now=NOW,
        job=SimpleNamespace(args={"since_days": 3, "accounts": False}),
        sandbox_url=closed,
    )
    summary = metrics.job_pull(ctx)
    assert "127.0.0.1:9" in summary and "request not sent" in summary, summary


def test_job_pull_of_a_sandbox_mode_account_asks_the_sandbox_named_in_the_environment(
    tmp_path: Path, store: Store
) -> None:
    """Without --sandbox, an account in mode `sandbox` reads from PUBLISHER_SANDBOX_URL, as the queue sends
    there (and as `publisher sandbox` tells the user), never from another port."""
    from types import SimpleNamespace

    (tmp_path / "publisher.toml").write_text(
        TOML.replace('platform = "wechat"', 'platform = "wechat"\nmode = "sandbox"\nverified = true')
    )
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens, the request is never sent
    env = {
        "PUBLISHER_WECHAT_APPID": "wx0123456789abcdef",
        "PUBLISHER_WECHAT_SECRET": "s" * 32,
        "PUBLISHER_NO_KEYRING": "1",
        "PUBLISHER_SANDBOX_URL": closed,
    }
    add_post(store, 1, "wechat", "wechat", NOW - timedelta(hours=3), ids={"msg_data_id": "1", "idx": 1})
    job = SimpleNamespace(args={"since_days": 3, "accounts": False})
    ctx = SimpleNamespace(
        ws=open_workspace(tmp_path, env=env), store=store, now=NOW, job=job, sandbox_url=None
    )
    summary = metrics.job_pull(ctx)
    assert "127.0.0.1:9/wx" in summary and "request not sent" in summary, summary

    # Without the variable: the port `publisher sandbox` serves on, not the MCP server's.
    from publisher.accounts.context import Contexts

    del env["PUBLISHER_SANDBOX_URL"]
    ws = open_workspace(tmp_path, env=env)
    contexts = Contexts(ws, store, now=lambda: NOW, transport=None, sandbox_url=None)
    assert contexts.base_url("wechat", "sandbox") == "http://127.0.0.1:8900/wx"
