"""Douyin OAuth: connect (auto-approve), access/refresh/renew tokens, client_token, getticket."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from publisher.sandbox.core import World, secret_digest
from publisher.sandbox.douyin.state import DouyinState, envelope, store


async def params(request: Request) -> dict[str, str]:
    """Douyin accepts the same fields as a form or as JSON; the query string counts too."""
    merged = dict(request.query_params)
    kind = request.headers.get("content-type", "")
    if "json" in kind:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            merged.update({k: str(v) if not isinstance(v, str) else v for k, v in body.items()})
    elif "form" in kind:
        form = await request.form()
        merged.update({k: v for k, v in form.items() if isinstance(v, str)})
    return merged


async def form(request: Request) -> dict[str, str] | None:
    """The OAuth token endpoints read a form (`application/x-www-form-urlencoded`) and nothing else: a JSON
    body is not read, so its fields are missing (None here, 10005 to the caller)."""
    if "x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return None
    body = await request.form()
    return {k: v for k, v in body.items() if isinstance(v, str)}


def redirect_ok(world: World, redirect_uri: str) -> bool:
    """https on the registered 授权回调域 (or a subdomain); loopback http only where the fake allows it."""
    parts, cfg = urlsplit(redirect_uri), world.config["douyin"]
    host = (parts.hostname or "").lower()
    if host in ("127.0.0.1", "localhost", "::1"):
        return bool(cfg["allow_loopback"])
    domains = [str(d).lower() for d in cfg["redirect_domains"] or []]
    return parts.scheme == "https" and any(host == d or host.endswith("." + d) for d in domains)


def _client_ok(world: World, client_key: str, secret: str) -> JSONResponse | None:
    """TOFU: the first client_secret seen for a client_key is remembered; another one gives 10013."""
    if not client_key or not secret:
        return envelope(world, None, 10005, oauth=True)
    known = store(world).clients.setdefault(client_key, secret_digest(secret))
    return None if known == secret_digest(secret) else envelope(world, None, 10013, oauth=True)


def open_id_for(world: World, client_key: str) -> str:
    configured = world.config["douyin"].get("open_id")
    return str(configured) if configured else "_000" + secret_digest(f"{world.seed}:{client_key}")[:32]


def _issue_access(world: World, dy: DouyinState, client_key: str, open_id: str, scopes: list[str]) -> str:
    token = "act." + world.mint("", 48)
    dy.access_tokens[token] = {
        "client_key": client_key,
        "open_id": open_id,
        "scopes": scopes,
        "expires_at": world.now + timedelta(seconds=world.config["douyin"]["access_ttl"]),
    }
    dy.tokens_issued += 1
    return token


def _token_data(world: World, dy: DouyinState, access: str, refresh: str) -> dict[str, Any]:
    record, rec = dy.access_tokens[access], dy.refresh_tokens[refresh]
    return {
        "access_token": access,
        "expires_in": int((record["expires_at"] - world.now).total_seconds()),
        "refresh_token": refresh,
        "refresh_expires_in": int((rec["expires_at"] - world.now).total_seconds()),
        "open_id": record["open_id"],
        "scope": ",".join(record["scopes"]),
    }


def douyin_auth_routes(world: World) -> list[Route]:
    async def connect(request: Request) -> Response:
        query = request.query_params
        client_key, redirect_uri = query.get("client_key", ""), query.get("redirect_uri", "")
        if not client_key or not redirect_uri or query.get("response_type") != "code":
            return envelope(world, None, 10005, oauth=True)
        if not redirect_ok(world, redirect_uri):
            return envelope(world, None, 10006, oauth=True)
        granted = set(world.config["douyin"]["granted_scopes"])
        wanted = [s for s in query.get("scope", "").split(",") if s]
        code = world.mint("", 32)
        store(world).codes[code] = {
            "client_key": client_key,
            "scopes": [s for s in wanted if s in granted],
            "open_id": open_id_for(world, client_key),
            "used": False,
            "expires_at": world.now + timedelta(seconds=world.config["douyin"]["code_ttl"]),
        }
        joiner = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(
            f"{redirect_uri}{joiner}{urlencode({'code': code, 'state': query.get('state', '')})}",
            status_code=302,
        )

    async def access_token(request: Request) -> JSONResponse:
        p = await form(request)
        if p is None:
            return envelope(
                world, None, 10005, "缺少参数: 请用 application/x-www-form-urlencoded", oauth=True
            )
        refused = _client_ok(world, p.get("client_key", ""), p.get("client_secret", ""))
        if refused is not None:
            return refused
        dy = store(world)
        grant = dy.codes.get(p.get("code", ""))
        if (
            grant is None
            or grant["used"]
            or world.now >= grant["expires_at"]
            or grant["client_key"] != p.get("client_key")
        ):
            return envelope(world, None, 10007, oauth=True)
        grant["used"] = True
        access = _issue_access(world, dy, grant["client_key"], grant["open_id"], grant["scopes"])
        refresh = "rft." + world.mint("", 48)
        dy.refresh_tokens[refresh] = {
            "client_key": grant["client_key"],
            "open_id": grant["open_id"],
            "scopes": grant["scopes"],
            "access_token": access,
            "renewals": 0,
            "valid": True,
            "expires_at": world.now + timedelta(seconds=world.config["douyin"]["refresh_ttl"]),
        }
        return envelope(world, _token_data(world, dy, access, refresh), oauth=True)

    async def refresh_token(request: Request) -> JSONResponse:
        p = await params(request)
        dy = store(world)
        refresh = p.get("refresh_token", "")
        rec = dy.refresh_tokens.get(refresh)
        if (
            rec is None
            or not rec["valid"]
            or world.now >= rec["expires_at"]
            or rec["client_key"] != p.get("client_key")
        ):
            return envelope(world, None, 10010, oauth=True)
        current = dy.access_tokens.get(rec["access_token"])
        ttl = timedelta(seconds=world.config["douyin"]["access_ttl"])
        if current is not None and world.now < current["expires_at"] and not current.get("revoked"):
            current["expires_at"] = world.now + ttl  # a live token is kept and extended
        else:
            rec["access_token"] = _issue_access(world, dy, rec["client_key"], rec["open_id"], rec["scopes"])
        return envelope(world, _token_data(world, dy, rec["access_token"], refresh), oauth=True)

    async def renew_refresh_token(request: Request) -> JSONResponse:
        p = await params(request)
        dy = store(world)
        rec = dy.refresh_tokens.get(p.get("refresh_token", ""))
        if (
            rec is None
            or not rec["valid"]
            or world.now >= rec["expires_at"]
            or rec["client_key"] != p.get("client_key")
        ):
            return envelope(world, None, 10010, oauth=True)
        if "renew_refresh_token" not in world.config["douyin"]["granted_scopes"]:
            return envelope(world, None, 10004, oauth=True)
        if rec["renewals"] >= int(world.config["douyin"]["max_renewals"]):
            return envelope(world, None, 10020, oauth=True)
        rec["valid"] = False
        fresh = "rft." + world.mint("", 48)
        dy.refresh_tokens[fresh] = {
            **rec,
            "valid": True,
            "renewals": rec["renewals"] + 1,
            "expires_at": world.now + timedelta(seconds=world.config["douyin"]["refresh_ttl"]),
        }
        return envelope(
            world, {"refresh_token": fresh, "expires_in": world.config["douyin"]["refresh_ttl"]}, oauth=True
        )

    async def client_token(request: Request) -> JSONResponse:
        p = await params(request)
        refused = _client_ok(world, p.get("client_key", ""), p.get("client_secret", ""))
        if refused is not None:
            return refused
        token = "clt." + world.mint("", 48)
        ttl = int(world.config["douyin"]["client_token_ttl"])
        store(world).client_tokens[token] = {
            "client_key": p["client_key"],
            "expires_at": world.now + timedelta(seconds=ttl),
        }
        return envelope(world, {"access_token": token, "expires_in": ttl}, oauth=True)

    async def getticket(request: Request) -> JSONResponse:
        record = store(world).client_tokens.get(request.headers.get("access-token", ""))
        if record is None:
            return envelope(world, None, 2190002)
        if world.now >= record["expires_at"]:
            return envelope(world, None, 2190008)
        if "open.get.ticket" not in world.config["douyin"]["app_capabilities"]:
            return envelope(world, None, 2190004, "应用未获得该能力")
        dy, ttl = store(world), int(world.config["douyin"]["ticket_ttl"])
        for held in dy.tickets.values():  # asking again retires the last ticket, 5 minutes later
            if held["client_key"] == record["client_key"]:
                held["expires_at"] = min(held["expires_at"], world.now + timedelta(minutes=5))
        ticket = world.mint("", 40)
        dy.tickets[ticket] = {
            "client_key": record["client_key"],
            "expires_at": world.now + timedelta(seconds=ttl),
        }
        return envelope(world, {"ticket": ticket, "expires_in": ttl})

    return [
        Route("/platform/oauth/connect/", connect, methods=["GET"]),
        Route("/oauth/access_token/", access_token, methods=["POST"]),
        Route("/oauth/refresh_token/", refresh_token, methods=["POST"]),
        Route("/oauth/renew_refresh_token/", renew_refresh_token, methods=["POST"]),
        Route("/oauth/client_token/", client_token, methods=["POST"]),
        Route("/open/getticket/", getticket, methods=["GET"]),
    ]
