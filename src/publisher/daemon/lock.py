"""Who runs the clock: one daemon per SQLite workspace (a file lock), one job leader per PostgreSQL DB."""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from publisher.errors import StoreError
from publisher.messages import msg
from publisher.store import advisory

logger = logging.getLogger(__name__)
LOCK_NAME = "daemon.lock"
#: First key of the advisory lock (ASCII "pubj"); the second is the schema's hash, so schemas do not collide.
LEADER_KEY = 0x7075626A


class DaemonLocked(StoreError):
    """Another daemon holds the workspace; the message names its pid and host."""


class DaemonLock:
    """An exclusive `flock` on `.publisher/daemon.lock` holding "pid host started_at".

    The kernel drops the lock when the process dies (even with SIGKILL), so a stale file never blocks a start.
    """

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / LOCK_NAME
        self._fh: IO[str] | None = None

    def acquire(self, *, now: datetime | None = None) -> None:
        """Take the lock or raise DaemonLocked naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the daemon's lifetime
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown process"
            fh.close()
            raise DaemonLocked(msg("usage.daemon_locked", holder=describe(holder))) from None
        fh.seek(0)
        fh.truncate()
        stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        fh.write(f"{os.getpid()} {socket.gethostname()} {stamp}\n")
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    @property
    def held(self) -> bool:
        return self._fh is not None

    def __enter__(self) -> DaemonLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def running_holder(state_dir: Path) -> str | None:
    """Who holds the workspace's daemon lock ("pid host started_at"), or None when no daemon runs."""
    probe = DaemonLock(state_dir)
    try:
        probe.acquire()
    except DaemonLocked:
        try:
            return probe.path.read_text(encoding="utf-8").strip() or "unknown process"
        except OSError:
            return "unknown process"
    probe.release()
    return None


def describe(holder: str) -> str:
    parts = holder.split()
    if len(parts) >= 3:
        return f"pid {parts[0]} on host {parts[1]}, started {parts[2]}"
    return holder


class Leader:
    """Recurring-jobs leadership on PostgreSQL: a session advisory lock on a dedicated connection.

    `is_leader()` is cheap to call often: a follower retries the lock at most every `retry_s` seconds, so it
    takes over within that interval after the leader's session ends (process death closes the session).
    """

    def __init__(
        self,
        engine: advisory.Engine,
        *,
        retry_s: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.retry_s = retry_s
        self._monotonic = monotonic
        self._conn: advisory.Connection | None = None
        self._leader = False
        self._next_try = 0.0

    def is_leader(self) -> bool:
        if self._leader:
            if self._alive():
                return True
            logger.warning("lost the recurring-jobs leadership (database session ended)")
            self._drop()
        now = self._monotonic()
        if now < self._next_try:
            return False
        self._next_try = now + self.retry_s
        try:
            self._conn, got = advisory.try_lock(self.engine, self._conn, LEADER_KEY)
        except advisory.AdvisoryUnavailable:
            logger.warning("cannot reach the database to take the recurring-jobs lock", exc_info=True)
            self._conn = None  # try_lock discarded it
            self._drop()
            return False
        self._leader = got
        if self._leader:
            logger.info("this node now runs the recurring jobs")
        return self._leader

    def _alive(self) -> bool:
        """This session still holds the lock (a reconnected session would not: it must not think it leads)."""
        return self._conn is not None and advisory.holds(self._conn, LEADER_KEY)

    def _drop(self) -> None:
        self._leader = False
        if self._conn is not None:
            advisory.discard(self._conn)  # never return a session holding the lock to the pool
            self._conn = None

    def release(self) -> None:
        """Give the lead up now (graceful stop), so another node takes over without waiting for a timeout."""
        if self._conn is not None and self._leader:
            advisory.unlock(self._conn, LEADER_KEY)
        self._drop()


class SoloLeader:
    """SQLite: the daemon lock already makes this process the only one; it always leads."""

    def is_leader(self) -> bool:
        return True

    def release(self) -> None:
        return None
