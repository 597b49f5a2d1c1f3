"""File contents as the calendar identifies them: a streaming SHA-256 digest."""

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
