"""The sandbox app called in-process: the same requests as over a socket, without one (rehearsals).

httpx's own ASGITransport asks on every request whether it runs under trio (an `import sniffio`, which
searches sys.path each time when sniffio is absent): about 0.2 ms of every in-process request, most of a
rehearsal's metrics pulls. This one serves asyncio only and otherwise behaves the same (app exceptions
raise, as ASGITransport's do by default).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

import httpx

Message = MutableMapping[str, Any]
App = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


class _Body(httpx.AsyncByteStream):
    def __init__(self, parts: list[bytes]) -> None:
        self._parts = parts

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"".join(self._parts)


class InProcessTransport(httpx.AsyncBaseTransport):
    """An httpx transport that hands each request to an ASGI app on the running asyncio loop."""

    def __init__(self, app: App, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self.app = app
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        url = request.url
        scope: Message = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for (k, v) in request.headers.raw],
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "server": (url.host, url.port),
            "client": self.client,
            "root_path": "",
        }
        chunks = request.stream.__aiter__()
        request_done = False
        status: int | None = None
        headers: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []
        complete = asyncio.Event()

        async def receive() -> Message:
            nonlocal request_done
            if request_done:
                await complete.wait()
                return {"type": "http.disconnect"}
            try:
                body = await chunks.__anext__()
            except StopAsyncIteration:
                request_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": body, "more_body": True}

        async def send(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                if body and request.method != "HEAD":
                    parts.append(body)
                if not message.get("more_body", False):
                    complete.set()

        await self.app(scope, receive, send)
        assert complete.is_set() and status is not None, "the app returned without a complete response"
        return httpx.Response(status, headers=headers, stream=_Body(parts))
