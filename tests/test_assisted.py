"""Assisted publishing packs: media in order, paste-ready text, the checklist, the manifest, idempotency."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.adapters.assisted import AssistedAdapter, assisted_factory, write_pack
from publisher.adapters.base import AdapterContext
from publisher.errors import ConfigError, RenderError
from publisher.models import Attempt, MediaFile, RenderedPost

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def mf(tmp: Path, name: str, role: str, data: bytes, mime: str = "image/jpeg") -> MediaFile:
    (tmp / name).write_bytes(data)
    return MediaFile(
        role,
        str(tmp / name),
        f"content/media/{name}",
        hashlib.sha256(data).hexdigest(),
        len(data),
        mime,
        1080,
        1440,
    )


def xhs(tmp: Path, body: str = "第一步\n第二步\n\n#效率工具 #周报") -> RenderedPost:
    media = (mf(tmp, "p1.jpg", "images", b"one"), mf(tmp, "p2.jpg", "images", b"two"))
    return RenderedPost(
        "2026/weekly",
        "content/2026/weekly.md",
        "xiaohongshu",
        "xhs_main",
        {"title": "3 步搞定周报", "body": body, "tags": ["效率工具", "周报"]},
        media,
        publish_at=NOW + timedelta(days=1),
    )


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_note_pack_has_media_in_order_text_checklist_and_manifest(tmp_path: Path) -> None:
    post = xhs(tmp_path)
    folder = write_pack(post, tmp_path / "packs", now=NOW, post_id=42)
    assert folder == tmp_path / "packs" / "2026-weekly__xiaohongshu__xhs_main"
    assert sorted(p.name for p in folder.iterdir()) == [
        "01-image.jpg",
        "02-image.jpg",
        "checklist.md",
        "pack.json",
        "text.txt",
    ]
    assert (folder / "01-image.jpg").read_bytes() == b"one" and (
        folder / "02-image.jpg"
    ).read_bytes() == b"two"
    assert (folder / "text.txt").read_text(
        encoding="utf-8"
    ) == "3 步搞定周报\n\n第一步\n第二步\n\n#效率工具 #周报\n"
    checklist = (folder / "checklist.md").read_text(encoding="utf-8")
    assert "小红书" in checklist and "(open the Xiaohongshu app" in checklist
    assert "定时发布" in checklist  # due tomorrow: inside the app's 1 h .. 14 d scheduling window
    assert "2026-03-03 04:00 (UTC+00:00)" in checklist  # shown in the zone of `now`
    assert checklist.rstrip().endswith("then run: publisher resolve 42 --published URL")
    manifest = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "note" and manifest["fields"]["title"] == "3 步搞定周报"
    assert [(m["file"], m["sha256"]) for m in manifest["media"]] == [
        ("01-image.jpg", hashlib.sha256(b"one").hexdigest()),
        ("02-image.jpg", hashlib.sha256(b"two").hexdigest()),
    ]
    assert manifest["rendered_hash"] == post.rendered_hash


def test_writing_the_same_post_again_changes_nothing(tmp_path: Path) -> None:
    post = xhs(tmp_path)
    folder = write_pack(post, tmp_path / "packs", now=NOW)
    before = snapshot(folder)
    os.utime(folder / "text.txt", ns=(1, 1))  # an rewrite would reset this mtime
    before["text.txt"] = (before["text.txt"][0], 1)
    assert write_pack(post, tmp_path / "packs", now=NOW) == folder
    assert snapshot(folder) == before


def test_an_edited_post_replaces_the_old_pack_contents(tmp_path: Path) -> None:
    folder = write_pack(xhs(tmp_path), tmp_path / "packs", now=NOW)
    edited = RenderedPost(
        "2026/weekly",
        "content/2026/weekly.md",
        "xiaohongshu",
        "xhs_main",
        {"title": "新标题", "body": "正文", "tags": []},
        (mf(tmp_path, "p3.jpg", "images", b"3"),),
    )
    write_pack(edited, tmp_path / "packs", now=NOW)
    assert sorted(p.name for p in folder.iterdir()) == [
        "01-image.jpg",
        "checklist.md",
        "pack.json",
        "text.txt",
    ]
    assert (folder / "01-image.jpg").read_bytes() == b"3"
    assert (folder / "text.txt").read_text(encoding="utf-8") == "新标题\n\n正文\n"


def test_topics_are_appended_when_the_text_lacks_them(tmp_path: Path) -> None:
    folder = write_pack(xhs(tmp_path, body="只有正文"), tmp_path / "packs", now=NOW)
    assert (folder / "text.txt").read_text(encoding="utf-8").endswith("只有正文\n\n#效率工具 #周报\n")


def test_video_article_and_launch_packs(tmp_path: Path) -> None:
    video = RenderedPost(
        "launch",
        "content/launch.md",
        "douyin",
        "dy",
        {"text": "上线啦 #AI", "tags": ["AI"], "cover_tsp": 2},
        (mf(tmp_path, "v.mp4", "video", b"mp4", "video/mp4"),),
    )
    folder = write_pack(video, tmp_path, now=NOW)
    assert sorted(p.name for p in folder.iterdir()) == ["checklist.md", "pack.json", "text.txt", "video.mp4"]
    assert "第 2 秒" in (folder / "checklist.md").read_text(encoding="utf-8")
    article = RenderedPost(
        "launch",
        "content/launch.md",
        "wechat",
        "wx",
        {"title": "标题", "author": "小王", "content": '<p>hi</p><img src="body1.png">'},
        (mf(tmp_path, "cover.jpg", "cover", b"c"), mf(tmp_path, "body1.png", "images", b"b", "image/png")),
    )
    folder = write_pack(article, tmp_path, now=NOW)
    assert sorted(p.name for p in folder.iterdir()) == [
        "01-cover.jpg",
        "02-image.png",
        "article.html",
        "checklist.md",
        "pack.json",
        "text.txt",
    ]
    assert 'src="02-image.png"' in (folder / "article.html").read_text(encoding="utf-8")
    assert "作者 (Author):\n小王" in (folder / "text.txt").read_text(encoding="utf-8")
    launch = RenderedPost(
        "launch",
        "content/launch.md",
        "producthunt",
        "ph",
        {
            "name": "Weekly",
            "tagline": "Reports in 3 steps",
            "description": "d",
            "first_comment": "Hi makers",
            "tags": ["Productivity"],
        },
        (mf(tmp_path, "g.jpg", "gallery", b"g"), mf(tmp_path, "t.png", "thumbnail", b"t", "image/png")),
    )
    folder = write_pack(launch, tmp_path, now=NOW)
    assert sorted(p.name for p in folder.iterdir())[:2] == ["01-thumbnail.png", "02-gallery.jpg"]
    text = (folder / "text.txt").read_text(encoding="utf-8")
    assert "Tagline:\nReports in 3 steps" in text and "Topics:\nProductivity" in text
    checklist = (folder / "checklist.md").read_text(encoding="utf-8")
    assert checklist.rstrip().endswith("then run: publisher resolve POST --published URL")


def test_missing_processed_media_is_a_render_error(tmp_path: Path) -> None:
    post = xhs(tmp_path)
    Path(post.media[0].path).unlink()
    with pytest.raises(RenderError, match="missing"):
        write_pack(post, tmp_path / "packs", now=NOW)


def test_assisted_adapter_works_for_any_platform(tmp_path: Path) -> None:
    ctx = AdapterContext(
        account="xhs_main", mode="assisted", base_url="", out_dir=tmp_path / "packs", now=lambda: NOW
    )
    adapter = assisted_factory("xiaohongshu")(ctx)
    assert isinstance(adapter, AssistedAdapter) and adapter.name == "xiaohongshu"
    result = asyncio.run(adapter.publish(xhs(tmp_path), Attempt(7, 1, NOW)))
    assert result.state == "awaiting_manual" and result.remote_id is None and result.url is None
    checklist = (Path(result.detail["pack"]) / "checklist.md").read_text(encoding="utf-8")
    assert "2026-03-03 12:00 (UTC+08:00)" in checklist  # the workspace's zone, Asia/Shanghai by default
    assert checklist.rstrip().endswith("then run: publisher resolve 7 --published URL")
    assert asyncio.run(adapter.reconcile(xhs(tmp_path), Attempt(7, 1, NOW))) is None
    assert asyncio.run(adapter.fetch_metrics([])) == []
    with pytest.raises(ConfigError):
        asyncio.run(
            AssistedAdapter(AdapterContext("a", "assisted", ""), "douyin").publish(
                xhs(tmp_path), Attempt(7, 1, NOW)
            )
        )
