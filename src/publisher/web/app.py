"""The dashboard's app factory and the ways to run it: foreground for the CLI, background for tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from publisher.store.db import store_for
from publisher.web import charts, live, pages
from publisher.web.security import LOOPBACK_HOSTS, Guard, check_bind, is_loopback
from publisher.web.state import AppState
from publisher.workspace.settings import Workspace

STATIC_DIR = Path(__file__).parent / "static"

__all__ = ["RunningServer", "check_bind", "create_app", "serve", "start_background"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(
    ws: Workspace,
    *,
    token: str | None = None,
    now: Callable[[], datetime] = _utcnow,
    watch: bool = True,
    allowed_hosts: Sequence[str] | None = LOOPBACK_HOSTS,
    store_poll_s: float = live.STORE_POLL_S,
) -> Starlette:
    """The dashboard for one workspace. `allowed_hosts=None` answers any Host (only with a token)."""
    if allowed_hosts is None and not token:
        raise ValueError("answering any Host header needs a token (DNS rebinding would reach the dashboard)")
    state = AppState(ws, store_for(ws), now, token=token)
    broadcaster = live.Broadcaster()
    previews = ws.state_dir / "previews"
    previews.mkdir(parents=True, exist_ok=True)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(state.ensure_synced)
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            if watch:
                tg.start_soon(live.watch, state, broadcaster, stop)
                tg.start_soon(live.poll_store, state, broadcaster, stop, store_poll_s)
            try:
                yield
            finally:
                stop.set()
                broadcaster.close()

    routes = [
        Route("/", pages.calendar_page),
        Route("/queue", pages.queue_page),
        Route("/calendar.ics", pages.calendar_ics),
        Route("/metrics", pages.metrics_page),
        Route("/metrics/view", pages.report_view),
        Route("/metrics/download", pages.report_download),
        Route("/items/{item_id:path}", pages.item_page),
        Route("/preview/{item_id:path}", pages.open_preview),
        Route("/posts/{post_id:int}/{action}", pages.post_action, methods=["POST"]),
        Route("/calendar/move", pages.move_post, methods=["POST"]),
        Route("/thumb/{item_id:path}", pages.thumbnail),
        Route("/new", pages.new_post_page),
        Route("/new", pages.new_post, methods=["POST"]),
        Route("/new/check", pages.new_post_check, methods=["POST"]),
        Route("/events", live.events_endpoint(broadcaster)),
        Route("/favicon.ico", pages.favicon),
        Mount("/previews", StaticFiles(directory=previews, check_dir=False), name="previews"),
        # The charting library lives beside the chart definitions in reports/ (HTML reports carry it inline).
        Mount("/static/vendor", StaticFiles(directory=charts.LIBRARY.parents[1]), name="vendor"),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(Guard, token=token, allowed_hosts=allowed_hosts)],
    )
    app.state.publisher = state
    app.state.broadcaster = broadcaster
    return app


def serve(ws: Workspace, host: str = "127.0.0.1", port: int = 8800, token: str | None = None) -> None:
    """`publisher serve`: run until interrupted; a non-loopback address needs a token (else UsageError)."""
    check_bind(host, token)
    app = create_app(ws, token=token, allowed_hosts=LOOPBACK_HOSTS if is_loopback(host) else None)
    # No access log: a first visit's URL carries ?token=..., and logs never hold a secret.
    config = uvicorn.Config(
        app, host=host, port=port, access_log=False, log_level="warning", timeout_graceful_shutdown=2
    )
    _Server(config, app).run()


class _Server(uvicorn.Server):
    """Ends the open event streams first on Ctrl-C, so stopping never waits on a browser tab."""

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self._broadcaster: live.Broadcaster = app.state.broadcaster

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._broadcaster.close()
        super().handle_exit(sig, frame)


@dataclass
class RunningServer:
    """A dashboard served from a background thread (tests, rehearsals); `stop()` ends it."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread
    broadcaster: live.Broadcaster

    def stop(self, timeout: float = 10.0) -> None:
        self.broadcaster.close()
        self.server.should_exit = True
        self.thread.join(timeout)


def start_background(
    app: Starlette, host: str = "127.0.0.1", port: int = 0, timeout: float = 20.0
) -> RunningServer:
    """Serve `app` on host:port (0: any free port) in a thread; returns once it accepts connections."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(
        app, access_log=False, log_level="warning", timeout_graceful_shutdown=2, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="publisher-web"
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the dashboard did not start (see the log above)")
        threading.Event().wait(0.02)
    name = sock.getsockname()
    shown = f"[{name[0]}]" if ":" in name[0] else name[0]
    return RunningServer(f"http://{shown}:{name[1]}", server, thread, app.state.broadcaster)
