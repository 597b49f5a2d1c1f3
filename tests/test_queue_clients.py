"""The queue keeps one client per account from run to run: a run reuses the connections of the one before
instead of connecting each account again, and the clients are closed with the queue or with their loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from support.harness import T0, Harness, serve_app
from support.workspaces import Layout, posts

from publisher.sandbox import create_app

WX = "wechat"
#: The adapters that send requests from the queue (Product Hunt only writes a launch kit there): each takes
#: the account's client from the queue's pool.
SENDING = ("wechat", "douyin", "weibo", "xiaohongshu")


class Connections(httpx.AsyncBaseTransport):
    """Real HTTP to the fake; remembers every connection a request went over (httpcore's network stream of
    its answer) and how often a client closed it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.reset()

    def reset(self) -> None:
        self.streams: list[object] = []
        self.requests = 0
        self.closed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.requests += 1
        stream = response.extensions["network_stream"]
        if not any(s is stream for s in self.streams):
            self.streams.append(stream)
        return response

    async def aclose(self) -> None:
        self.closed += 1
        await self.inner.aclose()


@pytest.mark.parametrize("platform", SENDING)
def test_runs_of_one_queue_reuse_each_accounts_connection(tmp_path: Path, platform: str) -> None:
    app = create_app(seed=3, now=T0)
    with serve_app(app) as base:
        wire = Connections()
        h = Harness(
            tmp_path, Layout(items=3, platforms=(platform,)), transport=wire, base=base, world=app.state.world
        )
        wire.reset()  # count from here: the account's OAuth grant (a client of its own) is not the queue's
        try:
            queue = h.queue()

            async def runs() -> int:
                n = 0
                while any(p["state"] in ("queued", "retrying") for p in posts(h.store)):
                    await queue.run_due(limit=1)  # one post a run: three runs, then the polls
                    n += 1
                    assert wire.closed == 0  # no run closes its clients: the next one reuses them
                while any(p["state"] == "reconcile" for p in posts(h.store)):
                    h.clock.set(max(p["next_attempt_at"] or T0 for p in posts(h.store)))
                    await queue.poll_submitted()
                    n += 1
                await queue.aclose()
                return n

            assert asyncio.run(runs()) >= 3
            assert {p["state"] for p in posts(h.store)} == {"published"}
            # One account, its posts sent one after the other: one connection, whatever the runs.
            assert wire.requests >= 3 and len(wire.streams) == 1, (wire.requests, len(wire.streams))
            assert wire.closed >= 1  # closed with the queue
        finally:
            h.close()


def test_clients_are_closed_when_their_loop_ends_and_a_new_loop_gets_new_ones(tmp_path: Path) -> None:
    app = create_app(seed=4, now=T0)
    with serve_app(app) as base:
        wire = Connections()
        h = Harness(
            tmp_path, Layout(items=2, platforms=(WX,)), transport=wire, base=base, world=app.state.world
        )
        try:
            queue = h.queue()
            first = asyncio.run(queue.run_due(limit=1))  # asyncio.run per call, as `run --once` does
            assert [o.state for o in first] == ["reconcile"] and wire.closed == 1  # closed as the loop ended
            second = asyncio.run(queue.run_due(limit=1))  # a new loop: new clients, no error
            assert [o.state for o in second] == ["reconcile"] and wire.closed == 2
            assert len(wire.streams) == 2  # one connection per loop: nothing crossed from the old loop
        finally:
            h.close()
