"""What the WeChat fake remembers, and the checks every WeChat call shares (token, quota, envelope)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from publisher.sandbox.core import World, iso

PREFIX = "/wx"
#: Settings under world.config["wechat"] (docs/platforms/README.md#the-sandbox); [U] marks an assumption.
DEFAULTS: dict[str, Any] = {
    "token_ttl": 7200,
    "plain_token_grace": 300,  # [U] overlap of a replaced /cgi-bin/token token
    "stable_refresh_before": 300,
    "force_refresh_per_day": 20,
    "force_refresh_gap": 30,
    "default_verified": True,
    "verified": {},  # appid -> bool
    # The account's IP白名单: a caller elsewhere gets 40164 naming its address. Only loopback by default, as
    # a setup that has added this machine; None switches the check off.
    "ip_whitelist": ["127.0.0.1", "::1"],
    "publish_delay_seconds": 30,
    "publish_outcome": 0,  # 0 success, or 2/3/4 failure
    "publish_fail_idx": [1],
    "mass_send_per_day": 1,  # verified subscription account
    "quotas": {
        "/cgi-bin/token": 2000,
        "/cgi-bin/stable_token": 500000,
        "/cgi-bin/draft/add": 1000,
        "/cgi-bin/draft/get": 500,
        "/cgi-bin/draft/delete": 1000,
        "/cgi-bin/draft/update": 1000,
        "/cgi-bin/draft/count": 1000,
        "/cgi-bin/draft/batchget": 1000,
        "/cgi-bin/freepublish/submit": 100,
        "/cgi-bin/freepublish/get": 100,
        "/cgi-bin/freepublish/delete": 10,
        "/cgi-bin/freepublish/getarticle": 100,
        "/cgi-bin/freepublish/batchget": 100,
        "/cgi-bin/message/mass/sendall": 100,
        "/cgi-bin/media/uploadimg": 100000,
        "/cgi-bin/get_api_domain_ip": 100000,
        "/cgi-bin/material/add_material": 100000,
    },
    "minute_limits": {"/cgi-bin/message/mass/sendall": 60},
    "limits": {
        "title": 32,
        "author": 16,
        "digest": 128,
        "content_chars": 20000,
        "content_bytes": 1000000,
        "content_source_url_bytes": 1024,
        "articles": 8,
        "newspic_images": 20,
    },
}

PUBLISHING, PUBLISHED = 1, 0

MESSAGES = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40004: "invalid media type",
    40005: "invalid file type",
    40007: "invalid media_id",
    40009: "invalid image size",
    40012: "invalid thumb size",
    40013: "invalid appid",
    40014: "invalid access_token",
    40114: "invalid index",
    40125: "invalid appsecret",
    40164: "invalid ip, not in whitelist",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41039: "invalid content_source_url",
    42001: "access_token expired",
    43002: "require POST method",
    44002: "empty post data",
    44003: "empty news data",
    45002: "content size out of limit",
    45003: "title size out of limit",
    45004: "description size out of limit",
    45008: "article size out of limit",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit, must slower, retry next minute",
    45028: "has no masssend quota",
    45065: "clientmsgid exist",
    45066: "same clientmsgid retry too fast",
    45067: "clientmsgid size out of limit",
    45110: "author size out of limit",
    47001: "data format error",
    48001: "api unauthorized",
    53502: "invalid publish_id",
    53600: "invalid article_id",
    61500: "dataRange error",
}


@dataclass
class Token:
    appid: str
    kind: str  # "stable" or "plain"; the two endpoints' tokens never affect each other
    issued_at: datetime
    expires_at: datetime
    superseded_at: datetime | None = None


@dataclass
class WechatState:
    secrets: dict[str, str] = field(default_factory=dict)  # appid -> sha256(secret)
    tokens: dict[str, Token] = field(default_factory=dict)
    current: dict[tuple[str, str], str] = field(default_factory=dict)  # (appid, kind) -> token
    force_refreshes: dict[str, list[datetime]] = field(default_factory=dict)
    tokens_issued: int = 0
    images: dict[str, dict[str, Any]] = field(default_factory=dict)  # uploadimg url -> info
    materials: dict[str, dict[str, Any]] = field(default_factory=dict)
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    articles: dict[str, dict[str, Any]] = field(default_factory=dict)
    publish_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    mass_sends: dict[str, dict[str, Any]] = field(default_factory=dict)
    clientmsgids: dict[tuple[str, str], str] = field(default_factory=dict)  # -> msg_id
    quota_clears: dict[tuple[str, str], int] = field(default_factory=dict)  # (appid, month) -> count

    def settle(self, world: World) -> None:
        """Finish every publish job whose delay has passed on the virtual clock."""
        for job in self.publish_jobs.values():
            if job["publish_status"] == PUBLISHING and world.now >= job["due_at"]:
                _finish_job(world, self, job)

    def dump(self) -> dict[str, Any]:
        return {
            "tokens_issued": self.tokens_issued,
            "apps": sorted(self.secrets),
            "images": list(self.images.values()),
            "materials": list(self.materials.values()),
            "drafts": list(self.drafts.values()),
            "articles": list(self.articles.values()),
            "publish_jobs": [_job_view(j) for j in self.publish_jobs.values()],
            "mass_sends": [
                {k: v for k, v in m.items() if k != "news_item"} for m in self.mass_sends.values()
            ],
        }


def _job_view(job: dict[str, Any]) -> dict[str, Any]:
    return {k: (iso(v) if isinstance(v, datetime) else v) for k, v in job.items() if k != "news_item"}


def _finish_job(world: World, wx: WechatState, job: dict[str, Any]) -> None:
    cfg = world.config["wechat"]
    outcome = int(job.get("outcome", cfg["publish_outcome"]))
    if outcome != PUBLISHED:
        job["publish_status"] = outcome
        job["fail_idx"] = list(cfg["publish_fail_idx"])
        return
    article_id = world.mint("", 40)
    items = []
    for idx, article in enumerate(job["news_item"], start=1):
        items.append(
            {**article, "url": f"https://mp.weixin.qq.com/s/{world.mint('', 22)}", "is_deleted": False}
        )
        job.setdefault("article_detail", {"count": 0, "item": []})
        job["article_detail"]["item"].append({"idx": idx, "article_url": items[-1]["url"]})
    job["article_detail"]["count"] = len(items)
    job["publish_status"] = PUBLISHED
    job["article_id"] = article_id
    published_at = job["due_at"]
    wx.articles[article_id] = {
        "article_id": article_id,
        "appid": job["appid"],
        "publish_id": job["publish_id"],
        "msg_data_id": job["msg_data_id"],
        "news_item": items,
        "update_time": int(published_at.timestamp()),
        "published_at": published_at,
        "source": "freepublish",
    }
    wx.drafts.pop(job["media_id"], None)
    for article in items:
        world.note_content("wechat", job["appid"], "article", article["dup_key"], article_id)


def rid(world: World) -> str:
    return f"{world.mint('', 8)}-{world.mint('', 8)}-{world.mint('', 8)}"


def ok(data: dict[str, Any] | None = None, *, errcode: bool = True) -> JSONResponse:
    body = {"errcode": 0, "errmsg": "ok"} if errcode else {}
    body.update(data or {})
    return JSONResponse(body)


def err(world: World, code: int, message: str | None = None, **extra: Any) -> JSONResponse:
    """WeChat answers errors with HTTP 200 and a rid inside errmsg."""
    body = {"errcode": code, "errmsg": f"{message or MESSAGES.get(code, 'error')} rid: {rid(world)}"}
    body.update(extra)
    return JSONResponse(body)


def error_body(world: World, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return 200, {"errcode": code, "errmsg": f"{message} rid: {rid(world)}"}


def code_of(status: int, data: dict[str, Any]) -> str | None:
    """The call log's code: the `errcode` of the envelope."""
    return str(data["errcode"]) if "errcode" in data else None


def store(world: World) -> WechatState:
    state: WechatState = world.stores["wechat"]
    return state


def ip_refused(world: World, request: Request) -> JSONResponse | None:
    """40164 for a caller outside the whitelist; like WeChat, the message names the caller's address."""
    allowed = world.config["wechat"].get("ip_whitelist")
    host = request.client.host if request.client else ""
    if allowed is None or host in allowed:
        return None
    v6 = host if ":" in host else f"::ffff:{host}"
    return err(world, 40164, f"invalid ip {host} ipv6 {v6}, not in whitelist")


def authorize(world: World, request: Request, cgi_path: str) -> str | JSONResponse:
    """The appid behind `?access_token=`, or the error WeChat gives; also counts the daily quota."""
    if refused := ip_refused(world, request):
        return refused
    token = request.query_params.get("access_token")
    if not token:
        return err(world, 41001)
    record = store(world).tokens.get(token)
    if record is None:
        return err(world, 40014)
    if record.superseded_at is not None and world.now >= record.superseded_at:
        return err(world, 40001)
    if world.now >= record.expires_at:
        return err(world, 42001)
    cfg = world.config["wechat"]
    if not world.take_minute("wechat", record.appid, cgi_path, cfg["minute_limits"].get(cgi_path)):
        return err(world, 45011)
    if not world.take_daily("wechat", record.appid, cgi_path, cfg["quotas"].get(cgi_path)):
        return err(world, 45009)
    return record.appid


def verified(world: World, appid: str) -> bool:
    cfg = world.config["wechat"]
    return bool(cfg["verified"].get(appid, cfg["default_verified"]))


async def json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def days_between(first: str, last: str) -> list[str]:
    start, end = datetime.fromisoformat(first), datetime.fromisoformat(last)
    return [(start + timedelta(days=n)).date().isoformat() for n in range((end - start).days + 1)]
