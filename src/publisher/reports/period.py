"""Report periods: a day, an ISO week, a month or a range of local days, as UTC instants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from publisher.errors import UsageError
from publisher.messages import msg

WORDS = ("today", "yesterday", "this_week", "last_week", "last_7_days", "this_month", "last_month")


@dataclass(frozen=True)
class Period:
    """Local days [first, last] in `zone`; `start`/`end` are the UTC instants (end exclusive)."""

    kind: str  # day | week | month | range
    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return _midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return _midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return self.first.strftime("%Y-%m")
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def previous(self) -> Period:
        if self.kind == "month":
            last = self.first - timedelta(days=1)
            return Period("month", last.replace(day=1), last, self.zone)
        return Period(
            self.kind, self.first - timedelta(days=self.days), self.first - timedelta(days=1), self.zone
        )

    def following(self) -> Period:
        if self.kind == "month":
            first = self.last + timedelta(days=1)
            nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
            return Period("month", first, nxt - timedelta(days=1), self.zone)
        return Period(
            self.kind, self.last + timedelta(days=1), self.last + timedelta(days=self.days), self.zone
        )

    def local_days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "label": self.label,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "timezone": self.zone.key,
        }


def between(start: datetime, until: datetime, zone: ZoneInfo) -> Period:
    """The local days of the half-open window [start, until): two weeks from midnight are 14 days, not 15."""
    first = start.astimezone(zone).date()
    last = (until - timedelta(microseconds=1)).astimezone(zone).date()
    if last < first:
        raise UsageError(msg("usage.window_backwards"))
    if last - first == timedelta(days=6) and first.weekday() == 0:
        return Period("week", first, last, zone)
    return Period("range", first, last, zone)


#: the days a period may cover: a year to spare at each end, so that its neighbours, its local midnights and
#: their UTC times all stay inside what `date` and `datetime` can hold
EARLIEST, LATEST = date(2, 1, 1), date(9998, 12, 31)


def check_range(first: date, last: date, text: str) -> None:
    """A UsageError naming `text` when the days `first`..`last` leave EARLIEST..LATEST."""
    if first < EARLIEST or last > LATEST:
        raise UsageError(msg("usage.period_range", text=repr(text)))


def check_year(year: int, text: str) -> None:
    """As `check_range` for a whole year, before a month or week is computed (9999-12 overflows)."""
    if not EARLIEST.year <= year <= LATEST.year:
        raise UsageError(msg("usage.period_range", text=repr(text)))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _month(year: int, month: int, zone: ZoneInfo) -> Period:
    first = date(year, month, 1)
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period("month", first, nxt - timedelta(days=1), zone)


def _week(day: date, zone: ZoneInfo) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period("week", monday, monday + timedelta(days=6), zone)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(msg("usage.not_a_date", text=repr(text))) from None


def parse_period(text: str, *, zone: ZoneInfo, now: datetime) -> Period:
    """`2027-01-04`, `2027-W01`, `2027-01`, `FROM..TO`, or a job word (yesterday, last_week, ...); only days
    of the years 0002 to 9998."""
    text = text.strip()
    if m := re.match(r"(\d{4})", text):
        check_year(int(m.group(1)), text)
    period = _parse_period(text, zone=zone, now=now)
    check_range(period.first, period.last, text)
    span = timedelta(days=period.days)  # reports compare with the period before (and link the one after)
    if period.first - date.min <= span or date.max - period.last <= span:
        raise UsageError(msg("usage.period_too_long", text=repr(text)))
    return period


def _parse_period(text: str, *, zone: ZoneInfo, now: datetime) -> Period:
    today = now.astimezone(zone).date()
    words = {
        "today": lambda: Period("day", today, today, zone),
        "yesterday": lambda: Period("day", today - timedelta(days=1), today - timedelta(days=1), zone),
        "this_week": lambda: _week(today, zone),
        "last_week": lambda: _week(today - timedelta(days=7), zone),
        "last_7_days": lambda: Period("range", today - timedelta(days=7), today - timedelta(days=1), zone),
        "this_month": lambda: _month(today.year, today.month, zone),
        "last_month": lambda: _month(
            (today.replace(day=1) - timedelta(days=1)).year,
            (today.replace(day=1) - timedelta(days=1)).month,
            zone,
        ),
    }
    if text in words:
        return words[text]()
    if ".." in text:
        a, b = text.split("..", 1)
        first, last = _date(a), _date(b)
        if last < first:
            raise UsageError(msg("usage.period_backwards", text=repr(text)))
        return Period("range", first, last, zone)
    if m := re.fullmatch(r"(\d{4})-W(\d{1,2})", text, flags=re.IGNORECASE):
        try:
            monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise UsageError(msg("usage.no_week", text=repr(text))) from None
        return _week(monday, zone)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        if not 1 <= int(m.group(2)) <= 12:
            raise UsageError(msg("usage.no_month", text=repr(text)))
        return _month(int(m.group(1)), int(m.group(2)), zone)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = _date(text)
        return Period("day", day, day, zone)
    raise UsageError(msg("usage.bad_period", text=repr(text), words=", ".join(WORDS)))
