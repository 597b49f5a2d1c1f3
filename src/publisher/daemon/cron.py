"""Cron expressions for recurring jobs: five fields, weekday names only, fire times DST-correct in a zone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from publisher.calendar.slots import WEEKDAYS, wall_to_utc
from publisher.errors import ConfigError
from publisher.messages import msg

JOBS_FILE = "schedules/jobs.yaml"
_RANGES = {"minute": (0, 59), "hour": (0, 23), "day": (1, 31), "month": (1, 12), "weekday": (0, 6)}


@dataclass(frozen=True)
class Cron:
    """Five cron fields as sets; `text` is the original for APScheduler's CronTrigger and for display.

    Day-of-month and weekday are combined with AND (as APScheduler 3's CronTrigger does), not crontab's OR.
    """

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Monday

    def trigger_fields(self) -> dict[str, str]:
        minute, hour, day, month, weekday = self.text.split()
        return {"minute": minute, "hour": hour, "day": day, "month": month, "day_of_week": weekday}

    def _day_ok(self, d: date) -> bool:
        return d.day in self.days and d.month in self.months and d.weekday() in self.weekdays

    def _instants(self, d: date, zone: ZoneInfo, reverse: bool) -> Iterator[datetime]:
        """The day's fire instants; a skipped wall time (DST gap) is left out, a repeated one fires once."""
        if not self._day_ok(d):
            return
        times = [(h, m) for h in self.hours for m in self.minutes]
        for h, m in sorted(times, reverse=reverse):
            instant = wall_to_utc(datetime.combine(d, time(h, m)), zone)
            if instant is not None:
                yield instant

    def last_fire(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The latest fire time at or before `now` (within about 8 years, enough for 29 February)."""
        d = now.astimezone(zone).date() + timedelta(days=1)  # a fold can put tomorrow's wall time in today
        for _ in range(366 * 8):
            for instant in self._instants(d, zone, reverse=True):
                if instant <= now:
                    return instant
            d -= timedelta(days=1)
        return None

    def next_fire(self, after: datetime, zone: ZoneInfo) -> datetime | None:
        """The earliest fire time strictly after `after`."""
        d = after.astimezone(zone).date() - timedelta(days=1)
        for _ in range(366 * 8):
            for instant in self._instants(d, zone, reverse=False):
                if instant > after:
                    return instant
            d += timedelta(days=1)
        return None


def _cron_field(text: str, name: str, *, where: str, key: str) -> set[int]:
    low, high = _RANGES[name]
    out: set[int] = set()
    for part in text.split(","):
        m = re.fullmatch(r"(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?", part.strip().lower())
        if not m:
            raise ConfigError(msg("usage.cron_unreadable", name=name, text=repr(text)), path=where, key=key)
        span, step = m.group(1), int(m.group(2) or 1)
        if span == "*":
            a, b = low, high
        else:
            ends = [_cron_value(v, name, where=where, key=key) for v in span.split("-")]
            a, b = ends[0], ends[-1]
        if not (low <= a <= high and low <= b <= high) or a > b or step < 1:
            out_of = msg("usage.cron_range", name=name, text=repr(text), low=low, high=high)
            raise ConfigError(out_of, path=where, key=key)
        out.update(range(a, b + 1, step))
    return out


def _cron_value(value: str, name: str, *, where: str, key: str) -> int:
    if name == "weekday":
        if value[:3] not in WEEKDAYS or value.isdigit():
            raise ConfigError(
                msg("usage.cron_weekday", value=repr(value)),
                path=where,
                key=key,
            )
        return WEEKDAYS.index(value[:3])
    if not value.isdigit():
        raise ConfigError(msg("usage.cron_number", name=name, value=repr(value)), path=where, key=key)
    return int(value)


def parse_cron(text: str, *, where: str = JOBS_FILE, key: str = "cron") -> Cron:
    """Five fields "minute hour day month weekday"; weekday names only."""
    fields = str(text).split()
    if len(fields) != 5:
        raise ConfigError(msg("usage.cron_fields", text=repr(text)), path=where, key=key)
    names = ("minute", "hour", "day", "month", "weekday")
    sets = [_cron_field(f, n, where=where, key=key) for f, n in zip(fields, names, strict=True)]
    return Cron(
        " ".join(fields),
        tuple(sorted(sets[0])),
        tuple(sorted(sets[1])),
        frozenset(sets[2]),
        frozenset(sets[3]),
        frozenset(sets[4]),
    )
