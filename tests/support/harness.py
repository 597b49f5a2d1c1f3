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

from publisher.adapters import get_adapter, spec_for
from publisher.adapters.base import Adapter, AdapterContext
from publisher.adapters.http import RetryPolicy
from publisher.calendar.sync import sync_calendar
from publisher.queue.policy import RetrySettings
from publisher.queue.runner import Outcome, Queue
from publisher.sandbox import create_app
from publisher.sandbox.control import state_of
from publisher.sandbox.core import deep_merge
from publisher.sandbox.faults import FaultRule
from publisher.store.db import Store, open_store
from publisher.store.tokens import StoreTokenCache
from publisher.workspace.credentials import env_var, fields_of
from support.clock import ManualClock
from support.platforms import fixture
from support.workspaces import Layout, credential_env, open_ws, posts, write_workspace

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
        self.config({name: dict(fixture(name).fake_config) for name in self.layout.platforms})
        if fake_config:
            self.config(fake_config)
        if self.layout.mode == "sandbox":
            for name in self.layout.platforms:
                self.grant(name)
        self.sync()

    def grant(self, platform: str) -> None:
        """The account's OAuth grant from the fake (which approves at once), if the platform has one."""
        spec, own = spec_for(platform), fixture(platform).grant
        creds = {k: self.env[env_var(platform, k)] for k in fields_of(platform)}
        if own is not None:
            asyncio.run(own(self.store, self.base, creds, self.transport, self.clock))
            return
        if spec is None or spec.sandbox_grant is None:
            return
        prefix = self.ws.rules[platform].extra.get("sandbox_prefix", f"/{platform}")

        async def go() -> None:
            assert spec is not None and spec.sandbox_grant is not None
            async with httpx.AsyncClient(transport=self.transport) as client:
                await spec.sandbox_grant(
                    client, f"{self.base}{prefix}", creds, StoreTokenCache(self.store), platform, self.clock
                )

        asyncio.run(go())

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
        spec = spec_for(platform)
        cls = spec.factory if spec is not None else None
        made: Adapter = (  # an adapter class: built with the zero-backoff policy and the virtual sleep
            cls(ctx, policy=self.policy, sleep=self.sleep)  # type: ignore[call-arg]
            if isinstance(cls, type) and ctx.mode == "sandbox"
            else get_adapter(platform, ctx)
        )
        if not isinstance(cls, type) and dataclasses.is_dataclass(made) and hasattr(made, "policy"):
            # an adapter made by a factory function (a dataclass): the same policy and sleep, replaced
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

    def run_through(self, queue: Queue | None = None) -> list[Outcome]:
        """One queue pass, then the polls of the publish jobs it submitted, each when the time stored with
        its post comes (the clock moves there, as the daemon would wait): the last outcome of each post."""
        queue = queue or self.queue()
        out = {o.post_id: o for o in self.run(queue)}
        for _ in range(20):
            waiting = [
                p
                for p in posts(self.store)
                if p["id"] in out
                and p["state"] == "reconcile"
                and (p["reason"] or "").startswith("submitted")
            ]
            if not waiting:
                break
            self.clock.set(max(min(p["next_attempt_at"] for p in waiting), self.clock()))
            out.update({o.post_id: o for o in asyncio.run(queue.poll_submitted())})
        return list(out.values())

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
