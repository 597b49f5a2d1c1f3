"""A fake of the xiaohongshu-mcp HTTP API under /xhs (the user-run bridge, after xpzouying/xiaohongshu-mcp).

Like the real site it accepts duplicate notes; they are only flagged in the state, so tests can prove the
client's own reconcile step is what prevents double posting. Like the bridge, a publish takes as long as
uploading and typing take (on the virtual clock, optionally in real time), answers without a note id, and is
abandoned when the client hangs up before it finishes; with `auth_token` set every /api/v1 route needs it.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from publisher.sandbox.core import World, content_key, parse_time

PREFIX = "/xhs"
#: Settings under world.config["xiaohongshu"] (docs/platforms/README.md#the-sandbox); [U] marks an assumption.
DEFAULTS: dict[str, Any] = {
    "logged_in": True,
    "username": "沙盒运营",
    "user_id": "5f0000000000000000000001",
    "abbreviate_counts": True,
    "auth_token": "",  # the bridge's AUTH_TOKEN: when set, /api/v1 needs `Authorization: Bearer <it>`
    # How long a publish takes on the virtual clock (xiaohongshu-mcp types ~0.12 s per character and
    # waits for each image's upload preview); `realtime_scale` real seconds pass per virtual second,
    # and a client that hangs up meanwhile cancels the publish, as the bridge's request context does.
    "typing_seconds_per_char": 0.12,
    "upload_seconds_per_image": 4.0,  # [U]
    "page_seconds": 20.0,  # [U] open the page, checks, click publish, wait to leave the page
    "realtime_scale": 0.0,
    # Paths are checked on this machine, as the bridge checks its own (missing images are skipped,
    # a missing video is refused); `mounts` maps a bridge-side folder to a folder here (Docker).
    "check_files": True,
    "mounts": {},
    "body_max": 1000,
}


@dataclass
class XiaohongshuState:
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    cancelled: list[dict[str, Any]] = field(default_factory=list)  # publishes the client hung up on

    def settle(self, world: World) -> None:
        return None

    def dump(self) -> dict[str, Any]:
        return {"notes": list(self.notes.values()), "cancelled": list(self.cancelled)}


def store(world: World) -> XiaohongshuState:
    state: XiaohongshuState = world.stores["xiaohongshu"]
    return state


def title_length(title: str) -> int:
    """XHS counts non-ASCII UTF-16 units as 2 and ASCII as 1, then halves (rounding up)."""
    units = sum(1 if ord(ch) < 128 else (2 if ord(ch) <= 0xFFFF else 4) for ch in title)
    return math.ceil(units / 2)


def _fail(status: int, code: str, message: str, details: str | None) -> JSONResponse:
    body: dict[str, Any] = {"error": message, "code": code}
    if details is not None:  # Go's `omitempty`
        body["details"] = details
    return JSONResponse(body, status_code=status)


def _done(data: Any, message: str) -> JSONResponse:
    return JSONResponse({"success": True, "data": data, "message": message})


def error_body(world: World, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return 500, {"error": message, "code": str(code), "details": message}


def code_of(status: int, data: dict[str, Any]) -> str | None:
    """The call log's code: the bridge's `code` field."""
    return str(data["code"]) if "code" in data else None


def _count(world: World, value: int) -> str:
    if world.config["xiaohongshu"]["abbreviate_counts"] and value >= 10000:
        return f"{value / 10000:.1f}万"
    return str(value)


def _user(world: World) -> dict[str, str]:
    cfg = world.config["xiaohongshu"]
    return {
        "userId": cfg["user_id"],
        "nickname": cfg["username"],
        "nickName": cfg["username"],
        "avatar": "https://sns-avatar-qc.xhscdn.com/avatar/fake.jpg",
    }


def _interact(world: World, note: dict[str, Any]) -> dict[str, Any]:
    since = parse_time(note["published_at"])
    n = {
        metric: world.engagement("xhs:" + note["note_id"], metric, since)
        for metric in ("liked", "collected", "comment", "shared")
    }
    return {
        "liked": False,
        "likedCount": _count(world, n["liked"]),
        "sharedCount": _count(world, n["shared"]),
        "commentCount": _count(world, n["comment"]),
        "collectedCount": _count(world, n["collected"]),
        "collected": False,
    }


def _visible(world: World) -> list[dict[str, Any]]:
    return [n for n in store(world).notes.values() if _shown(world, n)]


def _shown(world: World, note: dict[str, Any]) -> bool:
    """A scheduled note shows from its time on; an immediate one as soon as the publish finished."""
    return not note.get("scheduled") or parse_time(note["published_at"]) <= world.now


VISIBILITY = ("公开可见", "仅自己可见", "仅互关好友可见")


def _local(world: World, path: str) -> str:
    """Where a path the bridge was given lies on this machine (`mounts`: bridge folder -> folder here)."""
    for inside, outside in (world.config["xiaohongshu"]["mounts"] or {}).items():
        prefix = str(inside).rstrip("/") + "/"
        if path.startswith(prefix):
            return os.path.join(str(outside), path[len(prefix) :])
    return path


def _duration(world: World, body: dict[str, Any], images: int) -> float:
    """Virtual seconds the bridge spends: the page, each image's upload, then typing title, body and tags."""
    cfg = world.config["xiaohongshu"]
    typed = len(str(body.get("title") or "")) + len(str(body.get("content") or ""))
    typed += sum(len(str(t)) + 2 for t in body.get("tags") or [])
    return float(
        cfg["page_seconds"]
        + images * cfg["upload_seconds_per_image"]
        + typed * cfg["typing_seconds_per_char"]
    )


async def _work(world: World, seconds: float, gone: Callable[[], Awaitable[bool]]) -> bool:
    """Spend `seconds` of bridge time (scaled to real time); False if the client hung up meanwhile."""
    left = seconds * float(world.config["xiaohongshu"]["realtime_scale"])
    while left > 0:
        step = min(left, 0.02)
        await asyncio.sleep(step)
        left -= step
        if await gone():
            return False
    return not await gone()


async def _publish(world: World, body: Any, video: bool, gone: Callable[[], Awaitable[bool]]) -> JSONResponse:
    if not isinstance(body, dict) or not body.get("title") or not body.get("content"):
        return _fail(400, "INVALID_REQUEST", "请求参数错误", "title and content are required")
    media: Any = body.get("video") if video else body.get("images")  # checked just below
    if video and not isinstance(media, str) or not video and (not isinstance(media, list) or not media):
        return _fail(400, "INVALID_REQUEST", "请求参数错误", "video is required" if video else "images min=1")
    code = "PUBLISH_VIDEO_FAILED" if video else "PUBLISH_FAILED"
    message = "视频发布失败" if video else "发布失败"
    cfg = world.config["xiaohongshu"]
    if not cfg["logged_in"]:
        return _fail(500, code, message, "未登录")
    if title_length(str(body["title"])) > 20:
        return _fail(500, code, message, "标题长度超过限制")
    check = bool(cfg["check_files"])
    if video and check and not os.path.isfile(_local(world, str(media))):
        detail = f"视频文件不存在或不可访问: stat {media}: no such file or directory"
        return _fail(500, code, message, detail)
    if not video and check:  # the bridge skips an image it cannot find and posts the rest
        media = [str(p) for p in media if os.path.isfile(_local(world, str(p)))]
        if not media:
            return _fail(500, code, message, "上传图片失败: 没有可用的图片")
    published = world.now
    scheduled = bool(body.get("schedule_at"))
    if scheduled:
        try:
            published = parse_time(str(body["schedule_at"]))
        except ValueError:
            return _fail(500, code, message, "定时发布时间格式错误，请使用 ISO8601 格式")
        if published < world.now + timedelta(hours=1):
            return _fail(500, code, message, "定时发布时间必须至少在1小时后")
        if published > world.now + timedelta(days=14):
            return _fail(500, code, message, "定时发布时间不能超过14天")
    # Uploading and typing happen before the page's own checks; a hang-up meanwhile abandons the note.
    began, seconds = world.now, _duration(world, body, 0 if video else len(media))
    if not await _work(world, seconds, gone):
        store(world).cancelled.append(
            {"title": body["title"], "at": began.isoformat(), "reason": "disconnect"}
        )
        return _fail(500, code, message, "context canceled")
    world.set_now(max(world.now, began + timedelta(seconds=seconds)))
    if len(str(body["content"])) > int(cfg["body_max"]):
        return _fail(
            500, code, message, f"当前输入长度为{len(str(body['content']))}，最大长度为{cfg['body_max']}"
        )
    visibility = str(body.get("visibility") or "公开可见")
    if visibility not in VISIBILITY:
        detail = (
            f"设置可见范围失败: 不支持的可见范围: {visibility}，支持: 公开可见、仅自己可见、仅互关好友可见"
        )
        return _fail(500, code, message, detail)
    if not scheduled:
        published = world.now
    note_id = world.mint("", 24)
    note = {
        "note_id": note_id,
        "xsec_token": "AB" + world.mint("", 40),
        "title": body["title"],
        "content": body["content"],
        "tags": list(body.get("tags") or [])[:10],
        "images": [] if video else list(media),
        "video": media if video else None,
        "type": "video" if video else "normal",
        "visibility": visibility,
        "is_original": bool(body.get("is_original")),
        "scheduled": scheduled,
        "published_at": published.isoformat(),
        "created_at": world.now.isoformat(),
    }
    store(world).notes[note_id] = note
    world.note_content(
        "xiaohongshu",
        cfg["user_id"],
        "note",
        content_key(note["title"], note["images"], note["video"]),
        note_id,
    )
    # The bridge's answer has no note id: a client finds the note on the account's own profile.
    data: dict[str, Any] = {"title": note["title"], "content": note["content"], "status": "发布完成"}
    data["video" if video else "images"] = media if video else len(media)
    return _done(data, "视频发布成功" if video else "发布成功")


def _feed(world: World, note: dict[str, Any], index: int) -> dict[str, Any]:
    cover = note["images"][0] if note["images"] else ""
    return {
        "xsecToken": note["xsec_token"],
        "id": note["note_id"],
        "modelType": "note",
        "index": index,
        "noteCard": {
            "type": note["type"],
            "displayTitle": note["title"],
            "user": _user(world),
            "interactInfo": _interact(world, note),
            "cover": {
                "width": 1080,
                "height": 1440,
                "url": cover,
                "fileId": "",
                "urlPre": cover,
                "urlDefault": cover,
                "infoList": [],
            },
        },
    }


def routes(world: World) -> list[Route]:
    async def body_of(request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            return None

    async def health(request: Request) -> JSONResponse:
        return _done(
            {"status": "healthy", "service": "xiaohongshu-mcp", "account": "ai-report", "timestamp": "now"},
            "服务正常",
        )

    async def login_status(request: Request) -> JSONResponse:
        cfg = world.config["xiaohongshu"]
        data: dict[str, Any] = {"is_logged_in": bool(cfg["logged_in"])}
        if cfg["logged_in"]:
            data.update(username=cfg["username"], user_id=cfg["user_id"])
        return _done(data, "检查登录状态成功")

    async def publish(request: Request) -> JSONResponse:
        return await _publish(world, await body_of(request), False, request.is_disconnected)

    async def publish_video(request: Request) -> JSONResponse:
        return await _publish(world, await body_of(request), True, request.is_disconnected)

    async def detail(request: Request) -> JSONResponse:
        body = await body_of(request)
        feed_id = str((body or {}).get("feed_id") or (body or {}).get("note_id") or "")
        if not feed_id or not (body or {}).get("xsec_token"):
            return _fail(400, "INVALID_REQUEST", "请求参数错误", "feed_id and xsec_token are required")
        note = store(world).notes.get(feed_id)
        if note is None or not _shown(world, note):
            return _fail(500, "GET_FEED_DETAIL_FAILED", "获取Feed详情失败", "笔记不存在或已删除")
        images = [{"width": 1080, "height": 1440, "urlDefault": i, "urlPre": i} for i in note["images"]]
        detail_note = {
            "noteId": note["note_id"],
            "xsecToken": note["xsec_token"],
            "title": note["title"],
            "desc": note["content"],
            "type": note["type"],
            "time": int(parse_time(note["published_at"]).timestamp() * 1000),
            "ipLocation": "上海",
            "user": _user(world),
            "interactInfo": _interact(world, note),
            "imageList": images,
        }
        return _done(
            {
                "feed_id": feed_id,
                "data": {"note": detail_note, "comments": {"list": [], "cursor": "", "hasMore": False}},
            },
            "获取Feed详情成功",
        )

    async def me(request: Request) -> JSONResponse:
        cfg = world.config["xiaohongshu"]
        if not cfg["logged_in"]:
            return _fail(500, "GET_MY_PROFILE_FAILED", "获取我的主页失败", "未登录")
        notes = sorted(_visible(world), key=lambda n: n["published_at"], reverse=True)
        profile = {
            "userBasicInfo": {
                "gender": 0,
                "ipLocation": "上海",
                "desc": "",
                "nickname": cfg["username"],
                "images": "",
                "imageb": "",
                "redId": cfg["user_id"][:10],
            },
            "interactions": [
                {"type": "follows", "name": "关注", "count": "12"},
                {"type": "fans", "name": "粉丝", "count": str(100 + len(notes) * 7)},
                {"type": "interaction", "name": "获赞与收藏", "count": "0"},
            ],
            "feeds": [_feed(world, n, i) for i, n in enumerate(notes)],
        }
        return _done({"data": profile}, "获取我的主页成功")

    def guarded(
        handler: Callable[[Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        """The bridge's authMiddleware: with AUTH_TOKEN set, `Authorization: Bearer <token>` or 401."""

        async def check(request: Request) -> Response:
            token = str(world.config["xiaohongshu"]["auth_token"] or "")
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if token and (scheme.lower() != "bearer" or given.strip() != token):
                refused = _fail(401, "UNAUTHORIZED", "未授权", None)
                refused.headers["WWW-Authenticate"] = "Bearer"
                return refused
            return await handler(request)

        return check

    return [
        Route("/health", health, methods=["GET"]),
        Route("/api/v1/login/status", guarded(login_status), methods=["GET"]),
        Route("/api/v1/publish", guarded(publish), methods=["POST"]),
        Route("/api/v1/publish_video", guarded(publish_video), methods=["POST"]),
        Route("/api/v1/feeds/detail", guarded(detail), methods=["POST"]),
        Route("/api/v1/user/me", guarded(me), methods=["GET"]),
    ]
