"""Whether a daemon runs, and since when: `publisher run` rewrites `.publisher/daemon.heartbeat` at every tick
(at least every 30 s) and removes it when it stops; `status` and the dashboard read it.

A file works for SQLite and for one machine; a heartbeat older than STALE_AFTER means the daemon died (a
SIGKILL leaves the file behind, but never a fresh one).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from publisher.messages import say

HEARTBEAT_NAME = "daemon.heartbeat"
#: Three missed safety-net ticks (DaemonSettings.reap_every_s) and the daemon counts as gone.
STALE_AFTER = timedelta(seconds=90)


@dataclass(frozen=True)
class Beat:
    """The last heartbeat a daemon wrote."""

    owner: str
    pid: int
    host: str
    started_at: datetime
    beat_at: datetime

    def running(self, now: datetime) -> bool:
        return now - self.beat_at <= STALE_AFTER


def beat(state_dir: Path, *, owner: str, started_at: datetime, now: datetime) -> None:
    """Write the heartbeat (atomically: a reader never sees half a file)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "owner": owner,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": started_at.isoformat(),
        "beat_at": now.isoformat(),
    }
    tmp = state_dir / f".{HEARTBEAT_NAME}.{os.getpid()}"
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(state_dir / HEARTBEAT_NAME)


def clear(state_dir: Path, owner: str) -> None:
    """The daemon stopped: remove its heartbeat (only its own)."""
    last = read(state_dir)
    if last is not None and last.owner == owner:
        (state_dir / HEARTBEAT_NAME).unlink(missing_ok=True)


def read(state_dir: Path) -> Beat | None:
    """The last heartbeat, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads((state_dir / HEARTBEAT_NAME).read_text(encoding="utf-8"))
        return Beat(
            str(data["owner"]),
            int(data["pid"]),
            str(data["host"]),
            datetime.fromisoformat(data["started_at"]),
            datetime.fromisoformat(data["beat_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def daemon_status(state_dir: Path, now: datetime) -> dict[str, Any]:
    """{"running", "since", "last_beat", "owner"} for `status --json` and the dashboard."""
    last = read(state_dir)
    running = last is not None and last.running(now)
    return {
        "running": running,
        "since": last.started_at.isoformat() if last and running else None,
        "last_beat": last.beat_at.isoformat() if last else None,
        "owner": last.owner if last else None,
    }


def describe(status: dict[str, Any], local: Any, lang: str = "en") -> str:
    """One line for people in `lang`; `local(datetime)` formats a time in the workspace zone."""
    if status["running"]:
        return say("cli.daemon_running", lang, since=local(datetime.fromisoformat(status["since"])))
    if status["last_beat"]:
        return say("cli.daemon_last_seen", lang, when=local(datetime.fromisoformat(status["last_beat"])))
    return say("cli.daemon_none", lang)
