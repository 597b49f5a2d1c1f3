"""Tests of the media pipeline: guards, orientation, fitting, stripping, byte caps, cache, MP4 probing."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import struct
import subprocess
import sys
import threading
import time
import warnings
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image
from support.fuzzing import examples

from publisher.models import MediaFile
from publisher.platforms.rules import ImageRule, VideoRule, load_rules
from publisher.render import media
from publisher.render.media import (
    MediaProblem,
    MediaStats,
    make_cover,
    probe_image,
    probe_video,
    process_image,
    process_video,
)
from publisher.render.mp4 import Mp4Error, parse_mp4

ROOT = Path(__file__).resolve().parents[1]
FUZZ = settings(
    max_examples=examples(300),  # HYPOTHESIS_PROFILE=fuzz for many more, freshly random
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def rule(**kw: object) -> ImageRule:
    return ImageRule(role=str(kw.pop("role", "images")), **kw)  # type: ignore[arg-type]


def noisy(size: tuple[int, int], amount: int = 64, seed: int = 7) -> Image.Image:
    """A gradient under seeded noise: deterministic, and it does not compress trivially."""
    noise = Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))
    return Image.blend(Image.linear_gradient("L").resize(size).convert("RGB"), noise, amount / 255)


def halves(size: tuple[int, int], left: str, right: str) -> Image.Image:
    im = Image.new("RGB", size, left)
    im.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return im


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(path: Path, w: int, h: int) -> Path:
    """A valid all-black 1-bit PNG of w×h built row by row: ~100 KB on disk, w*h pixels decoded."""
    row = b"\0" * (1 + (w + 7) // 8)
    z = zlib.compressobj(9)
    step = 1000
    parts = [z.compress(row * min(step, h - y)) for y in range(0, h, step)]
    parts.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")
    )
    return path


def is_close(pixel: tuple[int, ...], want: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(pixel[:3], want, strict=True))


# --- orientation, metadata, colour --------------------------------------------------------------------------


def test_exif_orientation_6_is_applied(tmp_path: Path) -> None:
    src = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    halves((400, 200), "red", "blue").save(src, quality=95, exif=exif)
    assert probe_image(src, rule()).width == 200  # displayed size, after rotation
    out = process_image(src, rule(), tmp_path / "cache", source="phone.jpg")
    assert (out.width, out.height) == (200, 400)
    with Image.open(out.path) as im:
        assert im.size == (200, 400)
        assert is_close(
            im.getpixel((100, 20)), (255, 0, 0)
        )  # the left half is on top after a 90° clockwise turn
        assert is_close(im.getpixel((100, 380)), (0, 0, 255))


def test_orientation_with_a_reduced_decode_and_a_crop(tmp_path: Path) -> None:
    src = tmp_path / "big.jpg"
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 8  # 90° counter-clockwise: the right half ends on top
    halves((1600, 1000), "red", "blue").save(src, quality=95, exif=exif)
    stats = MediaStats()
    out = process_image(
        src, rule(aspects=(1.0,), max_side=200), tmp_path / "c", source="big.jpg", stats=stats
    )
    assert (out.width, out.height) == (200, 200)
    with Image.open(out.path) as im:
        assert is_close(im.getpixel((100, 10)), (0, 0, 255)) and is_close(
            im.getpixel((100, 190)), (255, 0, 0)
        )


def test_rgb_icc_profile_is_kept(tmp_path: Path) -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = tmp_path / "icc.jpg"
    noisy((100, 80)).save(src, icc_profile=icc)
    out = process_image(src, rule(), tmp_path / "c", source="icc.jpg")
    with Image.open(out.path) as im:
        assert im.info.get("icc_profile") == icc


def test_exif_gps_and_xmp_are_stripped(tmp_path: Path) -> None:
    src = tmp_path / "gps.jpg"
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 3.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 1.2)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><secret>home</secret></x:xmpmeta>'
    noisy((320, 240)).save(src, quality=90, exif=exif, xmp=xmp)
    with Image.open(src) as im:  # the fixture really carries what must go
        assert im.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    for fmt in ("jpeg", "png"):
        out = process_image(src, rule(format=fmt), tmp_path / "cache", source="gps.jpg")
        raw = Path(out.path).read_bytes()
        assert b"Exif\x00\x00" not in raw and b"eXIf" not in raw
        assert b"PhoneCo" not in raw and b"secret" not in raw and b"xap/1.0" not in raw
        with Image.open(out.path) as im:
            assert not im.getexif()
            assert "exif" not in im.info and "xmp" not in im.info


def test_rgba_becomes_rgb_jpeg_on_the_pad_colour(tmp_path: Path) -> None:
    src = tmp_path / "logo.png"
    im = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    im.paste((0, 0, 255, 255), (100, 0, 200, 100))
    im.save(src)
    out = process_image(src, rule(pad_color="#ff0000"), tmp_path / "cache", source="logo.png")
    with Image.open(out.path) as res:
        assert res.format == "JPEG" and res.mode == "RGB"
        assert is_close(res.getpixel((20, 50)), (255, 0, 0))  # transparent → pad colour, not black
        assert is_close(res.getpixel((180, 50)), (0, 0, 255))


def test_palette_with_transparency_and_cmyk_sources(tmp_path: Path) -> None:
    pal = tmp_path / "pal.gif"
    p = Image.new("P", (60, 40), 0)
    p.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    p.paste(1, (30, 0, 60, 40))
    p.save(pal, transparency=0)
    out = process_image(pal, rule(accept=("gif",), pad_color="#ffffff"), tmp_path / "c", source="pal.gif")
    with Image.open(out.path) as res:
        assert is_close(res.getpixel((5, 20)), (255, 255, 255)) and is_close(
            res.getpixel((55, 20)), (0, 255, 0)
        )
    cmyk = tmp_path / "print.jpg"
    Image.new("CMYK", (80, 60), (0, 255, 255, 0)).save(cmyk)
    out = process_image(cmyk, rule(), tmp_path / "c", source="print.jpg")
    with Image.open(out.path) as res:
        assert res.mode == "RGB" and is_close(res.getpixel((40, 30)), (255, 0, 0), tol=60)


# --- geometry -----------------------------------------------------------------------------------------------


@pytest.fixture
def bands(tmp_path: Path) -> Path:
    """800×600: red and blue 150 px side bands around a white middle."""
    im = Image.new("RGB", (800, 600), "white")
    im.paste("red", (0, 0, 150, 600))
    im.paste("blue", (650, 0, 800, 600))
    path = tmp_path / "bands.png"
    im.save(path)
    return path


def test_crop_to_3_4_keeps_the_centre(bands: Path, tmp_path: Path) -> None:
    out = process_image(
        bands, rule(aspects=(3 / 4,), fit="crop", max_side=400), tmp_path / "c", source="b.png"
    )
    assert (out.width, out.height) == (300, 400)
    with Image.open(out.path) as im:
        assert im.size == (300, 400)
        assert is_close(im.getpixel((2, 200)), (255, 255, 255)) and is_close(
            im.getpixel((297, 200)), (255, 255, 255)
        )


def test_pad_to_3_4_centres_on_the_pad_colour(bands: Path, tmp_path: Path) -> None:
    r = rule(aspects=(3 / 4,), fit="pad", max_side=400, pad_color="#000000")
    out = process_image(bands, r, tmp_path / "c", source="b.png")
    assert (out.width, out.height) == (300, 400)
    with Image.open(out.path) as im:
        assert is_close(im.getpixel((150, 5)), (0, 0, 0)) and is_close(im.getpixel((150, 395)), (0, 0, 0))
        assert is_close(im.getpixel((150, 200)), (255, 255, 255))
        assert is_close(im.getpixel((5, 200)), (255, 0, 0))  # padding, not cropping: the bands survive


def test_crop_to_exact_2_35_cover(bands: Path, tmp_path: Path) -> None:
    cover = load_rules(ROOT / "platforms" / "wechat").images["cover"]
    out = process_image(bands, cover, tmp_path / "c", source="b.png")
    assert (out.width, out.height) == (900, 383)  # exact size, upscaled from 800 wide to reach it
    assert out.role == "cover" and out.mime == "image/jpeg" and out.bytes <= cover.max_bytes


def test_pad_to_exact_square_png_thumbnail(bands: Path, tmp_path: Path) -> None:
    thumb = load_rules(ROOT / "platforms" / "producthunt").images["thumbnail"]
    out = process_image(bands, thumb, tmp_path / "c", source="b.png")
    assert (out.width, out.height) == (600, 600) and out.mime == "image/png"
    with Image.open(out.path) as im:
        assert im.format == "PNG" and im.size == (600, 600)
        assert is_close(im.getpixel((300, 10)), (255, 255, 255)) and is_close(
            im.getpixel((5, 300)), (255, 0, 0)
        )


def test_crop_to_1_1(bands: Path, tmp_path: Path) -> None:
    out = process_image(bands, rule(aspects=(1.0,), max_side=256), tmp_path / "c", source="b.png")
    assert (out.width, out.height) == (256, 256)


def test_nearest_allowed_aspect_is_chosen(tmp_path: Path) -> None:
    src = tmp_path / "wide.jpg"
    noisy((1000, 560)).save(src)
    out = process_image(src, rule(aspects=(3 / 4, 1.0, 4 / 3), max_side=2000), tmp_path / "c", source="w.jpg")
    assert (out.width, out.height) == (747, 560)  # 4:3 is the nearest to 1.79; no upscale


def test_never_upscales_without_an_exact_size(tmp_path: Path) -> None:
    src = tmp_path / "small.jpg"
    noisy((300, 200)).save(src)
    out = process_image(src, rule(max_side=1440), tmp_path / "c", source="s.jpg")
    assert (out.width, out.height) == (300, 200)


def test_long_side_is_capped(tmp_path: Path) -> None:
    src = tmp_path / "tall.jpg"
    noisy((1000, 3000)).save(src)
    out = process_image(src, rule(max_side=1080), tmp_path / "c", source="t.jpg")
    assert (out.width, out.height) == (360, 1080)


# --- byte caps ----------------------------------------------------------------------------------------------


def test_noisy_12mp_fits_a_tight_cap(tmp_path: Path) -> None:
    src = tmp_path / "noise.jpg"
    noisy((4000, 3000), 100).save(src, quality=95)
    cap = 400_000
    stats = MediaStats()
    out = process_image(src, rule(max_side=2048, max_bytes=cap), tmp_path / "c", source="n.jpg", stats=stats)
    assert out.bytes <= cap and Path(out.path).stat().st_size == out.bytes
    assert stats.encodes > 1  # the first encode did not fit: the search really ran
    with Image.open(out.path) as im:
        im.load()
        assert im.size == (out.width, out.height) and max(im.size) <= 2048


def test_png_output_is_quantized_or_shrunk_under_the_cap(tmp_path: Path) -> None:
    src = tmp_path / "noise.png"
    noisy((600, 600)).save(src)
    out = process_image(src, rule(format="png", max_bytes=200_000), tmp_path / "c", source="n.png")
    assert out.mime == "image/png" and out.bytes <= 200_000
    with Image.open(out.path) as im:
        assert im.format == "PNG"


def test_exact_size_that_cannot_fit_is_a_problem(tmp_path: Path) -> None:
    src = tmp_path / "noise.png"
    noisy((600, 600), 128).save(src)
    with pytest.raises(MediaProblem) as err:
        process_image(src, rule(width=600, height=600, max_bytes=2_000), tmp_path / "c", source="n.png")
    assert "cannot fit" in err.value.message and err.value.hint


# --- the cache ----------------------------------------------------------------------------------------------


def test_cache_hit_does_no_work_and_returns_the_same_file(tmp_path: Path) -> None:
    src = tmp_path / "p.jpg"
    noisy((900, 700)).save(src)
    r, cache = rule(aspects=(1.0,), max_side=500), tmp_path / "cache"
    first_stats, again_stats = MediaStats(), MediaStats()
    first = process_image(src, r, cache, source="content/p.jpg", stats=first_stats)
    stamp = os.stat(first.path).st_mtime_ns, os.stat(first.path).st_ino
    again = process_image(src, r, cache, source="content/p.jpg", stats=again_stats)
    assert first_stats.decodes == 1 and first_stats.encodes >= 1
    assert again_stats == MediaStats(decodes=0, encodes=0, cache_hits=1)
    assert again == first
    assert (os.stat(again.path).st_mtime_ns, os.stat(again.path).st_ino) == stamp  # not re-written
    assert sorted(p.suffix for p in cache.iterdir()) == [".jpg", ".json"]  # no temp files left behind


def test_a_picture_being_made_is_waited_for_not_made_again(tmp_path: Path) -> None:
    src = tmp_path / "p.jpg"
    noisy((900, 700)).save(src)
    r, cache = rule(aspects=(1.0,), max_side=500), tmp_path / "cache"
    data = src.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest}-{media._rule_key(r)}"
    maker, waiter = MediaStats(), MediaStats()
    got: list[MediaFile] = []
    other = threading.Thread(
        target=lambda: got.append(process_image(src, r, cache, source="p", stats=waiter))
    )
    with media._making(cache, key):  # this thread is making it
        other.start()
        deadline = time.monotonic() + 60
        while media._MAKING[(cache, key)][1] < 2:  # the other thread now waits for it
            assert time.monotonic() < deadline and other.is_alive()
            other.join(0.001)
        made = media._make(data, digest, key, r, cache, source="p", stats=maker)
    other.join(timeout=60)
    assert maker.encodes >= 1 and waiter == MediaStats(decodes=0, encodes=0, cache_hits=1)
    assert got == [made] and (cache, key) not in media._MAKING


def test_cache_hit_keeps_the_callers_role_and_source(tmp_path: Path) -> None:
    src = tmp_path / "p.jpg"
    noisy((300, 300)).save(src)
    a = process_image(src, rule(role="images"), tmp_path / "c", source="a/p.jpg")
    b = process_image(src, rule(role="gallery", source="doc only"), tmp_path / "c", source="b/p.jpg")
    assert (b.role, b.source, b.path) == ("gallery", "b/p.jpg", a.path)


def test_cache_key_changes_with_the_rule(tmp_path: Path) -> None:
    src = tmp_path / "p.jpg"
    noisy((800, 600)).save(src)
    a = process_image(src, rule(max_side=400), tmp_path / "c", source="p.jpg")
    b = process_image(src, rule(max_side=300), tmp_path / "c", source="p.jpg")
    c = process_image(src, rule(max_side=400, quality=70), tmp_path / "c", source="p.jpg")
    assert len({a.path, b.path, c.path}) == 3 and (b.width, b.height) == (300, 225)


def processed_alone(src: Path, r: ImageRule, cache: Path) -> bytes:
    """The file `r` makes of `src` with no other rule's encoding remembered."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(media, "_RECENT", {})
        patch.setattr(media, "RECENT_BYTES", 0)
        return Path(process_image(src, r, cache, source="p.png").path).read_bytes()


def test_a_rule_planning_the_same_output_takes_its_bytes_without_decoding(tmp_path: Path) -> None:
    src = tmp_path / "p.png"
    noisy((600, 800)).save(src)
    # neither rule resizes, crops or pads this photo: their outputs are one file, whatever the pad colour
    a, b = rule(max_side=1440, aspects=(0.75,)), rule(max_side=1920, aspects=(0.75, 1.0), pad_color="#000000")
    first = process_image(src, a, tmp_path / "c", source="p.png")
    stats = MediaStats()
    second = process_image(src, b, tmp_path / "c", source="p.png", stats=stats)
    assert stats == MediaStats(decodes=0, encodes=0, cache_hits=0) and second.path != first.path
    alone = processed_alone(src, b, tmp_path / "alone")
    assert Path(second.path).read_bytes() == alone == Path(first.path).read_bytes()
    assert (second.width, second.height) == (first.width, first.height) == (600, 800)


def test_a_rule_whose_output_differs_or_does_not_fit_processes_the_photo_itself(tmp_path: Path) -> None:
    src = tmp_path / "p.png"
    noisy((600, 800)).save(src)
    process_image(src, rule(aspects=(0.75,)), tmp_path / "c", source="p.png")
    process_image(src, rule(aspects=(1.0,), fit="pad"), tmp_path / "c", source="p.png")  # on white
    for n, other in enumerate(
        (
            rule(aspects=(0.75,), quality=70),  # another quality
            rule(aspects=(1.0,), fit="pad", pad_color="#000000", max_side=1000),  # padded: the colour shows
            rule(aspects=(0.75,), max_bytes=20_000),  # the same plan, over this rule's size limit
        )
    ):
        stats = MediaStats()
        got = process_image(src, other, tmp_path / "c", source="p.png", stats=stats)
        assert stats.decodes == 1
        assert Path(got.path).read_bytes() == processed_alone(src, other, tmp_path / f"alone-{n}")


def test_damaged_cache_entry_is_rebuilt(tmp_path: Path) -> None:
    src = tmp_path / "p.jpg"
    noisy((300, 300)).save(src)
    first = process_image(src, rule(), tmp_path / "c", source="p.jpg")
    Path(first.path).write_bytes(b"garbage")
    stats = MediaStats()
    again = process_image(src, rule(), tmp_path / "c", source="p.jpg", stats=stats)
    assert stats.decodes == 1 and again.sha256 == first.sha256
    sidecar = json.loads(Path(first.path).with_suffix(".json").read_text())
    assert sidecar["sha256"] == first.sha256


# --- hostile and broken input -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def giant_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bomb_png(tmp_path_factory.mktemp("bomb") / "giant.png", 30_000, 30_000)


def test_decompression_bomb_is_refused_from_the_header(giant_png: Path, tmp_path: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(MediaProblem) as err:
        probe_image(giant_png, rule())
    assert (
        "30000×30000" in err.value.message and "900 MP" in err.value.message and "50 MP" in err.value.message
    )
    assert err.value.hint == "export it smaller"
    with pytest.raises(MediaProblem):
        process_image(giant_png, rule(), tmp_path / "c", source="giant.png")
    assert time.perf_counter() - start < 2.0


def test_decompression_bomb_uses_bounded_memory(giant_png: Path) -> None:
    if not Path("/proc/self/status").is_file():
        pytest.skip("needs Linux /proc to read the peak RSS of a fresh process")
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so it would report this pytest process's peak
    code = (
        "import re, sys\n"
        "from pathlib import Path\n"
        "from publisher.render.media import MediaProblem, probe_image\n"
        "from publisher.platforms.rules import ImageRule\n"
        "try:\n"
        "    probe_image(Path(sys.argv[1]), ImageRule(role='images', max_source_pixels=10**12))\n"
        "except MediaProblem:\n"
        "    hwm = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1)\n"
        "    print('refused', hwm)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(giant_png)], capture_output=True, text=True, env=env, timeout=60
    )
    word, rss_kb = done.stdout.split()
    assert word == "refused", done.stderr  # MAX_IMAGE_PIXELS holds even when the rule's own limit is huge
    assert int(rss_kb) < 150_000  # decoding would need ~900 MB


def test_bomb_warning_is_an_error_only_inside_the_call(tmp_path: Path) -> None:
    src = bomb_png(tmp_path / "big.png", 10_000, 10_000)  # 100 MP: above MAX_IMAGE_PIXELS, below twice it
    filters = list(warnings.filters)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(MediaProblem) as err:
            probe_image(src, rule(max_source_pixels=10**12))
    assert (
        "10000×10000 (100 MP)" in err.value.message and "89 MP limit" in err.value.message
    )  # Pillow's limit
    assert not [w for w in seen if issubclass(w.category, Image.DecompressionBombWarning)]
    assert warnings.filters == filters


def test_text_file_named_png_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "notes.png"
    src.write_text("just some notes\n" * 20)
    with pytest.raises(MediaProblem) as err:
        probe_image(src, rule())
    assert "not an image" in err.value.message


def _fits(path: Path) -> Path:
    cards = [
        "SIMPLE  =                    T",
        "BITPIX  =                    8",
        "NAXIS   =                    2",
        "NAXIS1  =                   16",
        "NAXIS2  =                   16",
        "END",
    ]
    header = "".join(c.ljust(80) for c in cards).ljust(2880).encode("ascii")
    path.write_bytes(header + bytes(range(256)).ljust(2880, b"\0"))
    return path


def test_fits_is_refused_even_when_a_rule_lists_it(tmp_path: Path) -> None:
    src = _fits(tmp_path / "sky.fits")
    with Image.open(src, formats=["FITS"]) as im:  # the fixture is a real FITS image Pillow would decode
        assert im.size == (16, 16)
    for accept in (("jpeg", "png", "webp"), ("jpeg", "fits")):
        with pytest.raises(MediaProblem):
            probe_image(src, rule(accept=accept))
    with pytest.raises(MediaProblem) as err:
        probe_image(src, rule(accept=("fits",)))
    assert "no safe image format" in err.value.message


def test_truncated_jpeg_and_png_are_refused(tmp_path: Path) -> None:
    for fmt, ext in (("JPEG", "jpg"), ("PNG", "png")):
        buf = io.BytesIO()
        noisy((400, 300)).save(buf, fmt)
        src = tmp_path / f"cut.{ext}"
        src.write_bytes(buf.getvalue()[: len(buf.getvalue()) * 6 // 10])
        with pytest.raises(MediaProblem):
            probe_image(src, rule())
        with pytest.raises(MediaProblem):
            process_image(src, rule(), tmp_path / "c", source=src.name)


def test_a_jpeg_is_proved_whole_without_decoding_even_with_a_thumbnail_inside(tmp_path: Path) -> None:
    """The end marker must follow the main image's scan: a complete thumbnail in an APP1 segment (with its
    own scan and end marker) does not make a cut-short photo whole."""
    thumb, main = io.BytesIO(), io.BytesIO()
    noisy((40, 30)).save(thumb, "JPEG")
    noisy((400, 300)).save(main, "JPEG")
    payload = b"Exif\0\0" + thumb.getvalue()
    app1 = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    whole = main.getvalue()[:2] + app1 + main.getvalue()[2:]
    src = tmp_path / "whole.jpg"
    src.write_bytes(whole)
    assert probe_image(src, rule()).width == 400
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) * 7 // 10])
    with pytest.raises(MediaProblem) as err:
        probe_image(cut, rule())
    assert "cut short" in err.value.message


def test_symlinks_fifos_and_missing_files_are_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.jpg"
    noisy((50, 50)).save(real)
    link = tmp_path / "link.jpg"
    link.symlink_to(real)
    with pytest.raises(MediaProblem) as err:
        probe_image(link, rule())
    assert "symbolic link" in err.value.message
    with pytest.raises(MediaProblem):
        process_image(link, rule(), tmp_path / "c", source="link.jpg")
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(MediaProblem) as err:
        probe_image(fifo, rule())
    assert "not a regular file" in err.value.message
    with pytest.raises(MediaProblem):
        probe_image(tmp_path / "missing.jpg", rule())


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    src = tmp_path / "huge.jpg"
    src.write_bytes(b"\0" * 2_000)  # not even an image: the size guard must answer first
    with pytest.raises(MediaProblem) as err:
        probe_image(src, rule(max_source_bytes=1_000))
    assert "above the" in err.value.message and "limit" in err.value.message


def test_format_outside_accept_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "a.webp"
    noisy((50, 50)).save(src, "WEBP")
    assert probe_image(src, rule()).format == "webp"
    with pytest.raises(MediaProblem):
        probe_image(src, rule(accept=("jpeg", "png")))


_SEEDS = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"GIF89a", b"BM"]


def _valid(fmt: str) -> bytes:
    buf = io.BytesIO()
    noisy((24, 16)).save(buf, fmt)
    return buf.getvalue()


_VALID = [_valid("PNG"), _valid("JPEG"), _valid("WEBP"), _valid("GIF")]


@st.composite
def hostile_images(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(st.sampled_from(_SEEDS)) + draw(st.binary(max_size=400))
    data = bytearray(draw(st.sampled_from(_VALID)))
    for _ in range(draw(st.integers(1, 6))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(1, len(data)))])


@FUZZ
@given(data=hostile_images())
def test_fuzzed_images_only_raise_media_problem(tmp_path: Path, data: bytes) -> None:
    src = tmp_path / "fuzz.png"
    src.write_bytes(data)
    r = rule(accept=("jpeg", "png", "webp", "gif"), max_side=64)
    for call in (lambda: probe_image(src, r), lambda: process_image(src, r, tmp_path / "c", source="f.png")):
        try:
            call()
        except MediaProblem as exc:
            assert exc.message


# --- video --------------------------------------------------------------------------------------------------


def box(kind: bytes, payload: bytes, *, large: bool = False) -> bytes:
    if large:  # size 1: the real size follows as 64 bits
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


IDENTITY = struct.pack(">9i", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
ROTATE_90 = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)


def mvhd(timescale: int, duration: int, version: int = 0) -> bytes:
    if version == 1:
        head = struct.pack(">B3xQQIQ", 1, 0, 0, timescale, duration)
    else:
        head = struct.pack(">B3xIIII", 0, 0, 0, timescale, duration)
    return box(
        b"mvhd", head + struct.pack(">IH10x", 0x10000, 0x100) + IDENTITY + b"\0" * 24 + struct.pack(">I", 2)
    )


def trak(
    width: int, height: int, handler: bytes = b"vide", matrix: bytes = IDENTITY, version: int = 0
) -> bytes:
    if version == 1:
        head = struct.pack(">B3xQQI4xQ", 1, 0, 0, 1, 0)
    else:
        head = struct.pack(">B3xIII4xI", 0, 0, 0, 1, 0)
    tkhd = box(
        b"tkhd",
        head
        + b"\0" * 8
        + struct.pack(">hhh2x", 0, 0, 0)
        + matrix
        + struct.pack(">II", width << 16, height << 16),
    )
    hdlr = box(b"hdlr", b"\0" * 8 + handler + b"\0" * 12 + b"\0")
    return box(b"trak", tkhd + box(b"mdia", box(b"mdhd", b"\0" * 24) + hdlr))


def mp4(*moov: bytes, brand: bytes = b"isom", large_moov: bool = False, mdat: int = 64) -> bytes:
    ftyp = box(b"ftyp", brand + b"\0\0\2\0" + b"isomiso2avc1mp41")
    return ftyp + box(b"moov", b"".join(moov), large=large_moov) + box(b"mdat", b"\0" * mdat, large=True)


VIDEO = VideoRule(accept=("mp4", "mov", "webm"), max_bytes=10_000_000, max_duration_s=60, min_duration_s=1)


def test_mp4_duration_and_size(tmp_path: Path) -> None:
    src = tmp_path / "clip.mp4"
    src.write_bytes(mp4(mvhd(1000, 12_500), trak(0, 0, b"soun"), trak(1920, 1080)))
    info = probe_video(src, VIDEO)
    assert (info.format, info.duration_s, info.width, info.height) == ("mp4", 12.5, 1920, 1080)
    assert info.bytes == src.stat().st_size and len(info.sha256) == 64


def test_mp4_version_1_headers_and_64_bit_boxes(tmp_path: Path) -> None:
    src = tmp_path / "long.mp4"
    src.write_bytes(mp4(mvhd(90_000, 90_000 * 30, version=1), trak(1280, 720, version=1), large_moov=True))
    info = probe_video(src, VIDEO)
    assert (info.duration_s, info.width, info.height) == (30.0, 1280, 720)


def test_rotated_phone_video_reports_display_size(tmp_path: Path) -> None:
    src = tmp_path / "portrait.mov"
    src.write_bytes(mp4(mvhd(600, 6000), trak(1920, 1080, matrix=ROTATE_90), brand=b"qt  "))
    info = probe_video(src, VIDEO)
    assert (info.format, info.width, info.height) == ("mov", 1080, 1920)
    with pytest.raises(MediaProblem):
        probe_video(src, VideoRule(accept=("mp4",)))


def test_video_duration_and_size_limits(tmp_path: Path) -> None:
    src = tmp_path / "clip.mp4"
    src.write_bytes(mp4(mvhd(1000, 61_000), trak(640, 360)))
    with pytest.raises(MediaProblem) as err:
        probe_video(src, VIDEO)
    assert "61.0 s" in err.value.message and "60 s" in err.value.message
    src.write_bytes(mp4(mvhd(1000, 500), trak(640, 360)))
    with pytest.raises(MediaProblem):
        probe_video(src, VIDEO)
    src.write_bytes(mp4(mvhd(1000, 5000), trak(640, 360), mdat=5000))
    with pytest.raises(MediaProblem) as err:
        probe_video(src, VideoRule(max_bytes=1000))
    assert "limit" in err.value.message


@pytest.mark.parametrize(
    "data",
    [
        b"this is not a video at all" * 10,
        box(b"ftyp", b"isom\0\0\0\0") + box(b"mdat", b"\0" * 32),  # no moov: an unfinished recording
        box(b"ftyp", b"isom\0\0\0\0")
        + struct.pack(">I4s", 4000, b"moov")
        + b"\0" * 20,  # size beyond the file
        box(b"ftyp", b"isom\0\0\0\0") + box(b"moov", box(b"mvhd", b"\0" * 100)),  # timescale 0
        box(b"ftyp", b"isom\0\0\0\0")
        + box(b"moov", struct.pack(">I4s", 3, b"mvhd")),  # size smaller than its header
    ],
)
def test_garbage_mp4_is_a_problem(tmp_path: Path, data: bytes) -> None:
    src = tmp_path / "bad.mp4"
    src.write_bytes(data)
    with pytest.raises(MediaProblem) as err:
        probe_video(src, VIDEO)
    assert err.value.hint


def test_webm_by_extension_and_magic(tmp_path: Path) -> None:
    src = tmp_path / "clip.webm"
    src.write_bytes(b"\x1aE\xdf\xa3" + b"\0" * 100)
    info = probe_video(src, VIDEO)
    assert (info.format, info.duration_s) == ("webm", None)
    renamed = tmp_path / "clip.mp4"
    renamed.write_bytes(src.read_bytes())
    with pytest.raises(MediaProblem):
        probe_video(renamed, VIDEO)


def test_process_video_links_into_the_cache(tmp_path: Path) -> None:
    src = tmp_path / "clip.mp4"
    src.write_bytes(mp4(mvhd(1000, 3000), trak(720, 1280)))
    out = process_video(src, VIDEO, tmp_path / "cache", source="content/clip.mp4")
    assert (out.role, out.mime, out.source, out.duration_s) == ("video", "video/mp4", "content/clip.mp4", 3.0)
    assert Path(out.path).read_bytes() == src.read_bytes() and Path(out.path).name.startswith(out.sha256)
    assert process_video(src, VIDEO, tmp_path / "cache", source="content/clip.mp4") == out
    link = tmp_path / "link.mp4"
    link.symlink_to(src)
    with pytest.raises(MediaProblem):
        process_video(link, VIDEO, tmp_path / "cache", source="link.mp4")


def test_process_video_refreshes_a_link_whose_twin_was_edited_in_place(tmp_path: Path) -> None:
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    data = mp4(mvhd(1000, 3000), trak(720, 1280))
    a.write_bytes(data)
    b.write_bytes(data)
    first = process_video(a, VIDEO, tmp_path / "cache", source="a.mp4")
    with a.open("r+b") as f:  # edited in place: the cached hard link now holds other bytes
        f.seek(len(data) - 1)
        f.write(b"\1")
    again = process_video(b, VIDEO, tmp_path / "cache", source="b.mp4")
    assert again.path == first.path and Path(again.path).read_bytes() == data


_MP4_SEED = mp4(mvhd(1000, 12_500), trak(0, 0, b"soun"), trak(1920, 1080))


@st.composite
def hostile_videos(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    data = bytearray(_MP4_SEED)
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(0, len(data)))])


@FUZZ
@given(data=hostile_videos())
def test_fuzzed_videos_only_raise_media_problem(tmp_path: Path, data: bytes) -> None:
    with contextlib.suppress(Mp4Error):
        parse_mp4(io.BytesIO(data), len(data))
    src = tmp_path / "fuzz.mp4"
    src.write_bytes(data)
    try:
        probe_video(src, VIDEO)
    except MediaProblem as exc:
        assert exc.message


# --- generated cover ----------------------------------------------------------------------------------------


def test_generated_cover_is_cached_and_processable(tmp_path: Path) -> None:
    path = make_cover("效率神器上线｜3 步搞定周报", 900, 383, tmp_path / "covers", font_path=None)
    with Image.open(path) as im:
        assert im.size == (900, 383) and len(im.getcolors(1 << 20) or []) > 50  # gradient plus text, not flat
    stamp = path.stat().st_mtime_ns
    assert make_cover("效率神器上线｜3 步搞定周报", 900, 383, tmp_path / "covers", font_path=None) == path
    assert path.stat().st_mtime_ns == stamp
    assert make_cover("another title", 900, 383, tmp_path / "covers", font_path=None) != path
    cover = load_rules(ROOT / "platforms" / "wechat").images["cover"]
    out = process_image(path, cover, tmp_path / "cache", source="(generated)")
    assert (out.width, out.height) == (900, 383)


def _outcome(src: Path, r: ImageRule, *, digest: bool) -> tuple[str, object]:
    try:
        info = probe_image(src, r, digest=digest)
    except MediaProblem as exc:
        return "problem", exc.message
    return "ok", (info.format, info.width, info.height, info.bytes)


def test_a_checks_jpeg_probe_from_the_files_two_ends_answers_as_the_whole_read(tmp_path: Path) -> None:
    """`check` (digest=False) reads a big JPEG's first 64 KiB and last 4 KiB when they settle it; for every
    layout (scan start before, at and past the head's end, end marker near or far from the end, cut short,
    rotated, progressive, two frames, CMYK, not accepted, too many pixels) it answers as the whole read."""
    photo = noisy((900, 700))
    plain, progressive, rotated, cmyk, mpo = (io.BytesIO() for _ in range(5))
    photo.save(plain, "JPEG", quality=90)
    photo.save(progressive, "JPEG", quality=90, progressive=True)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    photo.save(rotated, "JPEG", quality=90, exif=exif)
    photo.convert("CMYK").save(cmyk, "JPEG", quality=90)
    photo.save(mpo, "MPO", save_all=True, append_images=[noisy((900, 700), seed=8)])
    base = plain.getvalue()
    assert len(base) > 70_000

    def app(size: int) -> bytes:  # an APP2 segment of `size` bytes in all
        return b"\xff\xe2" + (size - 2).to_bytes(2, "big") + bytes(size - 4)

    sos = base.index(b"\xff\xda")
    sos_len = int.from_bytes(base[sos + 2 : sos + 4], "big")
    variants = {
        "plain": base,
        "progressive": progressive.getvalue(),
        "rotated": rotated.getvalue(),
        "cmyk": cmyk.getvalue(),
        "mpo": mpo.getvalue(),
        "scan past the head": base[:2] + app(40_000) + app(40_000) + base[2:],
        "trailing bytes": base + bytes(100),
        "trailing bytes past the tail": base + bytes(10_000),
        "cut short": base[: len(base) * 7 // 10],
        "junk between segments": base[:sos] + b"\x00" + base[sos:],
    }
    for offset in range(-8, 3):  # the scan's marker or its segment across the head's end
        pad = 65_536 - sos + offset
        variants[f"scan at head {offset}"] = base[:2] + app(pad) + base[2:]
    assert any(v.index(b"\xff\xda") + 2 + sos_len > 65_536 > v.index(b"\xff\xda") for v in variants.values())
    rules = [rule(), rule(accept=("png",)), rule(max_source_pixels=100_000), rule(min_side=1000)]
    for name, data in variants.items():
        src = tmp_path / f"{name}.jpg"
        src.write_bytes(data)
        for r in rules:
            assert _outcome(src, r, digest=False) == _outcome(src, r, digest=True), (name, r)
