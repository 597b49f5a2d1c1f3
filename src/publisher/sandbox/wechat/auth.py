"""WeChat token endpoints: /cgi-bin/token and /cgi-bin/stable_token, with secrets trusted on first use."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from publisher.sandbox.core import World, secret_digest
from publisher.sandbox.wechat.state import (
    Token,
    WechatState,
    authorize,
    err,
    ip_refused,
    json_body,
    store,
)


def _check_credentials(world: World, appid: str, secret: str) -> JSONResponse | None:
    """TOFU: the first secret seen for an appid is remembered (as a digest); a different one is refused."""
    if not appid:
        return err(world, 41002)
    if not secret:
        return err(world, 41004)
    if not appid.startswith("wx"):
        return err(world, 40013)
    wx = store(world)
    known = wx.secrets.setdefault(appid, secret_digest(secret))
    if known != secret_digest(secret):
        return err(world, 40125)
    return None


def _issue(world: World, wx: WechatState, appid: str, kind: str, *, supersede_after: float | None) -> Token:
    ttl = timedelta(seconds=float(world.config["wechat"]["token_ttl"]))
    old = wx.current.get((appid, kind))
    if old is not None and supersede_after is not None:
        previous = wx.tokens[old]
        until = world.now + timedelta(seconds=supersede_after)
        previous.superseded_at = min(until, previous.superseded_at or until)
    value = world.mint("", 64) + world.mint("", 64) + world.mint("", 28)
    record = Token(appid, kind, world.now, world.now + ttl)
    wx.tokens[value] = record
    wx.current[(appid, kind)] = value
    wx.tokens_issued += 1
    return record


def _answer(world: World, wx: WechatState, appid: str, kind: str) -> JSONResponse:
    value = wx.current[(appid, kind)]
    remaining = int((wx.tokens[value].expires_at - world.now).total_seconds())
    return JSONResponse({"access_token": value, "expires_in": remaining})


def wechat_auth_routes(world: World) -> list[Route]:
    async def token(request: Request) -> JSONResponse:
        if refused := ip_refused(world, request):
            return refused
        query = request.query_params
        if query.get("grant_type") != "client_credential":
            return err(world, 40002)
        appid = query.get("appid", "")
        refused = _check_credentials(world, appid, query.get("secret", ""))
        if refused is not None:
            return refused
        if not world.take_daily(
            "wechat", appid, "/cgi-bin/token", world.config["wechat"]["quotas"]["/cgi-bin/token"]
        ):
            return err(world, 45009)
        wx = store(world)
        # A new plain token replaces the previous one, which keeps working for a short grace period [U].
        _issue(world, wx, appid, "plain", supersede_after=float(world.config["wechat"]["plain_token_grace"]))
        return _answer(world, wx, appid, "plain")

    async def stable_token(request: Request) -> JSONResponse:
        if request.method != "POST":
            return err(world, 43002)
        if refused := ip_refused(world, request):
            return refused
        body = await json_body(request)
        if body is None:
            return err(world, 47001)
        if body.get("grant_type") != "client_credential":
            return err(world, 40002)
        appid = str(body.get("appid") or "")
        refused = _check_credentials(world, appid, str(body.get("secret") or ""))
        if refused is not None:
            return refused
        cfg = world.config["wechat"]
        if not world.take_daily(
            "wechat", appid, "/cgi-bin/stable_token", cfg["quotas"]["/cgi-bin/stable_token"]
        ):
            return err(world, 45009)
        wx = store(world)
        if body.get("force_refresh"):
            today = [
                t for t in wx.force_refreshes.get(appid, []) if world.beijing_day(t) == world.beijing_day()
            ]
            if len(today) >= int(cfg["force_refresh_per_day"]):
                return err(world, 45009)
            if today and (world.now - today[-1]).total_seconds() < float(cfg["force_refresh_gap"]):
                return err(world, 45011)
            wx.force_refreshes[appid] = [*today, world.now]
            _issue(world, wx, appid, "stable", supersede_after=0)
            return _answer(world, wx, appid, "stable")
        current = wx.current.get((appid, "stable"))
        record = wx.tokens.get(current) if current else None
        fresh = (
            record is not None
            and record.superseded_at is None
            and ((record.expires_at - world.now).total_seconds() > float(cfg["stable_refresh_before"]))
        )
        if not fresh:
            # The platform renews the stable token shortly before expiry; the old one lives out its TTL.
            _issue(world, wx, appid, "stable", supersede_after=None)
        return _answer(world, wx, appid, "stable")

    async def api_domain_ip(request: Request) -> JSONResponse:
        """The cheap authenticated call `publisher auth status` makes: WeChat's own API server addresses."""
        appid = authorize(world, request, "/cgi-bin/get_api_domain_ip")
        if isinstance(appid, JSONResponse):
            return appid
        return JSONResponse({"ip_list": ["101.226.103.0/25", "101.226.233.128/25", "58.247.206.128/25"]})

    return [
        Route("/cgi-bin/token", token, methods=["GET"]),
        Route("/cgi-bin/stable_token", stable_token, methods=["GET", "POST"]),
        Route("/cgi-bin/get_api_domain_ip", api_domain_ip, methods=["GET"]),
    ]
