"""Re-validation just before the irreversible call (R5): re-read the item file,
decide send/hold/cancel/stale/release.

On a shared (PostgreSQL) store each node reads its own copy of the folder, which may lag the revision the
store was synced from. There a file missing or different on this node is not this node's to judge: the post is
released (back to the queue, for a node whose copy has it, or this one after its next pull), never cancelled
and never sent from the older text. Sync, from a copy at the newest revision, cancels what was really removed.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from publisher.calendar.load import Calendar, Checked
from publisher.calendar.ready import kept, render_key
from publisher.content.digests import Stamp, stamp_of
from publisher.content.files import read_capped
from publisher.content.frontmatter import MAX_FILE_BYTES
from publisher.errors import PublisherError
from publisher.messages import Msg, msg
from publisher.models import Item, Problem, RenderedPost, Target, problem_msg
from publisher.redact import redact_text
from publisher.store.db import Store
from publisher.store.items import item_path
from publisher.workspace.settings import Workspace

Action = Literal["send", "cancel", "hold", "stale", "release"]
# Rendered posts kept, least recently used dropped first. A post is rendered when it is sent and again when
# its submitted job is polled (reconcile reads it), so the cache must outlast a run's sends: with fewer
# entries than a run sends, every poll rendered its post a second time. Processed media are cached on disk
# anyway.
_RENDER_CACHE = 1024
# Parsed files kept, least recently used dropped first (a daemon's calendar keeps lean records only: sends
# read the file). As many as renders: a submitted job's poll finds its item here, so a run of more sends than
# this would parse each file again at its poll.
_CHECK_CACHE = _RENDER_CACHE


@dataclass(frozen=True)
class Verdict:
    """What re-validation decided; `post` is the exact payload when the action is "send"."""

    action: Action
    reason: str | Msg = ""
    post: RenderedPost | None = None


class Revalidator:
    """Reads an item's file again at send time. A file is re-parsed when its bytes or one of its media files
    (stat) changed, so a queue sending many posts of one item parses it once."""

    def __init__(self, ws: Workspace, store: Store, calendar: Calendar) -> None:
        self.ws = ws
        self.store = store
        self.calendar = calendar
        self.ready = kept(calendar)  # the calendar's, shared with its syncs
        self._checks: OrderedDict[Path, tuple[bytes, frozenset[Path], dict[Path, Stamp | None], Checked]] = (
            OrderedDict()
        )
        self._renders: OrderedDict[tuple[Any, ...], RenderedPost] = OrderedDict()
        self._paths: dict[str, tuple[str, Path]] = {}  # item id -> (workspace-relative, full) path last found
        self.shared = not store.is_sqlite  # several nodes, each with its own copy of the folder

    def check(self, item_id: str, platform: str, account: str, content_hash: str | None) -> Verdict:
        """The verdict for one post; never raises for content problems (they become a hold)."""
        checked = self._find(item_id)
        if checked is None:
            if self.shared:
                return Verdict("release", msg("reason.not_in_copy"))
            return Verdict("cancel", msg("reason.file_gone"))
        item = checked.item
        if self.shared and (item is None or content_hash != item.hash):
            # This copy is not the version the store was synced from (maybe not pulled yet): judging it here
            # could cancel or hold a post over an older text.
            return Verdict("release", msg("reason.copy_differs"))
        if item is None:
            first = problem_msg(checked.errors[0]) if checked.errors else "unreadable"
            return Verdict("hold", msg("reason.unreadable", first=first))
        if item.status == "draft":
            return Verdict("cancel", msg("reason.set_to_draft"))
        target = _target(item, platform, account)
        if target is None:
            return Verdict("cancel", msg("reason.target_removed", platform=platform, account=account))
        if (platform, account) not in checked.valid_targets:
            errors = [p for p in checked.errors if not p.platform or p.platform == platform]
            return Verdict(
                "hold",
                msg("reason.held", n=len(errors), first=problem_msg(errors[0]) if errors else "invalid"),
            )
        if content_hash != item.hash:
            return Verdict("stale", "the item changed since it was queued; sync will update the post")
        if self.ws.settings.require_approval and not item.approved_by:
            return Verdict("stale", msg("reason.approval"))
        post, problems = self.render(item, target)
        if post is None:
            errors = [p for p in problems if p.severity == "error"]
            return Verdict("hold", problem_msg(errors[0]) if errors else "cannot be rendered")
        return Verdict("send", post=post)

    def render(self, item: Item, target: Target) -> tuple[RenderedPost | None, list[Problem]]:
        key = render_key(self.calendar.renderer, self.ws, item, target)
        cached = self._renders.get(key)
        if cached is not None:
            self._renders.move_to_end(key)
            # Same item version, platform and fields: only the account differs, and nothing reads it.
            return cached.for_account(target.account), []
        # Sync rendered the posts due soon and kept them on disk under a name that changes with whatever
        # the render reads (`calendar.ready`): this send reads that payload instead of rendering again.
        name = self.ready.name(key)  # None while the rules files differ from those the workspace read
        post = self.ready.get(name, target.account) if name is not None else None
        if post is None:
            try:
                post, problems = self.calendar.renderer.render(item, target, process_media=True)
            except PublisherError as exc:  # a render failure holds the post; it must not crash the queue
                return None, [_problem(item, target, redact_text(str(exc)))]
        else:
            problems = []
        if post is not None:
            if len(self._renders) >= _RENDER_CACHE:
                self._renders.popitem(last=False)
            self._renders[key] = post
        return post, problems

    def rendered(self, item_id: str, platform: str, account: str) -> RenderedPost | None:
        """The post as the item renders now, or None (reconcile then works from stored ids alone)."""
        checked = self._find(item_id)
        if checked is None or checked.item is None:
            return None
        target = _target(checked.item, platform, account)
        return None if target is None else self.render(checked.item, target)[0]

    def holds(self, item_id: str, content_hash: str | None) -> bool:
        """Whether this node's copy has the item at `content_hash` (a released post it may take again). Looks
        only where the item was last seen or scanned: no whole-calendar scan."""
        places = (self._remembered, self._scanned, lambda i: item_path(self.store, i))
        for rel in (where(item_id) for where in places):  # the store is asked last, only if need be
            if rel is None:
                continue
            checked = self._checked(self.ws.root / rel)
            if checked is not None and checked.item is not None and checked.item.id == item_id:
                return checked.item.hash == content_hash
        return False

    def behind(self, item_id: str, content_hash: str | None) -> bool:
        """Whether this node's copy lacks the item at `content_hash` because it lags: its git commit is behind
        the newest one synced (a copy that is not behind asks the platform with what it has, as one node
        does after an edit)."""
        if self.holds(item_id, content_hash):
            return False
        from publisher.calendar.sync import folder_revision

        revision = folder_revision(self.ws, self.store)
        return revision is not None and revision.behind

    def _remembered(self, item_id: str) -> str | None:
        found = self._paths.get(item_id)
        return found[0] if found is not None else None

    def _scanned(self, item_id: str) -> str | None:
        found = self.calendar.path_of(item_id)
        return found.relative_to(self.ws.root).as_posix() if found is not None else None

    # -- finding and caching files --------------------------------------------------------------------------

    def _find(self, item_id: str) -> Checked | None:
        # The remembered path first; then where the last scan saw the id (no query: the sync before this run
        # scanned), then the store's when that file moved. Each candidate is read and its id compared.
        remembered = self._paths.get(item_id)
        if remembered is not None:
            checked = self._checked(remembered[1])
            if checked is not None and (checked.item is None or checked.item.id == item_id):
                return checked
        for where in ("scanned", "stored"):
            if where == "scanned":
                found = self.calendar.path_of(item_id)
                rel = found.relative_to(self.ws.root).as_posix() if found is not None else None
            else:
                rel = item_path(self.store, item_id)
            if rel is None:
                continue
            path = self.ws.root / rel
            checked = self._checked(path)
            if checked is not None and (checked.item is None or checked.item.id == item_id):
                self._paths[item_id] = (rel, path)
                return checked
        # Moved or renamed (an explicit id survives a rename): look through the whole calendar.
        scanned, _ = self.calendar.scan()
        return next((c for c in scanned if c.item is not None and c.item.id == item_id), None)

    def _checked(self, path: Path) -> Checked | None:
        # Keyed on the bytes, not on mtime: two saves within one kernel clock tick share an mtime.
        try:
            raw = read_capped(path, MAX_FILE_BYTES)  # as a check reads it, so the two digests compare
        except OSError:
            self._checks.pop(path, None)
            return None
        key = hashlib.sha256(raw).digest()
        cached = self._checks.get(path)
        if cached is not None and cached[0] == key and _unchanged(cached[2]):
            self._checks.move_to_end(path)
            return cached[3]
        # The calendar's last scan (the sync before this run) may have checked exactly these bytes already:
        # a full record is reused whole; a lean one (a daemon's calendar) keeps no body, so the file is parsed
        # again, and its check reused while the item's hash (bytes and media) is the one checked.
        found = self.calendar.cached(path, key) or self.calendar.reread(path, raw)
        if found is not None:
            checked, used = found
        else:
            scratch: set[Path] = set()
            checked = self.calendar.check_file(path, None, scratch)
            used = frozenset(scratch)
        self._checks.pop(path, None)
        if len(self._checks) >= _CHECK_CACHE:
            self._checks.popitem(last=False)
        self._checks[path] = (key, used, {m: _stat(m) for m in used}, checked)
        return checked


def _target(item: Item, platform: str, account: str) -> Target | None:
    return next((t for t in item.targets if t.platform == platform and t.account == account), None)


def _stat(path: Path) -> Stamp | None:
    """A media file's size, times, inode and device (None when it cannot be read): a photo replaced or
    edited with its mtime set back still differs."""
    try:
        return stamp_of(path.stat())
    except OSError:
        return None


def _unchanged(media: dict[Path, Stamp | None]) -> bool:
    return all(_stat(p) == key for p, key in media.items())


def _problem(item: Item, target: Target, message: str) -> Problem:
    return Problem(item.path, target.line, "render", message, platform=target.platform)
