"""Near-duplicate guard: how alike two rendered texts are (Jaccard similarity of their 3-character shingles,
exact), found without comparing every pair (one-permutation MinHash in bands: only texts that share a band
are compared), and a difference hash of images.

Written here rather than taken from datasketch/imagehash: those pull numpy and scipy (and PyWavelets) into a
tool that otherwise needs neither, for some sixty lines; and the exact similarity of the few candidate pairs
is cheaper than a 128-permutation signature of every text in pure Python. Shingle hashes are a stable CRC-32,
so the same calendar finds the same pairs in every run.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

SHINGLE = 3
BANDS, ROWS = 10, 3  # J=0.85 -> found with p > 0.9999; J=0.3 -> compared with p ~ 0.24
MIN_CHARS = 30  # shorter texts (a caption of a few words) are not compared
PARTNERS = 4  # each text is measured against at most this many earlier candidates
_TAG = re.compile(r"<[^>]*>")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """What a reader sees, for comparing: no HTML tags, no spaces or punctuation, lower case."""
    return _NOT_WORD.sub("", _TAG.sub(" ", text) if "<" in text else text).lower()


@dataclass(frozen=True)
class Fingerprint:
    """A text's band keys; its shingle set is cut only when the text is measured against a candidate (most
    texts never are: a calendar of 1,000 items measures a few dozen pairs)."""

    text: str
    bands: tuple[int, ...]

    @cached_property
    def shingles(self) -> frozenset[str]:
        return frozenset(_shingles(self.text))


def _shingles(normalized: str) -> Iterator[str]:
    return (normalized[i : i + SHINGLE] for i in range(len(normalized) - SHINGLE + 1))


def _stable_hashes(shingles: Iterable[str]) -> Iterator[int]:
    """The same number for the same shingle in every process (a CRC-32 of its UTF-8): Python's own `hash` of a
    str changes per process (PYTHONHASHSEED), which made which texts share a band, and so which pairs were
    measured, vary by run. Mapped in C (no Python call per shingle)."""
    return map(zlib.crc32, map(str.encode, shingles))


def fingerprint(normalized: str) -> Fingerprint | None:
    """None for a text too short to compare."""
    if len(normalized) < MIN_CHARS:
        return None
    bins = BANDS * ROWS
    # One-permutation MinHash: bin h % bins keeps its smallest h // bins. Within a bin the order of h is the
    # order of h // bins, so the smallest hash is kept and divided once (a CRC-32 is below 1 << 32: empty). A
    # shingle seen twice changes no minimum, so no set is built here.
    empty = 1 << 32
    low = [empty] * bins
    for h in _stable_hashes(_shingles(normalized)):
        b = h % bins
        if h < low[b]:
            low[b] = h
    sig = [None if h == empty else h // bins for h in low]
    bands = tuple(hash((j, *sig[j * ROWS : (j + 1) * ROWS])) for j in range(BANDS))
    return Fingerprint(normalized, bands)


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Jaccard similarity of the shingle sets, 0..1."""
    common = len(a.shingles & b.shingles)
    return common / (len(a.shingles) + len(b.shingles) - common)


@dataclass(frozen=True)
class Text:
    """One rendered text of one post: whose it is, when it goes out, and its fingerprint."""

    owner: int  # index of the item
    platform: str
    account: str
    when: datetime | None
    fp: Fingerprint


@dataclass(frozen=True)
class Pair:
    """Two texts at least `floor` alike (within the time window)."""

    a: Text
    b: Text
    score: float


def similar_pairs(
    texts: Sequence[Text], floor: float, window_s: float, known: dict[tuple[int, int], float] | None = None
) -> list[Pair]:
    """Pairs of texts of different items (or of one item on two accounts of one platform) whose similarity
    is at least `floor` and whose publish times are at most `window_s` apart (a text without a time is
    compared with all). Candidates are earlier texts sharing a band; each text is measured exactly against at
    most PARTNERS of them, so a calendar of many variations costs O(texts), not O(texts^2). `known` keeps
    measured pairs by the fingerprints' ids: a re-scan measures only the pairs with a changed text."""
    known = {} if known is None else known
    buckets: dict[int, list[int]] = {}
    out = []
    for i, a in enumerate(texts):
        partners: dict[int, None] = {}
        for key in a.fp.bands:
            members = buckets.setdefault(key, [])
            for j in members:
                if len(partners) >= PARTNERS:
                    break
                partners[j] = None
            if len(members) < PARTNERS:  # enough representatives of a crowded band are kept
                members.append(i)
        for j in partners:
            b = texts[j]
            if a.owner == b.owner and (a.platform != b.platform or a.account == b.account):
                continue  # one item on several platforms is the point of a calendar
            if (
                a.when is not None
                and b.when is not None
                and abs((a.when - b.when).total_seconds()) > window_s
            ):
                continue
            measured = (id(a.fp), id(b.fp))
            score = known.get(measured)
            if score is None:
                score = known[measured] = similarity(a.fp, b.fp)
            if score >= floor:
                out.append(Pair(b, a, score))
    return out


def dhash(path: Path) -> int:
    """A 64-bit difference hash: a 9x8 grey thumbnail, one bit per horizontal neighbour comparison."""
    from PIL import Image

    with Image.open(path) as img:
        img.draft("L", (64, 64))  # JPEG: decode at a fraction of the size
        small = img.convert("L").resize((9, 8), Image.Resampling.BILINEAR)
        px = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (px[row * 9 + col] > px[row * 9 + col + 1])
    return bits


def same_images(a: Iterable[int], b: Iterable[int], max_bits: int = 6) -> bool:
    """Whether every image of `a` looks like one of `b` (and there is at least one)."""
    left, right = list(a), list(b)
    return bool(left) and all(any((x ^ y).bit_count() <= max_bits for y in right) for x in left)
