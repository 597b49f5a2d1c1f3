"""Douyin's share path: share-id, the H5 share short link (get_share), the link itself, and a control route
that plays the Douyin app posting from a scanned link.

As the real platform: every call carries a client_token (`clt.…`) in `access-token`; get_share reads JSON
only, needs the app's `jump.basic` and `h5.share` capabilities (28001018 otherwise), a `client_ticket` that
/open/getticket/ issued and that is still valid, an `expire_at` in the future, and exactly the media fields
it documents. The short link opens the app only before `expire_at` and while the ticket is valid.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from publisher.sandbox.core import World
from publisher.sandbox.douyin.auth import open_id_for
from publisher.sandbox.douyin.state import DouyinState, envelope, store
from publisher.sandbox.douyin.video import _new_item

NEEDED = ("jump.basic", "h5.share")
VIDEO_EXT = (".mp4", ".mov")  # the doc's video formats; it checks content-type video/mp4, quicktime, 3gpp
IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif")


def new_style(world: World, data: dict[str, Any] | None, code: int = 0, message: str = "") -> JSONResponse:
    """The newer envelope of the schema APIs: {data, err_no, err_msg, log_id}."""
    body: dict[str, Any] = {"err_no": code, "err_msg": message, "log_id": world.mint("", 32).upper()}
    if data is not None:
        body["data"] = data
    return JSONResponse(body)


def client_of(world: World, request: Request) -> dict[str, Any] | int:
    """The client_token record behind `access-token`, or the new-style code refusing it."""
    record = store(world).client_tokens.get(request.headers.get("access-token", ""))
    if record is None:
        return 28001003
    if world.now >= record["expires_at"]:
        return 28001008
    return record


def ticket_ok(dy: DouyinState, ticket: str, now: datetime) -> dict[str, Any] | None:
    record = dy.tickets.get(ticket)
    return record if record is not None and now < record["expires_at"] else None


def _media_problem(body: dict[str, Any]) -> str | None:
    video, image, images = body.get("video_path"), body.get("image_path"), body.get("image_list_path")
    given = [x for x in (video, image, images) if x]
    if not given:
        return "image_path、image_list_path 和 video_path 至少要传一个"
    for url in [video, image, *(images if isinstance(images, list) else [])]:
        if url is None:
            continue
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            return f"媒体地址不是在线 URL: {url!r}"
    if isinstance(video, str) and not video.lower().split("?")[0].endswith(VIDEO_EXT):
        return "视频格式支持 mp4/mov"
    if body.get("share_to_publish") == 1 and not video:
        return "分享到抖音发布页目前只支持单视频"
    return None


def douyin_share_routes(world: World) -> list[Route]:
    async def share_id(request: Request) -> JSONResponse:
        client = client_of(world, request)
        if isinstance(client, int):
            return envelope(world, None, client)
        sid = world.mint("", 19)
        store(world).shares[sid] = {
            "share_id": sid,
            "client_key": client["client_key"],
            "need_callback": request.query_params.get("need_callback") == "true",
        }
        return envelope(world, {"share_id": sid})

    async def get_share(request: Request) -> JSONResponse:
        client = client_of(world, request)
        if isinstance(client, int):
            words = "access_token无效" if client == 28001003 else "access_token过期"
            return new_style(world, None, client, words)
        if "application/json" not in request.headers.get("content-type", ""):
            return new_style(world, None, 28001007, "参数不合法: content-type 固定为 application/json")
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return new_style(world, None, 28001007, "参数不合法")
        capabilities = set(world.config["douyin"]["app_capabilities"])
        if not all(c in capabilities for c in NEEDED):
            return new_style(world, None, 28001018, "应用未获得该能力")
        dy = store(world)
        ticket = ticket_ok(dy, str(body.get("client_ticket") or ""), world.now)
        if ticket is None or ticket["client_key"] != client["client_key"]:
            return new_style(world, None, 28001007, "参数不合法: client_ticket 无效")
        expire_at = body.get("expire_at")
        if not isinstance(expire_at, int) or expire_at <= int(world.now.timestamp()):
            return new_style(world, None, 28001007, "参数不合法: expire_at 须为将来的秒级时间戳")
        problem = _media_problem(body)
        if problem:
            return new_style(world, None, 28001007, f"参数不合法: {problem}")
        token = world.mint("", 16)
        dy.links[token] = {
            "client_key": client["client_key"],
            "ticket": body["client_ticket"],
            "expires_at": datetime.fromtimestamp(expire_at, UTC),
            "body": body,
            "used_by": None,
        }
        query = urlencode({"token": token, "client_key": client["client_key"]})
        return new_style(world, {"schema": f"https://open.douyin.com/platform/oauth/slink/?{query}"})

    def _opens(token: str) -> dict[str, Any] | str:
        dy = store(world)
        link = dy.links.get(token)
        if link is None:
            return "链接无效"
        if world.now >= link["expires_at"] or ticket_ok(dy, link["ticket"], world.now) is None:
            return "链接已过期"
        return link

    async def slink(request: Request) -> Response:
        """The short link a phone opens: the app's share schema while valid, an error page after."""
        opened = _opens(request.query_params.get("token", ""))
        if isinstance(opened, str):
            return JSONResponse({"err_no": 28001007, "err_msg": opened}, status_code=200)
        body = opened["body"]
        query = {
            k: v if isinstance(v, str | int) else str(v) for k, v in body.items() if k != "client_ticket"
        }
        query.update({"share_type": "h5", "client_key": opened["client_key"]})
        return RedirectResponse(f"snssdk1128://openplatform/share?{urlencode(query)}", status_code=302)

    return [
        Route("/share-id/", share_id, methods=["GET"]),
        Route("/api/douyin/v1/schema/get_share/", get_share, methods=["POST"]),
        Route("/platform/oauth/slink/", slink, methods=["GET"]),
    ]


def share_item(world: World, link: dict[str, Any]) -> dict[str, Any]:
    """The post the app makes from a link: its title and topics as the text, the link's share_id kept."""
    body = link["body"]
    tags = " ".join(f"#{t}" for t in body.get("hashtag_list") or [])
    text = " ".join(x for x in (str(body.get("title") or ""), tags) if x)
    video = body.get("video_path")
    media = str(video or body.get("image_path") or ",".join(body.get("image_list_path") or []))
    item = _new_item(world, open_id_for(world, link["client_key"]), {"text": text}, 4 if video else 2, media)
    item["share_id"] = body.get("state")
    return item


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ("item_id", "text", "share_url", "share_id", "media_type")}


def control_routes(world: World) -> list[Route]:
    async def app_posts(request: Request) -> JSONResponse:
        """The Douyin app after a scan: {"link": short link} → the post it makes, or why it cannot."""
        body = await request.json()
        token = parse_qs(urlsplit(str(body.get("link", ""))).query).get("token", [""])[0]
        dy = store(world)
        link = dy.links.get(token)
        if link is None:
            return JSONResponse({"error": "链接无效"}, status_code=404)
        if world.now >= link["expires_at"] or ticket_ok(dy, link["ticket"], world.now) is None:
            return JSONResponse({"error": "链接已过期"}, status_code=410)
        if link["used_by"] is None:
            link["used_by"] = share_item(world, link)["item_id"]
        return JSONResponse(_public(dy.items[link["used_by"]]))

    return [Route("/douyin/app_share", app_posts, methods=["POST"])]


__all__ = ["control_routes", "douyin_share_routes", "share_item"]
