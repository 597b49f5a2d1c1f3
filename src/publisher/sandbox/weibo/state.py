"""What the Weibo fake remembers, its error body, its settings and the access-token check every API shares."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse

from publisher.sandbox.core import World

PREFIX = "/wb"
#: Settings under world.config["weibo"]; values marked [U] in docs/platforms/weibo.md are assumptions.
DEFAULTS: dict[str, Any] = {
    "token_ttl": 7 * 86400,  # [U] depends on the app's level; the developer's own grant lasts ~5 years
    "code_ttl": 600,  # [U]
    "uid": None,  # None: one deterministic fake user per app key
    "screen_name": "沙盒微博",
    "secure_domains": ["example.com"],  # the app's 安全域名: a shared status must link to one of them
    "text_max": 2000,  # counted with the `weibo` rule (docs/platforms/weibo.md)
    "pic_max_bytes": 5 * 1024 * 1024,  # "< 5M"
    "posts_per_hour": 30,  # [U] 20016 above it
    "calls_per_hour": 150,  # [U] 10023 above it (per user and app)
    "count_max_ids": 100,
    "timeline_max_count": 100,
}
MESSAGES = {
    10006: "source paramter(appkey) is missing",
    10014: "Insufficient app permissions!",
    10016: "miss required parameter (%s)",
    10017: "parameter (%s)'s value invalid",
    10023: "User requests out of rate limit!",
    10024: "User requests for (%s) out of rate limit!",
    20003: "User does not exists!",
    20006: "Image size too large!",
    20012: "Text too long, please input text less than 2000 characters!",
    20016: "Out of limit!",
    20019: "repeat content!",
    20101: "Target weibo does not exist!",
    21322: "redirect_uri_mismatch",
    21323: "invalid_request",
    21324: "invalid_client",
    21325: "invalid_grant",
    21327: "expired_token",
    21328: "unsupported_grant_type",
    21332: "invalid_access_token",
}
OAUTH_ERRORS = {21322, 21323, 21324, 21325, 21327, 21328, 21332}
LINK = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
HALF = 0x80


@dataclass
class WeiboState:
    apps: dict[str, str] = field(default_factory=dict)  # client_id -> sha256(secret), trusted on first use
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)  # idstr -> status record
    short_links: dict[str, str] = field(default_factory=dict)  # t.cn link -> long link
    tokens_issued: int = 0

    def settle(self, world: World) -> None:
        """Nothing waits on the clock here: a share is public at once."""

    def dump(self) -> dict[str, Any]:
        return {
            "tokens_issued": self.tokens_issued,
            "apps": sorted(self.apps),
            "statuses": [{k: v for k, v in s.items() if k != "pic"} for s in self.statuses.values()],
            "short_links": dict(self.short_links),
        }


def config(world: World) -> dict[str, Any]:
    """The defaults with what /__fake/config set under "weibo" on top (read-only: resets keep working)."""
    merged = copy.deepcopy(DEFAULTS)
    merged.update(world.config.get("weibo") or {})
    return merged


def store(world: World) -> WeiboState:
    state: WeiboState = world.stores["weibo"]
    return state


def _body(code: int, message: str | None, request: str) -> dict[str, Any]:
    text = MESSAGES.get(code, "error") if message is None else message
    body: dict[str, Any] = {"error": text, "error_code": code, "request": request}
    if code in OAUTH_ERRORS:
        body["error_description"] = text
    return body


def error(code: int, request: str, message: str | None = None, *, status: int = 400) -> JSONResponse:
    """Weibo answers an error with HTTP 400 [U: observed 400 in client logs] and a JSON body."""
    return JSONResponse(_body(code, message, request), status_code=status)


def error_body(world: World, code: int, message: str) -> tuple[int, dict[str, Any]]:
    """For the fault injector: `app_error` renders as Weibo would."""
    return 400, _body(code, message, "/2/statuses/share.json")


def code_of(status: int, data: dict[str, Any]) -> str | None:
    """The call log's code: Weibo's `error_code`."""
    return str(data["error_code"]) if "error_code" in data else None


def weibo_length(text: str) -> int:
    """Weibo's count: half a character per ASCII, one per other BMP, two outside it; a link weighs 10."""
    units = 0
    for link in LINK.findall(text):
        n = _units(link)
        units += 20 if n <= 140 else n - 120
    units += _units(LINK.sub("", text))
    return (units + 1) // 2


def _units(text: str) -> int:
    return sum(1 if ord(c) < HALF else (4 if ord(c) > 0xFFFF else 2) for c in text)


def authorize(world: World, token: str, request: str) -> dict[str, Any] | JSONResponse:
    """The grant behind an access_token: 21332 unknown or revoked, 21327 expired; then the hourly limit."""
    record = store(world).tokens.get(token)
    if not token:
        return error(10016, request, "miss required parameter (access_token)")
    if record is None or record.get("revoked"):
        return error(21332, request)
    if world.now >= record["expires_at"]:
        return error(21327, request)
    hour = world.now.replace(minute=0, second=0, microsecond=0).isoformat()
    if not world.take_daily(
        "weibo", f"{record['uid']}:{hour}", "calls", int(config(world)["calls_per_hour"])
    ):
        return error(10023, request, status=403)
    return record


def created_at(at: datetime) -> str:
    """Weibo's timestamp format, in Beijing time: "Wed Oct 24 23:49:17 +0800 2012"."""
    from publisher.sandbox.core import BEIJING

    return at.astimezone(BEIJING).strftime("%a %b %d %H:%M:%S %z %Y")
