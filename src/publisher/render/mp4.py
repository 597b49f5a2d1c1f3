"""Read duration and frame size from MP4/MOV (ISO-BMFF) box headers: bounded reads only."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["Mp4Error", "Mp4Info", "parse_mp4"]

# Box types that may start a real MP4/MOV file (old QuickTime files have no ftyp).
_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"styp"}
_MAX_BOXES = 10_000  # per container: a file of millions of tiny boxes must not make us loop for minutes
_MAX_PAYLOAD = 4096  # the fixed-size boxes we read (mvhd, tkhd, hdlr, mehd) are all far smaller


class Mp4Error(ValueError):
    """The file is not a well-formed MP4/MOV; the message says what is wrong."""


@dataclass(frozen=True)
class Mp4Info:
    """What the box headers say: brand, duration (None if unknown), display size of the video track."""

    brand: str  # major brand from ftyp ("isom", "qt  ", ...), "" when there is no ftyp
    duration_s: float | None
    width: int | None
    height: int | None


@dataclass(frozen=True)
class _Box:
    kind: bytes
    start: int  # offset of the payload
    end: int  # offset just past the box


def _boxes(f: BinaryIO, start: int, end: int) -> list[_Box]:
    """The child boxes between `start` and `end`, by reading only their headers."""
    found: list[_Box] = []
    pos = start
    while pos < end:
        if len(found) >= _MAX_BOXES:
            raise Mp4Error("too many boxes")
        if end - pos < 8:
            if all(b == 0 for b in _read(f, pos, end - pos)):
                break  # some muxers pad a container with a few zero bytes
            raise Mp4Error(f"truncated box header at byte {pos}")
        size, kind = struct.unpack(">I4s", _read(f, pos, 8))
        header = 8
        if size == 1:
            if end - pos < 16:
                raise Mp4Error(f"truncated 64-bit box header at byte {pos}")
            (size,) = struct.unpack(">Q", _read(f, pos + 8, 8))
            header = 16
        elif size == 0:  # "extends to the end of the enclosing container"
            size = end - pos
        if size < header or pos + size > end:
            raise Mp4Error(f"box {kind!r} at byte {pos} has an impossible size {size}")
        found.append(_Box(kind, pos + header, pos + size))
        pos += size
    return found


def _read(f: BinaryIO, offset: int, n: int) -> bytes:
    f.seek(offset)
    data = f.read(n)
    if len(data) != n:
        raise Mp4Error(f"file ends early at byte {offset + len(data)}")
    return data


def _payload(f: BinaryIO, box: _Box, minimum: int) -> bytes:
    n = box.end - box.start
    if n < minimum:
        raise Mp4Error(f"{box.kind.decode('latin-1')} box is too short ({n} bytes)")
    return _read(f, box.start, min(n, _MAX_PAYLOAD))


def _child(f: BinaryIO, parent: _Box, kind: bytes) -> _Box | None:
    return next((b for b in _boxes(f, parent.start, parent.end) if b.kind == kind), None)


def _mvhd(data: bytes) -> tuple[int, int]:
    """(timescale, duration) from a version 0 or version 1 movie header."""
    version = data[0]
    if version == 1:
        if len(data) < 32:
            raise Mp4Error("mvhd (version 1) is too short")
        timescale, duration = struct.unpack(">IQ", data[20:32])
    elif version == 0:
        timescale, duration = struct.unpack(">II", data[12:20])
    else:
        raise Mp4Error(f"unknown mvhd version {version}")
    if timescale == 0:
        raise Mp4Error("mvhd timescale is 0")
    return timescale, duration


def _tkhd_size(data: bytes) -> tuple[int, int]:
    """Display width and height of a track header, swapped when the matrix rotates by 90 degrees."""
    version = data[0]
    matrix_at = {0: 40, 1: 52}.get(version)
    if matrix_at is None:
        raise Mp4Error(f"unknown tkhd version {version}")
    if len(data) < matrix_at + 44:
        raise Mp4Error("tkhd is too short")
    a, b, _u, c, d = struct.unpack(">5i", data[matrix_at : matrix_at + 20])
    width, height = struct.unpack(">II", data[matrix_at + 36 : matrix_at + 44])
    width, height = round(width / 65536), round(height / 65536)
    if a == 0 and d == 0 and b != 0 and c != 0:  # phones record portrait video as landscape + a 90° matrix
        width, height = height, width
    return width, height


def _handler(f: BinaryIO, trak: _Box) -> bytes:
    mdia = _child(f, trak, b"mdia")
    hdlr = _child(f, mdia, b"hdlr") if mdia else None
    return _payload(f, hdlr, 12)[8:12] if hdlr else b""


def parse_mp4(f: BinaryIO, size: int) -> Mp4Info:
    """Parse the top-level boxes of a seekable MP4/MOV file of `size` bytes; Mp4Error when malformed."""
    top = _boxes(f, 0, size)
    if not top or top[0].kind not in _FIRST_BOXES:
        raise Mp4Error("not an MP4/MOV file (no ftyp or moov box at the start)")
    brand = ""
    if top[0].kind == b"ftyp":
        brand = _payload(f, top[0], 4)[:4].decode("latin-1")
    moov = next((b for b in top if b.kind == b"moov"), None)
    if moov is None:
        raise Mp4Error("no moov box (the file is incomplete, or not a finished recording)")
    children = _boxes(f, moov.start, moov.end)
    mvhd = next((b for b in children if b.kind == b"mvhd"), None)
    if mvhd is None:
        raise Mp4Error("no mvhd box in moov")
    timescale, duration = _mvhd(_payload(f, mvhd, 20))
    unknown = duration in (0, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF)
    if unknown:  # fragmented MP4: the total is in mvex/mehd, when the muxer wrote one
        mvex = next((b for b in children if b.kind == b"mvex"), None)
        mehd = _child(f, mvex, b"mehd") if mvex else None
        if mehd:
            data = _payload(f, mehd, 8)
            wide = data[0] == 1 and len(data) >= 12
            duration = struct.unpack(">Q", data[4:12])[0] if wide else struct.unpack(">I", data[4:8])[0]
            unknown = duration == 0
    sized: list[tuple[bytes, int, int]] = []
    for trak in (b for b in children if b.kind == b"trak"):
        tkhd = _child(f, trak, b"tkhd")
        if tkhd is not None:
            w, h = _tkhd_size(_payload(f, tkhd, 84))
            if w and h:  # audio tracks have a 0×0 header
                sized.append((_handler(f, trak), w, h))
    video = next((t for t in sized if t[0] == b"vide"), sized[0] if sized else None)
    width, height = (video[1], video[2]) if video else (None, None)
    return Mp4Info(
        brand=brand, duration_s=None if unknown else duration / timescale, width=width, height=height
    )
