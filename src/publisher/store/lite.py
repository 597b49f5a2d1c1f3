"""Quick reads for `publisher status` with the standard library's sqlite3 alone, so the command starts without
loading SQLAlchemy (which costs more than the rest of the command together).

Only for a SQLite file that exists and is at the schema head; for anything else `open_reader` answers None
and the caller uses the full store (which also creates and migrates the database). The rows read back exactly
as the SQLAlchemy reads of `store.posts` and `store.attempts` give them: instants are stored as naive UTC text
(`YYYY-MM-DD HH:MM:SS.ffffff`) and come back aware; JSON columns are JSON text. `tests/test_store_lite.py`
holds the two paths equal on the same database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from publisher.store.revision import head_revision
from publisher.store.views import AttemptView, PostView, due_order, lateness

_BUSY_TIMEOUT_MS = 5000
_PREFIX = "sqlite:///"
_POSTS = (
    "SELECT id, item_id, platform, account, state, due_at, reason, attempt_count, url, last_error,"
    " late_window_s, reason_msg FROM post"
)
_ATTEMPT_COLUMNS = (
    "post_id, number, started_at, finished_at, step, outcome, http_status, platform_code, error, request_hash"
)


def sqlite_path(url: str) -> Path | None:
    """The file of a plain `sqlite:///path` URL; None for any other URL (PostgreSQL, memory, URI options)."""
    if not url.startswith(_PREFIX) or "?" in url:
        return None
    path = url[len(_PREFIX) :]
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(path)


class LiteReader:
    """The reads `status` needs, each in its own read transaction on one sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN")  # deferred: a snapshot that never blocks the writer (WAL)
        try:
            yield self._conn
        finally:
            self._conn.execute("COMMIT")

    def post_views(self, *, now: datetime | None = None) -> list[PostView]:
        """Every post in due order (as store.posts.post_views), overdue ones marked against `now`."""
        with self._read() as conn:
            rows = conn.execute(_POSTS).fetchall()
        views = []
        for pid, item, platform, account, state, due, reason, attempts, url, error, window, said in rows:
            due_at = _instant(due)
            views.append(
                PostView(
                    pid,
                    item,
                    platform,
                    account,
                    state,
                    due_at,
                    reason or "",
                    attempts,
                    url,
                    error,
                    *lateness(state, due_at, window, now),
                    reason_msg=said,
                )
            )
        return due_order(views)

    def platform_ids(self, post_ids: Collection[int]) -> dict[int, dict[str, Any]]:
        """post id -> its stored platform ids (as store.posts.platform_ids)."""
        wanted = sorted(set(post_ids))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        with self._read() as conn:
            rows = conn.execute(f"SELECT id, ids FROM post WHERE id IN ({marks})", wanted).fetchall()
        return {pid: dict(json.loads(ids) or {}) if ids else {} for pid, ids in rows}

    def latest_attempts(self, post_ids: Collection[int]) -> dict[int, AttemptView]:
        """post id -> its latest attempt (as store.attempts.latest_attempts)."""
        wanted = sorted(set(post_ids))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        query = f"SELECT {_ATTEMPT_COLUMNS} FROM attempt WHERE post_id IN ({marks}) ORDER BY post_id, number"
        with self._read() as conn:
            rows = conn.execute(query, wanted).fetchall()
        out: dict[int, AttemptView] = {}
        for post_id, number, started, finished, step, outcome, status, code, error, request_hash in rows:
            started_at = _instant(started)
            assert started_at is not None  # NOT NULL in the schema
            out[post_id] = AttemptView(
                post_id,
                number,
                started_at,
                _instant(finished),
                step,
                outcome,
                status,
                code,
                error,
                request_hash,
            )
        return out


def open_reader(url: str) -> LiteReader | None:
    """A reader of the database at `url` when it is a SQLite file at the schema head, else None."""
    path = sqlite_path(url)
    head = head_revision()
    if path is None or head is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        with closing(conn.execute("SELECT version_num FROM alembic_version")) as cursor:
            at_head = cursor.fetchall() == [(head,)]
    except sqlite3.Error:
        at_head = False
    if not at_head:
        conn.close()
        return None
    return LiteReader(conn)


def _instant(text: str | None) -> datetime | None:
    """A stored instant (naive UTC text) as an aware UTC datetime."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
