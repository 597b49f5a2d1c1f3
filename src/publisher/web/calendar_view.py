"""Pure: lay posts out as a month or ISO-week calendar in the workspace's time zone."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from publisher.calendar.load import Checked
from publisher.errors import UsageError
from publisher.messages import msg
from publisher.queue.overview import PostView
from publisher.reports.period import check_range, check_year

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
DRAFT = "draft"  # not a post state: a draft item shown where it would go, never published
#: states whose post may still be rescheduled by moving the item's publish_at (sync decides the rest)
MOVABLE = frozenset({DRAFT, "queued", "held", "waiting_approval", "missed", "planned"})


@dataclass(frozen=True)
class Entry:
    """One post (or a draft item's target) on the calendar."""

    post_id: int | None
    item_id: str
    title: str
    platform: str
    account: str
    state: str
    when: datetime | None  # local time
    reason: str
    digest: str = ""  # SHA-256 of the item's file as the page saw it ("" when the file is unknown)
    key: str = ""  # the entry's name under `platforms:` in the file (the platform, or the account)

    @property
    def time(self) -> str:
        return f"{self.when:%H:%M}" if self.when else ""

    @property
    def movable(self) -> bool:
        """True when a drag may rewrite its publish_at: a known file, a date, a state still ahead."""
        return bool(self.digest) and self.when is not None and self.state in MOVABLE


@dataclass(frozen=True)
class Day:
    date: date
    in_range: bool  # inside the month (or week) shown, not the padding of the grid
    today: bool
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class CalendarView:
    """A month (rows of 7 days, Monday first) or a week (one row), with navigation and unscheduled posts."""

    kind: str  # month | week
    label: str
    rows: tuple[tuple[Day, ...], ...]
    prev: str  # query string of the previous period
    next: str
    other: str  # the same moment in the other view
    unscheduled: tuple[Entry, ...]
    count: int


def parse_period(month: str | None, week: str | None, today: date) -> tuple[str, date, date]:
    """("month"|"week", first day, last day) from ?month=2026-12 or ?week=2026-W49 (default: this month)."""
    if week:
        m = _WEEK.match(week)
        if m:
            check_year(int(m.group(1)), week)
        try:
            first = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1) if m else None
        except ValueError:
            first = None
        if first is None:
            raise UsageError(msg("usage.week_form", week=repr(week)))
        return "week", first, first + timedelta(days=6)
    if month:
        m = _MONTH.match(month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise UsageError(msg("usage.month_form", month=repr(month)))
        check_year(int(m.group(1)), month)
        first = date(int(m.group(1)), int(m.group(2)), 1)
    else:
        first = today.replace(day=1)
    return "month", first, _month_end(first)


def entries(
    posts: Iterable[PostView],
    checked: Iterable[Checked],
    zone: ZoneInfo,
    digests: Mapping[str, str] | None = None,
    lang: str = "en",
) -> list[Entry]:
    """Every post, plus each draft item's dated targets (so the plan shows what is still a draft).

    `digests` (item id -> its file's digest) makes entries movable by dragging.
    """
    checked = list(checked)
    digests = digests or {}
    titles = {c.item.id: c.item.title for c in checked if c.item is not None}
    listed = {c.item.id: _listed_names(c.item.fields) for c in checked if c.item is not None}

    def key(item_id: str, platform: str, account: str) -> str:
        return account if account in listed.get(item_id, ()) else platform

    out = [
        Entry(
            p.id,
            p.item,
            titles.get(p.item, p.item),
            p.platform,
            p.account,
            p.state,
            p.due_at.astimezone(zone) if p.due_at else None,
            p.reason_text(lang) if p.reason_msg else (p.last_error or p.reason),  # coded: in `lang`
            digests.get(p.item, ""),
            key(p.item, p.platform, p.account),
        )
        for p in posts
    ]
    for c in checked:
        item = c.item
        if item is None or item.status != DRAFT:
            continue
        for t in item.targets:
            when = t.publish_at.astimezone(zone) if isinstance(t.publish_at, datetime) else None
            out.append(
                Entry(
                    None,
                    item.id,
                    item.title,
                    t.platform,
                    t.account,
                    DRAFT,
                    when,
                    "draft: checked, never published",
                    digests.get(item.id, ""),
                    key(item.id, t.platform, t.account),
                )
            )
    return out


def _listed_names(fields: Mapping[str, Any]) -> frozenset[str]:
    raw = fields.get("platforms")
    return frozenset(str(k) for k in raw) if isinstance(raw, dict | list) else frozenset()


def build(kind: str, first: date, last: date, items: list[Entry], today: date) -> CalendarView:
    """The grid for [first, last], padded to whole weeks, each day's entries in time order."""
    grid_first = first - timedelta(days=first.weekday())
    grid_last = last + timedelta(days=6 - last.weekday())
    by_day: dict[date, list[Entry]] = {}
    for e in items:
        if e.when is not None:
            by_day.setdefault(e.when.date(), []).append(e)
    days = []
    d = grid_first
    while d <= grid_last:
        day_entries = sorted(by_day.get(d, []), key=lambda e: (e.when, e.platform, e.account))
        days.append(Day(d, first <= d <= last, d == today, tuple(day_entries)))
        d += timedelta(days=1)
    rows = tuple(tuple(days[i : i + 7]) for i in range(0, len(days), 7))
    unscheduled = tuple(sorted((e for e in items if e.when is None), key=lambda e: (e.item_id, e.platform)))
    count = sum(len(day.entries) for day in days if day.in_range)
    if kind == "week":
        year, number, _ = first.isocalendar()
        label = f"{year}-W{number:02d} · {first:%m-%d} – {last:%m-%d}"
        prev, nxt = week_query(first - timedelta(days=7)), week_query(first + timedelta(days=7))
        other = f"month={first:%Y-%m}"
    else:
        label = f"{first:%Y-%m}"
        prev = f"month={(first - timedelta(days=1)):%Y-%m}"
        nxt = f"month={(last + timedelta(days=1)):%Y-%m}"
        anchor = today if first <= today <= last else first
        other = week_query(anchor)
    return CalendarView(kind, label, rows, prev, nxt, other, unscheduled, count)


def week_query(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"week={year}-W{number:02d}"


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


MONTH_TILES = 4  # tiles a month-view day shows; the rest are a "+N more" link to that day's list
FILTER_KEYS = ("platform", "account", "state")
FIRST_HOUR = 6  # the week's hour grid runs 6:00-24:00; earlier posts share one row above it


@dataclass(frozen=True)
class Filters:
    """?platform=&account=&state= (empty: everything); kept across the month, week and list views."""

    platform: str = ""
    account: str = ""
    state: str = ""

    @classmethod
    def of(cls, query: Mapping[str, str]) -> Filters:
        return cls(*(str(query.get(k, "")).strip() for k in FILTER_KEYS))

    def keep(self, e: Entry) -> bool:
        return (
            (not self.platform or e.platform == self.platform)
            and (not self.account or e.account == self.account)
            and (not self.state or e.state == self.state)
        )

    @property
    def query(self) -> str:
        """ "&platform=..." for the filters that are set, to append to a view's link."""
        return "".join(f"&{k}={quote(v)}" for k, v in zip(FILTER_KEYS, self.values, strict=True) if v)

    @property
    def values(self) -> tuple[str, str, str]:
        return (self.platform, self.account, self.state)


@dataclass(frozen=True)
class HourRow:
    """One row of the week's hour grid: `hour` None is the row for everything before FIRST_HOUR."""

    hour: int | None
    cells: tuple[tuple[Day, tuple[Entry, ...]], ...]

    @property
    def label(self) -> str:
        return f"0:00–{FIRST_HOUR}:00" if self.hour is None else f"{self.hour}:00"


def hour_rows(week: tuple[Day, ...]) -> tuple[HourRow, ...]:
    """The week's posts by hour: a row before FIRST_HOUR (only when something is there), then 6..23."""
    early = tuple((d, tuple(e for e in d.entries if e.when and e.when.hour < FIRST_HOUR)) for d in week)
    rows = [HourRow(None, early)] if any(cell for _, cell in early) else []
    for hour in range(FIRST_HOUR, 24):
        rows.append(
            HourRow(
                hour, tuple((d, tuple(e for e in d.entries if e.when and e.when.hour == hour)) for d in week)
            )
        )
    return tuple(rows)


def parse_day(value: str) -> date:
    """?day=2026-12-02 for the list of one day."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UsageError(msg("usage.day_form", day=repr(value))) from None
    check_range(day, day, value)
    return day


def build_list(first: date, last: date, items: list[Entry], today: date) -> CalendarView:
    """The list view: the days of [first, last] that have posts, one row each, in time order."""
    grid = build("month", first, last, items, today)
    days = tuple(d for row in grid.rows for d in row if d.in_range and d.entries)
    if first == last:
        label = f"{first:%Y-%m-%d}"
        prev = f"view=list&day={(first - timedelta(days=1)).isoformat()}"
        nxt = f"view=list&day={(first + timedelta(days=1)).isoformat()}"
    else:
        label, prev, nxt = grid.label, f"view=list&{grid.prev}", f"view=list&{grid.next}"
    return CalendarView(
        "list",
        label,
        tuple((d,) for d in days),
        prev,
        nxt,
        f"month={first:%Y-%m}",
        grid.unscheduled,
        grid.count,
    )
