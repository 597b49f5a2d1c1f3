"""SHA-256 digests of media files, kept across runs in the workspace's cache folder (like git's index), so
that a `check`, `sync` or daemon start does not read every photo whole again to hash it.

An entry is found by the file's path and trusted only while the file's size, modification time, change
time, inode and device are all as they were when it was hashed. The change time (ctime) is what makes this
safe: a program can set a file's mtime back (`touch -d`, `cp -p`, `rsync -t`), but any write, `utime` or
rename sets the ctime to the present, and a file replaced by another has a new inode.

The racy rule (git's "racily clean" entries): a file's timestamps have a granularity (a kernel clock tick,
or a second on some file systems), so a file changed twice within one tick keeps its stamp. A digest is
therefore kept only when the file's mtime and ctime are both older than a stamp of the file system's own
clock taken before the file was looked at: any later write gives the file a timestamp at or past that stamp,
which differs from the kept one. A file changed too recently is hashed again at every look until it is older
than a newer stamp. If no stamp can be taken (a read-only workspace), nothing is kept and every file is
hashed, as before.

A lost or damaged cache file only costs time: it is read as empty. Two processes saving at once keep one of
their sets of new entries; the other's are hashed again later."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from publisher.content.files import file_digest

logger = logging.getLogger(__name__)

VERSION = 2
#: (size, mtime_ns, ctime_ns, inode, device): what must all be unchanged for a kept digest to be trusted
Stamp = tuple[int, int, int, int, int]
#: a path's kept entry as stored: [size, mtime_ns, ctime_ns, inode, device, hex digest]. Entries are
#: checked when used, not when read: a worker of a parallel scan reads the whole file for a few of them.
Entry = list[Any]


def stamp_of(st: os.stat_result) -> Stamp:
    """The part of a file's status that a kept digest is tied to."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def file_clock(folder: Path) -> Callable[[], int | None]:
    """The file system's clock as seen in `folder`: the mtime a file written there now gets (None when
    nothing can be written there). One tiny file is rewritten per reading."""

    def now() -> int | None:
        path = folder / "digests.stamp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                fh.write(b"\n")
                fh.flush()
                return os.fstat(fh.fileno()).st_mtime_ns
        except OSError:
            return None

    return now


class DigestCache:
    """Media digests by path, trusted while the file's stamp is unchanged; loaded from `path` when first
    asked, written back by `save()`. `clock` gives the file system's present time (see `file_clock`); it is
    read once per `begin()`, when the first file has to be hashed."""

    def __init__(self, path: Path | None, clock: Callable[[], int | None] | None = None) -> None:
        self.path = path
        self.clock = clock if clock is not None else (file_clock(path.parent) if path else lambda: None)
        self.hashed = 0  # files read whole by this object (what the cache saves is the rest)
        self._entries: dict[str, Entry] | None = None
        self._fresh: dict[str, Entry] = {}  # kept since the last save
        self._now: int | None = None
        self._stamped = False

    def begin(self) -> None:
        """Start a new pass (a scan): the next file hashed takes a new reading of the clock."""
        self._stamped = False

    def digest(self, path: Path, st: os.stat_result | None = None) -> bytes:
        """The SHA-256 of the file's bytes: the kept one while its stamp is unchanged, else read and hashed
        (and kept if the file is old enough to trust its stamp). `st` is the file's status if the caller
        has it, taken just now. Raises OSError if the file cannot be read."""
        key = str(path)
        entries = self._load()
        if st is None:
            st = os.stat(path)
        stamp = stamp_of(st)
        found = _valid(entries.get(key), stamp)
        if found is not None:
            return found
        if not self._stamped:
            # The reading may come after `st` was taken; the bytes are read after it either way, so a write
            # before the reading is in the digest, and a write after it gives the file a ctime at or past the
            # reading, which no kept stamp has.
            self._now, self._stamped = self.clock(), True
        digest = file_digest(path)
        self.hashed += 1
        entries.pop(key, None)
        if self._now is not None and max(st.st_mtime_ns, st.st_ctime_ns) < self._now:
            entries[key] = self._fresh[key] = [*stamp, digest.hex()]
        return digest

    def take_fresh(self) -> dict[str, Entry]:
        """The entries kept since the last call (a worker process hands them to the one that saves)."""
        fresh, self._fresh = self._fresh, {}
        return fresh

    @property
    def dirty(self) -> bool:
        """Whether entries were kept since the last save."""
        return bool(self._fresh)

    def merge(self, entries: dict[str, Entry]) -> None:
        """Keep entries another process hashed (its `take_fresh()`)."""
        if entries:
            self._load().update(entries)
            self._fresh.update(entries)

    def save(self, keep: Iterable[Path] | None = None) -> None:
        """Write the entries back if any were added, atomically. With `keep` (the media of a whole scan),
        entries of other files are dropped, so the file does not grow with deleted photos. Never raises:
        a cache that cannot be written only costs time."""
        if self.path is None or not self._fresh:
            return
        entries = self._load()
        if keep is not None:
            wanted = {str(p) for p in keep}
            entries = {k: v for k, v in entries.items() if k in wanted}
        text = json.dumps({"version": VERSION, "entries": entries}, ensure_ascii=False, separators=(",", ":"))
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".digests-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, self.path)
            tmp = None
            self._fresh = {}
            self._entries = entries
        except OSError as exc:
            logger.debug("could not save the media digests to %s: %s", self.path, exc)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def _load(self) -> dict[str, Entry]:
        if self._entries is None:
            self._entries = _read(self.path) if self.path is not None else {}
        return self._entries


def _read(path: Path) -> dict[str, Entry]:
    """The entries of a cache file; empty when it is missing, damaged or of another version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    if not isinstance(data.get("entries"), dict):
        return {}
    entries: dict[str, Entry] = data["entries"]
    return entries


def _valid(entry: Any, stamp: Stamp) -> bytes | None:
    """The digest of a kept entry whose stamp is `stamp`; None for another stamp or a damaged entry."""
    if not isinstance(entry, list) or len(entry) != 6 or tuple(entry[:5]) != stamp:
        return None
    try:
        digest = bytes.fromhex(entry[5])
    except (TypeError, ValueError):
        return None
    return digest if len(digest) == 32 else None
