"""Live updates: watch the workspace, re-sync on a save, and push one server-sent event to every open page."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from watchfiles import awatch

from publisher.store.posts import posts_fingerprint
from publisher.web.state import AppState
from publisher.workspace.locate import CONFIG_NAME

logger = logging.getLogger(__name__)
KEEPALIVE_S = 15.0
STORE_POLL_S = 2.0  # the daemon moves posts in another process: look at the store this often
SUBSCRIBER_BACKLOG = 16


class Broadcaster:
    """Fan-out of events to the open /events streams; a slow page drops old events, never blocks others."""

    def __init__(self) -> None:
        self.version = 0
        self.closed = False
        self._queues: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def publish(self, kind: str, **data: Any) -> None:
        """Call on the event loop."""
        self.version += 1
        event = {"event": kind, "version": self.version, **data}
        for q in list(self._queues):
            if q.full():
                q.get_nowait()
            q.put_nowait(event)

    def close(self) -> None:
        """End every stream and refuse new ones (so a server can stop); callable from any thread."""
        self.closed = True
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is not None and running is not loop and not loop.is_closed():
            loop.call_soon_threadsafe(self._end_streams)
        else:
            self._end_streams()

    def _end_streams(self) -> None:
        for q in list(self._queues):
            if q.full():
                q.get_nowait()
            q.put_nowait(None)

    async def stream(self) -> AsyncIterator[str]:
        self._loop = asyncio.get_running_loop()
        q: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(SUBSCRIBER_BACKLOG)
        self._queues.add(q)
        try:
            # Tells the page (and tests) the subscription is in place before anything can be missed.
            yield _frame({"event": "ready", "version": self.version})
            # A closed page ends this generator: Starlette cancels it, or the next write fails.
            while True:
                try:
                    event = await asyncio.wait_for(q.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if event is None:
                    return
                yield _frame(event)
        finally:
            self._queues.discard(q)


def _frame(event: dict[str, Any]) -> str:
    data = {k: v for k, v in event.items() if k != "event"}
    payload = json.dumps(data, ensure_ascii=False)
    return f"event: {event['event']}\nid: {event['version']}\ndata: {payload}\n\n"


def events_endpoint(broadcaster: Broadcaster) -> Any:
    async def events(request: Request) -> Response:
        if broadcaster.closed:
            return Response(status_code=204)  # 204 tells EventSource to stop reconnecting: we are stopping
        return StreamingResponse(
            broadcaster.stream(),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    return events


def watched_paths(state: AppState) -> list[Path]:
    root = state.ws.root
    candidates = [state.ws.content_dir, root / "schedules", root / "platforms", root / CONFIG_NAME]
    return [p for p in candidates if p.exists()]


async def watch(state: AppState, broadcaster: Broadcaster, stop: anyio.Event) -> None:
    """Re-sync after each burst of saves (incrementally) and tell the pages what changed."""
    paths = watched_paths(state)
    if not paths:
        return
    settings = {state.ws.root / CONFIG_NAME, state.ws.root / "platforms"}
    async for changes in awatch(*paths, stop_event=stop, debounce=200, step=50, recursive=True):
        touched = [Path(p) for _, p in changes]
        reload_ws = any(p == s or s in p.parents for p in touched for s in settings)
        result = await anyio.to_thread.run_sync(partial(state.refresh, reload_workspace=reload_ws))
        broadcaster.publish("changed", paths=list(result.paths), changes=result.changes, error=result.error)


async def poll_store(
    state: AppState, broadcaster: Broadcaster, stop: anyio.Event, interval: float = STORE_POLL_S
) -> None:
    """Notice state changes made by other processes (the daemon publishing, a CLI resolve)."""
    last: tuple[Any, ...] | None = None
    while not stop.is_set():
        try:
            seen: tuple[Any, ...] | None = await anyio.to_thread.run_sync(posts_fingerprint, state.store)
        except Exception:  # a locked or migrating database must not stop the dashboard
            logger.debug("store poll failed", exc_info=True)
            seen = last
        if last is not None and seen != last:
            broadcaster.publish("changed", paths=[], changes=0, error=None)
        last = seen
        with anyio.move_on_after(interval):
            await stop.wait()
