"""Send-ready payloads: the exact payload of a post due soon, rendered when sync sees it and kept on disk, so
the send at its due time reads it instead of parsing the body's Markdown and rendering it again.

An entry is named by a digest of everything its render reads: the item's version (its file's bytes and every
media file's digest: `Item.hash`), its path and id, the platform, the account when a template or an entry of
its own names it, the target's fields, line and time, and the workspace's render settings (the settings in
memory; every file of each platform's rules folder, so platform.yaml and the templates; publisher's version
and code). A change to any of them gives another name, so a changed item, cover, template or setting is
rendered again; an entry is never updated in place. An entry also lists the processed media files it points at
with their size and time: one that is gone or was changed since is a miss.

The rules a render uses are those the workspace read when it was opened, so the rules folders are named as
they were then (`PlatformRules.stamps`), never as they are now: an entry is read or written only while every
file of them is unchanged since, and one is written only if none changed during its render. Once one was
saved, the workspace's rules are not the files' any more: nothing is kept or read (each send renders, as
without this cache) until the workspace is opened again (the daemon does on the save; a restart does).

The send still reads the item's file again and decides from it (cancel, hold, stale, send); only the render of
a post it sends comes from here. Entries live in the cache folder, never in the daemon's memory; those older
than `KEEP` are removed by a later sync. A post with warnings, or whose fields JSON cannot carry exactly (a
tuple, a date), is not kept: it is rendered at its send, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import publisher
from publisher.calendar.load import Calendar, Checked
from publisher.content.files import read_capped
from publisher.content.frontmatter import MAX_FILE_BYTES
from publisher.errors import PublisherError
from publisher.models import Item, MediaFile, RenderedPost, Target
from publisher.platforms.rules import PlatformRules, file_stamp
from publisher.render.engine import Renderer
from publisher.store.db import Store
from publisher.store.posts import waiting_by
from publisher.workspace.settings import Workspace

logger = logging.getLogger(__name__)

FOLDER = "send-ready"  # under the workspace's cache folder
FORMAT = 1  # of an entry; part of every name, so a new format never reads an old entry
HORIZON = timedelta(hours=24)  # sync prepares the posts due within this long
MOST = 1000  # posts a sync prepares at most (the soonest first): a sync's added work stays bounded
KEEP_S = 2 * 24 * 3600.0  # entries older than this are removed (their post was sent or moved on)
RECHECK_S = 1.0  # the rules files' stamps are compared at most this often (a burst of sends shares a look)
PRUNE_EVERY_S = 3600.0  # a folder is looked through for old entries at most this often per process
_pruned: dict[Path, float] = {}  # folder -> when this process last pruned it (time.monotonic)


def render_key(renderer: Renderer, ws: Workspace, item: Item, target: Target) -> tuple[Any, ...]:
    """What a render depends on besides the workspace's settings. Posts of one item to several accounts of one
    platform usually render alike (templates rarely name the account), so the account is part of the key only
    when a template uses it or the item has an entry of its own for that account (problem lines then point
    into that entry)."""
    entries = item.fields.get("platforms")
    own_entry = isinstance(entries, dict) and target.account in entries
    account = target.account if own_entry or _uses_account(renderer, ws, target) else ""
    try:
        fields = json.dumps(target.fields, sort_keys=True, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):  # keys that do not sort: no sharing for this post
        fields, account = repr(target.fields), target.account
    when = repr(target.publish_at)
    return (item.hash, item.id, item.path, target.platform, account, target.line, when, fields)


def _uses_account(renderer: Renderer, ws: Workspace, target: Target) -> bool:
    rules = ws.rules.get(target.platform)
    if rules is None:
        return True
    templates = [*rules.templates.values()]
    if target.fields.get("template"):
        templates.append(str(target.fields["template"]))
    return any("account" in renderer.variables(target.platform, t) for t in templates)


class SendReady:
    """The send-ready entries of one calendar's renders: named under its workspace's settings and rules as
    they were read, and used only while the rules files are unchanged since (looked at no more than once a
    second; at every write)."""

    def __init__(
        self, ws: Workspace, renderer: Renderer, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ws, self.renderer, self.clock = ws, renderer, clock
        self.folder = ws.cache_dir / FOLDER
        self._settings: str | None = None
        self._current = True  # the rules files were unchanged at the last look
        self._looked = 0.0  # when (self.clock) the stamps were last compared
        self.hits = self.misses = self.written = 0

    def current(self) -> bool:
        """Whether the rules files are still those the workspace read (False for good once one changed)."""
        now = self.clock()
        if self._settings is None:
            self._looked = now
            self._settings = settings_digest(self.ws, self.renderer.rules)
            self._current = not self._changed()  # unchanged after the read: the digest read what was loaded
        elif self._current and now - self._looked >= RECHECK_S:
            # A template saved while the workspace stays open is seen by the sends from a second later at the
            # latest; comparing some twenty stamps at every send cost more than the rest of its lookup.
            self._looked = now
            self._current = not self._changed()
        return self._current

    def name(self, key: tuple[Any, ...]) -> str | None:
        """The entry's file name for a `render_key`; None once a rules file changed since it was read."""
        if not self.current():
            return None
        text = json.dumps([FORMAT, self._settings, *key], ensure_ascii=False, default=repr)
        return hashlib.sha256(text.encode("utf-8")).hexdigest() + ".json"

    def _changed(self) -> bool:
        return any(file_stamp(p) != was for rules in self.renderer.rules.values() for p, was in rules.stamps)

    def get(self, name: str, account: str) -> RenderedPost | None:
        """The kept payload, for `account`; None when there is none or a media file it points at changed."""
        try:
            raw = (self.folder / name).read_bytes()
            post = _decode(json.loads(raw), account)
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            post = None
        if post is None:
            self.misses += 1
            return None
        self.hits += 1
        return post

    def has(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def put(self, name: str, post: RenderedPost) -> bool:
        """Keep `post` under `name` (written whole or not at all); False when it cannot be kept exactly, or
        when a rules file changed since the workspace read it (the render may have read a newer template)."""
        if post.warnings:
            return False
        if self._changed():
            self._current = False
            return False
        try:
            data = _encode(post)
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            back = _decode(json.loads(text), post.account)
        except (OSError, TypeError, ValueError):
            return False
        if back is None or back != post or back.rendered_hash != post.rendered_hash:
            return False  # e.g. a tuple or a date among the fields: JSON would not give it back
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.folder / f".{name}.{os.getpid()}.tmp"
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self.folder / name)
        except OSError as exc:  # a cache: a full disk or a read-only folder only costs the render later
            logger.debug("send-ready entry not written: %s", exc)
            return False
        self.written += 1
        return True

    def prune(self, *, keep_s: float = KEEP_S, every_s: float = PRUNE_EVERY_S) -> int:
        """Remove entries older than `keep_s` (at most once per `every_s` per folder and process)."""
        last = _pruned.get(self.folder)
        if last is not None and time.monotonic() - last < every_s:
            return 0
        _pruned[self.folder] = time.monotonic()
        cutoff = time.time() - keep_s
        removed = 0
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return 0
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
        return removed


def prepare(
    ws: Workspace,
    store: Store,
    calendar: Calendar,
    checked: list[Checked],
    *,
    now: datetime,
    horizon: timedelta = HORIZON,
    most: int = MOST,
) -> int:
    """Render and keep the payloads of the posts waiting to be sent that are due within `horizon` (at most
    `most`, soonest first) and have no entry yet; returns how many were written. Called by sync once the
    store holds its changes; never raises for one item (its send renders it, as without an entry)."""
    waiting = waiting_by(store, now + horizon, most)
    if not waiting:
        return 0
    ready = kept(calendar)
    if not ready.current():
        return 0  # a rules file changed since the workspace read them: nothing is kept until it is read again
    ready.prune()
    memo = calendar.prepared
    if len(memo) > 4 * most:
        memo.clear()
    wanted: dict[str, list[tuple[str, str]]] = {}
    for item_id, platform, account in waiting:
        wanted.setdefault(item_id, []).append((platform, account))
    records = {c.item.id: c for c in checked if c.item is not None and c.item.id in wanted}
    for item_id, targets in wanted.items():
        record = records.get(item_id)
        if record is None or record.item is None:
            continue
        todo = [t for t in targets if t in record.valid_targets]
        version = (record.path, record.item.hash)
        todo = [t for t in todo if not ((name := memo.get((*version, *t))) and ready.has(name))]
        if not todo:
            continue  # prepared by an earlier sync: its file is not parsed again
        try:
            item = _full_item(ws, calendar, record)
        except OSError:
            continue
        if item is None:
            continue
        for target in item.targets:
            if (target.platform, target.account) not in todo:
                continue
            name = ready.name(render_key(calendar.renderer, ws, item, target))
            if name is None:
                return ready.written
            if not ready.has(name):
                try:
                    post, _problems = calendar.renderer.render(item, target, process_media=True)
                except PublisherError:
                    continue  # the send renders it again and holds the post with the reason
                if post is None or not ready.put(name, post):
                    continue
            memo[(*version, target.platform, target.account)] = name
    return ready.written


def kept(calendar: Calendar) -> SendReady:
    """The calendar's send-ready entries, one for its syncs and the sends that use it (its settings digest is
    read once, not at every sync)."""
    found = calendar.send_ready
    if not isinstance(found, SendReady):
        found = calendar.send_ready = SendReady(calendar.ws, calendar.renderer)
    return found


def _full_item(ws: Workspace, calendar: Calendar, record: Checked) -> Item | None:
    """The item with its body: the record itself when it keeps it, else its file parsed again, if that is
    still the version the record checked."""
    path = ws.root / record.path
    if record.item is not None and not record.lean:
        return record.item
    raw = read_capped(path, MAX_FILE_BYTES)
    found = calendar.cached(path, hashlib.sha256(raw).digest()) or calendar.reread(path, raw)
    return found[0].item if found is not None else None


def settings_digest(ws: Workspace, rules: Mapping[str, PlatformRules]) -> str:
    """A digest of the workspace's render settings: the settings as read from publisher.toml, every file of
    each platform's rules folder as it is now (`SendReady` compares it with the files the rules were read
    from), where the workspace and its cache are, and publisher's version and code."""
    h = hashlib.sha256()
    head = [FORMAT, publisher.__version__, _code_stamp(), str(ws.root), str(ws.cache_dir), repr(ws.settings)]
    h.update(json.dumps(head, ensure_ascii=False).encode("utf-8"))
    for platform in sorted(rules):
        folder = rules[platform]
        h.update(f"\0{platform}\0{folder.directory}\0".encode())
        for path, _ in folder.stamps:
            with contextlib.suppress(OSError):  # a folder, or a file gone (then the stamps differ)
                data = Path(path).read_bytes()
                h.update(f"\0{path}\0".encode())
                h.update(data)
    return h.hexdigest()


@lru_cache(maxsize=1)
def _code_stamp() -> str:
    """The size and time of every module of publisher: a changed renderer names its entries anew."""
    root = Path(publisher.__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        with contextlib.suppress(OSError):
            st = path.stat()
            h.update(f"{path.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def _encode(post: RenderedPost) -> dict[str, Any]:
    media = []
    for m in post.media:
        st = os.stat(m.path)
        media.append(
            [m.role, m.path, m.source, m.sha256, m.bytes, m.mime, m.width, m.height, m.duration_s]
            + [st.st_size, st.st_mtime_ns]
        )
    return {
        "item_id": post.item_id,
        "item_path": post.item_path,
        "platform": post.platform,
        "fields": dict(post.fields),
        "media": media,
        "content_hash": post.content_hash,
        "publish_at": post.publish_at.isoformat() if post.publish_at is not None else None,
    }


def _decode(data: Mapping[str, Any], account: str) -> RenderedPost | None:
    media = []
    for *values, size, mtime_ns in data["media"]:
        try:
            st = os.stat(values[1])
        except OSError:
            return None
        if st.st_size != size or st.st_mtime_ns != mtime_ns:
            return None  # the processed file is gone or was changed since
        media.append(MediaFile(*values))
    when = data["publish_at"]
    return RenderedPost(
        item_id=data["item_id"],
        item_path=data["item_path"],
        platform=data["platform"],
        account=account,
        fields=data["fields"],
        media=tuple(media),
        content_hash=data["content_hash"],
        publish_at=datetime.fromisoformat(when) if when is not None else None,
    )
