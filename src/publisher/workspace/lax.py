"""Numbers and yes/no written as text, read leniently (spaces around, `_` between digits, `true`/`yes`/`on`):
as pydantic's lax mode reads them, so a value typed on the command line or in the environment means what it
meant when pydantic read it. Pure; a ValueError says only that the text is not one."""

from __future__ import annotations

import re

_WHOLE = re.compile(r"[+-]?[0-9](?:_?[0-9])*(?:\.0+)?", re.ASCII)
_NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)", re.ASCII | re.IGNORECASE
)
YES = frozenset({"true", "1", "yes", "on", "t", "y"})
NO = frozenset({"false", "0", "no", "off", "f", "n"})


def whole(text: str) -> int:
    """A whole number: spaces around, `_` between digits and a zero fraction (`4.0`) allowed."""
    found = text.strip()
    if not _WHOLE.fullmatch(found):
        raise ValueError(f"not a whole number: {text!r}")
    return int(found.partition(".")[0].replace("_", ""))


def number(text: str) -> float:
    """A number: a decimal, an exponent, inf or nan; `_` only between characters, then with no spaces."""
    found = text
    if "_" in found:
        if found != found.strip() or found[0] == "_" or found[-1] == "_" or "__" in found:
            raise ValueError(f"not a number: {text!r}")
        found = found.replace("_", "")
    found = found.strip()
    if not _NUMBER.fullmatch(found):
        raise ValueError(f"not a number: {text!r}")
    return float(found)


def yes_no(text: str) -> bool:
    """true/false, yes/no, on/off, 1/0, t/f, y/n in any case, spaces around."""
    found = text.strip().lower()
    if found in YES or found in NO:
        return found in YES
    raise ValueError(f"neither yes nor no: {text!r}")
