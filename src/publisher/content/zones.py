"""Time zones by name, refusing every name that is not one (apart from timeparse, so that reading
`publisher.toml` does not load the message catalogue)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def find_zone(name: str) -> ZoneInfo | None:
    """The IANA time zone called `name`, or None: unknown, a folder of zones (`America`), a path, a name
    too long for a file or holding a NUL (ZoneInfo raises OSError or ValueError for those, not only
    ZoneInfoNotFoundError)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
