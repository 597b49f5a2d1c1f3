"""What the Douyin fake remembers, its envelope, and the token/open_id/scope checks every API shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from publisher.sandbox.core import MB, World

PREFIX = "/dy"
#: Settings under world.config["douyin"] (docs/platforms/README.md#the-sandbox); [U] marks an assumption.
DEFAULTS: dict[str, Any] = {
    "access_ttl": 1296000,
    "refresh_ttl": 2592000,
    "client_token_ttl": 7200,
    "code_ttl": 600,
    "max_renewals": 5,
    "open_id": None,  # None: one deterministic fake user per client_key
    # The app's registered 授权回调域: an authorize redirect elsewhere gets 10006. A loopback http
    # callback is accepted only here, in the sandbox (`allow_loopback`).
    "redirect_domains": ["app.example"],
    "allow_loopback": True,
    "known_users": [],  # open_ids that `at_users` may name, besides the author's own
    # The app's capabilities for the share path (no user grant): get_share needs jump.basic and h5.share.
    "app_capabilities": ["h5.share", "open.get.ticket", "jump.basic"],
    "ticket_ttl": 7200,
    "string_counters": False,  # answer statistics as strings, as some answers do
    "offline": [],  # capabilities answering 28001056 能力已下线: "video.list", "video.data"
    "granted_scopes": [
        "user_info",
        "video.create.bind",
        "video.list.bind",
        "video.data.bind",
        "data.external.item",
        "renew_refresh_token",
    ],
    "review_delay_seconds": 60,
    "review_outcome": 5,
    "daily_create_limit": 20,  # [U]
    "daily_quota": None,  # calls per app per day, or None
    "text_max": 1000,  # [U]
    "sensitive_words": [],
    "max_video_bytes": 128 * MB,
    "video_duration_seconds": 30,  # the fake cannot parse MP4, so the duration is a setting
    "max_duration_seconds": 900,
    "min_part_bytes": 5 * MB,
    "max_total_bytes": 4 * 1024 * MB,
}

MESSAGES = {
    0: "",
    10002: "参数错误",
    10003: "client_key 错误",
    10004: "应用权限不足，请申请对应的scope权限",
    10005: "缺少参数",
    10006: "redirect_uri 与应用配置的授权回调域不一致",
    10007: "授权码过期",
    10008: "access_token 无效或过期",
    10010: "refresh_token 无效或过期",
    10013: "client_key 或者 client_secret 错误",
    10020: "更新refresh_token次数超出限制",
    2100004: "系统繁忙，此时请开发者稍候再试",
    2100005: "参数不合法",
    2190002: "access_token无效",
    2190003: "用户未授权该api",
    2190005: "视频文件太大了",
    2190006: "视频时长不能超过15分钟",
    2190007: "无效的视频文件id",
    2190008: "access_token过期,请刷新或重新授权",
    2190015: "请求参数access_token openid不匹配",
    2114007: "视频发布数量超过每日上限",
    2111001: "命中敏感词",
    28001003: "access_token无效",
    28001005: "系统繁忙",
    28001007: "参数不合法",
    28001008: "access_token过期",
    28001012: "用户未授权该api",
    28001015: "access_token与open_id不匹配",
    28001018: "应用未获得该能力",
    28001056: "能力已下线",
    28003017: "quota已用完",
    28003018: "请求频率过高",
}
# Codes of the newer /api/douyin/v1/* paths and of the older ones, for the same failure.
NEW = {"invalid": 28001003, "expired": 28001008, "mismatch": 28001015, "scope": 28001012, "param": 28001007}
OLD = {"invalid": 2190002, "expired": 2190008, "mismatch": 2190015, "scope": 2190003, "param": 2100005}


@dataclass
class DouyinState:
    clients: dict[str, str] = field(default_factory=dict)  # client_key -> sha256(secret)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)  # open tickets (getticket)
    shares: dict[str, dict[str, Any]] = field(default_factory=dict)  # share_id -> what asked for it
    links: dict[str, dict[str, Any]] = field(default_factory=dict)  # short-link token -> get_share body
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)  # chunked upload sessions
    videos: dict[str, dict[str, Any]] = field(default_factory=dict)  # uploaded video files
    images: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # created posts (video or 图集)
    tokens_issued: int = 0

    def settle(self, world: World) -> None:
        """Finish the review of every item whose review delay has passed."""
        outcome = int(world.config["douyin"]["review_outcome"])
        for item in self.items.values():
            if not item["is_reviewed"] and world.now >= item["review_due"]:
                item["is_reviewed"] = True
                item["reviewed_at"] = item["review_due"]
                status = outcome
                if outcome == 5 and item["private_status"] == 1:
                    status = 7
                elif outcome == 5 and item["private_status"] == 2:
                    status = 6
                item["video_status"] = status

    def dump(self) -> dict[str, Any]:
        return {
            "tokens_issued": self.tokens_issued,
            "apps": sorted(self.clients),
            "videos": [{k: v for k, v in v.items() if k != "data"} for v in self.videos.values()],
            "images": list(self.images.values()),
            "uploads": [{"upload_id": k, "parts": sorted(u["parts"])} for k, u in self.uploads.items()],
            "items": list(self.items.values()),
            "share_links": [
                {
                    "expires_at": v["expires_at"].isoformat(),
                    "state": v["body"].get("state"),
                    "used_by": v["used_by"],
                }
                for v in self.links.values()
            ],
        }


def store(world: World) -> DouyinState:
    state: DouyinState = world.stores["douyin"]
    return state


def envelope(
    world: World,
    data: dict[str, Any] | None = None,
    code: int = 0,
    message: str | None = None,
    *,
    oauth: bool = False,
) -> JSONResponse:
    """Douyin answers errors with HTTP 200 and error_code in both data and extra."""
    return JSONResponse(_body(world, data, code, message, oauth))


def _body(
    world: World, data: dict[str, Any] | None, code: int, message: str | None, oauth: bool
) -> dict[str, Any]:
    description = MESSAGES.get(code, "error") if message is None else message
    body: dict[str, Any] = {
        "data": {**(data or {}), "error_code": code, "description": description},
        "extra": {
            "error_code": code,
            "description": description,
            "sub_error_code": 0,
            "sub_description": "",
            "logid": world.mint("", 32).upper(),
            "now": int(world.now.timestamp() * 1000),
        },
    }
    if oauth:
        body["message"] = "success" if code == 0 else "error"
    return body


def error_body(world: World, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return 200, _body(world, None, code, message, False)


def code_of(status: int, data: dict[str, Any]) -> str | None:
    """The call log's code: `data.error_code`, else `extra.error_code` (older APIs)."""
    inner = data.get("data")
    if not isinstance(inner, dict):
        inner = {}
    code = inner.get("error_code", (data.get("extra") or {}).get("error_code", data.get("err_no")))
    return None if code is None else str(code)


def authorize(
    world: World, request: Request, scope: str, *, new: bool = True
) -> dict[str, Any] | JSONResponse:
    """The token record behind the `access-token` header, checked for expiry, open_id and scope."""
    codes = NEW if new else OLD
    dy = store(world)
    record = dy.access_tokens.get(request.headers.get("access-token", ""))
    if record is None or record.get("revoked"):
        return envelope(world, None, codes["invalid"])
    if world.now >= record["expires_at"]:
        return envelope(world, None, codes["expired"])
    open_id = request.query_params.get("open_id")
    if not open_id:
        return envelope(world, None, codes["param"], "open_id 缺失")
    if open_id != record["open_id"]:
        return envelope(world, None, codes["mismatch"])
    if scope not in record["scopes"]:
        return envelope(world, None, codes["scope"])
    quota = world.config["douyin"].get("daily_quota")
    if not world.take_daily("douyin", record["client_key"], "calls", quota):
        return envelope(world, None, 28003017)
    return record


def ts(at: datetime) -> int:
    return int(at.timestamp())
