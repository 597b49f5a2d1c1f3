"""What the faces (CLI, MCP server, dashboard) call: one function per user action, returning plain results."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from publisher.adapters.base import AdapterContext
from publisher.adapters.dryrun import DryRunAdapter, dry_run_dir
from publisher.calendar.load import Calendar, Checked
from publisher.errors import ConfigError, ContentError, UsageError
from publisher.models import Attempt, Problem
from publisher.store.claims import log_event
from publisher.store.db import Store, open_store
from publisher.store.tables import PostRow
from publisher.calendar.sync import Change, SlotFinder, apply, desired_posts, diff, with_overrides
from publisher.workspace.settings import CONFIG_NAME, DEFAULTS_DIR, Workspace, open_workspace


def workspace(path: Path | None) -> Workspace:
    return open_workspace(path)


@dataclass(frozen=True)
class CheckResult:
    """Every file's outcome of `publisher check`."""

    checked: tuple[Checked, ...]

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.checked for p in c.problems]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def item_count(self) -> int:
        return len(self.checked)

    def per_platform(self) -> dict[str, tuple[int, int]]:
        counts: dict[str, list[int]] = {}
        for c in self.checked:
            if c.item is None:
                continue
            for t in c.item.targets:
                slot = counts.setdefault(t.platform, [0, 0])
                slot[0 if (t.platform, t.account) in c.valid_targets else 1] += 1
        return {k: (v[0], v[1]) for k, v in counts.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.errors,
            "items": self.item_count,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "valid": {c.item.id: sorted(f"{p}:{a}" for p, a in c.valid_targets) for c in self.checked if c.item},
            "per_platform": {k: {"valid": v[0], "invalid": v[1]} for k, v in self.per_platform().items()},
        }


def check(ws: Workspace, calendar: Calendar | None = None) -> CheckResult:
    """Parse and validate the whole calendar."""
    checked, _changed = (calendar or Calendar(ws)).scan()
    return CheckResult(tuple(checked))


def find_item(calendar: Calendar, ref: str) -> Checked:
    """An item by id or by file path (relative to the workspace or the current folder)."""
    checked, _ = calendar.scan()
    by_id = {c.item.id: c for c in checked if c.item}
    if ref in by_id:
        return by_id[ref]
    candidate = Path(ref)
    for base in (Path.cwd(), calendar.ws.root, calendar.ws.content_dir):
        full = (base / candidate).resolve()
        for c in checked:
            if (calendar.ws.root / c.path).resolve() == full:
                return c
    from publisher.content.item import did_you_mean

    hint = did_you_mean(ref, list(by_id))
    raise UsageError(f"no item {ref!r} (give an id or a file path){'; ' + hint if hint else ''}")


EXAMPLE_ITEM = """---
id: hello
title: 你好，publisher｜第一篇笔记
publish_at: slot
status: draft
tags: [效率工具]
images: [media/hello.png]
platforms:
  xiaohongshu: {}
  wechat: {author: 运营, digest: "第一篇由 publisher 排期的文章"}
---
这是第一篇内容。把 `status` 改成 `ready`，运行 `publisher check`，再用 `publisher preview hello` 看看每个平台的样子。

This is your first item. Edit it, run `publisher check`, then `publisher preview hello`.
"""

EXAMPLE_TOML = """# publisher workspace settings (see README). Credentials never live here.
[workspace]
name = "{name}"
timezone = "Asia/Shanghai"
late_window = "2h"
require_approval = false
utm = true

[accounts.xiaohongshu]
platform = "xiaohongshu"
mode = "dry-run"

[accounts.wechat]
platform = "wechat"
mode = "dry-run"

[targets]
publish_success_rate = 0.95
on_time_rate = 0.90
"""


def init_workspace(directory: Path, *, force: bool = False) -> list[str]:
    """Create a workspace: publisher.toml, platforms/ (the defaults), schedules/, content/ with one example."""
    directory = directory.resolve()
    if (directory / CONFIG_NAME).exists():
        raise ConfigError(f"{directory} already has a {CONFIG_NAME}; nothing was changed")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise UsageError(f"{directory} is not empty; pass --force to add a workspace to it")
    created: list[str] = []
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG_NAME).write_text(EXAMPLE_TOML.format(name=directory.name), encoding="utf-8")
    created.append(CONFIG_NAME)
    shutil.copytree(DEFAULTS_DIR / "platforms", directory / "platforms", dirs_exist_ok=True)
    created.append("platforms/")
    (directory / "schedules").mkdir(exist_ok=True)
    slots = DEFAULTS_DIR / "schedules"
    if slots.is_dir():
        shutil.copytree(slots, directory / "schedules", dirs_exist_ok=True)
    created.append("schedules/")
    media = directory / "content" / "media"
    media.mkdir(parents=True, exist_ok=True)
    (directory / "content" / "hello.md").write_text(EXAMPLE_ITEM, encoding="utf-8")
    _example_image(media / "hello.png")
    created.append("content/hello.md")
    (directory / ".gitignore").write_text(".publisher/\nreports/\n", encoding="utf-8")
    created.append(".gitignore")
    return created


def _example_image(path: Path) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1080, 1440), "#fdf2e9")
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((120, 300, 960, 1140), radius=60, fill="#ff2442")
    draw.text((200, 680), "publisher", fill="white", font_size=140)
    img.save(path, optimize=True)


# -- store-backed actions ---------------------------------------------------------------------------------


def store_for(ws: Workspace) -> Store:
    """The workspace's database, migrated on first use."""
    return open_store(ws.database_url)


@dataclass(frozen=True)
class SyncResult:
    """The outcome of one sync: what changed, and the calendar as checked."""

    changes: tuple[Change, ...]
    check: CheckResult
    applied: bool


def sync(ws: Workspace, store: Store, *, now: datetime, calendar: Calendar | None = None, apply_changes: bool = True,
         ) -> SyncResult:
    """Bring the store in line with the files (or, with apply_changes=False, only say what would change)."""
    calendar = calendar or Calendar(ws)
    checked, _ = calendar.scan()
    desired = with_overrides(store, desired_posts(ws, checked, now=now, slot_finder=slot_finder(ws, store)))
    changes = diff(store, checked, desired)
    if apply_changes:
        apply(store, checked, desired, changes, now=now)
    return SyncResult(tuple(changes), CheckResult(tuple(checked)), apply_changes)


def slot_finder(ws: Workspace, store: Store) -> SlotFinder | None:
    """`publish_at: best` (the account's own history) and `publish_at: slot` (schedules/slots.yaml)."""
    from publisher.reports import best_time_finder
    from publisher.calendar.slots import finder

    return best_time_finder(ws, store, fallback=finder(ws, store))


@dataclass(frozen=True)
class PostView:
    """One post as `status` and `plan` show it."""

    id: int
    item: str
    platform: str
    account: str
    state: str
    due_at: datetime | None
    reason: str
    attempts: int
    url: str | None
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "item": self.item, "platform": self.platform, "account": self.account,
                "state": self.state, "due_at": self.due_at.isoformat() if self.due_at else None,
                "reason": self.reason, "attempts": self.attempts, "url": self.url, "last_error": self.last_error}


def posts(store: Store, *, states: set[str] | None = None, until: datetime | None = None) -> list[PostView]:
    """Posts ordered by due time (unscheduled last)."""
    import sqlalchemy as sa

    t = PostRow.__table__  # type: ignore[attr-defined]
    query = sa.select(t)
    if states:
        query = query.where(t.c.state.in_(sorted(states)))
    if until is not None:
        query = query.where(sa.or_(t.c.due_at.is_(None), t.c.due_at <= until))
    with store.session() as s:
        rows = s.execute(query).mappings().all()
    views = [PostView(r["id"], r["item_id"], r["platform"], r["account"], r["state"], r["due_at"], r["reason"] or "",
                      r["attempt_count"], r["url"], r["last_error"]) for r in rows]
    return sorted(views, key=lambda v: (v.due_at is None, v.due_at or datetime.min.replace(tzinfo=UTC), v.id))


#: states shown with their evidence: a person must act, or the queue is asking the platform what happened
ATTENTION_STATES = {"needs_attention", "needs_reauth", "awaiting_manual", "missed", "failed", "reconcile", "held"}


def status(store: Store) -> dict[str, Any]:
    """Counts per state, the next due time, every post, and the evidence for every post that needs a person."""
    import sqlalchemy as sa

    from publisher.store.tables import AttemptRow

    views = posts(store)
    counts: dict[str, int] = {}
    for v in views:
        counts[v.state] = counts.get(v.state, 0) + 1
    waiting = [v.due_at for v in views if v.state in ("queued", "retrying") and v.due_at]
    attention = [v for v in views if v.state in ATTENTION_STATES]
    t, a = PostRow.__table__, AttemptRow.__table__  # type: ignore[attr-defined]
    evidence: list[dict[str, Any]] = []
    if attention:
        ids = [v.id for v in attention]
        with store.session() as s:
            platform_ids = dict(s.execute(sa.select(t.c.id, t.c.ids).where(t.c.id.in_(ids))).all())
            last = {r.post_id: r for r in s.execute(
                sa.select(a.c.post_id, a.c.number, a.c.started_at, a.c.step, a.c.outcome, a.c.http_status,
                          a.c.platform_code, a.c.error).where(a.c.post_id.in_(ids)).order_by(a.c.number))}
        for v in attention:
            row = last.get(v.id)
            evidence.append({
                **v.to_dict(),
                "platform_ids": {k: val for k, val in (platform_ids.get(v.id) or {}).items() if val is not None},
                "last_attempt": None if row is None else {
                    "number": row.number, "started_at": row.started_at.isoformat() if row.started_at else None,
                    "step": row.step, "outcome": row.outcome, "http_status": row.http_status,
                    "platform_code": row.platform_code, "error": row.error},
            })
    from publisher.models import PostState
    from publisher.queue.actions import aggregate_state

    by_item: dict[str, list[PostState]] = {}
    for v in views:
        by_item.setdefault(v.item, []).append(PostState(v.state))
    return {"counts": counts, "next_due": min(waiting).isoformat() if waiting else None,
            "items": {item: aggregate_state(states) for item, states in sorted(by_item.items())},
            "posts": [v.to_dict() for v in views], "attention": evidence}


@dataclass(frozen=True)
class DryRunRecord:
    """One dry-run publish: the exact request and where it was written."""

    platform: str
    account: str
    request: dict[str, Any]
    path: Path | None


def publish_dry_run(ws: Workspace, store: Store, ref: str, *, platform: str | None, now: datetime
                    ) -> tuple[list[DryRunRecord], list[Problem]]:
    """Render an item for its platforms and run the dry-run adapter: the exact requests, nothing sent.

    The post rows keep their state (a dry run is a rehearsal of one item, not a publish); the event log
    records each dry run and where its request was written.
    """
    import asyncio

    import sqlalchemy as sa

    calendar = Calendar(ws)
    checked = find_item(calendar, ref)
    if checked.item is None:
        return [], list(checked.problems)
    sync(ws, store, now=now, calendar=calendar)
    targets = [t for t in checked.item.targets if platform in (None, t.platform, t.account)]
    if not targets:
        raise UsageError(f"{checked.item.id} does not target {platform}")
    records: list[DryRunRecord] = []
    problems: list[Problem] = []
    out_dir = dry_run_dir(ws.state_dir)
    t = PostRow.__table__  # type: ignore[attr-defined]
    for target in targets:
        post, found = calendar.renderer.render(checked.item, target, process_media=True)
        problems += found
        if post is None:
            continue
        ctx = AdapterContext(account=target.account, mode="dry-run", base_url="", out_dir=out_dir)
        adapter = DryRunAdapter(ctx)
        attempt = Attempt(post_id=0, number=0, started_at=now)
        result = asyncio.run(adapter.publish(post, attempt))
        path = out_dir / f"{post.item_id.replace('/', '__')}.{post.platform}.{post.account}.json"
        records.append(DryRunRecord(target.platform, target.account, dict(result.request or {}), path))
        with store.session() as s:
            post_id = s.execute(sa.select(t.c.id).where(t.c.item_id == checked.item.id,
                                                        t.c.platform == target.platform,
                                                        t.c.account == target.account)).scalar()
        log_event(store, post_id, "dry_run", f"dry run of {post.rendered_hash[:12]} written to "
                  f"{path.relative_to(ws.root)}", now=now)
    return records, problems


def publish_now(ws: Workspace, store: Store, ref: str, *, platform: str | None, now: datetime
                ) -> list[tuple[int, str, str, str]]:
    """Make an item's posts due now (a person's override that sync keeps); returns (post, platform, account,
    state). The queue (`publisher run`, or `run --once`) sends them."""
    import sqlalchemy as sa

    from publisher.queue.actions import publish_now as make_due

    calendar = Calendar(ws)
    checked = find_item(calendar, ref)
    if checked.item is None or checked.errors:
        raise ContentError(checked.errors or checked.problems)
    sync(ws, store, now=now, calendar=calendar)
    t = PostRow.__table__  # type: ignore[attr-defined]
    with store.session() as s:
        rows = s.execute(sa.select(t.c.id, t.c.platform, t.c.account).where(t.c.item_id == checked.item.id)).all()
    rows = [r for r in rows if platform in (None, r.platform, r.account)]
    if not rows:
        raise UsageError(f"{checked.item.id} has no post{' on ' + platform if platform else ''} to publish")
    return [(r.id, r.platform, r.account, str(make_due(store, r.id, now=now))) for r in rows]
