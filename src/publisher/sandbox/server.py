"""Running a fake: blocking `serve` for the CLI, and `running` (a background uvicorn thread) for tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import httpx
from starlette.applications import Starlette

from publisher.sandbox.app import create_app


def serve(host: str = "127.0.0.1", port: int = 8900, seed: int = 0) -> None:
    """Serve the fakes until interrupted (used by `publisher sandbox` and `python -m publisher.sandbox`)."""
    import uvicorn  # here: a rehearsal calls the fakes in-process and starts no server

    uvicorn.run(
        create_app(seed=seed), host=host, port=port, log_level="info", lifespan="off", date_header=False
    )


@contextmanager
def running(
    port: int = 0,
    seed: int = 0,
    *,
    now: datetime | None = None,
    startup_timeout: float = 10.0,
    app: Starlette | None = None,
) -> Iterator[str]:
    """Start a fake on 127.0.0.1 in a background thread, yield its base URL, and stop it on exit.

    `app` serves one made by the caller (who may also call it in-process); else a fresh one."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this: without it a response sent in two writes waits ~40 ms for a delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(
        app or create_app(seed=seed, now=now),
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,
        date_header=False,  # the fake's own Date header carries its virtual clock
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="sandbox", daemon=True)
    thread.start()
    try:
        _wait_until_up(base, thread, startup_timeout)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_until_up(base: str, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0) as client:
        while True:
            if not thread.is_alive():
                raise RuntimeError("the sandbox server stopped while starting")
            try:
                if client.get(f"{base}/__fake/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the sandbox did not answer at {base} within {timeout} s")
            time.sleep(0.01)  # a poll interval, not a wait for an event we could await
