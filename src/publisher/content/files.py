"""Reading the calendar's files: a capped read (a huge file is never loaded whole), and a streaming SHA-256
digest that identifies a file's contents."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_digest(path: Path) -> bytes:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (a video is never held in memory whole)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def read_capped(path: Path, limit: int) -> bytes:
    """At most `limit + 1` bytes of the file: enough to tell it is over `limit` without reading it all."""
    with path.open("rb") as fh:
        return fh.read(limit + 1)
