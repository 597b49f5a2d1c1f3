"""The WeChat article as data: limits checked offline, image references rewritten, the draft body built.

Pure functions only: no network, no clock.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from publisher.models import MediaFile, Problem, RenderedPost
from publisher.platforms.rules import count_length

PLATFORM = "wechat"
MB = 1_000_000  # "< 1 MB" on the platform's pages; the decimal reading is the stricter one

# docs/platforms/wechat.md#limits-and-how-they-are-counted [H]; a workspace may tighten them through the
# account's `limits` option.
LIMITS: dict[str, int] = {
    "title": 32,
    "author": 16,
    "digest": 128,
    "content_chars": 20_000,  # strictly below
    "content_bytes": MB,  # strictly below
    "content_source_url_bytes": 1024,
    "image_bytes": MB,  # uploadimg: strictly below
    "cover_bytes": 10 * 1024 * 1024,  # permanent image material
}
IMAGE_MIMES = {"image/jpeg", "image/png"}
COVER_MIMES = {"image/jpeg", "image/png", "image/gif", "image/bmp"}
IMAGE_ROLES = ("images", "image")

_IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
MMBIZ = re.compile(r"^(?:https?:)?//mmbiz\.qpic\.cn/", re.IGNORECASE)


def body_images(post: RenderedPost) -> tuple[MediaFile, ...]:
    return tuple(m for m in post.media if m.role in IMAGE_ROLES)


# -- image posts (图片消息 / 小绿书): `format: newspic` ------------------------------------------

NEWSPIC_MAX = 20  # up to 20 images, the first is the cover [H] (docs/platforms/wechat.md: image posts)
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(?:br|/p|/div|/section|/h[1-6]|/li)\b[^>]*>", re.IGNORECASE)


def is_newspic(post: RenderedPost) -> bool:
    return str(post.fields.get("format") or "news") == "newspic"


def newspic_images(post: RenderedPost) -> tuple[MediaFile, ...]:
    """The post's images in order, a separate cover first; each once."""
    cover = [m for m in post.media if m.role in ("cover", "thumbnail")][:1]
    seen: set[str] = set()
    out = []
    for media in (*cover, *body_images(post)):
        if media.sha256 not in seen:
            seen.add(media.sha256)
            out.append(media)
    return tuple(out)


def plain_text(content: str) -> str:
    """An image post's text: WeChat shows plain text there, so the rendered HTML loses its tags."""
    import html

    text = html.unescape(_TAG.sub("", _BREAK.sub("\n", content)))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def newspic_body(post: RenderedPost, media_ids: list[str]) -> dict[str, Any]:
    """One `newspic` ARTICLE of draft/add: title, plain-text content and `image_info.image_list` of
    permanent image media ids (the first is the cover); no thumb_media_id."""
    fields = post.fields
    return {
        "article_type": "newspic",
        "title": str(fields.get("title") or ""),
        "content": plain_text(str(fields.get("content") or "")),
        "image_info": {"image_list": [{"image_media_id": media_id} for media_id in media_ids]},
        "need_open_comment": _flag(fields.get("need_open_comment")),
        "only_fans_can_comment": _flag(fields.get("only_fans_can_comment")),
    }


def cover_of(post: RenderedPost) -> MediaFile | None:
    """The cover; without one, the first in-article image stands in (as the editor does)."""
    for role in ("cover", "thumbnail"):
        found = post.media_of(role)
        if found:
            return found[0]
    images = body_images(post)
    return images[0] if images else None


def image_sources(html: str) -> list[str]:
    return [next(g for g in m.groups()[1:] if g is not None) for m in _IMG_SRC.finditer(html)]


def replace_image_sources(html: str, urls: Mapping[str, str]) -> str:
    """Point every <img src> at its uploaded URL, matched by the processed file's base name."""

    def swap(match: re.Match[str]) -> str:
        src = next(g for g in match.groups()[1:] if g is not None)
        url = urls.get(Path(src).name)
        return f'{match.group(1)}"{url}"' if url else match.group(0)

    return _IMG_SRC.sub(swap, html)


def clientmsgid(post: RenderedPost, account: str) -> str:
    """A stable mass-send key (≤ 64 bytes): the same post version to the same account is sent once."""
    digest = hashlib.sha256(f"{post.item_id}\0{account}\0{post.rendered_hash}".encode()).hexdigest()
    return f"pub-{digest[:48]}"


def _flag(value: Any) -> int:
    return 1 if value in (True, 1, "1", "true", "yes") else 0


def article_body(post: RenderedPost, content: str, thumb_media_id: str) -> dict[str, Any]:
    """One ARTICLE of draft/add (docs/platforms/wechat.md#publishing-step-by-step, step 3)."""
    fields = post.fields
    article: dict[str, Any] = {
        "article_type": "news",
        "title": str(fields.get("title") or ""),
        "content": content,
        "thumb_media_id": thumb_media_id,
        "need_open_comment": _flag(fields.get("need_open_comment")),
        "only_fans_can_comment": _flag(fields.get("only_fans_can_comment")),
    }
    for key in ("author", "digest", "content_source_url"):
        if fields.get(key):
            article[key] = str(fields[key])
    return article


def validate(post: RenderedPost, overrides: Mapping[str, int] | None = None) -> list[Problem]:
    """Every platform limit we can check without the network
    (docs/platforms/wechat.md#limits-and-how-they-are-counted)."""
    limits = {**LIMITS, **(overrides or {})}
    fields = post.fields
    problems: list[Problem] = []

    def add(field: str, message: str, hint: str = "") -> None:
        problems.append(Problem(post.item_path, 1, field, message, hint, PLATFORM))

    title = str(fields.get("title") or "")
    if not title.strip():
        add("title", "a WeChat article needs a title")
    for name in ("title", "author", "digest"):
        text = str(fields.get(name) or "")
        if len(text) > limits[name]:
            add(name, f"{len(text)} characters; WeChat allows at most {limits[name]}", f"shorten the {name}")
    content = str(fields.get("content") or "")
    if not content.strip():
        add("content", "a WeChat article needs a body")
    text_length = count_length(content, "html_text")
    if text_length >= limits["content_chars"]:
        add(
            "content",
            f"{text_length:,} characters of text; WeChat needs fewer than {limits['content_chars']:,}",
            f"cut {text_length - limits['content_chars'] + 1:,} characters of text, or split the article",
        )
    if len(content.encode()) >= limits["content_bytes"]:
        add("content", f"{len(content.encode())} bytes; WeChat needs less than 1 MB")
    source_url = str(fields.get("content_source_url") or "")
    if len(source_url.encode()) > limits["content_source_url_bytes"]:
        add("content_source_url", "longer than 1 KB")
    kind = str(fields.get("format") or "news")
    if kind not in ("news", "newspic"):
        add("format", f"format {kind!r}; WeChat takes news (an article) or newspic (an image post)")
    if kind == "newspic":
        images = newspic_images(post)
        if not 1 <= len(images) <= NEWSPIC_MAX:
            add("images", f"{len(images)} images; an image post takes 1 to {NEWSPIC_MAX}")
        for media in images:
            if media.mime not in COVER_MIMES:
                add("images", f"{media.source}: {media.mime}; image posts take JPEG, PNG, GIF or BMP")
        return problems
    problems += _image_problems(post, content, limits)
    return problems


def _image_problems(post: RenderedPost, content: str, limits: Mapping[str, int]) -> list[Problem]:
    problems: list[Problem] = []

    def add(field: str, message: str, hint: str = "") -> None:
        problems.append(Problem(post.item_path, 1, field, message, hint, PLATFORM))

    images = body_images(post)
    for media in images:
        if media.mime not in IMAGE_MIMES:
            add("images", f"{media.source}: {media.mime} in the article; WeChat takes only JPEG or PNG")
        if media.bytes >= limits["image_bytes"]:
            add(
                "images",
                f"{media.source}: {media.bytes} bytes; in-article images must be under 1 MB",
                "lower the image size or quality",
            )
    known = {Path(m.path).name for m in images}
    for src in image_sources(content):
        if MMBIZ.match(src):
            continue
        if Path(src).name not in known:
            add(
                "content",
                f"image {src!r} is not one of the post's processed images; WeChat would drop it",
                "reference images by a path inside the workspace",
            )
    cover = cover_of(post)
    if cover is None:
        add("cover", "a WeChat article needs a cover image", "add `cover:` or an image")
    else:
        if cover.mime not in COVER_MIMES:
            add("cover", f"{cover.source}: {cover.mime}; the cover must be JPEG, PNG, GIF or BMP")
        if cover.bytes > limits["cover_bytes"]:
            add("cover", f"{cover.source}: {cover.bytes} bytes; the cover may be at most 10 MB")
    return problems
