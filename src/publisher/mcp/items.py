"""Write an assistant's publish request as a content item in `content/`, check it, and queue it like any item.

The item is first written to a hidden file next to where it will live (the calendar skips hidden files),
checked with the same checker as `publisher check`, and only when every platform passes is it renamed into
place and synced: the folder stays the single source of truth and the queue sees nothing half-made. A dry run
renders the exact requests from the hidden file and removes it: no content file is left behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from publisher.adapters import platforms
from publisher.adapters.base import AdapterContext
from publisher.adapters.dryrun import DryRunAdapter, dry_run_dir
from publisher.adapters.spec import McpTool
from publisher.calendar.load import Calendar, Checked
from publisher.calendar.preview import write_previews
from publisher.calendar.sync import sync_calendar
from publisher.calendar.write import item_text, staged_item
from publisher.content.timeparse import TimeError, parse_publish_at
from publisher.mcp.html import html_to_markdown, image_sources
from publisher.mcp.media import MediaResolver, ToolProblem
from publisher.messages import msg
from publisher.models import Attempt
from publisher.platforms.rules import count_length
from publisher.queue.overview import post_views
from publisher.store.db import Store
from publisher.store.sync_state import get_value, put_new
from publisher.workspace.settings import Workspace

IDEMPOTENCY_PREFIX = "mcp:idempotency:"
PAST_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class Payload:
    """One platform's part of a publish request, as the tools receive it."""

    platform: str
    title: str = ""
    body: str = ""  # plain text or HTML, as the platform's McpTool.body says
    images: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    video: str = ""
    caption: str = ""
    author: str = ""
    digest: str = ""
    link: str = ""


#: Fields added to `Payload` later: left out of a request's fingerprint while empty, so a key used before
#: still matches its first request.
LATER_FIELDS = ("link",)


def tools() -> dict[str, McpTool]:
    """The platforms with a publish tool (a `PlatformSpec.mcp`), by name."""
    return {name: spec.mcp for name, spec in platforms().items() if spec.mcp is not None}


def _asked(p: Payload) -> dict[str, Any]:
    return {k: v for k, v in asdict(p).items() if v or k not in LATER_FIELDS}


#: Where a remembered receipt keeps the fingerprint of the request that made it (never shown to a caller).
REQUEST_FIELD = "_request_sha256"


def _fingerprint(tool: str, payloads: Sequence[Payload], publish_at: str | None, declare: str) -> str:
    """What a request asks for, as a digest: the same key with another request is a mistake to report."""
    asked = {
        "tool": tool,
        "payloads": [_asked(p) for p in payloads],
        "publish_at": publish_at,
        "declare": declare,
    }
    return hashlib.sha256(json.dumps(asked, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@dataclass
class ItemService:
    """The publish path shared by every publish tool;
    one call at a time (the calendar cache is not shared)."""

    ws: Workspace
    store: Store
    media: MediaResolver
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    calendar: Calendar = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.calendar = Calendar(self.ws)

    def publish(
        self,
        tool: str,
        payloads: Sequence[Payload],
        *,
        publish_at: str | None = None,
        dry_run: bool = False,
        idempotency_key: str | None = None,
        declare: str = "ai_generated",
    ) -> dict[str, Any]:
        """Write, check and queue one item for the payloads' platforms (or only render it, for a dry run).
        The item declares its origin: `ai_generated` unless the caller says otherwise."""
        with self.lock:
            key = (idempotency_key or "").strip()
            request = _fingerprint(tool, payloads, publish_at, declare)
            if key:
                first = self.remembered(key, request)
                if first is not None:
                    return {**first, "replayed": True}
            receipt = self._publish(tool, payloads, publish_at, dry_run, declare)
            if key and not dry_run:
                receipt = self.remember(key, receipt, request)
            return receipt

    # -- idempotency ---------------------------------------------------------------------------------------

    def remembered(self, key: str, request: str) -> dict[str, Any] | None:
        """The receipt first given for `key`; a ToolProblem if the key was used for another request."""
        value = get_value(self.store, IDEMPOTENCY_PREFIX + key)
        if not isinstance(value, Mapping):
            return None
        stored = dict(value)
        first_request = stored.pop(REQUEST_FIELD, request)
        if first_request != request:
            raise ToolProblem(msg("mcp.key_reused", key=repr(key), item=stored.get("item", "?")))
        return stored

    def remember(self, key: str, receipt: dict[str, Any], request: str) -> dict[str, Any]:
        """Store the first receipt under the key; if another process stored one meanwhile, that one wins."""
        try:
            put_new(self.store, IDEMPOTENCY_PREFIX + key, {**receipt, REQUEST_FIELD: request})
        except Exception:  # a concurrent insert of the same key: return the receipt that got there first
            first = self.remembered(key, request)
            if first is None:
                raise
            return {**first, "replayed": True}
        return receipt

    # -- the publish path ------------------------------------------------------------------------------------

    def _publish(
        self, tool: str, payloads: Sequence[Payload], publish_at: str | None, dry_run: bool, declare: str
    ) -> dict[str, Any]:
        now = self.clock()
        self._precheck(payloads)
        due = self._due(publish_at, now)
        local = due.astimezone(self.ws.zone)
        item_id = self._new_id(payloads, local, now)
        text = self._compose(tool, item_id, payloads, local, now, declare)
        with staged_item(self.calendar, self.ws.content_dir, item_id, text) as staged:
            final = staged.final
            if staged.errors:
                lines = "\n".join(staged.error_lines(self.ws.settings.language))
                raise ToolProblem(msg("mcp.not_written", lines=lines))
            if dry_run:
                return self._dry_run(staged.checked, final, local, now)
            staged.commit()
        sync_calendar(self.ws, self.store, now=now, calendar=self.calendar)
        checked = self.calendar.check_file(final)
        previews = write_previews(self.ws, checked, self.calendar.renderer)
        posts = [p.to_dict() for p in post_views(self.store) if p.item == item_id]
        states = sorted({p["state"] for p in posts})
        return {
            "item_id": item_id,
            "path": final.relative_to(self.ws.root).as_posix(),
            "dry_run": False,
            "publish_at": local.isoformat(),
            "replayed": False,
            "posts": [
                {
                    "post_id": p["id"],
                    "platform": p["platform"],
                    "account": p["account"],
                    "state": p["state"],
                    "due_at": p["due_at"],
                    "url": p["url"],
                    "reason": p["reason"],
                }
                for p in posts
            ],
            "previews": _preview_paths(previews),
            "warnings": [
                w.format(self.ws.settings.language) for w in checked.problems if w.severity == "warning"
            ],
            "message": _message(states, local),
        }

    def _dry_run(self, checked: Checked, final: Path, local: datetime, now: datetime) -> dict[str, Any]:
        item = checked.item
        assert item is not None  # _raise_errors refused an unreadable file
        requests = []
        out_dir = dry_run_dir(self.ws.state_dir)
        for target in item.targets:
            post, _problems = self.calendar.renderer.render(item, target, process_media=True)
            if post is None:
                continue
            adapter = DryRunAdapter(
                AdapterContext(account=target.account, mode="dry-run", base_url="", out_dir=out_dir)
            )
            result = asyncio.run(adapter.publish(post, Attempt(post_id=0, number=0, started_at=now)))
            requests.append(dict(result.request or {}))
        previews = write_previews(self.ws, checked, self.calendar.renderer)
        return {
            "item_id": item.id,
            "path": final.relative_to(self.ws.root).as_posix(),
            "dry_run": True,
            "publish_at": local.isoformat(),
            "replayed": False,
            "posts": [],
            "previews": _preview_paths(previews),
            "requests": requests,
            "warnings": [
                w.format(self.ws.settings.language) for w in checked.problems if w.severity == "warning"
            ],
            "message": "dry run: nothing was written to content/ and nothing was queued; these are the exact "
            "requests each platform would get",
        }

    def _precheck(self, payloads: Sequence[Payload]) -> None:
        """What can be refused before any download: platforms, duplicates, counts, empty required fields."""
        if not payloads:
            raise ToolProblem(msg("mcp.no_platforms"))
        seen: set[str] = set()
        known = tools()
        for i, p in enumerate(payloads):
            where = f"platforms[{i}]." if len(payloads) > 1 else ""
            if p.platform not in known or p.platform not in self.ws.rules:
                names = ", ".join(known)
                raise ToolProblem(
                    msg("mcp.unknown_platform", where=where, name=repr(p.platform), names=names)
                )
            if p.platform in seen:
                raise ToolProblem(msg("mcp.platform_twice", where=where, name=p.platform))
            seen.add(p.platform)
            rules = self.ws.rules[p.platform]
            image_rule = rules.images.get("images")
            if image_rule is not None and "images" in image_rule.fields and len(p.images) > image_rule.max:
                raise ToolProblem(
                    msg(
                        "mcp.too_many_images",
                        where=where,
                        n=len(p.images),
                        label=rules.label,
                        max=image_rule.max,
                    )
                )
            if len(p.tags) > rules.tags.max_items:
                raise ToolProblem(
                    msg(
                        "mcp.too_many_tags",
                        where=where,
                        n=len(p.tags),
                        label=rules.label,
                        max=rules.tags.max_items,
                    )
                )
            for tag in p.tags:
                if count_length(tag.lstrip("#"), rules.tags.count) > rules.tags.max_len:
                    raise ToolProblem(
                        msg("mcp.tag_too_long", where=where, tag=repr(tag), max=rules.tags.max_len)
                    )
            for param in known[p.platform].params:
                value = getattr(p, param.target)
                if param.required and not param.many and not str(value).strip():
                    raise ToolProblem(msg("mcp.required", where=where, name=param.name, label=rules.label))

    def _due(self, publish_at: str | None, now: datetime) -> datetime:
        if publish_at is None or not publish_at.strip() or publish_at.strip().lower() == "now":
            return now.replace(microsecond=0)
        try:
            when = parse_publish_at(publish_at, self.ws.zone)
        except TimeError as exc:
            said = msg("mcp.field_says", field="publish_at", text=exc.said)
            raise ToolProblem(
                msg("mcp.with_hint", said=said, hint=exc.hint_said) if exc.hint_said else said
            ) from None
        if not isinstance(when, datetime):
            raise ToolProblem(msg("mcp.publish_at_form", zone=self.ws.settings.timezone))
        if when < now - PAST_GRACE:
            raise ToolProblem(msg("mcp.publish_at_past", when=publish_at))
        return when

    def _new_id(self, payloads: Sequence[Payload], local: datetime, now: datetime) -> str:
        seed = (
            json.dumps([p.__dict__ for p in payloads], ensure_ascii=False, sort_keys=True) + now.isoformat()
        )
        digest = hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:6]
        first = payloads[0]
        words = re.sub(r"[^a-z0-9]+", "-", (first.title or first.caption).lower()).strip("-")[:30].strip("-")
        platforms = "-".join(p.platform for p in payloads) if len(payloads) > 1 else first.platform
        name = f"{platforms}-{words}" if len(words) >= 3 else platforms
        return f"{local:%Y-%m-%d}-{name}-{digest}"

    def _compose(
        self,
        tool: str,
        item_id: str,
        payloads: Sequence[Payload],
        local: datetime,
        now: datetime,
        declare: str = "ai_generated",
    ) -> str:
        """The Markdown file, front matter first, as a person would write it."""
        known = tools()
        primary = next((p for p in payloads if known[p.platform].primary), payloads[0])
        bodies = {p.platform: self._body(p, i, len(payloads)) for i, p in enumerate(payloads)}
        data: dict[str, Any] = {"id": item_id, "title": _title(primary)}
        data["publish_at"] = f"{local:%Y-%m-%d %H:%M:%S}" if local.second else f"{local:%Y-%m-%d %H:%M}"
        data["status"] = "ready"
        data["declare"] = declare  # written by an assistant: the platforms show their AI label
        if primary.tags:
            data["tags"] = _tags(primary.tags)
        if primary.images:
            data["images"] = self._images(
                primary, 0 if len(payloads) == 1 else payloads.index(primary), payloads
            )
        platforms: dict[str, dict[str, Any]] = {}
        for i, p in enumerate(payloads):
            own: dict[str, Any] = {}
            if p is not primary:
                own["title"] = _title(p)
                own["tags"] = _tags(p.tags)
                if p.images:
                    own["images"] = self._images(p, i, payloads)
                if bodies[p.platform]:
                    own["body"] = bodies[p.platform]
            where = f"platforms[{i}]." if len(payloads) > 1 else ""
            shape = known[p.platform]
            for name in shape.own:  # the platform's own fields; a video becomes a media reference
                if name == "video":
                    label = next((q.name for q in shape.params if q.target == name), name)
                    own["video"] = self.media.ref(p.video, f"{where}{label}", "video")
                elif str(getattr(p, name)).strip():
                    own[name] = str(getattr(p, name)).strip()
            if shape.cover:
                own["cover"] = self._cover(p, bodies[p.platform], data)
            platforms[p.platform] = own
        data["platforms"] = platforms
        data["notes"] = (
            f"written by the MCP tool {tool} at {now.astimezone(self.ws.zone):%Y-%m-%d %H:%M:%S %Z}"
        )
        return item_text(data, bodies[primary.platform])

    def _images(self, p: Payload, index: int, payloads: Sequence[Payload]) -> list[str]:
        where = f"platforms[{index}]." if len(payloads) > 1 else ""
        return [self.media.ref(ref, f"{where}images[{n}]", "image") for n, ref in enumerate(p.images)]

    def _body(self, p: Payload, index: int, count: int) -> str:
        kind = tools()[p.platform].body
        if kind == "html":
            where = f"platforms[{index}]." if count > 1 else ""
            local = {
                src: self.media.ref(src, f"{where}body image {n + 1}", "image")
                for n, src in enumerate(dict.fromkeys(image_sources(p.body)))
            }
            return html_to_markdown(p.body, image_src=lambda src: local.get(src.strip(), src))
        if kind == "none":
            return ""
        return _plain_body(p.body)

    def _cover(self, p: Payload, body: str, data: Mapping[str, Any]) -> str:
        """The first image of the article, else the item's first image, else a generated plain cover."""
        from publisher.render.markdown import extract_images, is_external

        local = [src for src, _alt in extract_images(body) if not is_external(src)]
        if local:
            return local[0]
        if data.get("images"):
            return str(data["images"][0])
        return self.media.generated_cover(p.title)


def _title(p: Payload) -> str:
    if p.title.strip():
        return p.title.strip()
    first = p.caption.strip().splitlines()[0] if p.caption.strip() else p.platform
    return first[:30]


def _tags(tags: Sequence[str]) -> list[str]:
    return [t.strip().lstrip("#").strip() for t in tags if t.strip().lstrip("#").strip()]


def _plain_body(text: str) -> str:
    """Plain note text kept as written; only lone surrogates (possible in JSON) are replaced."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\r\n", "\n").strip() + "\n"


def _preview_paths(previews: Any) -> dict[str, str]:
    paths = {"index": str(previews.index)}
    paths.update({name: str(path) for name, path in previews.pages.items()})
    return paths


def _message(states: list[str], local: datetime) -> str:
    if states == ["queued"]:
        return (
            f"queued for {local:%Y-%m-%d %H:%M} ({local.tzinfo}); the running daemon (`publisher run`) "
            "sends it then. get_post_status shows its progress"
        )
    return f"posts are {', '.join(states)}; see each post's reason"
