"""Benchmark: one 12-megapixel photo through the media pipeline, against a draft + resize + encode floor."""

from __future__ import annotations

import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from figures import Figures, take_json_flag
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from publisher.platforms.rules import load_rules  # noqa: E402
from publisher.render.media import MediaStats, process_image  # noqa: E402


def make_photo(path: Path) -> None:
    """4000×3000, a gradient under noise: a photo-sized JPEG (several MB), not trivially compressible."""
    base = Image.radial_gradient("L").resize((4000, 3000)).convert("RGB")
    tint = Image.linear_gradient("L").resize((4000, 3000))
    base = Image.merge("RGB", (base.getchannel(0), tint, base.getchannel(2)))
    noise = Image.merge("RGB", [Image.effect_noise((4000, 3000), 48) for _ in range(3)])
    Image.blend(base, noise, 0.35).save(path, quality=92)


def best_of(n: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def floor(path: Path) -> None:
    with Image.open(path) as im:
        im.draft("RGB", (1440, 1080))
        out = im.resize((1440, 1080))
        out.save(io.BytesIO(), "JPEG", quality=88)


def main() -> int:
    as_json = take_json_flag()
    rule = load_rules(ROOT / "platforms" / "xiaohongshu").images["images"]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "photo.jpg"
        make_photo(src)
        cold_dirs = iter(Path(tmp) / f"cold{i}" for i in range(100))
        y = best_of(5, lambda: floor(src))
        x = best_of(5, lambda: process_image(src, rule, next(cold_dirs), source="photo.jpg"))
        warm = Path(tmp) / "warm"
        process_image(src, rule, warm, source="photo.jpg")
        stats = MediaStats()
        z = best_of(5, lambda: process_image(src, rule, warm, source="photo.jpg", stats=stats))
        size_mb = src.stat().st_size / 1e6
    print(f"source: 4000×3000 JPEG, {size_mb:.1f} MB; rule: xiaohongshu images (max_side {rule.max_side})")
    print(
        f"media 12MP: {x * 1000:.1f} ms, floor {y * 1000:.1f} ms, ratio {x / y:.2f}× (target ≤ 1.5×); "
        f"cached re-render: {z * 1000:.1f} ms (work done: {stats.decodes} decodes, {stats.encodes} encodes)"
    )
    figures = Figures("media")
    figures.ratio("media_12mp_ratio", x / y, floor=y, at_most=1.5)
    figures.value("cached_rerender_work", stats.decodes + stats.encodes, unit="decodes+encodes", at_most=0)
    return figures.emit(as_json)


if __name__ == "__main__":
    raise SystemExit(main())
