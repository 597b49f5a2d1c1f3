"""Parse `publish_at` values in a time zone, refusing local times that do not exist or occur twice (DST)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_LOCAL = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?"  # date, time, optional seconds
    r"\s*(?:\s([A-Za-z_]+(?:/[A-Za-z_+\-0-9]+)*))?\s*$"  # optional IANA zone
)


class TimeError(ValueError):
    """A time that cannot be placed; the message says why and the hint how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def local_to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """Resolve a wall-clock time in `zone`; a DST gap or fold is an error, never a guess."""
    early = naive.replace(tzinfo=zone, fold=0)
    late = naive.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        # Either the clock was set back (the time occurs twice) or forward (it never happens).
        round_trip = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != naive:
            raise TimeError(
                f"{naive:%Y-%m-%d %H:%M} does not exist in {zone.key} (clocks skip it for daylight saving)",
                "pick a time outside the skipped hour, or give an explicit offset such as +02:00",
            )
        raise TimeError(
            f"{naive:%Y-%m-%d %H:%M} occurs twice in {zone.key} (clocks go back for daylight saving)",
            "give an explicit offset, e.g. '2026-10-25T02:30:00+02:00', or pick another time",
        )
    return early.astimezone(UTC)


def parse_publish_at(value: object, zone: ZoneInfo) -> datetime | str | None:
    """`2026-12-01 12:00` (workspace zone), `... America/Los_Angeles`, ISO 8601 with offset, `slot`,
    `best`."""
    try:
        return _parse_publish_at(value, zone)
    except OverflowError:  # e.g. 0001-01-01 00:00 in a zone east of UTC
        raise TimeError(
            f"{value!r} is outside the dates that can be scheduled",
            "write a date in this century, e.g. 2026-12-01 12:00",
        ) from None


def _parse_publish_at(value: object, zone: ZoneInfo) -> datetime | str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in ("slot", "best"):
        return value.strip().lower()
    text = str(value).strip()
    m = _LOCAL.match(text)
    if m:
        year, month, day, hour, minute, second, zone_name = m.groups()
        if zone_name:
            try:
                zone = ZoneInfo(zone_name)
            except (ZoneInfoNotFoundError, ValueError):
                raise TimeError(
                    f"unknown time zone {zone_name!r}",
                    "use an IANA name such as Asia/Shanghai or America/Los_Angeles",
                ) from None
        try:
            naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        except ValueError as exc:
            raise TimeError(f"not a real date/time: {exc}", "write it as YYYY-MM-DD HH:MM") from None
        return local_to_utc(naive, zone)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TimeError(
            f"cannot read {text!r} as a time",
            "write `YYYY-MM-DD HH:MM` (workspace zone), add a zone name or offset, or use `slot`",
        ) from None
    if parsed.tzinfo is None:
        if parsed.hour == 0 and parsed.minute == 0 and len(text) <= 10:
            raise TimeError(f"{text!r} has a date but no time", "write `YYYY-MM-DD HH:MM`")
        return local_to_utc(parsed, zone)
    offset = parsed.utcoffset() or timedelta(0)
    return (parsed - offset).replace(tzinfo=UTC)
