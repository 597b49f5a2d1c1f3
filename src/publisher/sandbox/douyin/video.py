"""Douyin content APIs: uploads (direct, chunked), create_video / create_image_text, review, lists."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from publisher.sandbox.core import World, content_key
from publisher.sandbox.douyin.state import authorize, envelope, store, ts

CREATE = "video.create.bind"
STATS = {
    "play_count": "play",
    "digg_count": "digg",
    "comment_count": "comment",
    "share_count": "share",
    "forward_count": "forward",
    "download_count": "download",
}
SERIES = {"like": "digg", "comment": "comment", "play": "play", "share": "share"}


async def _file(request: Request, field: str) -> bytes | None:
    form = await request.form()
    upload = form.get(field)
    return await upload.read() if isinstance(upload, UploadFile) else None


def _video_record(world: World, open_id: str, data: bytes) -> JSONResponse:
    cfg = world.config["douyin"]
    if len(data) > cfg["max_video_bytes"]:
        return envelope(world, None, 2190005)
    if cfg["video_duration_seconds"] > cfg["max_duration_seconds"]:
        return envelope(world, None, 2190006)
    video_id = "v0" + world.mint("", 30)
    store(world).videos[video_id] = {
        "video_id": video_id,
        "open_id": open_id,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "width": 1080,
        "height": 1920,
        "consumed_by": None,
        "uploaded_at": world.now,
    }
    return envelope(world, {"video": {"video_id": video_id, "width": 1080, "height": 1920}})


def _statistics(world: World, item: dict[str, Any], at: datetime | None = None) -> dict[str, int]:
    if item["video_status"] not in (5, 6, 7):
        return dict.fromkeys(STATS, 0)
    stats = {
        name: world.engagement(item["item_id"], metric, item["reviewed_at"], at)
        for name, metric in STATS.items()
    }
    if item["video_status"] == 7:
        stats["play_count"] = 0  # only the author sees plays, and a private item reads 0
    return stats


def video_view(world: World, item: dict[str, Any]) -> dict[str, Any]:
    stats: dict[str, Any] = _statistics(world, item)
    if world.config["douyin"]["string_counters"]:
        stats = {k: str(v) for k, v in stats.items()}
    return {
        "item_id": item["item_id"],
        "title": item["text"],
        "cover": item["cover"],
        "create_time": ts(item["created_at"]),
        "share_url": item["share_url"],
        "is_top": False,
        "media_type": item["media_type"],
        "is_reviewed": item["is_reviewed"],
        "video_status": item["video_status"],
        "statistics": stats,
    }


ANCHORS = {"poi": ("poi_id", "poi_name"), "micro_app": ("micro_app_id", "micro_app_title", "micro_app_url")}


def _mention_checks(world: World, open_id: str, body: dict[str, Any]) -> JSONResponse | None:
    """One anchor type per video (docs/platforms/douyin.md#publishing-needs-videocreatebind), and every
    `at_users` open_id must be a known user."""
    kinds = [kind for kind, keys in ANCHORS.items() if any(body.get(k) for k in keys)]
    if len(kinds) > 1:
        return envelope(world, None, 28001007, f"参数不合法: 只能挂载一种锚点 ({', '.join(kinds)})")
    known = {open_id, *(str(u) for u in world.config["douyin"]["known_users"] or [])}
    users = body.get("at_users") or []
    if not isinstance(users, list):
        return envelope(world, None, 28001007, "参数不合法: at_users")
    unknown = [str(u) for u in users if str(u) not in known]
    if unknown:
        return envelope(world, None, 28001007, f"参数不合法: at_users 中的用户不存在 ({unknown[0]})")
    return None


def offline(world: World, capability: str) -> JSONResponse | None:
    """28001056 能力已下线 for a capability the config names (reported for video.list and video.data)."""
    if capability in (world.config["douyin"]["offline"] or []):
        return envelope(world, None, 28001056)
    return None


def _create_checks(world: World, open_id: str, text: str) -> JSONResponse | None:
    cfg = world.config["douyin"]
    if len(text) > int(cfg["text_max"]):
        return envelope(world, None, 2100005, "text 过长")
    if any(word and word in text for word in cfg["sensitive_words"]):
        return envelope(world, None, 2111001)
    if not world.take_daily("douyin", open_id, "create", cfg["daily_create_limit"]):
        return envelope(world, None, 2114007)
    return None


def _new_item(
    world: World, open_id: str, body: dict[str, Any], media_type: int, media_key: str
) -> dict[str, Any]:
    item_id = "@" + world.mint("", 40) + "=="
    text = str(body.get("text") or "")
    item = {
        "item_id": item_id,
        "open_id": open_id,
        "text": text,
        "media_type": media_type,
        "video_id": body.get("video_id"),
        "image_list": body.get("image_list"),
        "private_status": int(body.get("private_status") or 0),
        "created_at": world.now,
        "is_reviewed": False,
        "video_status": 4,
        "reviewed_at": None,
        "review_due": world.now + timedelta(seconds=float(world.config["douyin"]["review_delay_seconds"])),
        "cover": f"https://p3.douyinpic.com/fake/{item_id[1:13]}.jpeg",
        "share_url": f"https://www.iesdouyin.com/share/video/{world.mint('', 19, digits=True)}/",
    }
    store(world).items[item_id] = item
    world.note_content(
        "douyin", open_id, "video" if media_type == 4 else "image_text", content_key(text, media_key), item_id
    )
    world.settle()
    return item


def douyin_video_routes(world: World) -> list[Route]:
    async def upload_video(request: Request) -> JSONResponse:
        token = authorize(world, request, CREATE)
        if isinstance(token, JSONResponse):
            return token
        data = await _file(request, "video")
        if data is None:
            return envelope(world, None, 2100005, "缺少 video")
        return _video_record(world, token["open_id"], data)

    async def init_part(request: Request) -> JSONResponse:
        token = authorize(world, request, CREATE)
        if isinstance(token, JSONResponse):
            return token
        upload_id = world.mint("", 24)
        store(world).uploads[upload_id] = {"open_id": token["open_id"], "parts": {}}
        return envelope(world, {"upload_id": upload_id})

    async def upload_part(request: Request) -> JSONResponse:
        token = authorize(world, request, CREATE)
        if isinstance(token, JSONResponse):
            return token
        upload = store(world).uploads.get(request.query_params.get("upload_id", ""))
        try:
            number = int(request.query_params.get("part_number", ""))
        except ValueError:
            number = 0
        data = await _file(request, "video")
        if upload is None or upload["open_id"] != token["open_id"] or number < 1 or data is None:
            return envelope(world, None, 2100005)
        upload["parts"][number] = data
        return envelope(world, {})

    async def complete_part(request: Request) -> JSONResponse:
        token = authorize(world, request, CREATE)
        if isinstance(token, JSONResponse):
            return token
        dy = store(world)
        upload = dy.uploads.get(request.query_params.get("upload_id", ""))
        if upload is None or upload["open_id"] != token["open_id"]:
            return envelope(world, None, 2100005)
        numbers = sorted(upload["parts"])
        parts = [upload["parts"][n] for n in numbers]
        minimum = world.config["douyin"]["min_part_bytes"]
        if (
            not numbers
            or numbers != list(range(1, len(numbers) + 1))
            or any(len(p) < minimum for p in parts[:-1])
        ):
            return envelope(world, None, 2100005, "分片不连续或过小")
        if sum(len(p) for p in parts) > world.config["douyin"]["max_total_bytes"]:
            return envelope(world, None, 2190005)
        del dy.uploads[request.query_params["upload_id"]]
        return _video_record(world, token["open_id"], b"".join(parts))

    async def upload_image(request: Request) -> JSONResponse:
        token = authorize(world, request, CREATE)
        if isinstance(token, JSONResponse):
            return token
        data = await _file(request, "image")
        if data is None:
            return envelope(world, None, 2100005, "缺少 image")
        image_id = "i0" + world.mint("", 30)
        store(world).images[image_id] = {
            "image_id": image_id,
            "open_id": token["open_id"],
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        return envelope(world, {"image": {"image_id": image_id, "width": 1080, "height": 1440}})

    async def create_video(request: Request) -> JSONResponse:
        token = authorize(world, request, CREATE)
        if isinstance(token, JSONResponse):
            return token
        body = await _json(request)
        video = store(world).videos.get(str(body.get("video_id") or ""))
        # A video_id is single-use: reusing a consumed one is refused [U: 2190007], which guards re-posts.
        if video is None or video["open_id"] != token["open_id"] or video["consumed_by"]:
            return envelope(world, None, 2190007)
        refused = _mention_checks(world, token["open_id"], body) or _create_checks(
            world, token["open_id"], str(body.get("text") or "")
        )
        if refused is not None:
            return refused
        item = _new_item(world, token["open_id"], body, 4, video["sha256"])
        video["consumed_by"] = item["item_id"]
        return envelope(world, {"item_id": item["item_id"]})

    async def create_image_text(request: Request) -> JSONResponse:
        token = authorize(world, request, CREATE)
        if isinstance(token, JSONResponse):
            return token
        body = await _json(request)
        images = [store(world).images.get(str(i)) for i in body.get("image_list") or []]
        if not images or any(i is None or i["open_id"] != token["open_id"] for i in images):
            return envelope(world, None, 2100005, "image_list 无效")
        refused = _mention_checks(world, token["open_id"], body) or _create_checks(
            world, token["open_id"], str(body.get("text") or "")
        )
        if refused is not None:
            return refused
        item = _new_item(world, token["open_id"], body, 2, ",".join(i["sha256"] for i in images if i))
        return envelope(world, {"item_id": item["item_id"], "video_id": item["item_id"]})

    async def video_data(request: Request) -> JSONResponse:
        token = authorize(world, request, "video.data.bind")
        if isinstance(token, JSONResponse):
            return token
        if gone := offline(world, "video.data"):
            return gone
        items = store(world).items
        wanted = [items.get(str(i)) for i in (await _json(request)).get("item_ids") or []]
        return envelope(
            world,
            {
                "list": [
                    video_view(world, i) for i in wanted if i is not None and i["open_id"] == token["open_id"]
                ]
            },
        )

    async def video_list(request: Request) -> JSONResponse:
        token = authorize(world, request, "video.list.bind")
        if isinstance(token, JSONResponse):
            return token
        if gone := offline(world, "video.list"):
            return gone
        try:
            cursor = int(request.query_params.get("cursor", "0"))
            count = int(request.query_params.get("count", "10"))
        except ValueError:
            return envelope(world, None, 2100005)
        if cursor < 0 or not 1 <= count <= 20:
            return envelope(world, None, 2100005)
        mine = sorted(
            (i for i in store(world).items.values() if i["open_id"] == token["open_id"]),
            key=lambda i: (i["created_at"], i["item_id"]),
            reverse=True,
        )
        page = mine[cursor : cursor + count]
        return envelope(
            world,
            {
                "list": [video_view(world, i) for i in page],
                "cursor": cursor + len(page),
                "has_more": cursor + len(page) < len(mine),
            },
        )

    async def item_base(request: Request) -> JSONResponse:
        token = authorize(world, request, "data.external.item", new=False)
        if isinstance(token, JSONResponse):
            return token
        item = store(world).items.get(request.query_params.get("item_id", ""))
        if item is None or item["open_id"] != token["open_id"]:
            return envelope(world, None, 2100005, "item_id 无效")
        stats = _statistics(world, item)
        return envelope(
            world,
            {
                "result": {
                    "avg_play_duration": 12.5 if stats["play_count"] else 0,
                    "total_play": stats["play_count"],
                    "total_like": stats["digg_count"],
                    "total_comment": stats["comment_count"],
                    "total_share": stats["share_count"],
                }
            },
        )

    def series(kind: str) -> Any:
        async def handler(request: Request) -> JSONResponse:
            token = authorize(world, request, "data.external.item", new=False)
            if isinstance(token, JSONResponse):
                return token
            item = store(world).items.get(request.query_params.get("item_id", ""))
            if item is None or item["open_id"] != token["open_id"]:
                return envelope(world, None, 2100005, "item_id 无效")
            days = int(request.query_params.get("date_type", "7") or 7)
            today = world.now.replace(hour=0, minute=0, second=0, microsecond=0)
            rows = []
            for n in range(days, 0, -1):
                start, end = today - timedelta(days=n), today - timedelta(days=n - 1)
                value = 0
                if item["reviewed_at"] is not None and item["video_status"] in (5, 6):
                    value = world.engagement(
                        item["item_id"], SERIES[kind], item["reviewed_at"], end
                    ) - world.engagement(item["item_id"], SERIES[kind], item["reviewed_at"], start)
                rows.append({"date": start.date().isoformat(), kind: value})
            return envelope(world, {"result_list": rows})

        return handler

    base = "/api/douyin/v1/video"
    return [
        Route(f"{base}/upload_video/", upload_video, methods=["POST"]),
        Route(f"{base}/init_video_part_upload/", init_part, methods=["POST"]),
        Route(f"{base}/upload_video_part/", upload_part, methods=["POST"]),
        Route(f"{base}/complete_video_part_upload/", complete_part, methods=["POST"]),
        Route(f"{base}/upload_image/", upload_image, methods=["POST"]),
        Route(f"{base}/create_video/", create_video, methods=["POST"]),
        Route(f"{base}/create_image_text/", create_image_text, methods=["POST"]),
        Route(f"{base}/video_data/", video_data, methods=["POST"]),
        Route(f"{base}/video_list/", video_list, methods=["GET"]),
        Route("/data/external/item/base/", item_base, methods=["GET"]),
        *[Route(f"/data/external/item/{kind}/", series(kind), methods=["GET"]) for kind in SERIES],
    ]


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
