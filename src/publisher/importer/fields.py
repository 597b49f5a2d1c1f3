"""A blog post's front matter (YAML between `---`, or Hugo's TOML between `+++`) turned into an item's
fields: the date kept as history (`published_on`), categories and tags as tags, a summary as the
description, a cover image found and copied; everything else the calendar has no use for is dropped, and
each change is a note."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from publisher.content.frontmatter import FrontMatterError, load_yaml, plain
from publisher.importer.media import MediaPlan
from publisher.importer.model import Note, Site
from publisher.importer.sites import JEKYLL_NAME

#: Where a blog keeps a summary, and a cover picture (first present wins).
SUMMARY_KEYS = ("description", "summary", "excerpt", "subtitle", "abstract")
COVER_KEYS = (
    "cover",
    "thumbnail",
    "image",
    "featured_image",
    "featureImage",
    "banner_img",
    "index_img",
    "img",
)
TAG_KEYS = ("tags", "categories", "category", "keywords", "series")
DATE_KEYS = ("date", "publishDate", "pubDate", "published")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?")


class SourceError(Exception):
    """A post that cannot be read: its line and what is wrong."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Source:
    meta: dict[str, Any]
    body: str
    body_line: int  # the body's first line in the source file


@dataclass
class Mapped:
    data: dict[str, Any]
    notes: list[Note] = field(default_factory=list)


def read_source(text: str) -> Source:
    """Front matter and body; a file without front matter is all body."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    fence = lines[0].strip() if lines else ""
    if fence not in ("---", "+++"):
        return Source({}, text, 1)
    for i in range(1, len(lines)):
        if lines[i].strip() == fence or (fence == "---" and lines[i].strip() == "..."):
            raw, body = "".join(lines[1:i]), "".join(lines[i + 1 :])
            return Source(_load(raw, fence), body, i + 2)
    raise SourceError(1, f"the front matter opened by `{fence}` on line 1 is never closed")


def _load(raw: str, fence: str) -> dict[str, Any]:
    if fence == "+++":
        try:
            return {k: _plain_toml(v) for k, v in tomllib.loads(raw).items()}
        except tomllib.TOMLDecodeError as exc:
            line = int(m.group(1)) + 1 if (m := re.search(r"line (\d+)", str(exc))) else 1
            raise SourceError(line, f"TOML front matter: {exc}") from None
    try:
        data, _lines = load_yaml(raw, 2)
    except FrontMatterError as exc:
        raise SourceError(exc.line, f"{exc.field}: {exc.message}") from None
    return dict(plain(data)) if isinstance(data, dict) else {}


def _plain_toml(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, list):
        return [_plain_toml(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_toml(v) for k, v in value.items()}
    return value


def map_fields(
    src: Source,
    post: Path,
    site: Site,
    platforms: Mapping[str, int],
    media: MediaPlan,
    title_hint: str,
) -> Mapped:
    """The item's front matter, in the order people read it, with a note for every change. `platforms`:
    each target and the longest `author` it takes (0: it has no author field)."""
    meta = dict(src.meta)
    notes: list[Note] = []
    data: dict[str, Any] = {}
    title = _text(meta.pop("title", None))
    if not title:
        title = title_hint
        notes.append(Note("im_title_from", {"title": title}))
    data["title"] = title
    data["status"] = "draft"
    notes.append(Note("im_draft"))
    when = _history(meta, post, site)
    if when:
        data["published_on"] = when
        notes.append(Note("im_date", {"date": when}))
    tags = _tags(meta, notes)
    if tags:
        data["tags"] = tags
    for key in SUMMARY_KEYS:
        if _text(meta.get(key)):
            data["description"] = _text(meta.pop(key))
            notes.append(Note("im_summary_field", {"field": key}))
            break
    cover = next((k for k in COVER_KEYS if isinstance(meta.get(k), str) and meta[k].strip()), None)
    if cover:
        ref = meta.pop(cover).strip()
        found = media.find(ref)
        if found is not None:
            data["cover"] = media.place(found)
            notes.append(Note("im_cover", {"field": cover, "path": data["cover"]}))
        else:
            notes.append(Note("im_cover_missing", {"field": cover, "ref": ref}, "warning"))
    if meta.pop("draft", False) is True:
        notes.append(Note("im_was_draft"))
    author = _text(meta.pop("author", None))
    overrides: dict[str, Any] = {}
    for name, longest in platforms.items():
        if author and 0 < len(author) <= longest:
            overrides[name] = {"author": author}
    if author and overrides:
        notes.append(Note("im_author", {"author": author, "platforms": ", ".join(overrides)}))
    data["platforms"] = {p: dict(overrides.get(p, {})) for p in platforms}
    dropped = sorted(str(k) for k in meta)
    if dropped:
        notes.append(Note("im_dropped", {"fields": ", ".join(dropped)}))
    return Mapped(data, notes)


def _text(value: Any) -> str:
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return str(value).strip()


def _history(meta: dict[str, Any], post: Path, site: Site) -> str:
    """When the post first appeared, as `YYYY-MM-DD[ HH:MM]`: its date field, else a Jekyll file name."""
    for key in DATE_KEYS:
        value = _text(meta.pop(key, None))
        if value and (m := _DATE.match(value)):
            return m.group(0).replace("T", " ")
    if site.kind == "jekyll" and (m := JEKYLL_NAME.match(post.stem)):
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return ""


def _tags(meta: dict[str, Any], notes: list[Note]) -> list[str]:
    """Categories and tags (a string, a list, or Hexo's nested category lists) as one list of tags, each
    once, without spaces (小红书 ends a topic at a space)."""
    found: list[str] = []
    used: list[str] = []

    def add(value: Any) -> None:
        if isinstance(value, list):
            for v in value:
                add(v)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            for part in re.split(r"[,，]", str(value)) if isinstance(value, str) else [str(value)]:
                tag = part.strip().lstrip("#").strip()
                if tag:
                    found.append(tag)

    for key in TAG_KEYS:
        if key in meta and key != "keywords" or (key == "keywords" and not found and key in meta):
            add(meta.pop(key))
            used.append(key)
        else:
            meta.pop(key, None)
    tags: list[str] = []
    for tag in found:
        joined = re.sub(r"\s+", "", tag)
        if joined != tag:
            notes.append(Note("im_tag_space", {"tag": tag, "new": joined}, "warning"))
        if joined not in tags:
            tags.append(joined)
    if tags:
        notes.append(Note("im_tags", {"fields": ", ".join(used), "tags": ", ".join(tags)}))
    return tags
