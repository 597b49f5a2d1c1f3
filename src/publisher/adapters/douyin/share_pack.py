"""The share link's part of a Douyin pack: where the media are served from, the QR code image and share.md.

Douyin's app downloads the video from a public https address (`video_path`), so the account names the address
its media are served at (`share_media_base_url`) and, optionally, the local folder behind it
(`share_media_dir`), where publisher copies each file under a name made from its content.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from publisher.adapters.douyin.share import ShareLink
from publisher.errors import ConfigError
from publisher.messages import msg
from publisher.models import MediaFile, RenderedPost

QR_FILE, NOTE_FILE = "share-qr.png", "share.md"


def media_name(media: MediaFile) -> str:
    """A name that changes whenever the bytes do, so an address never serves another version."""
    known = {"video/mp4": ".mp4", "video/quicktime": ".mov", "image/jpeg": ".jpg", "image/png": ".png"}
    suffix = Path(media.path).suffix.lower() or known.get(media.mime, "")
    return f"{media.sha256[:16]}{suffix}"


def host_media(post: RenderedPost, options: dict[str, Any], account: str) -> tuple[str | None, list[str]]:
    """(video address, image addresses) under `share_media_base_url`; copied into `share_media_dir` if set."""
    base = str(options.get("share_media_base_url") or "").rstrip("/")
    parts = urlsplit(base)
    if parts.scheme != "https" or not parts.netloc:
        raise ConfigError(
            msg("usage.share_base_url", account=account),
            key=f"accounts.{account}.options.share_media_base_url",
        )
    videos = post.media_of("video")
    chosen = list(videos[:1]) if videos else list(post.media_of("images"))
    if not chosen:
        raise ConfigError(msg("usage.share_media", path=post.item_path), key="video")
    folder = options.get("share_media_dir")
    for media in chosen:
        if folder:
            _copy(Path(media.path), Path(str(folder)).expanduser() / media_name(media))
    urls = [f"{base}/{media_name(m)}" for m in chosen]
    return (urls[0], []) if videos else (None, urls)


def _copy(source: Path, target: Path) -> None:
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return  # named by content: a file of that name and size is that file
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def local_time(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    offset = f"{local:%z}"
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def write_share(folder: Path, link: ShareLink, *, zone: ZoneInfo, post_id: int | None) -> str:
    """share-qr.png and share.md in the pack; returns the one line the notification carries."""
    assert link.expires_at is not None
    import segno  # here: only a share link draws a QR code

    until = local_time(link.expires_at, zone)
    qr = segno.make(link.link, error="m")
    tmp = folder / f".{QR_FILE}.tmp"
    qr.save(str(tmp), kind="png", scale=8, border=4)
    os.replace(tmp, folder / QR_FILE)
    ref = str(post_id) if post_id is not None else "POST"
    lines = [
        "# 抖音扫码发布 (post to Douyin by scanning)",
        "",
        f"链接 (link): {link.link}",
        f"有效至 (valid until): {until}",
        f"share_id: {link.share_id or '—'}",
        "",
        f"1. 用手机抖音扫描 {QR_FILE}（或在手机上打开上面的链接）"
        f"(scan {QR_FILE} with the Douyin app, or open the link on the phone).",
        "2. 抖音打开发布页，视频和文案已填好；检查 #话题 后点「发布」"
        "(Douyin opens its publish page with the video and caption filled in; check the #topics, tap "
        "Publish).",
        "3. 复制作品链接并回填 (copy the post's link and report it) — "
        f"then run: publisher resolve {ref} --published URL",
        "",
        f"过期后重新生成：publisher resolve {ref} --not-published，再 publisher retry {ref}；"
        "或按 checklist.md 手动发布"
        f"(after {until} the link no longer opens the app: for a new one run publisher resolve {ref} "
        f"--not-published, then publisher retry {ref}; or post by hand with checklist.md).",
        "",
        "视频地址 (media addresses): " + ", ".join(link.media_urls),
    ]
    _write_text(folder / NOTE_FILE, "\n".join(lines) + "\n")
    return f"抖音分享链接有效至 {until}，扫码 {QR_FILE} 发布 (share link valid until {until}; scan {QR_FILE})"


def write_failure(folder: Path, reason: str, *, post_id: int | None) -> str:
    """share.md saying why there is no link; the pack's checklist.md is the way to post."""
    ref = str(post_id) if post_id is not None else "POST"
    text = (
        "# 抖音分享链接未生成 (no Douyin share link)\n\n"
        f"原因 (why): {reason}\n\n"
        "请按 checklist.md 手动发布；或修复后运行 "
        f"publisher resolve {ref} --not-published，再 publisher retry {ref} "
        f"(post by hand with checklist.md; or fix it, then run publisher resolve {ref} --not-published "
        f"and publisher retry {ref} for a link).\n"
    )
    _write_text(folder / NOTE_FILE, text)
    return f"未能生成抖音分享链接，请按 checklist.md 手动发布 (no share link: {reason})"


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
