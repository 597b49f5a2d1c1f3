"""What one dashboard process holds: the workspace, its store, one incremental Calendar, and the last sync."""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from publisher.calendar.load import Calendar, Checked
from publisher.calendar.sync import FolderRevision, folder_revision, sync_calendar
from publisher.errors import PublisherError
from publisher.messages import Msg
from publisher.redact import redact_text
from publisher.store.db import Store
from publisher.workspace.settings import Workspace, open_workspace

logger = logging.getLogger(__name__)
FLASH_KEEP = 64  # messages waiting to be shown after a redirect; older ones are dropped
#: how long the header's "this copy is behind" answer stands before git is asked again (another node may
#: sync a newer commit while nothing changes in this folder)
REVISION_CHECK_S = 10.0


@dataclass(frozen=True)
class Refresh:
    """The outcome of one re-sync: which files changed, and how many post rows sync changed."""

    paths: tuple[str, ...]
    changes: int
    error: str | None


@dataclass
class AppState:
    """Shared by every request; the lock serialises scans and syncs (a Calendar is not thread-safe)."""

    ws: Workspace
    store: Store
    now: Callable[[], datetime]
    token: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    calendar: Calendar = field(init=False)
    checked: list[Checked] = field(default_factory=list)
    synced: bool = False
    error: str | None = None  # the last sync's problem (a broken publisher.toml), shown as a banner
    lock: threading.Lock = field(default_factory=threading.Lock)
    _revision: tuple[datetime, FolderRevision | None] | None = None
    _flash: OrderedDict[str, tuple[str, str]] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self.calendar = Calendar(self.ws)

    def ensure_synced(self) -> None:
        """The first page of a process syncs once; afterwards the watcher keeps the store in line."""
        if not self.synced:
            self.refresh()

    def refresh(self, *, reload_workspace: bool = False) -> Refresh:
        """Re-scan the content folder (only what changed) and sync it into the store."""
        with self.lock:
            try:
                if reload_workspace:
                    # Settings or platform rules changed: the renderer and every check depend on them.
                    self.ws = open_workspace(self.ws.root, env=self.ws.env)
                    self.calendar = Calendar(self.ws)
                _, changed = self.calendar.scan()
                # sync scans again: incremental, so the second scan only stats the files.
                result = sync_calendar(self.ws, self.store, now=self.now(), calendar=self.calendar)
            except PublisherError as exc:
                self.error = redact_text(exc.text(self.lang))
                logger.warning("sync failed: %s", self.error)
                return Refresh((), 0, self.error)
            self.checked = list(result.check.checked)
            self._revision = (self.now(), result.revision)
            self.synced = True
            self.error = None
            return Refresh(tuple(sorted(changed)), len(result.changes), None)

    def copy_behind(self) -> Msg | None:
        """The header's line when this node's copy of the folder is behind the newest synced commit (the
        check sync makes, R35: such a node does not sync), else None. None on SQLite (one node)."""
        if self.store.is_sqlite:
            return None
        now = self.now()
        cached = self._revision
        if cached is None or not now - timedelta(seconds=REVISION_CHECK_S) <= cached[0] <= now:
            cached = self._revision = (now, folder_revision(self.ws, self.store))
        return None if cached[1] is None else cached[1].notice()

    @property
    def lang(self) -> str:
        """The dashboard's language: `language` in publisher.toml (Chinese unless it says "en")."""
        return str(getattr(self.ws.settings, "language", "zh") or "zh")

    def checked_item(self, item_id: str) -> Checked | None:
        return next((c for c in self.checked if c.item is not None and c.item.id == item_id), None)

    def titles(self) -> dict[str, str]:
        return {c.item.id: c.item.title for c in self.checked if c.item is not None}

    def flash(self, kind: str, message: str) -> str:
        """Keep a message for the page a redirect lands on; returns its key for the URL."""
        key = secrets.token_urlsafe(8)
        self._flash[key] = (kind, message)
        while len(self._flash) > FLASH_KEEP:
            self._flash.popitem(last=False)
        return key

    def take_flash(self, key: str | None) -> tuple[str, str] | None:
        return self._flash.pop(key, None) if key else None
