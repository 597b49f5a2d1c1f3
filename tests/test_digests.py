"""Media digests kept across runs (the workspace's cache folder): a kept digest is used only while the file's
size, times, inode and device are unchanged, and never for a file changed too recently to trust its stamp
(the racy rule). A stale digest would hide an edited photo from sync ("edited", "changed after publish")."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from tests.conftest import WS, make_image

from publisher.calendar.load import DIGESTS_FILE, Calendar
from publisher.content.digests import VERSION, DigestCache, file_clock
from publisher.content.files import read_capped

LATER = 2**62  # a clock reading after every file's times: each digest is kept


def _photo(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _sha(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def _kept(cache_file: Path, photo: Path, clock: int = LATER) -> bytes:
    """Hash `photo` through a cache at `cache_file` and save it, as one run of check would."""
    cache = DigestCache(cache_file, clock=lambda: clock)
    digest = cache.digest(photo)
    cache.save()
    return digest


def _past(path: Path) -> None:
    """Wait (on the file system's own clock, with a deadline) until a file written now gets a later time
    than `path`'s mtime and ctime: until then a digest of `path` is racy and not kept."""
    st = path.stat()
    clock = file_clock(path.parent / ".clock")
    deadline = time.monotonic() + 10
    while (clock() or 0) <= max(st.st_mtime_ns, st.st_ctime_ns):
        assert time.monotonic() < deadline, "the file system clock did not move"


def test_a_kept_digest_serves_the_next_run_without_reading_the_file(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "a.jpg", b"first photo")
    cache_file = tmp_path / "cache" / "digests.json"
    assert _kept(cache_file, photo) == _sha(photo)
    again = DigestCache(cache_file, clock=lambda: LATER)
    assert again.digest(photo) == _sha(photo)
    assert again.hashed == 0


def test_changed_content_of_the_same_size_with_its_mtime_set_back_is_hashed_again(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "a.jpg", b"first photo")
    cache_file = tmp_path / "digests.json"
    first = _kept(cache_file, photo)
    before = photo.stat()
    photo.write_bytes(b"other photo")  # same size
    os.utime(photo, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or `rsync -t` would
    assert photo.stat().st_size == before.st_size and photo.stat().st_mtime_ns == before.st_mtime_ns
    again = DigestCache(cache_file, clock=lambda: LATER)
    assert again.digest(photo) == _sha(photo) != first
    assert again.hashed == 1


def test_a_touched_file_is_hashed_again(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "a.jpg", b"first photo")
    cache_file = tmp_path / "digests.json"
    _kept(cache_file, photo)
    st = photo.stat()
    os.utime(photo, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    again = DigestCache(cache_file, clock=lambda: LATER)
    assert again.digest(photo) == _sha(photo)
    assert again.hashed == 1


def test_a_file_replaced_by_another_with_the_same_size_and_mtime_is_hashed_again(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "a.jpg", b"first photo")
    cache_file = tmp_path / "digests.json"
    first = _kept(cache_file, photo)
    before = photo.stat()
    other = _photo(tmp_path / "incoming.jpg", b"other photo")
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(other, photo)  # a new inode under the old name
    assert photo.stat().st_ino != before.st_ino
    again = DigestCache(cache_file, clock=lambda: LATER)
    assert again.digest(photo) == _sha(photo) != first


def test_a_racy_digest_is_not_kept(tmp_path: Path) -> None:
    """A file whose ctime is not older than the clock reading taken before it was hashed may change again
    within the same tick without its stamp changing: its digest is not kept, here or on disk."""
    photo = _photo(tmp_path / "a.jpg", b"first photo")
    cache_file = tmp_path / "digests.json"
    st = photo.stat()
    racy = max(st.st_mtime_ns, st.st_ctime_ns)
    cache = DigestCache(cache_file, clock=lambda: racy)
    assert cache.digest(photo) == _sha(photo)
    assert cache.digest(photo) == _sha(photo)
    assert cache.hashed == 2 and not cache.dirty  # not even kept in memory
    cache.save()
    assert not cache_file.exists()
    # Once the clock has passed the file's times, the digest is kept.
    _kept(cache_file, photo, clock=racy + 1)
    again = DigestCache(cache_file, clock=lambda: racy + 1)
    again.digest(photo)
    assert again.hashed == 0


def test_an_mtime_in_the_future_is_never_trusted(tmp_path: Path) -> None:
    """Its mtime is not older than any reading of the clock until that time comes."""
    photo = _photo(tmp_path / "a.jpg", b"first photo")
    st = photo.stat()
    os.utime(photo, ns=(st.st_atime_ns, st.st_ctime_ns + 3600 * 10**9))
    cache_file = tmp_path / "digests.json"
    _kept(cache_file, photo, clock=photo.stat().st_ctime_ns + 1)
    again = DigestCache(cache_file, clock=lambda: photo.stat().st_ctime_ns + 1)
    again.digest(photo)
    assert again.hashed == 1


def test_no_clock_reading_keeps_nothing(tmp_path: Path) -> None:
    """When the cache folder cannot be written, no stamp can be taken: every file is hashed, nothing fails."""
    photo = _photo(tmp_path / "a.jpg", b"first photo")
    cache = DigestCache(tmp_path / "digests.json", clock=lambda: None)
    assert cache.digest(photo) == _sha(photo) and not cache.dirty


def test_a_damaged_cache_file_reads_as_empty(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "a.jpg", b"first photo")
    cache_file = tmp_path / "digests.json"
    st = photo.stat()
    stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
    for damaged in (
        "{not json",
        {"version": VERSION, "entries": [["x", 1]]},
        {"version": VERSION + 1, "entries": {str(photo): [*stamp, "00" * 32]}},
        {"version": VERSION, "entries": {str(photo): [*stamp, "not hex"]}},
        {"version": VERSION, "entries": {str(photo): [*stamp, "00" * 31]}},
        {"version": VERSION, "entries": {str(photo): stamp}},
    ):
        cache_file.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged), encoding="utf-8")
        cache = DigestCache(cache_file, clock=lambda: LATER)
        assert cache.digest(photo) == _sha(photo) and cache.hashed == 1


def test_saving_drops_the_entries_of_files_no_scan_uses(tmp_path: Path) -> None:
    a = _photo(tmp_path / "a.jpg", b"first photo")
    b = _photo(tmp_path / "b.jpg", b"other photo")
    cache_file = tmp_path / "digests.json"
    cache = DigestCache(cache_file, clock=lambda: LATER)
    cache.digest(a), cache.digest(b)
    cache.save(keep=[a])
    again = DigestCache(cache_file, clock=lambda: LATER)
    again.digest(a), again.digest(b)
    assert again.hashed == 1


PHOTO_ITEM = """
---
id: shop
title: 探店
publish_at: 2026-12-01 12:00
images: [media/shop.jpg]
platforms: [xiaohongshu]
---
三张图。
"""


def _item_hash(calendar: Calendar) -> str:
    (checked,), _ = calendar.scan()
    assert checked.item is not None and not checked.errors, [p.format() for p in checked.problems]
    return checked.item.hash


def test_the_next_check_reads_no_photo_whole_and_still_sees_an_edited_one(ws: WS) -> None:
    ws.item("shop.md", PHOTO_ITEM)
    photo = make_image(ws.root / "content" / "media" / "shop.jpg")
    _past(photo)
    first = _item_hash(Calendar(ws.open()))
    assert (ws.root / ".publisher" / "cache" / DIGESTS_FILE).exists()
    cold = Calendar(ws.open())
    assert _item_hash(cold) == first and cold.digests.hashed == 0
    # One byte of the picture data changed in place, the size and mtime kept (as an editor that restores
    # them would); check reads headers and the end marker only, so the photo is still valid.
    daemon = Calendar(ws.open())
    _item_hash(daemon)
    before = photo.stat()
    data = bytearray(photo.read_bytes())
    middle = range(len(data) // 2, len(data))
    k = next(i for i in middle if data[i - 1] != 0xFF and data[i] not in (0xFE, 0xFF))
    data[k] += 1
    photo.write_bytes(bytes(data))
    os.utime(photo, ns=(before.st_atime_ns, before.st_mtime_ns))
    edited = _item_hash(Calendar(ws.open()))
    assert edited != first
    assert _item_hash(daemon) == edited  # a long-running calendar notices too


def test_read_capped_reads_a_file_whole_up_to_one_byte_over_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    for size, cap, want in ((0, 10, 0), (300, 1000, 300), (300, 300, 300), (300, 299, 300), (300, 100, 101)):
        path.write_bytes(b"x" * size)
        assert read_capped(path, cap) == b"x" * want
    big = b"y" * (3 * (1 << 16) + 5)  # several reads after the first
    path.write_bytes(big)
    assert read_capped(path, len(big) + 7) == big
