"""XLSX sheet names that fit Excel's rules by design: at most 31 characters, unique without regard to case,
none of : \\ / ? * [ ], and never cut mid-word (Excel refuses a longer name; cutting one gave
"Engagement per post·Product Hun")."""

from __future__ import annotations

import re
from collections.abc import Collection

SHEET_MAX = 31  # Excel's limit on a sheet name, in characters
_REFUSED = re.compile(r"[\[\]:*?/\\]+")  # characters Excel does not allow in a sheet name


def _clean(text: str) -> str:
    return " ".join(_REFUSED.sub(" ", text).split()).strip("'")


def _leading_words(text: str, room: int) -> str:
    """The most whole words of `text` (split at spaces) within `room` characters; "" if not even one fits."""
    out = ""
    for word in text.split(" "):
        longer = f"{out} {word}" if out else word
        if len(longer) > room:
            break
        out = longer
    return out


def sheet_name(base: str, label: str | None, taken: Collection[str]) -> str:
    """The name of a sheet titled `base` (a short catalogue title) for `label` (a platform's name, or None),
    not among `taken`: `base·label` when it fits; else `base·` with the label's leading whole words (a
    platform spelled out at length keeps its first words); else `base` and the first free number."""
    base, label = _clean(base), _clean(label or "")
    used = {name.casefold() for name in taken}
    words = label.split(" ") if label else []
    tries = [f"{base}·{' '.join(words[:n])}" for n in range(len(words), 0, -1)] if words else [base]
    for name in tries:
        if len(name) <= SHEET_MAX and name.casefold() not in used:
            return name
    n = 2
    while True:
        suffix = f" {n}"
        name = (_leading_words(base, SHEET_MAX - len(suffix)) or base[: SHEET_MAX - len(suffix)]) + suffix
        if name.casefold() not in used:
            return name
        n += 1
