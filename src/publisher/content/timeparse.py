"""Parse `publish_at` values in a time zone, refusing local times that do not exist or occur twice (DST)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from publisher.content.zones import find_zone
from publisher.messages import Msg, msg

_LOCAL = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?"  # date, time, optional seconds
    r"\s*(?:\s([A-Za-z_]+(?:/[A-Za-z_+\-0-9]+)*))?\s*$"  # optional IANA zone
)


class TimeError(ValueError):
    """A time that cannot be placed; the message says why and the hint how to fix it (`str()` and `hint`
    in English, `said` and `hint_said` in any language)."""

    def __init__(self, said: Msg, hint: Msg | None = None) -> None:
        super().__init__(said.text("en"))
        self.said = said
        self.hint_said = hint
        self.hint = hint.text("en") if hint else ""

    def text(self, lang: str) -> str:
        return self.said.text(lang)


def local_to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """Resolve a wall-clock time in `zone`; a DST gap or fold is an error, never a guess."""
    early = naive.replace(tzinfo=zone, fold=0)
    late = naive.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        # Either the clock was set back (the time occurs twice) or forward (it never happens).
        round_trip = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != naive:
            raise TimeError(
                msg("time_skipped", when=f"{naive:%Y-%m-%d %H:%M}", zone=zone.key),
                msg("time_skipped.hint"),
            )
        raise TimeError(
            msg("time_twice", when=f"{naive:%Y-%m-%d %H:%M}", zone=zone.key),
            msg("time_twice.hint"),
        )
    return early.astimezone(UTC)


def parse_publish_at(value: object, zone: ZoneInfo) -> datetime | str | None:
    """`2026-12-01 12:00` (workspace zone), `... America/Los_Angeles`, ISO 8601 with offset, `slot`,
    `best`."""
    try:
        return _parse_text(value, zone) if isinstance(value, str) else _parse_publish_at(value, zone)
    except OverflowError:  # e.g. 0001-01-01 00:00 in a zone east of UTC
        raise TimeError(
            msg("time_out_of_range", value=value),
            msg("time_out_of_range.hint"),
        ) from None


@lru_cache(maxsize=4096)  # a calendar repeats its times (an item's platforms, a series at one hour)
def _parse_text(value: str, zone: ZoneInfo) -> datetime | str | None:
    """`_parse_publish_at` of a text: one answer per text and zone (a time that fails raises every time)."""
    return _parse_publish_at(value, zone)


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
            named = find_zone(zone_name)
            if named is None:
                raise TimeError(msg("time_unknown_zone", zone=zone_name), msg("time_unknown_zone.hint"))
            zone = named
        try:
            naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        except ValueError as exc:
            raise TimeError(msg("time_not_real", why=str(exc)), msg("time_format.hint")) from None
        return local_to_utc(naive, zone)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TimeError(
            msg("time_unreadable", value=text),
            msg("time_unreadable.hint"),
        ) from None
    if parsed.tzinfo is None:
        if parsed.hour == 0 and parsed.minute == 0 and len(text) <= 10:
            raise TimeError(msg("time_no_time", value=text), msg("time_no_time.hint"))
        return local_to_utc(parsed, zone)
    offset = parsed.utcoffset() or timedelta(0)
    return (parsed - offset).replace(tzinfo=UTC)
