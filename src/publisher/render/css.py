"""CSS values at their shortest, for HTML that carries its styles inline (a WeChat article counts them)."""

from __future__ import annotations

import re

__all__ = ["near_colour", "short_colour"]

_HEX6 = re.compile(r"#[0-9a-f]{6}")


def short_colour(colour: str) -> str:
    """The shortest way to write a hex colour: `#333333` as `#333`, `#008000` as `green`; others unchanged."""
    c = colour.strip().lower()
    if not _HEX6.fullmatch(c):
        return c
    short = "#" + c[1::2] if c[1::2] == c[2::2] else c
    return min((short, _COLOUR_NAMES.get(c, short)), key=len)


def near_colour(colour: str) -> str:
    """A hex colour as the nearest three-digit one (each channel off by at most 8 of 255, which no reader
    sees in a code token), or its exact name when that is as short."""
    c = colour.strip().lower()
    if not _HEX6.fullmatch(c):
        return short_colour(c)
    near = "#" + "".join(f"{round(int(c[k : k + 2], 16) / 17):x}" for k in (1, 3, 5))
    return min((near, short_colour(c)), key=len)


#: Colour names shorter than their hex spelling (CSS level 1/2 names, exact values).
_COLOUR_NAMES = {
    "#008000": "green",
    "#000080": "navy",
    "#800000": "maroon",
    "#800080": "purple",
    "#008080": "teal",
    "#808000": "olive",
    "#808080": "gray",
    "#c0c0c0": "silver",
    "#ff0000": "red",
    "#ffa500": "orange",
    "#d2b48c": "tan",
}
