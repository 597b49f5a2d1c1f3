"""Reading the calendar's files: a capped read (a huge file is never loaded whole), and a streaming SHA-256
digest that identifies a file's contents."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


def file_digest(path: Path) -> bytes:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (a video is never held in memory whole)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


#: what each read after the first asks for (the first asks for the file's size and a byte more)
_CHUNK = 1 << 16


def read_capped(path: Path, limit: int) -> bytes:
    """At most `limit + 1` bytes of the file: enough to tell it is over `limit` without reading it all.

    Read until the end or `limit + 1` bytes, the first read sized by the file's status: asking for the whole
    `limit + 1` at once made a megabyte buffer for every small Markdown file (two thirds of a read's time).
    Read with the OS's calls (no file object: the queue reads an item's file at every send), and a plain file
    that gave less than asked is at its end (no second read to be told so)."""
    fd = os.open(path, os.O_RDONLY)  # not inherited by child processes, as open()'s
    try:
        status = os.fstat(fd)
        plain = stat.S_ISREG(status.st_mode)
        want = min(status.st_size, limit) + 1
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            asked = min(want, limit + 1 - got)
            chunk = os.read(fd, asked)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
            if plain and len(chunk) < asked:
                break  # the end of a plain file
            want = _CHUNK  # a file that grew since its status was read, or one that is not a plain file
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)
