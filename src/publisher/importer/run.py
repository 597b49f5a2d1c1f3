"""The import's shell: read each post, convert it, and write it as a draft item with its images through the
calendar's item writer (the one the MCP tools and the dashboard use), then check it. One broken post never
stops the others; an item file that already exists is never overwritten."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from publisher.calendar.load import Calendar
from publisher.calendar.write import item_text, staged_item
from publisher.content.files import read_capped
from publisher.content.frontmatter import MAX_FILE_BYTES
from publisher.importer.body import convert_body
from publisher.importer.fields import SourceError, map_fields, read_source
from publisher.importer.media import MediaPlan
from publisher.importer.model import FileReport, ImportReport, Note, Site
from publisher.importer.sites import asset_folder, detect, slug_for
from publisher.workspace.settings import Workspace

#: The most pictures a note takes (小红书: 18, docs/platforms/xiaohongshu.md#limits-and-how-they-are-counted);
#: the body keeps every image.
MAX_IMAGES = 18
_IMAGE_REF = re.compile(r"!\[[^\]]*\]\(([^)\s]+)|<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)", re.IGNORECASE)


def import_blog(
    ws: Workspace, source: Path, platforms: Iterable[str] = (), *, dry_run: bool = False, into: str = ""
) -> ImportReport:
    """Import every post of the blog at `source` into `ws`'s content folder (under `into`, if given), for
    `platforms` (default: the workspace's article platforms). With `dry_run`, nothing is written: the report
    says what would be."""
    platforms = list(platforms) or article_platforms(ws)
    site = detect(source)
    targets = {name: _longest_author(ws, name) for name in platforms}
    report = ImportReport(site.kind, str(site.root), dry_run)
    calendar = Calendar(ws)
    folder = ws.content_dir / into if into else ws.content_dir
    used: set[str] = set()
    for post in site.posts:
        slug = slug_for(site, post)
        name, n = slug, 1
        while name in used:
            n += 1
            name = f"{slug}-{n}"
        used.add(name)
        report.files.append(_one(ws, calendar, site, post, name, folder, targets, dry_run))
    return report


def article_platforms(ws: Workspace) -> list[str]:
    """The platforms that publish articles (`kind: article` in platform.yaml): where a blog post fits."""
    return sorted(name for name, rules in ws.rules.items() if rules.kind == "article")


def _one(
    ws: Workspace,
    calendar: Calendar,
    site: Site,
    post: Path,
    name: str,
    folder: Path,
    platforms: dict[str, int],
    dry_run: bool,
) -> FileReport:
    final = folder / f"{name}.md"
    rel_source = post.relative_to(site.root).as_posix()
    item_id = final.relative_to(ws.content_dir).with_suffix("").as_posix()
    rel_path = final.relative_to(ws.root).as_posix()
    report = FileReport(rel_source, item_id, rel_path, "would_write" if dry_run else "written", errors=-1)
    try:
        raw = read_capped(post, MAX_FILE_BYTES)
        if len(raw) > MAX_FILE_BYTES:  # never cut a post short: a half post written as an item is worse
            return _unreadable(report, Note("im_too_big", {"limit": f"{MAX_FILE_BYTES:,}"}, "error"))
        src = read_source(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return _unreadable(report, Note("im_not_utf8", severity="error"))
    except OSError as exc:
        return _unreadable(report, Note("im_unreadable", {"why": exc.strerror or str(exc)}, "error"))
    except SourceError as exc:
        return _unreadable(report, Note("im_front_matter", {"why": exc.message}, "error", exc.line))
    prefix = (final.parent.relative_to(folder) / "media" / name).as_posix().removeprefix("./")
    media = MediaPlan(site, post, asset_folder(site, post), prefix, final.parent)
    title_hint = _title_hint(src.body, post, name)
    mapped = map_fields(src, post, site, platforms, media, title_hint)
    body = convert_body(src.body, src.body_line, media, drop_title=str(mapped.data["title"]))
    if body.has_more:
        mapped.notes.append(Note("im_more"))
    pictures = _body_images(body.text, set(media.copies.values()))
    if pictures:  # a note (小红书) is its pictures; an article ignores the list beyond its cover
        platforms_field = mapped.data.pop("platforms")
        mapped.data["images"] = pictures[:MAX_IMAGES]
        mapped.data["platforms"] = platforms_field
        mapped.notes.append(Note("im_images", {"n": len(mapped.data["images"])}))
    report.notes = mapped.notes + body.notes
    report.images = [(final.parent / rel).relative_to(ws.root).as_posix() for rel in media.copies.values()]
    out = item_text(mapped.data, body.text)
    if final.exists():
        same = final.read_text(encoding="utf-8", errors="replace") == out
        report.outcome = "unchanged" if same else "exists"
        if not same:
            report.notes.append(Note("im_exists", {"path": rel_path}, "error"))
        return report
    if dry_run:
        return report
    media.copy_into(final.parent)
    with staged_item(calendar, final.parent, name, out) as staged:
        staged.commit()  # checked as written under its hidden name: the same text, checked once
    hidden = staged.hidden.relative_to(ws.root).as_posix()
    problems = [replace(p, path=rel_path) if p.path == hidden else p for p in staged.checked.problems]
    report.errors = sum(1 for p in problems if p.severity == "error")
    report.warnings = sum(1 for p in problems if p.severity == "warning")
    report.problems = [p for p in problems if p.severity == "error"]
    return report


def _longest_author(ws: Workspace, platform: str) -> int:
    """How long an `author` the platform takes (0: it has no such field)."""
    rules = ws.rules.get(platform)
    if rules is None or "author" not in rules.fields:
        return 0
    rule = rules.text.get("author")
    return int(rule.max) if rule is not None and rule.max else 64


def _unreadable(report: FileReport, note: Note) -> FileReport:
    report.outcome = "unreadable"
    report.notes = [note]
    return report


def _body_images(text: str, copied: set[str]) -> list[str]:
    """The copied images the body shows, in order, each once."""
    found: list[str] = []
    for m in _IMAGE_REF.finditer(text):
        ref = m.group(1) or m.group(2)
        if ref in copied and ref not in found:
            found.append(ref)
    return found


def _title_hint(body: str, post: Path, name: str) -> str:
    """A title for a post without one: its first `# heading`, else its file name."""
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip().strip("#").strip()
    return post.stem if post.stem != "index" else name
