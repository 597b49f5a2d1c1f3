"""Turn a workspace image or video into the exact file a platform gets: checked, fitted, stripped, cached."""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import secrets
import shutil
import stat
import struct
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.errors import PublisherError
from publisher.messages import Either, Msg, msg
from publisher.models import MediaFile
from publisher.platforms.rules import ImageRule, VideoRule
from publisher.render.mp4 import Mp4Error, parse_mp4

# Pillow is imported where an image is opened, decoded or drawn: a process that only checks or sends items
# whose pictures are already processed (the daemon, re-checking before a send) never loads it, and none but
# `make_cover` loads its drawing and font modules (FreeType).
if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "ImageInfo",
    "MediaProblem",
    "crop_loss",
    "display_size",
    "target_aspect",
    "MediaStats",
    "VideoInfo",
    "find_cjk_font",
    "make_cover",
    "probe_image",
    "probe_video",
    "process_image",
    "process_video",
]

PIPELINE_VERSION = (
    "1"  # bump when the output of the same source and rule would change: old cache entries go stale
)
# The only Pillow decoders we ever run, whatever platform.yaml says: FITS, PSD, EPS and the like stay out.
_SAFE_FORMATS = {"jpeg": "JPEG", "jpg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF", "bmp": "BMP"}
_FORMAT_NAMES = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp"}
_OUTPUTS = {"jpeg": ("JPEG", "jpg", "image/jpeg"), "png": ("PNG", "png", "image/png")}
_VIDEO_MIME = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}
_ORIENTATION = 0x0112
# What Pillow's plugins raise on hostile or broken input; each becomes a MediaProblem, never a traceback.
_PILLOW_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    OverflowError,
    MemoryError,
)  # and Pillow's own DecompressionBombError, caught beside them where Pillow runs


class MediaProblem(PublisherError):
    """A user's media file cannot be used: `message` says what is wrong, `hint` how to fix it."""

    def __init__(self, said: Msg, hint: Msg | None = None) -> None:
        self.said, self.hint_said = said, hint
        self.message = said.text("en")
        self.hint = hint.text("en") if hint else ""
        super().__init__(f"{self.message} (hint: {self.hint})" if hint else self.message)


@dataclass(frozen=True)
class ImageInfo:
    """An accepted source image; width and height are as displayed (after EXIF orientation)."""

    format: str
    width: int
    height: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class VideoInfo:
    """An accepted source video; duration and size are None when the container does not say (WebM)."""

    format: str
    bytes: int
    duration_s: float | None
    width: int | None
    height: int | None
    sha256: str


@dataclass
class MediaStats:
    """Counters a caller may pass in to see how much work was done (benchmarks, cache tests)."""

    decodes: int = 0
    encodes: int = 0
    cache_hits: int = 0


def _mp(pixels: int) -> str:
    return f"{pixels / 1e6:.1f} MP" if pixels < 10_000_000 else f"{pixels / 1e6:.0f} MP"


def _size_text(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} KB"


def _open_regular(path: Path, limit: int, *, hint: Msg) -> tuple[int, int]:
    """Open `path` read-only if it is a regular file (no symlink, device or FIFO) of at most `limit` bytes."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise MediaProblem(msg("m_not_found"), msg("m_not_found.hint")) from None
    except OSError as exc:
        raise MediaProblem(msg("m_unreadable", why=exc.strerror), msg("m_permissions.hint")) from None
    if stat.S_ISLNK(st.st_mode):
        raise MediaProblem(msg("m_symlink"), msg("m_symlink.hint"))
    if not stat.S_ISREG(st.st_mode):
        raise MediaProblem(msg("m_not_file"), msg("m_not_file.hint"))
    if st.st_size > limit:
        raise MediaProblem(msg("m_too_big", size=_size_text(st.st_size), limit=_size_text(limit)), hint)
    if st.st_size == 0:
        raise MediaProblem(msg("m_empty"), msg("m_reexport.hint"))
    try:  # O_NOFOLLOW + fstat: no swapping in a symlink or a FIFO between the check and the read
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise MediaProblem(msg("m_unopenable", why=exc.strerror), msg("m_permissions.hint")) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
        os.close(fd)
        raise MediaProblem(msg("m_changed"), msg("m_changed.hint"))
    return fd, st.st_size


def _read_source(path: Path, limit: int) -> bytes:
    fd, size = _open_regular(path, limit, hint=msg("m_smaller.hint"))
    with os.fdopen(fd, "rb") as f:
        data = f.read(size + 1)  # not limit + 1: read() allocates its whole argument up front
    if len(data) != size:
        raise MediaProblem(msg("m_changed"), msg("m_changed.hint"))
    return data


@contextmanager
def _pillow() -> Iterator[None]:
    """Run Pillow with bomb warnings as errors (here only, not process-wide), its errors as MediaProblems."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise MediaProblem(msg("m_bomb", why=str(exc)), msg("m_smaller.hint")) from None
        except UnidentifiedImageError:
            raise MediaProblem(msg("m_not_image"), msg("m_not_image.hint")) from None
        except _PILLOW_ERRORS as exc:
            raise MediaProblem(
                msg("m_damaged", kind=type(exc).__name__, why=str(exc)), msg("m_damaged.hint")
            ) from None


def _check_pixels(size: tuple[int, int] | None, limit: int) -> None:
    if size and size[0] * size[1] > limit:
        w, h = size
        raise MediaProblem(msg("m_pixels", w=w, h=h, mp=_mp(w * h), limit=_mp(limit)), msg("m_smaller.hint"))


def _header_size(data: bytes, formats: list[str]) -> tuple[int, int] | None:
    """Width and height from the header alone, through the same plugins Image.open would use.

    Image.open raises its own bomb error for very large images before we can see their size; asking the plugin
    first lets the message say "30000×30000 (900 MP)" rather than only a pixel count. Nothing is decoded here.
    """
    from PIL import Image

    Image.init()
    for fmt in formats:
        factory, accept = Image.OPEN.get(fmt, (None, None))
        verdict = accept(data[:16]) if accept else True
        if factory is None or not verdict or isinstance(verdict, str):
            continue
        try:
            return factory(io.BytesIO(data), "").size
        except _PILLOW_ERRORS + (Image.DecompressionBombWarning, Image.DecompressionBombError):
            continue  # Image.open below will say what is wrong
    return None


def _open(data: bytes, rule: ImageRule, stream: io.BytesIO | None = None) -> Image.Image:
    """Open from the header, in accepted formats only; oversized images are refused before any decode.
    `stream`: `data` as a stream already (the quick probe watches what Pillow reads of it)."""
    from PIL import Image

    formats = sorted({_SAFE_FORMATS[a] for a in rule.accept if a in _SAFE_FORMATS})
    if not formats:
        raise MediaProblem(msg("m_no_safe_format", formats=rule.accept), msg("m_no_safe_format.hint"))
    limit = min(rule.max_source_pixels, Image.MAX_IMAGE_PIXELS or rule.max_source_pixels)
    try:
        # Pillow's bomb guard runs here, as an error
        im = Image.open(stream or io.BytesIO(data), formats=formats)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        _check_pixels(_header_size(data, formats), limit)  # the message names the size: 30000×30000 (900 MP)
        raise
    _check_pixels(im.size, limit)
    w, h = im.size
    if w < 1 or h < 1 or min(w, h) < rule.min_side:
        raise MediaProblem(msg("m_too_small", w=w, h=h, min=rule.min_side), msg("m_too_small.hint"))
    return im


def _orientation(im: Image.Image) -> int:
    if im.format == "PNG" and "exif" not in im.info:
        # PNG's getexif() decodes the whole image to look past IDAT; an eXIf chunk belongs before IDAT,
        # where the header parse has already found it, so a missing one means no orientation.
        return 1
    value = im.getexif().get(_ORIENTATION, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _whole_jpeg(data: bytes) -> None:
    """A JPEG is whole when an end-of-image marker follows its first scan. The segments before the scan are
    walked by their lengths (so an embedded thumbnail's markers inside APP1 are skipped); inside the scan's
    entropy-coded data every 0xFF byte is followed by a stuffed 0x00 or a restart marker, so FF D9 after it is
    the real end. Nothing is decoded."""
    i, end = 2, len(data)
    while True:
        while i < end and data[i] == 0xFF and i + 1 < end and data[i + 1] == 0xFF:
            i += 1  # fill bytes
        if i + 1 >= end or data[i] != 0xFF:
            raise MediaProblem(msg("m_jpeg_cut"), msg("m_export_again.hint"))
        marker = data[i + 1]
        if marker == 0xDA:
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if i + 3 >= end:
            raise MediaProblem(msg("m_jpeg_cut"), msg("m_export_again.hint"))
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    if data.rfind(b"\xff\xd9") < i:
        raise MediaProblem(msg("m_jpeg_no_end"), msg("m_export_again.hint"))


def probe_image(path: Path, rule: ImageRule, *, digest: bool = True) -> ImageInfo:
    """Check an image against the rule's guards from its header, and prove it is whole without decoding the
    pixels (a JPEG's end marker after its scan, a PNG's chunk checksums and end chunk). `digest=False` (a
    check, which keeps no file) leaves `sha256` empty, and a JPEG is read only at its two ends when they
    settle it (`_probe_jpeg_ends`)."""
    if not digest:
        quick = _probe_jpeg_ends(path, rule)
        if quick is not None:
            return quick
    from PIL import Image

    data = _read_source(path, rule.max_source_bytes)
    with _pillow():
        im = _open(data, rule)
        w, h = im.size
        if _orientation(im) >= 5:
            w, h = h, w
        fmt = _FORMAT_NAMES.get(im.format or "", (im.format or "").lower())
        if fmt == "jpeg":
            _whole_jpeg(data)
        elif fmt == "png":
            # Chunk CRCs and the IEND marker, without inflating the pixels; verify() wants a fresh open.
            Image.open(io.BytesIO(data), formats=["PNG"]).verify()
        else:
            im.load()
    sha = hashlib.sha256(data).hexdigest() if digest else ""
    return ImageInfo(format=fmt, width=w, height=h, bytes=len(data), sha256=sha)


_HEAD = 64 * 1024  # a phone photo's header (EXIF, ICC profile, tables) up to its scan fits in this
_TAIL = 4 * 1024  # the end marker is the last two bytes, or near them


class _Head(io.BytesIO):
    """A file's first bytes that remembers whether a reader asked for more than they hold."""

    past = False

    def read(self, size: int | None = -1, /) -> bytes:
        out = super().read(size)
        if size is None or size < 0 or len(out) < size:
            self.past = True
        return out


def _scan_start(head: bytes) -> int | None:
    """Where a JPEG's first scan starts, walking its segments as `_whole_jpeg` does; None when the walk
    does not reach the scan inside `head` or finds what `_whole_jpeg` would refuse."""
    i, end = 2, len(head)
    while True:
        while i + 1 < end and head[i] == 0xFF and head[i + 1] == 0xFF:
            i += 1
        if i + 3 >= end or head[i] != 0xFF:
            return None
        marker = head[i + 1]
        if marker == 0xDA:
            return i
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        i += 2 + int.from_bytes(head[i + 2 : i + 4], "big")


def _probe_jpeg_ends(path: Path, rule: ImageRule) -> ImageInfo | None:
    """`probe_image(digest=False)`'s answer for a JPEG from its first 64 KiB and last 4 KiB, without
    reading the rest: its header up to the first scan is in the head (Pillow parses it there, and reads
    nothing past it), and an end marker after the scan is in the tail. None whenever those do not settle
    it or anything is wrong: the whole file is then read and probed, which words the problem."""
    try:
        fd, size = _open_regular(path, rule.max_source_bytes, hint=msg("m_smaller.hint"))
    except MediaProblem:
        return None
    with os.fdopen(fd, "rb") as f:
        if size <= _HEAD + _TAIL:
            return None
        head = f.read(_HEAD)
        start = _scan_start(head) if head[:2] == b"\xff\xd8" else None
        if start is None or len(head) != _HEAD:
            return None
        f.seek(size - _TAIL)
        tail = f.read(_TAIL + 1)
    if len(tail) != _TAIL or b"\xff\xd9" not in tail:
        return None  # no end marker near the end, or the file changed size: the whole read decides
    stream = _Head(head)
    try:
        with _pillow():
            im = _open(head, rule, stream)
            w, h = im.size
            if _orientation(im) >= 5:
                w, h = h, w
    except Exception:  # whatever went wrong, the whole read decides and words it
        return None
    fmt = _FORMAT_NAMES.get(im.format or "", (im.format or "").lower())
    if stream.past or fmt != "jpeg":
        return None
    return ImageInfo(format=fmt, width=w, height=h, bytes=size, sha256="")


@dataclass(frozen=True)
class _Plan:
    """Where the source goes on the output: `box` (display coordinates) scaled to `content` at `offset`."""

    out: tuple[int, int]
    box: tuple[float, float, float, float]
    content: tuple[int, int]
    offset: tuple[int, int]


def _nearest(aspect: float, allowed: tuple[float, ...]) -> float:
    return min(allowed, key=lambda a: abs(math.log(aspect / a)))


def target_aspect(w: int, h: int, rule: ImageRule) -> float | None:
    """The width/height ratio a w×h image leaves the pipeline with: the rule's exact size, else the allowed
    ratio nearest the image's own; None when the rule keeps the source's ratio."""
    if rule.width and rule.height:
        return rule.width / rule.height
    return _nearest(w / h, rule.aspects) if rule.aspects else None


def crop_loss(w: int, h: int, rule: ImageRule) -> float:
    """The share of a w×h image (0..1) that cropping to the rule's ratio cuts away; 0 when the rule pads."""
    aspect = target_aspect(w, h, rule)
    if aspect is None or rule.fit == "pad" or w <= 0 or h <= 0:
        return 0.0
    own = w / h
    return 1.0 - min(own / aspect, aspect / own)


def display_size(path: Path) -> tuple[int, int] | None:
    """Width and height as the image is shown (EXIF rotation applied), from its header; None if unreadable
    (the probe or the processing says why)."""
    from PIL import Image

    try:
        with _pillow(), Image.open(path, formats=sorted(set(_SAFE_FORMATS.values()))) as im:
            w, h = im.size
            return (h, w) if _orientation(im) >= 5 else (w, h)
    except (MediaProblem, OSError):
        return None


def _plan(w: int, h: int, rule: ImageRule) -> _Plan:
    exact = (rule.width, rule.height) if rule.width and rule.height else None
    aspect = target_aspect(w, h, rule)
    max_w, max_h = rule.width or rule.max_side, rule.height or rule.max_side
    if aspect is None or rule.fit != "pad":
        cw, ch = float(w), float(h)
        if aspect is not None:
            cw, ch = (h * aspect, float(h)) if w / h > aspect else (float(w), w / aspect)
        box = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
        if exact:
            return _Plan(exact, box, exact, (0, 0))
        s = min(1.0, max_w / cw, max_h / ch)
        out = (max(1, round(cw * s)), max(1, round(ch * s)))
        return _Plan(out, box, out, (0, 0))
    canvas = (float(w), w / aspect) if w / h > aspect else (h * aspect, float(h))
    if exact:
        out, s = exact, min(exact[0] / w, exact[1] / h)
    else:
        s = min(1.0, max_w / canvas[0], max_h / canvas[1])
        out = (max(1, round(canvas[0] * s)), max(1, round(canvas[1] * s)))
    content = (min(out[0], max(1, round(w * s))), min(out[1], max(1, round(h * s))))
    return _Plan(
        out, (0.0, 0.0, float(w), float(h)), content, ((out[0] - content[0]) // 2, (out[1] - content[1]) // 2)
    )


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _render(im: Image.Image, rule: ImageRule, stats: MediaStats) -> tuple[Image.Image, bytes | None]:
    """Decode, orient, fit and resize; returns the output image (no metadata) and an ICC profile to keep."""
    from PIL import Image, ImageOps

    src_mode, icc = im.mode, im.info.get("icc_profile")
    orientation = _orientation(im)
    ow, oh = im.size if orientation < 5 else im.size[::-1]
    plan = _plan(ow, oh, rule)
    scale = plan.content[0] / (plan.box[2] - plan.box[0])
    full = im.size
    if im.format in ("JPEG", "MPO") and scale < 0.5:
        # libjpeg decodes at 1/2..1/8 scale for the asking: the big win for photos (never below what we need).
        im.draft(None, (math.ceil(full[0] * scale), math.ceil(full[1] * scale)))
    im.load()
    stats.decodes += 1
    fx, fy = im.size[0] / full[0], im.size[1] / full[1]
    if orientation >= 5:
        fx, fy = fy, fx
    if orientation != 1:
        im = ImageOps.exif_transpose(im)
    alpha = _has_alpha(im)
    if im.mode not in ("RGB", "RGBA") or (alpha and im.mode != "RGBA"):
        im = im.convert("RGBA" if alpha else "RGB")
    x0, y0, x1, y1 = plan.box
    box = (x0 * fx, y0 * fy, min(x1 * fx, im.size[0]), min(y1 * fy, im.size[1]))
    if plan.content != im.size or box != (0, 0, *im.size):
        im = im.resize(plan.content, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    color = _color(rule.pad_color)
    if plan.content != plan.out:
        canvas = Image.new(im.mode, plan.out, color + ((255,) if im.mode == "RGBA" else ()))
        canvas.paste(im, plan.offset)
        im = canvas
    if rule.format == "jpeg" and im.mode == "RGBA":
        flat = Image.new("RGB", im.size, color)
        flat.paste(im, (0, 0), im.getchannel("A"))
        im = flat
    im.info = {}  # EXIF, XMP, GPS, comments: nothing of the source's metadata travels on
    # A CMYK or grey profile would lie about RGB pixels: keep only a profile that still describes them.
    return im, icc if src_mode in ("RGB", "RGBA", "P", "PA") else None


def _color(value: str) -> tuple[int, int, int]:
    from PIL import ImageColor

    try:
        rgb = ImageColor.getrgb(value)
    except ValueError:
        rgb = (255, 255, 255)
    return (rgb[0], rgb[1], rgb[2])


def _save(im: Image.Image, rule: ImageRule, quality: int, icc: bytes | None, stats: MediaStats) -> bytes:
    buf = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if rule.format == "png":
        im.save(buf, "PNG", optimize=True, **extra)
    else:
        im.save(buf, "JPEG", quality=quality, optimize=True, **extra)
    stats.encodes += 1
    return buf.getvalue()


def _fit_quality(
    im: Image.Image, rule: ImageRule, icc: bytes | None, stats: MediaStats, floor: int
) -> bytes | None:
    """The best JPEG quality in [floor, rule.quality] that fits max_bytes, by bisection; None if none fits."""
    best = _save(im, rule, rule.quality, icc, stats)
    if len(best) <= rule.max_bytes:
        return best
    lo, hi, found = floor, rule.quality - 1, None
    while lo <= hi:
        q = (lo + hi) // 2
        data = _save(im, rule, q, icc, stats)
        if len(data) <= rule.max_bytes:
            found, lo = data, q + 1
        else:
            hi = q - 1
    return found


def _encode(
    im: Image.Image, rule: ImageRule, icc: bytes | None, stats: MediaStats
) -> tuple[bytes, Image.Image]:
    """Encode under max_bytes: JPEG by quality then size; PNG optimised, then 256 colours, then size."""
    from PIL import Image

    exact = bool(rule.width and rule.height)  # an exact size must not shrink: only quality may give
    current = im
    while True:
        data: bytes | None
        if rule.format == "png":
            data = _save(current, rule, 0, icc, stats)
            if len(data) > rule.max_bytes:
                quantized = current.quantize(256, method=Image.Quantize.FASTOCTREE)
                data = _save(quantized, rule, 0, icc, stats)
                current = quantized if len(data) <= rule.max_bytes else current
        else:
            data = _fit_quality(current, rule, icc, stats, 20 if exact else 40)
        if data is not None and len(data) <= rule.max_bytes:
            return data, current
        smaller = (round(current.size[0] * 0.8), round(current.size[1] * 0.8))
        if exact or min(smaller) < 16:
            raise MediaProblem(
                msg("m_cannot_fit", limit=_size_text(rule.max_bytes)), msg("m_cannot_fit.hint")
            )
        current = current.resize(smaller, Image.Resampling.LANCZOS)


def _rule_key(rule: ImageRule) -> str:
    """Hash of every rule field that changes the output or the guards; labels and counts do not count."""
    fields = asdict(replace(rule, role="", min=0, max=0, from_fields=(), source=""))
    payload = json.dumps([PIPELINE_VERSION, fields], sort_keys=True, default=list)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _write_atomic(path: Path, data: bytes) -> None:
    """Write through a temp file in the same folder, then rename: no reader ever sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cached(cache_dir: Path, key: str, rule: ImageRule, source: str) -> MediaFile | None:
    try:
        meta = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        out = cache_dir / meta["file"]
        data = out.read_bytes()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if len(data) != meta.get("bytes") or hashlib.sha256(data).hexdigest() != meta.get("sha256"):
        return None  # a damaged entry is simply rebuilt
    return MediaFile(
        role=rule.role,
        path=str(out),
        source=source,
        sha256=meta["sha256"],
        bytes=meta["bytes"],
        mime=meta["mime"],
        width=meta.get("width"),
        height=meta.get("height"),
    )


#: The last encodings, by everything their bytes follow from (`_output_key`), while they add up to at most
#: RECENT_BYTES: two platforms' rules that plan the same output for a photo (one smaller than both rules'
#: largest side, say) give the same file, so the second takes the first's bytes, when they are within its own
#: size limit, instead of decoding and encoding the photo again.
_RECENT: dict[tuple[object, ...], tuple[str, bytes, tuple[int, int]]] = {}
_RECENT_LOCK = threading.Lock()
RECENT_BYTES = 4_000_000


def _output_key(digest: str, im: Image.Image, rule: ImageRule) -> tuple[object, ...]:
    """What an output encoded at the rule's quality follows from (see `_render` and `_encode`): the source,
    where it goes on the output (`_plan`), the format, the quality, and the padding colour where it shows (a
    padded output, or a transparent source flattened) - `im` as opened, its header read."""
    w, h = im.size if _orientation(im) < 5 else im.size[::-1]
    plan = _plan(w, h, rule)
    opaque = im.format in ("JPEG", "PNG") and im.mode == "RGB" and "transparency" not in im.info
    color = None if plan.content == plan.out and opaque else rule.pad_color
    return (PIPELINE_VERSION, digest, plan, rule.format, rule.quality, color)


def _recent(key: tuple[object, ...], entry: str, max_bytes: int) -> tuple[bytes, tuple[int, int]] | None:
    """The bytes and size another rule's cache entry got for the same output, if within `max_bytes` (the
    entry's own, gone or damaged, is rebuilt from the source)."""
    with _RECENT_LOCK:
        found = _RECENT.get(key)
    if found is None or found[0] == entry or len(found[1]) > max_bytes:
        return None
    return found[1], found[2]


def _remember(key: tuple[object, ...], entry: str, payload: bytes, size: tuple[int, int]) -> None:
    with _RECENT_LOCK:
        _RECENT.pop(key, None)
        _RECENT[key] = (entry, payload, size)
        total = sum(len(p) for _, p, _ in _RECENT.values())
        while total > RECENT_BYTES:
            total -= len(_RECENT.pop(next(iter(_RECENT)))[1])


#: The cache entries being made in this process, each with its lock and how many threads want it.
_MAKING: dict[tuple[Path, str], tuple[threading.Lock, int]] = {}


@contextmanager
def _making(cache_dir: Path, key: str) -> Iterator[None]:
    """Hold the entry's lock while it is made: a thread that wants the same entry meanwhile (the
    rehearsal's prefetch and its send) waits for it, then finds it in the cache, instead of making it too."""
    name = (cache_dir, key)
    with _RECENT_LOCK:
        lock, wanting = _MAKING.get(name, (None, 0))
        lock = lock or threading.Lock()
        _MAKING[name] = (lock, wanting + 1)
    try:
        with lock:
            yield
    finally:
        with _RECENT_LOCK:
            lock, wanting = _MAKING[name]
            if wanting > 1:
                _MAKING[name] = (lock, wanting - 1)
            else:
                del _MAKING[name]


def process_image(
    src: Path, rule: ImageRule, cache_dir: Path, *, source: str, stats: MediaStats | None = None
) -> MediaFile:
    """The processed file for `src` under `rule`, from the cache when this source and rule met before (or
    once another thread of this process has made it: one making it already is waited for)."""
    stats = stats if stats is not None else MediaStats()
    data = _read_source(src, rule.max_source_bytes)
    source_digest = hashlib.sha256(data).hexdigest()
    key = f"{source_digest}-{_rule_key(rule)}"
    hit = _cached(cache_dir, key, rule, source)
    if hit is not None:
        stats.cache_hits += 1
        return hit
    with _making(cache_dir, key):
        hit = _cached(cache_dir, key, rule, source)
        if hit is not None:
            stats.cache_hits += 1
            return hit
        return _make(data, source_digest, key, rule, cache_dir, source=source, stats=stats)


def _make(
    data: bytes,
    source_digest: str,
    key: str,
    rule: ImageRule,
    cache_dir: Path,
    *,
    source: str,
    stats: MediaStats,
) -> MediaFile:
    """Process the source's bytes under the rule into the cache entry `key`."""
    if rule.format not in _OUTPUTS:
        raise MediaProblem(msg("m_output_format", format=rule.format), msg("m_output_format.hint"))
    with _pillow():
        im = _open(data, rule)
        same = _output_key(source_digest, im, rule)
        found = _recent(same, key, rule.max_bytes)
        if found is not None:
            payload, size = found
        else:
            encodes = stats.encodes
            im, icc = _render(im, rule, stats)
            payload, final = _encode(im, rule, icc, stats)
            size = final.size
            if stats.encodes == encodes + 1:  # the first encoding fit: what any rule planning it would get
                _remember(same, key, payload, size)
    _, ext, mime = _OUTPUTS[rule.format]
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = cache_dir / f"{key}.{ext}"
    digest = hashlib.sha256(payload).hexdigest()
    _write_atomic(out, payload)
    meta = {
        "file": out.name,
        "sha256": digest,
        "bytes": len(payload),
        "mime": mime,
        "width": size[0],
        "height": size[1],
    }
    # The sidecar goes last: its presence marks the entry complete for every other reader.
    _write_atomic(cache_dir / f"{key}.json", json.dumps(meta).encode())
    return MediaFile(
        role=rule.role,
        path=str(out),
        source=source,
        sha256=digest,
        bytes=len(payload),
        mime=mime,
        width=size[0],
        height=size[1],
    )


def _video_format(path: Path, head: bytes) -> str:
    if head.startswith(b"\x1aE\xdf\xa3"):
        if path.suffix.lower() != ".webm":
            raise MediaProblem(msg("m_webm_name"), msg("m_webm_name.hint"))
        return "webm"
    if len(head) >= 8 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return "mp4"
    raise MediaProblem(msg("m_not_video"), msg("m_not_video.hint"))


def probe_video(path: Path, rule: VideoRule) -> VideoInfo:
    """Check a video's container, size and duration from its headers; no frame is decoded."""
    fd, size = _open_regular(path, rule.max_bytes, hint=msg("m_video_smaller.hint"))
    with os.fdopen(fd, "rb") as f:
        fmt = _video_format(path, f.read(12))
        duration: float | None = None
        width: int | None = None
        height: int | None = None
        if fmt == "mp4":
            try:
                info = parse_mp4(f, size)
            except Mp4Error as exc:
                raise MediaProblem(msg("m_bad_mp4", why=str(exc)), msg("m_bad_mp4.hint")) from None
            fmt = "mp4" if info.brand and info.brand != "qt  " else "mov"
            duration, width, height = info.duration_s, info.width, info.height
        if fmt not in rule.accept:
            raise MediaProblem(
                msg("m_video_format", format=fmt), msg("m_video_format.hint", formats=Either(rule.accept))
            )
        if duration is not None and duration > rule.max_duration_s:
            raise MediaProblem(
                msg("m_video_long", duration=duration, limit=rule.max_duration_s), msg("m_video_long.hint")
            )
        if duration is not None and duration < rule.min_duration_s:
            raise MediaProblem(
                msg("m_video_short", duration=duration, limit=rule.min_duration_s), msg("m_video_short.hint")
            )
        f.seek(0)
        digest = hashlib.sha256()
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return VideoInfo(
        format=fmt, bytes=size, duration_s=duration, width=width, height=height, sha256=digest.hexdigest()
    )


def _cache_holds(src: Path, dest: Path, size: int) -> bool:
    """Whether `dest` already is this video: the same inode as `src`, or an unshared copy of the right size.

    A hard link shared with some other file is refreshed, since that file may have been edited in place since.
    """
    try:
        st = os.stat(dest)
        return os.path.samestat(st, os.stat(src)) or (st.st_nlink == 1 and st.st_size == size)
    except OSError:
        return False


def process_video(src: Path, rule: VideoRule, cache_dir: Path, *, source: str) -> MediaFile:
    """The video as sent (never transcoded): checked, then linked or copied into the cache by hash."""
    info = probe_video(src, rule)
    cache_dir.mkdir(parents=True, exist_ok=True)
    dest = cache_dir / f"{info.sha256}.{info.format}"
    if not _cache_holds(src, dest, info.bytes):
        tmp = cache_dir / f".tmp-{secrets.token_hex(8)}.{info.format}"
        try:
            os.link(src, tmp)
        except OSError:  # another filesystem, or links not allowed: copy instead
            shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    return MediaFile(
        role="video",
        path=str(dest),
        source=source,
        sha256=info.sha256,
        bytes=info.bytes,
        mime=_VIDEO_MIME[info.format],
        width=info.width,
        height=info.height,
        duration_s=info.duration_s,
    )


_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
_PALETTES = (
    ((255, 94, 98), (255, 153, 102)),
    ((54, 209, 220), (91, 134, 229)),
    ((17, 153, 142), (56, 239, 125)),
    ((142, 45, 226), (74, 0, 224)),
    ((252, 74, 26), (247, 183, 51)),
    ((35, 37, 38), (65, 67, 69)),
)


def find_cjk_font() -> Path | None:
    """The first CJK-capable font found in the usual Linux, macOS and Windows places, or None."""
    return next((Path(p) for p in _FONT_CANDIDATES if Path(p).is_file()), None)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.ImageFont | ImageFont.FreeTypeFont, width: float
) -> list[str]:
    """Break per character (CJK has no spaces), but keep Latin words whole when they fit."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        trial = line + token
        if line and draw.textlength(trial, font=font) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = trial
    return [*lines, line.rstrip()] if line.strip() else lines


def _tokens(text: str) -> Iterator[str]:
    word = ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            yield word
            word = ""
        yield ch
    if word:
        yield word


def make_cover(
    title: str, width: int, height: int, cache_dir: Path, *, font_path: Path | None = None
) -> Path:
    """A PNG cover: the title centred on a gradient, in a CJK font when one exists; cached by its inputs."""
    from PIL import Image, ImageDraw, ImageFont, ImageOps

    font_file = font_path or find_cjk_font()
    key = hashlib.sha256(
        json.dumps([PIPELINE_VERSION, title, width, height, str(font_file)]).encode()
    ).hexdigest()
    out = cache_dir / f"cover-{key[:40]}.png"
    if out.is_file():
        return out
    top, bottom = _PALETTES[int(key[:8], 16) % len(_PALETTES)]
    im = ImageOps.colorize(Image.linear_gradient("L").resize((width, height)), top, bottom)
    draw = ImageDraw.Draw(im)
    text = " ".join(title.split()) or " "
    size = max(12, height // 5)
    while True:
        font = ImageFont.truetype(str(font_file), size) if font_file else ImageFont.load_default(size)
        lines = _wrap(draw, text, font, width * 0.84)
        line_h = size * 1.3
        if (len(lines) * line_h <= height * 0.8 and len(lines) <= 4) or size <= 12:
            break
        size = max(12, int(size * 0.88))
    y = (height - len(lines) * line_h) / 2 + size * 0.15
    for line in lines[:6]:
        x = (width - draw.textlength(line, font=font)) / 2
        draw.text(
            (x, y),
            line,
            font=font,
            fill=(255, 255, 255),
            stroke_width=max(1, size // 24),
            stroke_fill=tuple(c // 2 for c in bottom),
        )
        y += line_h
    cache_dir.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    _write_atomic(out, buf.getvalue())
    return out
