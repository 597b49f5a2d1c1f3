"""Write self-contained HTML previews of one item as each platform shows it, with the media as sent."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.exceptions import SecurityError
from markupsafe import Markup, escape
from PIL import Image

from publisher.calendar.load import Checked
from publisher.messages import say
from publisher.models import Item, MediaFile, Problem, RenderedPost, Target
from publisher.platforms.rules import PlatformRules, count_length
from publisher.render.budget import BudgetedEnvironment, render_within
from publisher.render.crop import fitted
from publisher.render.engine import Renderer
from publisher.reports.i18n import UI, ui
from publisher.sandbox.packages import fakes
from publisher.workspace.settings import DEFAULTS_DIR, Workspace

TEMPLATES_DIR = Path(__file__).parent / "templates"
INDEX_TEMPLATE = "preview_index.html.j2"
MEDIA_DIR = "media"
_UNSAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)


@dataclass(frozen=True)
class PreviewSet:
    """What `write_previews` wrote: the index, one page per "platform:account", and what could not render."""

    index: Path
    pages: dict[str, Path]
    problems: tuple[Problem, ...]


def preview_dir(ws: Workspace, item_id: str, out_root: Path | None = None) -> Path:
    """The folder that holds one item's previews."""
    return (out_root or ws.state_dir / "previews") / safe_name(item_id.replace("/", "__").replace("\\", "__"))


def safe_name(text: str) -> str:
    """A file name made from free text: no separators, no leading dot (an id of '..' must not climb out)."""
    name = _UNSAFE_NAME.sub("_", text).strip()
    return name if name and not name.startswith(".") else f"_{name}"


def write_previews(
    ws: Workspace,
    checked: Checked,
    renderer: Renderer,
    *,
    platforms: set[str] | None = None,
    out_root: Path | None = None,
) -> PreviewSet:
    """Render every target of the item (or those whose platform or account is in `platforms`) to HTML pages.

    Targets that cannot render are listed with their problems on the index page and in the result.
    """
    item = checked.item
    out = preview_dir(ws, item.id if item else checked.path.rsplit(".", 1)[0], out_root)
    _clear(out)
    (out / MEDIA_DIR).mkdir(parents=True, exist_ok=True)
    pages: dict[str, Path] = {}
    problems: list[Problem] = []
    cards: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    if item is None:
        problems.extend(checked.problems)
    for owner, target in [(item, t) for t in item.targets] if item else []:
        if platforms and target.platform not in platforms and target.account not in platforms:
            continue
        card, found = _write_page(ws, renderer, owner, target, out)
        problems.extend(found)
        if card is not None:
            pages[f"{target.platform}:{target.account}"] = out / card["href"]
            cards.append(card)
        else:
            rules = ws.rules[target.platform]
            failed.append(
                {
                    **_target_summary(ws, rules, target),
                    "problems": [_problem(p, ws.settings.language) for p in found],
                }
            )
    index = out / "index.html"
    lang = ws.settings.language
    index_ctx = {
        "lang": lang,
        "t": lambda key, **values: say(key, lang, **values),
        "item": _item_summary(item, checked),
        "cards": cards,
        "failed": failed,
        "file_problems": [
            _problem(p, ws.settings.language) for p in (checked.problems if item is None else ())
        ],
    }
    index.write_text(_env(None).get_template(INDEX_TEMPLATE).render(index_ctx), encoding="utf-8")
    return PreviewSet(index=index, pages=pages, problems=tuple(problems))


def _write_page(
    ws: Workspace, renderer: Renderer, item: Item, target: Target, out: Path
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """One target's page: (its index card, []) when written, else (None, the errors that stopped it)."""
    rules = ws.rules[target.platform]
    post, found = renderer.render(item, target, process_media=True)
    if post is None:
        return None, [p for p in found if p.severity == "error"]
    media = [_place(m, out / MEDIA_DIR) for m in post.media]
    ctx = _page_context(ws, rules, item, target, post, media)
    try:
        html = render_within(_env(rules).get_template(rules.preview), ctx, max_chars=MAX_PAGE_CHARS)
    except (TemplateError, SecurityError) as exc:
        # A broken workspace preview template is reported like any other problem, never a traceback.
        message = f"preview template {rules.preview} failed: {exc}"
        return None, [
            Problem(
                item.path,
                target.line,
                "preview",
                message,
                f"fix platforms/{target.platform}/{rules.preview}",
                target.platform,
            )
        ]
    page = out / f"{safe_name(target.platform)}-{safe_name(target.account)}.html"
    page.write_text(html, encoding="utf-8")
    return {
        **ctx["target"],
        "href": page.name,
        "headline": ctx["headline"],
        "media_count": len(media),
        "over": [c["field"] for c in ctx["counts"] if c["over"]],
        "warnings": len(ctx["warnings"]),
    }, []


#: A preview page holds the whole rendered post plus its layout.
MAX_PAGE_CHARS = 2_000_000


# -- building the pages ------------------------------------------------------------------------------------


def _env(rules: PlatformRules | None) -> BudgetedEnvironment:
    """A sandbox per page kind: the workspace's platform folder, the packaged default, then shared parts."""
    search = [TEMPLATES_DIR]
    if rules is not None:
        search = [rules.directory, DEFAULTS_DIR / "platforms" / rules.name, TEMPLATES_DIR]
    env = BudgetedEnvironment(
        loader=FileSystemLoader([str(p) for p in search]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["topics"] = _mark_topics
    env.filters["nbytes"] = _nbytes
    return env


def _page_context(
    ws: Workspace,
    rules: PlatformRules,
    item: Item,
    target: Target,
    post: RenderedPost,
    media: list[dict[str, Any]],
) -> dict[str, Any]:
    """Plain data for a preview template: fields as sent, media as copied, counts against the limits."""
    names = {m["file"] for m in media}
    fields = _shown(rules, post.fields, names)
    # What the platform will keep of the post, by the sandbox's own rules for storing it (WeChat normalises
    # whitespace in code when it stores a draft): the page can show it "as the platform will show it".
    fake = fakes().get(target.platform)
    kept = fake.stored_fields(post.fields) if fake is not None and fake.stored_fields is not None else None
    stored = _shown(rules, kept, names) if kept is not None else None
    changed = [k for k in post.fields if kept is not None and kept.get(k) != post.fields[k]]
    tags = [str(t) for t in post.fields.get("tags") or []]
    by_role: dict[str, list[dict[str, Any]]] = {}
    for m in media:
        by_role.setdefault(m["role"], []).append(m)
    headline = next((str(post.fields[k]) for k in ("title", "name", "text") if post.fields.get(k)), "")
    return {
        "item": _item_summary(item, None),
        "target": _target_summary(ws, rules, target),
        "fields": fields,
        "tags": tags,
        "topics": [rules.tags.style.format(tag=t) for t in tags],
        "media": media,
        "media_by_role": by_role,
        "counts": _counts(rules, post.fields),
        "warnings": [_problem(p, ws.settings.language) for p in post.warnings],
        "headline": headline.splitlines()[0] if headline else item.title,
        "changes": _changes(ws, rules, item, post, media, target.fields.get("fit")),
        "stored": stored,
        "stored_changed": changed,
    }


def _shown(rules: PlatformRules, values: Mapping[str, Any], names: set[str]) -> dict[str, Any]:
    """Fields for a template: HTML fields as markup with their images pointed at the copied media."""
    fields: dict[str, Any] = {}
    for key, value in values.items():
        template = rules.templates.get(key, "")
        if template.endswith(".html.j2") and isinstance(value, str):
            # Already sanitised by the renderer; only the processed images' names gain the media/ folder.
            fields[key] = Markup(_point_to_media(value, names))
        else:
            fields[key] = list(value) if isinstance(value, list | tuple) else value
    return fields


_MARKDOWN_SYNTAX = re.compile(r"(\*\*|__|^#{1,6}\s|^\s*[-*+]\s|`|\[[^\]]*\]\()", re.MULTILINE)
_OUTSIDE_LINK = re.compile(r"\]\((https?://[^)\s]+)")


def _changes(
    ws: Workspace,
    rules: PlatformRules,
    item: Item,
    post: RenderedPost,
    media: list[dict[str, Any]],
    fit: object = None,
) -> list[dict[str, str]]:
    """What the platform gets that differs from the file: text over a limit, reformatting, media reworked."""
    out: list[dict[str, str]] = []
    for c in _counts(rules, post.fields):
        if c["over"] and c["max"] is not None and c["length"] > c["max"]:
            out.append(
                {
                    "field": c["field"],
                    "kind": "over",
                    "zh": f"{c['length']} 超出上限 {c['max']}，"
                    f"{c['length'] - c['max']} 会被截掉或被平台拒绝：请缩短",
                    "en": f"{c['length']} over the limit of {c['max']}: "
                    f"{c['length'] - c['max']} would be cut or refused; shorten it",
                }
            )
    templates = [str(t) for t in rules.templates.values()]
    links = len(_OUTSIDE_LINK.findall(item.body))
    if any(t.endswith(".html.j2") for t in templates) and links:
        out.append(
            {
                "field": "body",
                "kind": "change",
                "zh": f"{links} 个外部链接改为文末编号脚注（{rules.label}正文不允许外链）",
                "en": f"{links} outside link(s) become numbered footnotes "
                f"({rules.label} allows no outside links)",
            }
        )
    if any(t.endswith(".txt.j2") for t in templates) and _MARKDOWN_SYNTAX.search(item.body):
        out.append(
            {
                "field": "body",
                "kind": "change",
                "zh": "Markdown 格式去掉，按纯文本发送（图片单独上传）",
                "en": "Markdown formatting removed: sent as plain text (images travel separately)",
            }
        )
    chosen, _ = fitted(fit)
    for m in media:
        role = rules.images.get(m["role"])
        note = _media_change(ws, m, padded=(chosen or (role.fit if role else "crop")) == "pad")
        if note:
            out.append({"field": m["source"], "kind": "change", **note})
    return out


def _media_change(ws: Workspace, m: dict[str, Any], *, padded: bool = False) -> dict[str, str] | None:
    """How one processed file differs from its source: pixels (resized; cropped, or padded with `fit: pad`,
    when the shape changed), format, size; EXIF removed."""
    if m["kind"] != "image":
        return None
    try:
        with Image.open(ws.root / m["source"]) as img:
            width, height, fmt = img.width, img.height, (img.format or "").upper()
    except (OSError, ValueError):
        return None
    zh, en = [], []
    if m["width"] and m["height"] and (width, height) != (m["width"], m["height"]):
        size = f"{m['width']}×{m['height']}"
        if abs(width / max(height, 1) - m["width"] / m["height"]) < 0.01:  # the same shape: only resized
            zh.append(f"{width}×{height} 缩放为 {size}")
            en.append(f"{width}×{height} resized to {size}")
        elif padded:
            zh.append(f"{width}×{height} 整张保留，补纯色边并缩放为 {size}（fit: pad）")
            en.append(f"{width}×{height} kept whole, padded and resized to {size} (fit: pad)")
        else:
            zh.append(f"{width}×{height} 裁剪并缩放为 {size}")
            en.append(f"{width}×{height} cropped and resized to {size}")
    sent = str(m["mime"]).split("/")[-1].upper().replace("JPG", "JPEG")
    if fmt and sent and fmt != sent:
        zh.append(f"{fmt} 转为 {sent}")
        en.append(f"{fmt} converted to {sent}")
    zh.append("去除 EXIF/GPS")
    en.append("EXIF/GPS removed")
    return {"zh": "，".join(zh), "en": ", ".join(en)}


def _counts(rules: PlatformRules, fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, rule in rules.text.items():
        value = fields.get(name)
        if value is None and not rule.required:
            continue
        text = str(value or "")
        length = count_length(text, rule.count)
        size = len(text.encode("utf-8"))
        over = (
            (rule.max is not None and length > rule.max)
            or (rule.min is not None and length < rule.min)
            or (rule.max_bytes is not None and size > rule.max_bytes)
            or (rule.required and not text)
        )
        rows.append(
            {
                "field": name,
                "length": length,
                "max": rule.max,
                "min": rule.min,
                "count": rule.count,
                "bytes": size,
                "max_bytes": rule.max_bytes,
                "over": bool(over),
            }
        )
    tags = fields.get("tags") or []
    limit = rules.tags.max_items
    rows.append(
        {
            "field": "tags",
            "length": len(tags),
            "max": limit,
            "min": None,
            "count": "items",
            "bytes": None,
            "max_bytes": None,
            "over": len(tags) > limit,
        }
    )
    return rows


def _target_summary(ws: Workspace, rules: PlatformRules, target: Target) -> dict[str, Any]:
    """The preview bar's facts in the workspace's language: account, when (or how it is scheduled), mode."""
    lang = ws.settings.language
    account = ws.account(target.account)
    when = target.publish_at
    if isinstance(when, datetime):
        local = when.astimezone(ws.zone)
        schedule, date = f"{local:%Y-%m-%d %H:%M} ({ws.settings.timezone})", f"{local:%Y-%m-%d}"
    elif when in ("slot", "best"):
        schedule, date = ui(f"pv_{when}", lang), ""
    elif when:
        schedule, date = str(when), ""
    else:
        schedule, date = ui("pv_not_scheduled", lang), ""
    mode = account.mode if account else "dry-run"
    return {
        "platform": rules.name,
        "label": rules.label,
        "kind": rules.kind,
        "account": target.account,
        "account_label": (account.label if account and account.label else target.account),
        "mode": ui(f"pv_mode_{mode}", lang) if f"pv_mode_{mode}" in UI else mode,
        "schedule": schedule,
        "date": date,
    }


def _item_summary(item: Item | None, checked: Checked | None) -> dict[str, Any]:
    if item is None:
        path = checked.path if checked else ""
        return {"id": path, "title": path, "path": path, "status": "unreadable"}
    return {"id": item.id, "title": item.title, "path": item.path, "status": item.status}


def _problem(p: Problem, lang: str) -> dict[str, str]:
    """A finding as the preview shows it, in the workspace's language."""
    return {
        "where": f"{p.path}:{p.line}",
        "field": p.field,
        "code": p.code,
        "message": p.text(lang),
        "hint": p.hint_text(lang),
        "platform": p.platform,
        "severity": p.severity,
        "text": p.format(lang),
    }


# -- media -------------------------------------------------------------------------------------------------


def _place(m: MediaFile, folder: Path) -> dict[str, Any]:
    """Hard-link (or copy) one processed file next to the pages, so the preview shows the very bytes sent."""
    src = Path(m.path)
    dest = folder / safe_name(src.name)
    if not dest.exists():
        try:
            os.link(src, dest)
        except OSError:
            shutil.copyfile(src, dest)
    kind = m.mime.split("/", 1)[0] if m.mime else "image"
    short = dest.name if len(dest.name) <= 24 else f"{dest.name[:8]}…{dest.name[-12:]}"
    return {
        "role": m.role,
        "file": dest.name,
        "short": short,
        "src": f"{MEDIA_DIR}/{dest.name}",
        "source": m.source,
        "width": m.width,
        "height": m.height,
        "bytes": m.bytes,
        "mime": m.mime,
        "kind": kind,
        "duration": m.duration_s,
        "sha256": m.sha256,
    }


def _clear(out: Path) -> None:
    """Remove the previous run's pages and media (only what this module writes), so nothing stale remains."""
    if not out.is_dir():
        return
    for page in out.glob("*.html"):
        page.unlink()
    shutil.rmtree(out / MEDIA_DIR, ignore_errors=True)


def _point_to_media(html: str, names: set[str]) -> str:
    def swap(match: re.Match[str]) -> str:
        src = match.group(2)
        return f"{match.group(1)}{MEDIA_DIR}/{src}{match.group(3)}" if src in names else match.group(0)

    return re.sub(r'(<img\b[^>]*?\ssrc=")([^"]+)(")', swap, html)


# -- filters -----------------------------------------------------------------------------------------------


def _mark_topics(text: Any, topics: list[str], css_class: str = "topic") -> Markup:
    """Escape text and wrap each known #topic in a span, so templates colour topics as the platform does."""
    escaped = str(escape(str(text)))
    wanted = sorted({str(escape(t)) for t in topics if t}, key=len, reverse=True)
    if not wanted:
        return Markup(escaped)
    pattern = re.compile("|".join(re.escape(t) for t in wanted))
    cls = str(escape(css_class))
    return Markup(pattern.sub(lambda m: f'<span class="{cls}">{m.group(0)}</span>', escaped))


def _nbytes(n: Any) -> str:
    if not isinstance(n, int):
        return ""
    for unit, size in (("MB", 1_000_000), ("KB", 1_000)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"
