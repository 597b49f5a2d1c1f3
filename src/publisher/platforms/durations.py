"""Durations as people write them in settings and rules: 7200, "2h", "30m", "45s", "14d" (apart from the
rules module, so reading `publisher.toml` does not load the platform rules)."""

from __future__ import annotations

import re
from typing import Any

from publisher.errors import ConfigError

_DURATION = re.compile(r"\s*([\d.]+)\s*(s|m|h|d)?\s*")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(value: Any, *, where: str, key: str) -> float:
    """Seconds of 7200, "2h", "30m", "45s", "14d"; a ConfigError naming `where` and `key` otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    m = _DURATION.fullmatch(str(value))
    if not m:
        raise ConfigError(f"expected a duration such as 2h, 30m or 7200, got {value!r}", path=where, key=key)
    return float(m.group(1)) * _UNIT[m.group(2) or "s"]
