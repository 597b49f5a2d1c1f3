"""Weibo's OAuth 2.0 code grant and the statuses APIs the publisher uses, as strict as the real ones.

oauth2/authorize (auto-approves), oauth2/access_token, oauth2/get_token_info; 2/statuses/share.json (a link
on a secure domain, rip, no #topic#, 2000 characters as Weibo counts them, repeat content 20019),
2/statuses/user_timeline.json, 2/statuses/show.json and 2/statuses/count.json. Links in a shared text come
back as t.cn short links, as on Weibo.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from publisher.sandbox.core import World, secret_digest
from publisher.sandbox.weibo.state import (
    LINK,
    WeiboState,
    authorize,
    config,
    created_at,
    error,
    store,
    weibo_length,
)

TOPIC = re.compile(r"#[^#\s]+#")
PICTURE_MAGIC = (b"\xff\xd8", b"\x89PNG", b"GIF8")
SHARE, TIMELINE, SHOW, COUNT = (
    "/2/statuses/share.json",
    "/2/statuses/user_timeline.json",
    "/2/statuses/show.json",
    "/2/statuses/count.json",
)


async def _form(request: Request) -> tuple[dict[str, str], bytes | None]:
    """Weibo takes url-encoded forms, or multipart when a picture goes along; the query string counts too."""
    fields = dict(request.query_params)
    pic: bytes | None = None
    kind = request.headers.get("content-type", "")
    if "form" in kind:
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key == "pic":
                    pic = await value.read()
            else:
                fields[key] = value
    auth = request.headers.get("authorization", "")
    if auth.startswith("OAuth2 ") and "access_token" not in fields:
        fields["access_token"] = auth.removeprefix("OAuth2 ").strip()  # the header form of the token
    return fields, pic


def uid_for(world: World, client_id: str) -> str:
    configured = config(world).get("uid")
    return (
        str(configured) if configured else str(int(secret_digest(f"{world.seed}:{client_id}")[:12], 16))[:10]
    )


def _on_secure_domain(link: str, domains: list[str]) -> bool:
    host = (urlsplit(link).hostname or "").lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


def status_view(world: World, status: dict[str, Any]) -> dict[str, Any]:
    counts = {
        f"{name}_count": world.engagement(status["idstr"], name, status["created"])
        for name in ("reposts", "comments", "attitudes")
    }
    view: dict[str, Any] = {
        "created_at": created_at(status["created"]),
        "id": int(status["idstr"]),
        "idstr": status["idstr"],
        "mid": status["idstr"],
        "text": status["text"],
        "source": status["source"],
        "favorited": False,
        "truncated": False,
        "user": {"id": int(status["uid"]), "idstr": status["uid"], "screen_name": status["screen_name"]},
        **counts,
    }
    if status.get("pic"):
        view["original_pic"] = f"https://wx1.sinaimg.cn/large/{status['pic']['sha256'][:24]}.jpg"
    return view


def weibo_routes(world: World) -> list[Route]:
    async def authorize_page(request: Request) -> Response:
        q = request.query_params
        client_id, redirect_uri = q.get("client_id", ""), q.get("redirect_uri", "")
        if not client_id:
            return error(21323, "/oauth2/authorize", "miss client_id")
        if not redirect_uri:
            return error(21322, "/oauth2/authorize")
        code = world.mint("", 32)
        store(world).codes[code] = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "used": False,
            "expires_at": world.now + timedelta(seconds=int(config(world)["code_ttl"])),
        }
        joiner = "&" if "?" in redirect_uri else "?"
        query = {"code": code, **({"state": q["state"]} if "state" in q else {})}
        return RedirectResponse(f"{redirect_uri}{joiner}{urlencode(query)}", status_code=302)

    async def access_token(request: Request) -> JSONResponse:
        path = "/oauth2/access_token"
        p, _ = await _form(request)
        client_id, secret = p.get("client_id", ""), p.get("client_secret", "")
        if not client_id or not secret or not p.get("code") or not p.get("redirect_uri"):
            return error(21323, path)
        if p.get("grant_type") != "authorization_code":
            return error(21328, path)
        wb = store(world)
        if wb.apps.setdefault(client_id, secret_digest(secret)) != secret_digest(secret):
            return error(21324, path)
        grant = wb.codes.get(p["code"])
        if (
            grant is None
            or grant["used"]
            or world.now >= grant["expires_at"]
            or grant["client_id"] != client_id
        ):
            return error(21325, path)
        if grant["redirect_uri"] != p["redirect_uri"]:
            return error(21322, path)
        grant["used"] = True
        ttl = int(config(world)["token_ttl"])
        token = "2.00" + world.mint("", 28)
        uid = uid_for(world, client_id)
        wb.tokens[token] = {
            "client_id": client_id,
            "uid": uid,
            "created": world.now,
            "expires_at": world.now + timedelta(seconds=ttl),
        }
        wb.tokens_issued += 1
        return JSONResponse({"access_token": token, "expires_in": ttl, "remind_in": str(ttl), "uid": uid})

    async def get_token_info(request: Request) -> JSONResponse:
        path = "/oauth2/get_token_info"
        p, _ = await _form(request)
        record = authorize(world, p.get("access_token", ""), path)
        if isinstance(record, JSONResponse):
            return record
        return JSONResponse(
            {
                "uid": int(record["uid"]),
                "appkey": record["client_id"],
                "scope": None,
                "create_at": int(record["created"].timestamp()),
                "expire_in": int((record["expires_at"] - world.now).total_seconds()),
            }
        )

    async def share(request: Request) -> JSONResponse:
        p, pic = await _form(request)
        record = authorize(world, p.get("access_token", ""), SHARE)
        if isinstance(record, JSONResponse):
            return record
        refused = _check_share(world, record, p, pic)
        if refused is not None:
            return refused
        return JSONResponse(status_view(world, _save(world, store(world), record, p["status"], pic)))

    async def user_timeline(request: Request) -> JSONResponse:
        q, _ = await _form(request)
        record = authorize(world, q.get("access_token", ""), TIMELINE)
        if isinstance(record, JSONResponse):
            return record
        cfg = config(world)
        try:
            count = int(q.get("count", 20))
            page = int(q.get("page", 1))
        except ValueError:
            return error(10017, TIMELINE, "parameter (count/page)'s value invalid")
        if not 1 <= count <= int(cfg["timeline_max_count"]) or page < 1:
            return error(10017, TIMELINE, "parameter (count/page)'s value invalid")
        mine = [
            s for s in store(world).statuses.values() if s["uid"] == record["uid"] and not s.get("deleted")
        ]
        mine.sort(key=lambda s: (s["created"], int(s["idstr"])), reverse=True)
        chunk = mine[(page - 1) * count : page * count]
        return JSONResponse(
            {
                "statuses": [status_view(world, s) for s in chunk],
                "total_number": len(mine),
                "previous_cursor": 0,
                "next_cursor": 0,
            }
        )

    async def show(request: Request) -> JSONResponse:
        q, _ = await _form(request)
        record = authorize(world, q.get("access_token", ""), SHOW)
        if isinstance(record, JSONResponse):
            return record
        if not q.get("id"):
            return error(10016, SHOW, "miss required parameter (id)")
        status = store(world).statuses.get(q["id"])
        if status is None or status.get("deleted"):
            return error(20101, SHOW)
        return JSONResponse(status_view(world, status))

    async def count(request: Request) -> JSONResponse:
        q, _ = await _form(request)
        record = authorize(world, q.get("access_token", ""), COUNT)
        if isinstance(record, JSONResponse):
            return record
        ids = [i for i in q.get("ids", "").split(",") if i]
        if not ids:
            return error(10016, COUNT, "miss required parameter (ids)")
        if len(ids) > int(config(world)["count_max_ids"]) or not all(i.isdigit() for i in ids):
            return error(10017, COUNT, "parameter (ids)'s value invalid")
        statuses = store(world).statuses
        out = []
        for i in ids:
            status = statuses.get(i)
            if status is None or status.get("deleted"):
                continue  # unknown or deleted ids are left out without a word
            view = status_view(world, status)
            out.append(
                {
                    "id": view["id"],
                    "idstr": view["idstr"],
                    "comments": view["comments_count"],
                    "reposts": view["reposts_count"],
                    "attitudes": view["attitudes_count"],
                }
            )
        return JSONResponse(out)

    return [
        Route("/oauth2/authorize", authorize_page, methods=["GET"]),
        Route("/oauth2/access_token", access_token, methods=["POST"]),
        Route("/oauth2/get_token_info", get_token_info, methods=["POST"]),
        Route(SHARE, share, methods=["POST"]),
        Route(TIMELINE, user_timeline, methods=["GET"]),
        Route(SHOW, show, methods=["GET"]),
        Route(COUNT, count, methods=["GET"]),
    ]


def routes(world: World) -> list[Route]:
    return weibo_routes(world)


def _check_share(
    world: World, record: dict[str, Any], p: dict[str, str], pic: bytes | None
) -> JSONResponse | None:
    """Every refusal statuses/share can give, in the order Weibo checks them [order U]."""
    cfg = config(world)
    text = p.get("status", "")
    for name in ("status", "rip"):
        if not p.get(name):
            return error(10016, SHARE, f"miss required parameter ({name})")
    try:
        ipaddress.ip_address(p["rip"])
    except ValueError:
        return error(10017, SHARE, "parameter (rip)'s value invalid")
    if weibo_length(text) > int(cfg["text_max"]):
        return error(20012, SHARE)
    if TOPIC.search(text):
        return error(10017, SHARE, "parameter (status)'s value invalid, #topic# is not allowed")
    if not any(_on_secure_domain(link, list(cfg["secure_domains"])) for link in LINK.findall(text)):
        return error(10017, SHARE, "text not find domain!")
    if pic is not None and (len(pic) >= int(cfg["pic_max_bytes"])):
        return error(20006, SHARE)
    if pic is not None and not pic.startswith(PICTURE_MAGIC):
        return error(10017, SHARE, "parameter (pic)'s value invalid, JPEG, GIF or PNG only")
    mine = [s for s in store(world).statuses.values() if s["uid"] == record["uid"] and not s.get("deleted")]
    window = timedelta(seconds=float(world.config["duplicate_window_seconds"]))
    latest = max(mine, key=lambda s: (s["created"], int(s["idstr"])), default=None)
    if any(s["long_text"] == text and (s is latest or world.now - s["created"] <= window) for s in mine):
        return error(20019, SHARE)
    recent = [s for s in mine if world.now - s["created"] < timedelta(hours=1)]
    if len(recent) >= int(cfg["posts_per_hour"]):
        return error(20016, SHARE)
    return None


def _save(
    world: World, wb: WeiboState, record: dict[str, Any], text: str, pic: bytes | None
) -> dict[str, Any]:
    def shorten(match: re.Match[str]) -> str:
        short = "http://t.cn/" + world.mint("", 7)
        wb.short_links[short] = match.group(0)
        return short

    idstr = world.mint("", 16, digits=True)
    status = {
        "idstr": idstr,
        "uid": record["uid"],
        "screen_name": str(config(world)["screen_name"]),
        "client_id": record["client_id"],
        "long_text": text,
        "text": LINK.sub(shorten, text),
        "source": '<a href="https://open.weibo.com" rel="nofollow">publisher</a>',
        "created": world.now,
        "pic": {"bytes": len(pic), "sha256": hashlib.sha256(pic).hexdigest()} if pic else None,
    }
    wb.statuses[idstr] = status
    return status
