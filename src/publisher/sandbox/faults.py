"""Fault rules and the ASGI middleware that applies them and writes the call log (the rules and their kinds:
docs/platforms/README.md#the-sandbox).

The middleware buffers each platform response so it can record the platform code, truncate the JSON, or
throw the answer away after the write was committed.
"""

from __future__ import annotations

import asyncio
import fnmatch
import functools
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from publisher.sandbox.core import Call, World
from publisher.sandbox.packages import ErrorRenderer, by_prefix, fakes

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KINDS = {"http_status", "app_error", "delay", "timeout", "drop_after_commit", "truncate_json"}
SECRET_PARAMS = {"access_token", "secret", "appsecret", "client_secret", "refresh_token", "code", "ticket"}


@dataclass
class FaultRule:
    kind: str
    platform: str | None = None
    path: str = "*"
    method: str | None = None
    match_body: dict[str, Any] | None = None
    times: int = 1
    probability: float = 1.0
    status: int = 503
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    code: int = -1
    message: str = "system error"
    ms: int = 0
    seconds: float | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> FaultRule:
        if raw.get("kind") not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}")
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        if "errcode" in raw:
            known["code"] = raw["errcode"]
        if "errmsg" in raw:
            known["message"] = raw["errmsg"]
        rule = cls(**known)
        if rule.method:
            rule.method = rule.method.upper()
        return rule

    def describe(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def matches(self, platform: str, sub_path: str, method: str, body: Any) -> bool:
        if self.platform and self.platform != platform:
            return False
        if self.method and self.method != method:
            return False
        full = fakes()[platform].prefix + sub_path
        if not (fnmatch.fnmatchcase(sub_path, self.path) or fnmatch.fnmatchcase(full, self.path)):
            return False
        if self.match_body:
            if not isinstance(body, dict):
                return False
            return all(body.get(k) == v for k, v in self.match_body.items())
        return True


def take_fault(world: World, platform: str, sub_path: str, method: str, body: Any) -> FaultRule | None:
    """The first matching rule that fires (seeded probability); a fired rule uses up one of its `times`."""
    rules: list[FaultRule] = list(world.faults)
    for rule in rules:
        if not rule.matches(platform, sub_path, method, body):
            continue
        if rule.probability < 1.0 and world.rng.random() >= rule.probability:
            continue
        if rule.times > 0:
            rule.times -= 1
            if rule.times == 0:
                world.faults.remove(rule)
        return rule
    return None


@functools.lru_cache(maxsize=1024)
def redact_query(query: str) -> str:
    pairs = [
        (k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in parse_qsl(query, keep_blank_values=True)
    ]
    return urlencode(pairs, safe="*/")


def _parse_body(raw: bytes, content_type: str) -> Any:
    if "json" in content_type:
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return None
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode(errors="replace")))
    return None


def _code_of(platform: str, status: int, body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    reader = fakes()[platform].code_of
    own = reader(status, data) if reader is not None else None
    if own is not None:
        return own
    error = data.get("error")
    if status >= 400 and isinstance(error, str):
        return error
    return None


class FaultMiddleware:
    """Applies fault rules to platform routes and logs every platform call (secrets redacted)."""

    def __init__(self, app: ASGIApp, world: World, renderers: Mapping[str, ErrorRenderer]) -> None:
        self.app = app
        self.world = world
        self.renderers = renderers
        self.prefixes = {prefix: fake.name for prefix, fake in by_prefix().items()}
        self.pattern = re.compile("^(" + "|".join(map(re.escape, self.prefixes)) + ")(/.*)?$")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = self.pattern.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        platform, sub_path = self.prefixes[match.group(1)], match.group(2) or "/"
        raw = await _read_body(receive)
        method = scope["method"]
        body = None
        if self.world.faults:  # the body is read only to match a rule's match_body
            headers = {k.decode().lower(): v.decode(errors="replace") for k, v in scope.get("headers", [])}
            body = _parse_body(raw, headers.get("content-type", ""))
        rule = take_fault(self.world, platform, sub_path, method, body)
        self.world.settle()
        kind = rule.kind if rule else None

        if rule and kind == "delay":
            await asyncio.sleep(rule.ms / 1000)
        if rule and kind == "http_status":
            body = (
                rule.body
                if isinstance(rule.body, (bytes, str))
                else json.dumps(rule.body or {"error": "fault"})
            )
            payload = body.encode() if isinstance(body, str) else body
            status, out_headers = rule.status, [(b"content-type", b"application/json")]
            out_headers += [(k.lower().encode(), str(v).encode()) for k, v in rule.headers.items()]
        elif rule and kind == "app_error":
            status, data = self.renderers[platform](self.world, rule.code, rule.message)
            payload = json.dumps(data, ensure_ascii=False).encode()
            out_headers = [(b"content-type", b"application/json")]
        else:
            status, out_headers, payload = await self._run(scope, raw, receive)
        code = _code_of(platform, status, payload)
        if rule and kind == "drop_after_commit":
            status, payload, out_headers = (
                502,
                b"<html><body>502 Bad Gateway</body></html>",
                [(b"content-type", b"text/html")],
            )
        elif rule and kind == "truncate_json":
            payload = payload[: max(1, len(payload) // 2)]
        elif rule and kind == "timeout":
            wait = rule.seconds if rule.seconds is not None else float(self.world.config["timeout_seconds"])
            await asyncio.sleep(wait)

        query = redact_query(scope.get("query_string", b"").decode())
        self.world.calls.append(
            Call(
                platform,
                method,
                match.group(0) + (f"?{query}" if query else ""),
                status,
                code,
                self.world.now.isoformat(),
                kind,
            )
        )
        out_headers = [(k, v) for k, v in out_headers if k.lower() not in (b"content-length", b"date")]
        out_headers.append((b"content-length", str(len(payload)).encode()))
        # A real platform dates its answers by its own clock: here, the virtual one (it may be set off ours).
        out_headers.append((b"date", _http_date(self.world.now)))
        await send({"type": "http.response.start", "status": status, "headers": out_headers})
        await send({"type": "http.response.body", "body": payload})

    async def _run(
        self, scope: Scope, raw: bytes, receive: Receive
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                # After the body, the server's own receive: it says http.disconnect when the client hangs up
                # (a slow route such as the xiaohongshu bridge's publish watches for that).
                return await receive()
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, replay, capture)
        return int(start.get("status", 500)), list(start.get("headers", [])), b"".join(chunks)


@functools.lru_cache(maxsize=64)
def _http_date(now: datetime) -> bytes:
    """The Date header of an answer given at `now` (every answer of one clock step shares it)."""
    return format_datetime(now, usegmt=True).encode()


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
