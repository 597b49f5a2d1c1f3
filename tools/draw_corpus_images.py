"""Draw the pictures of tests/corpus/ (diagrams and photo stand-ins, made for the suite) at the sizes the
posts' layouts need: wide diagrams, a 2.35:1 cover, a photo. Run it again only to change them:

    python tools/draw_corpus_images.py
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"

#: path -> (width, height, number of boxes, label)
DIAGRAMS: dict[str, tuple[int, int, int, str]] = {
    "hexo-blog/source/_posts/c-pointer-basics/memory-layout.png": (1200, 600, 4, "age @ 0x7ffd5e8c3a4c <- p"),
    "hexo-blog/source/_posts/git-workflow/branches.png": (1600, 700, 5, "main / feat / fix"),
    "hexo-blog/source/_posts/git-workflow/review.png": (1000, 800, 3, "merge request"),
    "hugo-site/content/posts/goroutine-leak/goroutines.png": (1200, 600, 6, "goroutines over 7 days"),
    "hugo-site/content/posts/sql-index/btree.png": (1400, 700, 7, "(user_id, status, created_at)"),
    "hugo-site/content/posts/tcp-handshake/handshake.png": (
        2400,
        600,
        7,
        "SYN  SYN+ACK  ACK ... FIN ACK FIN ACK",
    ),
    "jekyll-site/assets/img/vim-split.png": (1200, 750, 2, ":vsp"),
    "jekyll-site/assets/img/gateway.png": (1500, 500, 4, "client -> nginx -> api_backend"),
    "java-docs/distributed/images/zk-lock.png": (1200, 700, 4, "/locks/order-000000000N"),
    "java-docs/concurrency/images/pool-flow.png": (1000, 1000, 4, "core -> queue -> max -> reject"),
    "java-docs/jvm/images/g1-regions.png": (1200, 800, 16, "G1 regions: E S O H"),
}
PHOTOS: dict[str, tuple[int, int]] = {
    "hexo-blog/source/images/2015-cover.jpg": (900, 383),
    "hexo-blog/source/images/2015-team.jpg": (1280, 853),
}


def diagram(width: int, height: int, boxes: int, label: str, seed: int) -> Image.Image:
    rnd = random.Random(seed)
    img = Image.new("RGB", (width, height), "#fbfbf8")
    draw = ImageDraw.Draw(img)
    cols = min(boxes, 8)
    rows = (boxes + cols - 1) // cols
    bw, bh = width // (cols * 2), height // (rows * 3)
    centres = []
    for i in range(boxes):
        x = (i % cols) * 2 * bw + bw // 2
        y = (i // cols) * 3 * bh + bh
        colour = rnd.choice(["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2"])
        draw.rounded_rectangle((x, y, x + bw, y + bh), radius=12, outline=colour, width=4)
        centres.append((x + bw // 2, y + bh // 2))
    for a, b in zip(centres, centres[1:], strict=False):
        draw.line((a, b), fill="#888888", width=3)
    draw.text((20, height - 30), label, fill="#333333")
    return img


def photo(width: int, height: int, seed: int) -> Image.Image:
    rnd = random.Random(seed)
    img = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    for y in range(height):
        shade = int(60 + 120 * y / height)
        draw.line((0, y, width, y), fill=(shade, shade // 2 + 40, 140))
    for _ in range(12):
        r = rnd.randint(height // 12, height // 5)
        x, y = rnd.randint(0, width), rnd.randint(height // 3, height)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(230, rnd.randint(150, 220), 120))
    return img


def main() -> None:
    for i, (rel, (w, h, n, label)) in enumerate(sorted(DIAGRAMS.items())):
        path = CORPUS / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        diagram(w, h, n, label, i).save(path, optimize=True)
    for i, (rel, (w, h)) in enumerate(sorted(PHOTOS.items())):
        path = CORPUS / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        photo(w, h, i).save(path, quality=70, optimize=True)


if __name__ == "__main__":
    main()
