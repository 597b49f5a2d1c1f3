"""Durations as people write them in settings and rules: 7200, "2h", "30m", "45s", "14d" (apart from the
rules module, so reading `publisher.toml` does not load the platform rules)."""

from __future__ import annotations

import re
from typing import Any

from publisher.errors import ConfigError
from publisher.messages import msg

_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(s|m|h|d)?\s*")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: the longest duration anything may take: 100 years (a time that far ahead is a typo; longer ones overflow)
LONGEST_S = 100 * 365 * 86400.0


def duration(value: Any, *, where: str, key: str) -> float:
    """Seconds of 7200, "2h", "30m", "45s", "14d" (0 to 100 years); a ConfigError naming `where` and `key`
    otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = _DURATION.fullmatch(str(value))
        if not m:
            raise ConfigError(msg("usage.duration_form", value=repr(value)), path=where, key=key)
        seconds = float(m.group(1)) * _UNIT[m.group(2) or "s"]
    if not 0 <= seconds <= LONGEST_S:  # also refuses nan and inf (TOML and YAML can write both)
        raise ConfigError(msg("usage.duration_range", value=repr(value)), path=where, key=key)
    return seconds
