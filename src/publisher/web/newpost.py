"""The dashboard's "new post" form: the fields a person fills in become a Markdown item written through
the calendar's shared writer (the same one the MCP tools use), checked before it takes its name."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from publisher.calendar.write import item_text, staged_item
from publisher.content.timeparse import TimeError, parse_publish_at
from publisher.messages import say
from publisher.web.state import AppState

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".webp", ".gif")
STATUSES = ("draft", "ready")


@dataclass
class Draft:
    """What the form holds (again, with the problems, when the item is refused)."""

    title: str = ""
    body: str = ""
    platforms: list[str] = field(default_factory=list)
    publish_at: str = ""
    status: str = "draft"
    images: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, form: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> Draft:
        return cls(
            title=form.get("title", "").strip(),
            body=form.get("body", "").replace("\r\n", "\n").strip(),
            platforms=[p for p in lists.get("platforms", ()) if p],
            publish_at=form.get("publish_at", "").strip(),
            status=form.get("status", "draft") if form.get("status") in STATUSES else "draft",
            images=[i for i in lists.get("images", ()) if i],
        )


def media_choices(state: AppState) -> list[str]:
    """The images a new item may use: files under content/media, as the item names them."""
    media = state.ws.content_dir / "media"
    if not media.is_dir():
        return []
    return sorted(
        p.relative_to(state.ws.content_dir).as_posix()
        for p in media.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_EXTS and not p.name.startswith(".")
    )


def draft_text(state: AppState, draft: Draft) -> tuple[str, str]:
    """(the new item's id, its Markdown) as the form would write it; the id changes with every draft."""
    now = state.now()
    try:
        when = parse_publish_at(draft.publish_at, state.ws.zone) if draft.publish_at else None
    except TimeError:  # `precheck` words it; the draft being checked as it is typed still gets an id
        when = None
    day = (
        when.astimezone(state.ws.zone).date()
        if isinstance(when, datetime)
        else now.astimezone(state.ws.zone).date()
    )
    item_id = new_item_id(draft.title, day, f"{draft!r}{now.isoformat()}")
    data: dict[str, Any] = {"id": item_id, "title": draft.title}
    if draft.publish_at:
        data["publish_at"] = draft.publish_at
    data["status"] = draft.status
    if draft.images:
        data["images"] = draft.images
    data["platforms"] = draft.platforms
    return item_id, item_text(data, draft.body + "\n" if draft.body else "")


def create(state: AppState, draft: Draft) -> tuple[str | None, list[str]]:
    """Write the item; (its id, []) or (None, the problems that refused it: nothing is written then)."""
    problems = precheck(state, draft)
    if problems:
        return None, problems
    item_id, text = draft_text(state, draft)
    # The lock: the Calendar is shared with the page's scans.
    with state.lock, staged_item(state.calendar, state.ws.content_dir, item_id, text) as staged:
        if staged.errors:
            return None, staged.error_lines(state.lang)
        try:
            staged.commit()
        except FileExistsError:
            return None, ["id: " + say("form_exists", state.lang, path=f"content/{item_id}.md")]
    state.refresh()
    return item_id, []


def precheck(state: AppState, draft: Draft) -> list[str]:
    """What the form itself refuses before any check: no title, no platform, an image from outside."""
    out, lang = [], state.lang
    if not draft.title:
        out.append("title: " + say("form_title", lang))
    if not draft.platforms:
        out.append("platforms: " + say("form_platforms", lang))
    unknown = [p for p in draft.platforms if p not in state.ws.rules]
    if unknown:
        out.append("platforms: " + say("form_unknown_platforms", lang, names=tuple(unknown)))
    allowed = set(media_choices(state))
    outside = [i for i in draft.images if i not in allowed]
    if outside:
        out.append("images: " + say("form_images_outside", lang, names=tuple(outside)))
    if draft.publish_at:
        try:
            parse_publish_at(draft.publish_at, state.ws.zone)
        except TimeError as exc:
            out.append("publish_at: " + exc.text(lang))
    return out


def new_item_id(title: str, day: date, seed: str) -> str:
    """`2026-12-03-<ascii words of the title>-<6 hex>` (just the date and hex for a Chinese title)."""
    digest = hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:6]
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:30].strip("-")
    return f"{day:%Y-%m-%d}-{words}-{digest}" if len(words) >= 3 else f"{day:%Y-%m-%d}-{digest}"
