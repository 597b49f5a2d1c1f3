"""The real queue and adapters against an in-process sandbox, on one virtual clock shared by both.

`Harness` owns a workspace (support.workspaces), its SQLite store, the fake (`create_app()`, reached through
`httpx.ASGITransport`, or a real socket via `running()` when timeouts matter) and a clock. Adapters are the
registry's classes built with a zero-backoff RetryPolicy and a sleep that moves the virtual clock (of the
queue and of the fake) instead of waiting: a Retry-After of 30 s costs no wall time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from publisher.adapters import get_adapter
from publisher.adapters.base import Adapter, AdapterContext
from publisher.adapters.douyin.adapter import DouyinAdapter
from publisher.adapters.http import RetryPolicy
from publisher.adapters.producthunt.adapter import ProductHuntAdapter
from publisher.adapters.wechat.adapter import WechatAdapter
from publisher.adapters.xiaohongshu.adapter import XiaohongshuAdapter
from publisher.calendar.sync import sync_calendar
from publisher.queue.policy import RetrySettings
from publisher.queue.runner import Outcome, Queue
from publisher.sandbox import create_app
from publisher.sandbox.control import state_of
from publisher.sandbox.core import deep_merge
from publisher.sandbox.faults import FaultRule
from publisher.store.db import Store, open_store
from publisher.workspace.credentials import env_var
from support.clock import ManualClock
from support.workspaces import Layout, authorize_douyin, credential_env, open_ws, posts, write_workspace

T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai, when the items are due
BASE = "http://sandbox"
FINAL = {
    "published",
    "failed",
    "needs_attention",
    "needs_reauth",
    "awaiting_manual",
    "held",
    "missed",
    "cancelled",
}
REAL = {"wechat": WechatAdapter, "douyin": DouyinAdapter, "xiaohongshu": XiaohongshuAdapter}


Clock = ManualClock


@dataclass
class Notices:
    """A notifier that remembers what it was asked to send."""

    sent: list[Any] = field(default_factory=list)

    def send(self, notification: Any) -> None:
        self.sent.append(notification)


class Harness:
    """A sandbox workspace, its store, the fake and the clock; `run()` is one queue pass."""

    def __init__(
        self,
        tmp: Path,
        layout: Layout | None = None,
        *,
        seed: int = 0,
        retry: RetrySettings | None = None,
        policy: RetryPolicy | None = None,
        env: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        base: str = BASE,
        world: Any = None,
        fake_config: dict[str, Any] | None = None,
        platform_skew_s: float = 0.0,
    ) -> None:
        self.layout = layout or Layout()
        self.root = write_workspace(tmp / "ws", self.layout)
        self.env = credential_env(self.root, self.layout.platforms, **dict(env or {}))
        self.ws = open_ws(self.root, self.env)
        if transport is None:
            app = create_app(seed=seed, now=T0)
            world, transport = app.state.world, httpx.ASGITransport(app=app)
        self.world = world
        self.world.set_now(T0 + timedelta(seconds=platform_skew_s))
        self.transport, self.base = transport, base
        self.clock = Clock(T0, self.world, platform_skew_s)
        self.store: Store = open_store(f"sqlite:///{tmp / 'publisher.db'}", clock=self.clock)
        self.retry = retry or RetrySettings(max_attempts=5)
        self.policy = policy or RetryPolicy.immediate()
        self.notices = Notices()
        self.slept: list[float] = []
        self.built: list[Adapter] = []
        self.config({"wechat": {"publish_delay_seconds": 0}, "douyin": {"review_delay_seconds": 0}})
        if fake_config:
            self.config(fake_config)
        if "douyin" in self.layout.platforms and self.layout.mode == "sandbox":
            creds = {k: self.env[env_var("douyin", k)] for k in ("client_key", "client_secret")}
            asyncio.run(
                authorize_douyin(self.store, base, credentials=creds, transport=transport, now=self.clock)
            )
        self.sync()

    # -- the fake --------------------------------------------------------------------------------------------

    def fault(self, **rule: Any) -> None:
        self.world.faults.append(FaultRule.parse(rule))

    def config(self, patch: dict[str, Any]) -> None:
        deep_merge(self.world.config, patch)

    def state(self) -> dict[str, Any]:
        return state_of(self.world)

    def calls(self, path: str = "", method: str | None = None) -> list[dict[str, Any]]:
        return [
            c
            for c in self.state()["calls"]
            if path in c["path"] and (method is None or c["method"] == method)
        ]

    # -- the queue -------------------------------------------------------------------------------------------

    async def sleep(self, seconds: float) -> None:
        """The adapters' sleep: the virtual clock moves, the wall clock does not."""
        self.slept.append(seconds)
        self.clock.advance(seconds)

    def adapter(self, platform: str, ctx: AdapterContext) -> Adapter:
        cls = REAL.get(platform)
        made: Adapter = (
            cls(ctx, policy=self.policy, sleep=self.sleep)
            if cls is not None and ctx.mode == "sandbox"
            else get_adapter(platform, ctx)
        )
        if isinstance(made, ProductHuntAdapter):  # a dataclass: same zero-backoff policy, virtual sleep
            made = dataclasses.replace(made, policy=self.policy, sleep=self.sleep)
        self.built.append(made)
        return made

    def queue(self, owner: str = "A", store: Store | None = None, **kw: Any) -> Queue:
        kw.setdefault("notifier", self.notices)
        return Queue(
            self.ws,
            store or self.store,
            owner=owner,
            now=self.clock,
            transport=self.transport,
            sandbox_url=self.base,
            adapter_factory=self.adapter,
            retry=self.retry,
            **kw,
        )

    def sync(self) -> None:
        sync_calendar(self.ws, self.store, now=self.clock())

    def run(self, queue: Queue | None = None) -> list[Outcome]:
        return asyncio.run((queue or self.queue()).run_due())

    def drive(
        self, *, steps: int = 50, until: Callable[[], bool] | None = None, queue: Queue | None = None
    ) -> list[Outcome]:
        """Run, then jump the clock to the queue's next wake-up, until every post is final (or `until`)."""
        queue = queue or self.queue()
        seen: list[Outcome] = []
        done = until or (lambda: all(p["state"] in FINAL for p in posts(self.store)))
        for _ in range(steps):
            seen += asyncio.run(queue.run_due())
            if done():
                return seen
            wake = queue.next_due()
            if wake is None:
                return seen
            self.clock.set(max(wake, self.clock() + timedelta(seconds=1)))
        return seen

    def close(self) -> None:
        self.store.close()


class Hooked(httpx.AsyncBaseTransport):
    """A transport that lets a test act just before chosen requests leave (e.g. move the clock mid-flow)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.hooks: list[Callable[[httpx.Request], None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for hook in list(self.hooks):
            hook(request)
        return await self.inner.handle_async_request(request)


class ShortRead(httpx.AsyncBaseTransport):
    """Real HTTP to 127.0.0.1 with the read timeout shortened (the adapters' is 30 s), one pool per request so
    it survives the adapters closing their clients and every asyncio.run() having its own loop."""

    def __init__(self, read_s: float) -> None:
        self.read_s = read_s

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = dict(request.extensions.get("timeout") or {})
        request.extensions["timeout"] = {**timeout, "read": self.read_s}
        async with httpx.AsyncHTTPTransport() as inner:
            response = await inner.handle_async_request(request)
            body = await response.aread()
            await response.aclose()
        return httpx.Response(response.status_code, headers=response.headers, content=body, request=request)


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve one fake app on a real socket (like sandbox.running(), but the test keeps the app's world)."""
    import socket
    import threading

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the fake did not start"
            time.sleep(0.01)  # a poll interval
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
