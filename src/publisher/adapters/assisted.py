"""Assisted publishing: a ready-to-post pack (media in order, paste-ready text, a checklist) for a person."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from publisher.adapters.base import AdapterContext
from publisher.content.zones import find_zone
from publisher.errors import ConfigError, RenderError
from publisher.messages import msg
from publisher.models import Attempt, MetricSample, Problem, PublishResult, RemoteRef, RenderedPost

_LEADING = ("cover", "thumbnail")  # these go first: the app uses the first picture as the cover
_EXT = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
}


def kind_of(post: RenderedPost) -> str:
    """note | video | article | launch, from the platform name, else from the fields it carries."""
    from publisher.adapters import spec_for  # the registry imports the platforms, which import this module

    spec = spec_for(post.platform)
    if spec is not None:
        return spec.assisted_kind
    fields = post.fields
    if "content" in fields:
        return "article"
    if "tagline" in fields:
        return "launch"
    return "video" if post.media_of("video") else "note"


def pack_dir_name(post: RenderedPost) -> str:
    """`<item id>__<platform>__<account>`, with path separators and other unsafe characters replaced."""

    def safe(text: str) -> str:
        cleaned = re.sub(r"[\\/:*?\"<>|\s]+", "-", text).strip(".-")
        return cleaned or "_"

    return f"{safe(post.item_id)}__{safe(post.platform)}__{safe(post.account)}"


def _ext(path: str, mime: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".jpeg":
        suffix = ".jpg"
    return suffix or _EXT.get(mime, ".bin")


def media_plan(post: RenderedPost) -> list[tuple[str, Any]]:
    """(file name in the pack, MediaFile) in posting order: cover first, then images, then video(s)."""
    stills = [m for m in post.media if m.role in _LEADING] + [
        m for m in post.media if m.role not in _LEADING and m.role != "video"
    ]
    plan: list[tuple[str, Any]] = []
    for n, m in enumerate(stills, start=1):
        label = m.role if m.role in (*_LEADING, "gallery") else "image"
        plan.append((f"{n:02d}-{label}{_ext(m.path, m.mime)}", m))
    for n, m in enumerate(post.media_of("video"), start=1):
        plan.append((f"video{'' if n == 1 else f'-{n}'}{_ext(m.path, m.mime)}", m))
    return plan


def _topics_line(post: RenderedPost, text: str) -> str:
    """The #topics to append when the text lacks them (a custom template may drop them)."""
    tags = [str(t) for t in post.fields.get("tags") or []]
    if not tags or any(f"#{t}" in text for t in tags):
        return ""
    return " ".join(f"#{t}" for t in tags)


def paste_text(post: RenderedPost, kind: str) -> str:
    """text.txt: exactly what a person pastes into the app, in the app's field order."""
    f = post.fields
    if kind == "note":
        body = str(f.get("body") or "")
        topics = _topics_line(post, body)
        parts = [str(f.get("title") or ""), body + (f"\n\n{topics}" if topics else "")]
    elif kind == "video":
        text = str(f.get("text") or f.get("caption") or f.get("body") or "")
        topics = _topics_line(post, text)
        parts = [text + (f" {topics}" if topics else "")]
    elif kind == "article":
        labelled = [
            ("标题 (Title)", "title"),
            ("作者 (Author)", "author"),
            ("摘要 (Digest)", "digest"),
            ("原文链接 (Source URL)", "content_source_url"),
        ]
        parts = [f"{label}:\n{f[key]}" for label, key in labelled if f.get(key)]
        parts.append("正文 (Body): 见 article.html (see article.html)")
    else:
        labelled = [
            ("Name", "name"),
            ("Tagline", "tagline"),
            ("Description", "description"),
            ("First comment", "first_comment"),
            ("Website", "website"),
        ]
        parts = [f"{label}:\n{f[key]}" for label, key in labelled if f.get(key)]
        launch_topics = f.get("topics") or f.get("tags")
        if launch_topics:
            parts.append("Topics:\n" + ", ".join(str(t) for t in launch_topics))
    return "\n\n".join(p.rstrip() for p in parts).rstrip() + "\n"


def _schedule_line(post: RenderedPost, kind: str, now: datetime) -> str:
    if post.publish_at is None or post.publish_at <= now + timedelta(minutes=5):
        return "现在发布 (publish now)."
    local = post.publish_at.astimezone(now.tzinfo)  # shown in the zone `now` carries: the workspace's
    offset = f"{local:%z}"
    when = f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"
    if kind == "note" and now + timedelta(hours=1) <= post.publish_at <= now + timedelta(days=14):
        return f"打开「定时发布」并选择 {when} (turn on scheduled publishing and pick {when})."
    return f"在 {when} 发布 (publish at {when})."


def checklist(post: RenderedPost, kind: str, files: list[str], now: datetime, post_id: int | None) -> str:
    """checklist.md: the steps in the app (Chinese, English in brackets), ending with the resolve command."""
    stills = [n for n in files if not n.startswith("video")]
    videos = [n for n in files if n.startswith("video")]
    steps: list[str]
    if kind == "note":
        media = (
            f"上传视频 {videos[0]} (upload the video {videos[0]})"
            if videos
            else f"按顺序选择图片 {', '.join(stills)}，第一张是封面 "
            "(pick the images in this order; the first is the cover)"
        )
        steps = [
            "打开小红书 App，点底部「+」(open the Xiaohongshu app and tap + at the bottom).",
            media + ".",
            "把 text.txt 第一行粘贴到标题 (paste the first line of text.txt into the title).",
            "把 text.txt 其余内容粘贴到正文，选中建议的 #话题 "
            "(paste the rest into the body; pick the suggested"
            " #topics).",
            _schedule_line(post, kind, now),
            "点「发布笔记」(tap Publish).",
        ]
    elif kind == "video":
        media = (
            f"上传 {videos[0]} (upload {videos[0]})"
            if videos
            else f"选择图文，按顺序上传 {', '.join(stills)} (choose image post; upload in this order)"
        )
        steps = [
            "打开抖音 App 或创作者中心 creator.douyin.com (open the Douyin app or the creator centre).",
            media + ".",
            "把 text.txt 粘贴到作品描述，确认 #话题 变蓝 (paste text.txt into the description;"
            " check the #topics turn blue).",
            *(
                [
                    f"封面选第 {post.fields['cover_tsp']} 秒的画面 (cover: the "
                    f"frame at {post.fields['cover_tsp']} s)."
                ]
                if post.fields.get("cover_tsp") is not None
                else []
            ),
            _schedule_line(post, kind, now),
            "点「发布」，等待审核通过 (tap Publish and wait for the review).",
        ]
    elif kind == "article":
        cover = next((n for n in stills if "-cover" in n), None)
        steps = [
            "登录 mp.weixin.qq.com，新建图文 (log in to mp.weixin.qq.com and create an article).",
            "按 text.txt 填写标题、作者、摘要 (fill in title, author and digest from text.txt).",
            "在浏览器打开 article.html，全选复制到正文 (open article.html, copy everything into the body).",
            "逐张上传正文图片，替换粘贴的图片 (upload the body images to replace the pasted ones).",
            *([f"封面上传 {cover} (upload {cover} as the cover)."] if cover else []),
            _schedule_line(post, kind, now),
            "点「发表」(click Publish).",
        ]
    else:
        steps = [
            "登录 producthunt.com，点「Submit」新建发布 (log in and start a new launch).",
            "按 text.txt 填写 Name、Tagline、Description、Topics (fill in the fields from text.txt).",
            f"上传缩略图与图集 {', '.join(stills)} (upload the thumbnail and gallery in this order).",
            _schedule_line(post, kind, now),
            "发布后立刻贴出 First comment (post the first comment right after the launch goes live).",
        ]
    declared = post.fields.get("declaration")
    if declared:
        how = post.fields.get("declaration_how") or declared
        steps.insert(-1, f"发布前声明 (declare before publishing: {declared}): {how}.")
    ref = str(post_id) if post_id is not None else "POST"
    lines = [
        f"# {post.platform} · {post.account} · {post.item_id}",
        "",
        f"发布清单 (checklist), {kind}. 文件 (files): {', '.join(files) or '—'}, text.txt",
        "",
    ]
    lines += [f"{n}. {step}" for n, step in enumerate(steps, start=1)]
    lines.append(
        f"{len(steps) + 1}. 复制作品链接并回填 (copy the post's link and report it) — "
        f"then run: publisher resolve {ref} --published URL"
    )
    return "\n".join(lines) + "\n"


def _write_if_changed(path: Path, data: bytes) -> None:
    """Atomic, and untouched when equal, so re-writing a pack changes nothing on disk (not even mtimes)."""
    if path.exists() and path.read_bytes() == data:
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_pack(post: RenderedPost, out_dir: Path, *, now: datetime, post_id: int | None = None) -> Path:
    """Write `<out_dir>/<item id>__<platform>__<account>/` and return it; idempotent for the same inputs."""
    kind = kind_of(post)
    folder = out_dir / pack_dir_name(post)
    folder.mkdir(parents=True, exist_ok=True)
    plan = media_plan(post)
    for name, media in plan:
        source, target = Path(media.path), folder / name
        if not source.is_file():
            raise RenderError(
                f"processed media {source.name} is missing; render again",
                item=post.item_id,
                platform=post.platform,
            )
        if not (
            target.is_file() and target.stat().st_size == media.bytes and _sha256(target) == media.sha256
        ):
            tmp = target.with_name(f".{name}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
    names = [name for name, _ in plan]
    texts: dict[str, str] = {
        "text.txt": paste_text(post, kind),
        "checklist.md": checklist(post, kind, names, now, post_id),
    }
    if kind == "article":
        html = str(post.fields.get("content") or "")
        for name, media in plan:  # point the body's images at the pack's copies, so the page opens with them
            html = html.replace(f'src="{Path(media.path).name}"', f'src="{name}"')
        texts["article.html"] = f'<!doctype html>\n<meta charset="utf-8">\n{html}\n'
    manifest = {
        "version": 1,
        "kind": kind,
        "item_id": post.item_id,
        "item_path": post.item_path,
        "platform": post.platform,
        "account": post.account,
        "post_id": post_id,
        "content_hash": post.content_hash,
        "rendered_hash": post.rendered_hash,
        "publish_at": post.publish_at.isoformat() if post.publish_at else None,
        "fields": dict(post.fields),
        "media": [
            {
                "file": name,
                "role": m.role,
                "source": m.source,
                "sha256": m.sha256,
                "bytes": m.bytes,
                "mime": m.mime,
                "width": m.width,
                "height": m.height,
                "duration_s": m.duration_s,
            }
            for name, m in plan
        ],
        "warnings": [p.format() for p in post.warnings],
    }
    texts["pack.json"] = (
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
    )
    for name, text in texts.items():
        _write_if_changed(folder / name, text.encode("utf-8"))
    keep = set(names) | set(texts)
    for stale in folder.iterdir():  # an edited item must not leave the old version's pictures behind
        if stale.is_file() and stale.name not in keep:
            stale.unlink()
    return folder


def options_zone(ctx: AdapterContext) -> ZoneInfo:
    """The zone a pack's times are written in: the account's `options.timezone`, else Asia/Shanghai."""
    name = str(ctx.options.get("timezone") or "Asia/Shanghai")
    zone = find_zone(name)
    if zone is None:
        raise ConfigError(
            msg("usage.setting_zone", zone=repr(name)),
            key=f"accounts.{ctx.account}.options.timezone",
        )
    return zone


@dataclass
class AssistedAdapter:
    """Any platform in mode "assisted": the pack is written, a person posts it and confirms the URL."""

    ctx: AdapterContext
    name: str

    def validate(self, post: RenderedPost) -> list[Problem]:
        return []

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        if self.ctx.out_dir is None:
            raise ConfigError(
                msg("usage.pack_folder"),
                key=f"accounts.{self.ctx.account}.mode",
            )
        zone = options_zone(self.ctx)
        now = (self.ctx.now() if self.ctx.now else datetime.now(UTC)).astimezone(zone)
        path = write_pack(post, self.ctx.out_dir, now=now, post_id=attempt.post_id)
        return PublishResult(remote_id=None, url=None, state="awaiting_manual", detail={"pack": str(path)})

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        return None

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        return []


def assisted_factory(platform: str) -> Any:
    """A registry factory for `platform` in mode "assisted": `ADAPTERS_ASSISTED[p] = assisted_factory(p)`."""
    return lambda ctx: AssistedAdapter(ctx, platform)
