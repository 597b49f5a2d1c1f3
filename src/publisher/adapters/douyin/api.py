"""Douyin's API pieces under the adapter: the envelope, uploads, review status and the exact-match lookup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx

from publisher import errors
from publisher.adapters.douyin.codes import CODES
from publisher.adapters.http import Timeouts, classify_codes, classify_http
from publisher.adapters.oauth import OAuthPlatform
from publisher.models import MediaFile, PublishResult

V1 = "/api/douyin/v1/video"
BEIJING = timezone(timedelta(hours=8))
REAUTH = "run `publisher auth douyin` to authorise the account again"
UPLOAD_TIMEOUT = Timeouts.upload().to_httpx()
VISIBILITY = {6: "friends only (好友可见)", 7: "private (仅自己可见)"}
Absent = Literal["absent"]
Sink = Callable[..., None]  # sink(**ids): commit ids the moment they arrive


class Api(Protocol):
    """One authorised Douyin call (token header, open_id, refresh-once) returning the envelope's `data`."""

    def __call__(
        self, method: str, path: str, *, idempotent: bool, params: dict[str, Any] | None = None, **kw: Any
    ) -> Awaitable[dict[str, Any]]: ...


def next_beijing_midnight(now: datetime) -> datetime:
    """When Douyin's daily quotas come back [U: Beijing midnight], as UTC."""
    local = now.astimezone(BEIJING)
    return (local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)).astimezone(UTC)


def envelope(response: httpx.Response, *, now: datetime | None = None) -> dict[str, Any]:
    """Raise the error a Douyin answer carries (HTTP status first, then `error_code`); return its `data`."""
    classify_http(response, "douyin", now=now)
    try:
        body = response.json()
    except ValueError:
        raise errors.TransientError("unreadable answer from Douyin", platform="douyin") from None
    if not isinstance(body, dict):
        raise errors.TransientError("unexpected answer from Douyin", platform="douyin")
    data: dict[str, Any] = body["data"] if isinstance(body.get("data"), dict) else {}
    extra: dict[str, Any] = body["extra"] if isinstance(body.get("extra"), dict) else {}
    code = data.get("error_code", extra.get("error_code", body.get("err_no")))
    text = str(data.get("description") or extra.get("description") or body.get("err_msg") or "error")
    logid = extra.get("logid") or body.get("log_id")
    classify_codes(
        code,
        f"{text} (logid {logid})" if logid else text,
        platform="douyin",
        table=CODES,
        reset_at=next_beijing_midnight(now or datetime.now(UTC)),
    )
    return data


# what adapters.oauth needs to know
OAUTH = OAuthPlatform("douyin", "Douyin", REAUTH, envelope, label_zh="抖音")


async def upload_video(
    api: Api,
    media: MediaFile,
    ids: dict[str, Any],
    sink: Sink,
    *,
    direct_max: int,
    part_bytes: int,
    now: datetime,
) -> None:
    """Direct up to `direct_max`, else init/parts/complete; upload_id and each finished part are committed."""
    path = Path(media.path)
    size = media.bytes or path.stat().st_size
    mime = media.mime or "video/mp4"
    if size <= direct_max:
        files = {"video": (path.name, path.read_bytes(), mime)}
        data = await api("POST", f"{V1}/upload_video/", idempotent=True, timeout=UPLOAD_TIMEOUT, files=files)
    else:
        if not ids.get("upload_id"):
            init = await api("POST", f"{V1}/init_video_part_upload/", idempotent=True, json={})
            sink(upload_id=str(init["upload_id"]), parts_done=0)
        done = int(ids.get("parts_done") or 0)
        with path.open("rb") as fh:
            fh.seek(done * part_bytes)
            number = done + 1
            while chunk := fh.read(part_bytes):
                await api(
                    "POST",
                    f"{V1}/upload_video_part/",
                    idempotent=True,
                    timeout=UPLOAD_TIMEOUT,
                    params={"upload_id": ids["upload_id"], "part_number": number},
                    files={"video": (path.name, chunk, mime)},
                )
                sink(parts_done=number)
                number += 1
        data = await api(
            "POST",
            f"{V1}/complete_video_part_upload/",
            idempotent=True,
            params={"upload_id": ids["upload_id"]},
            json={},  # an empty JSON body, as init_video_part_upload (tests/fixtures/douyin)
        )
    # When it was uploaded bounds the reconcile window even if a later attempt finds it consumed.
    sink(video_id=str(data["video"]["video_id"]), uploaded_at=now.isoformat())


async def upload_images(
    api: Api, images: tuple[MediaFile, ...], ids: dict[str, Any], sink: Sink
) -> list[str]:
    """Upload each image not uploaded yet, committing the growing id list after each one."""
    image_ids = list(ids.get("image_ids") or [])
    for media in images[len(image_ids) :]:
        path = Path(media.path)
        files = {"image": (path.name, path.read_bytes(), media.mime or "image/jpeg")}
        data = await api("POST", f"{V1}/upload_image/", idempotent=True, timeout=UPLOAD_TIMEOUT, files=files)
        image_ids.append(str(data["image"]["image_id"]))
        sink(image_ids=list(image_ids))
    return image_ids


async def video_data(api: Api, item_id: str) -> dict[str, Any] | None:
    data = await api("POST", f"{V1}/video_data/", idempotent=True, json={"item_ids": [item_id]})
    return next((v for v in data.get("list") or [] if v.get("item_id") == item_id), None)


async def find_post(api: Api, text: str, since: datetime, pages: int) -> dict[str, Any] | Absent | None:
    """The post whose title is exactly `text`, created since `since` (on the platform's clock: see
    adapters.platform_clock); never "the newest post" (R12). Several such posts: None, a person decides."""
    matches: list[dict[str, Any]] = []
    cursor: Any = 0
    for _ in range(pages):
        data = await api("GET", f"{V1}/video_list/", idempotent=True, params={"cursor": cursor, "count": 20})
        page = data.get("list") or []
        older = False
        for video in page:
            if float(video.get("create_time") or 0) < since.timestamp():
                older = True  # newest first: everything after this is older than the attempt
                continue
            if video.get("title") == text:
                matches.append(video)
        if older or not data.get("has_more") or not page:
            return _only(matches) if matches else "absent"
        cursor = data.get("cursor")
    return _only(matches)  # window not fully scanned: a match is certain, an absence is not


def _only(matches: list[dict[str, Any]]) -> dict[str, Any] | None:
    return matches[0] if len(matches) == 1 else None


def result_of(video: dict[str, Any], ids: dict[str, Any]) -> PublishResult:
    """Review state to result: 4 under review, 5 public, 6/7 published but not public, 2 rejected."""
    item_id = str(video.get("item_id") or ids.get("item_id"))
    status = video.get("video_status")
    detail = {**ids, "item_id": item_id, "video_status": status, "is_reviewed": video.get("is_reviewed")}
    url = video.get("share_url") or None
    if status == 2:
        raise errors.PermanentError(
            "Douyin review: not suitable for public viewing (video_status 2)",
            platform="douyin",
            code="status 2",
        )
    if not video.get("is_reviewed") or status == 4:
        return PublishResult(item_id, url, "submitted", detail)
    if status in VISIBILITY:
        detail["warning"] = f"published but {VISIBILITY[status]}, not public"
    return PublishResult(item_id, url, "published", detail)
