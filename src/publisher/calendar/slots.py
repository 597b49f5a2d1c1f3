"""Posting slots: read `schedules/slots.yaml` and hand each `publish_at: slot` post the next free slot."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from publisher.errors import ConfigError
from publisher.messages import msg
from publisher.models import Item, Target
from publisher.platforms.durations import duration as _duration
from publisher.store.db import Store
from publisher.store.posts import scheduled_for_account
from publisher.workspace.files import known_keys, read_schedule_file
from publisher.workspace.settings import Workspace

SLOTS_FILE = "schedules/slots.yaml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_WORDS = {"daily": frozenset(range(7)), "weekdays": frozenset(range(5)), "weekends": frozenset({5, 6})}
SlotFinder = Callable[[Target, Item, datetime], datetime | None]


def wall_to_utc(naive: datetime, zone: ZoneInfo) -> datetime | None:
    """A local wall-clock time as UTC: None if it does not exist (DST gap), the first occurrence on a fold."""
    early = naive.replace(tzinfo=zone, fold=0)
    utc = early.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        return None  # the gap: the wall clock never shows this time that day
    return utc


def parse_days(value: Any, *, where: str, key: str) -> frozenset[int]:
    """`daily`, `weekdays`, `weekends` or a list of mon..sun; never numbers (is 0 Sunday or Monday?)."""
    if isinstance(value, str) and value.strip().lower() in DAY_WORDS:
        return DAY_WORDS[value.strip().lower()]
    items = value if isinstance(value, list) else [value]
    days: set[int] = set()
    for entry in items:
        name = str(entry).strip().lower()[:3] if isinstance(entry, str) else None
        if name not in WEEKDAYS:
            raise ConfigError(
                msg("usage.slot_days", entry=repr(entry)),
                path=where,
                key=key,
            )
        days.add(WEEKDAYS.index(name))
    if not days:
        raise ConfigError(msg("usage.no_days"), path=where, key=key)
    return frozenset(days)


def _parse_time(value: Any, *, where: str, key: str) -> time:
    if not isinstance(value, str):
        raise ConfigError(
            msg("usage.time_quoted", value=repr(value)),
            path=where,
            key=key,
        )
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ConfigError(msg("usage.time_form", value=repr(value)), path=where, key=key)
    return time(int(m.group(1)), int(m.group(2)))


def _parse_date(value: Any, *, where: str, key: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(msg("usage.date_quoted", value=repr(value)), path=where, key=key) from None


@dataclass(frozen=True)
class SlotRule:
    """Weekdays (0 = Monday) and local times at which posts may go out, and how many per account share one."""

    days: frozenset[int]
    times: tuple[time, ...]
    capacity: int = 1


@dataclass(frozen=True)
class Blackout:
    """Days (inclusive) on which no slot is handed out, for some platforms/accounts or all (None)."""

    start: date
    end: date
    names: frozenset[str] | None
    reason: str = ""

    def covers(self, day: date, platform: str, account: str) -> bool:
        applies = self.names is None or platform in self.names or account in self.names
        return applies and self.start <= day <= self.end


@dataclass(frozen=True)
class SlotConfig:
    """`schedules/slots.yaml`, validated."""

    zone: ZoneInfo
    horizon_s: float = 30 * 86400.0
    slots: dict[str, tuple[SlotRule, ...]] = field(default_factory=dict)
    blackouts: tuple[Blackout, ...] = ()

    def rules_for(self, platform: str, account: str) -> tuple[SlotRule, ...]:
        """An account's own entry replaces its platform's."""
        if account in self.slots:
            return self.slots[account]
        return self.slots.get(platform, ())

    def blackout(self, day: date, platform: str, account: str) -> Blackout | None:
        return next((b for b in self.blackouts if b.covers(day, platform, account)), None)

    def day_slots(self, day: date, platform: str, account: str) -> list[tuple[datetime, int]]:
        """The UTC instants of one local day's slots with their capacity; a DST-skipped time is left out."""
        if self.blackout(day, platform, account):
            return []
        found: dict[datetime, int] = {}
        for rule in self.rules_for(platform, account):
            if day.weekday() not in rule.days:
                continue
            for t in rule.times:
                instant = wall_to_utc(datetime.combine(day, t), self.zone)
                if instant is not None:
                    found[instant] = max(found.get(instant, 0), rule.capacity)
        return sorted(found.items())

    def candidates(
        self, platform: str, account: str, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, int]]:
        """Every slot instant in [start, end], in order."""
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            for instant, capacity in self.day_slots(day, platform, account):
                if start <= instant <= end:
                    yield instant, capacity
            day += timedelta(days=1)

    def is_slot(self, instant: datetime, platform: str, account: str) -> bool:
        """True if `instant` is one of the slots of its local day (and that day is not blacked out)."""
        day = instant.astimezone(self.zone).date()
        return any(abs((s - instant).total_seconds()) < 1 for s, _ in self.day_slots(day, platform, account))


def load_slots(ws: Workspace) -> SlotConfig | None:
    """Read `schedules/slots.yaml`; None when it does not exist. Errors name the file and the key."""
    path = ws.root / SLOTS_FILE
    if not path.is_file():
        return None
    return parse_slots(path, ws.settings.timezone)


def parse_slots(path: Path, default_zone: str) -> SlotConfig:
    where = SLOTS_FILE
    data, zone = read_schedule_file(path, where, {"timezone", "horizon", "slots", "blackout"}, default_zone)
    horizon = _duration(data.get("horizon", "30d"), where=where, key="horizon")
    slots: dict[str, tuple[SlotRule, ...]] = {}
    raw_slots = data.get("slots") or {}
    if not isinstance(raw_slots, dict):
        raise ConfigError(msg("usage.slots_mapping"), path=where, key="slots")
    for name, rules in raw_slots.items():
        if rules is None:
            rules = []
        if not isinstance(rules, list):
            raise ConfigError(msg("usage.rules_list"), path=where, key=f"slots.{name}")
        parsed = []
        for i, rule in enumerate(rules):
            key = f"slots.{name}[{i}]"
            rule = known_keys(rule, {"days", "times", "capacity"}, where=where, key=key)
            times = rule.get("times")
            if not isinstance(times, list) or not times:
                raise ConfigError(msg("usage.times_list"), path=where, key=f"{key}.times")
            capacity = rule.get("capacity", 1)
            if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
                raise ConfigError(
                    msg("usage.positive", value=repr(capacity)), path=where, key=f"{key}.capacity"
                )
            parsed.append(
                SlotRule(
                    days=parse_days(rule.get("days", "daily"), where=where, key=f"{key}.days"),
                    times=tuple(
                        _parse_time(t, where=where, key=f"{key}.times[{j}]") for j, t in enumerate(times)
                    ),
                    capacity=capacity,
                )
            )
        slots[str(name)] = tuple(parsed)
    blackouts = []
    raw_blackouts = data.get("blackout") or []
    if not isinstance(raw_blackouts, list):
        raise ConfigError(msg("usage.blackout_list"), path=where, key="blackout")
    for i, entry in enumerate(raw_blackouts):
        key = f"blackout[{i}]"
        entry = known_keys(entry, {"date", "from", "until", "platforms", "reason"}, where=where, key=key)
        if "date" in entry:
            if "from" in entry or "until" in entry:
                raise ConfigError(msg("usage.date_or_range"), path=where, key=key)
            start = end = _parse_date(entry["date"], where=where, key=f"{key}.date")
        elif "from" in entry and "until" in entry:
            start = _parse_date(entry["from"], where=where, key=f"{key}.from")
            end = _parse_date(entry["until"], where=where, key=f"{key}.until")
            if end < start:
                raise ConfigError(msg("usage.until_before"), path=where, key=f"{key}.until")
        else:
            raise ConfigError(msg("usage.needs_date"), path=where, key=key)
        names = entry.get("platforms")
        if names is not None and not isinstance(names, list):
            raise ConfigError(msg("usage.names_list"), path=where, key=f"{key}.platforms")
        blackouts.append(
            Blackout(
                start,
                end,
                frozenset(map(str, names)) if names is not None else None,
                str(entry.get("reason") or ""),
            )
        )
    return SlotConfig(zone=zone, horizon_s=horizon, slots=slots, blackouts=tuple(blackouts))


@dataclass
class _Finder:
    """One sync's slot finder: remembers what it handed out so two items never get the same slot."""

    ws: Workspace
    store: Store
    config: SlotConfig
    _taken: dict[tuple[str, str], list[tuple[str, datetime, bool]]] = field(default_factory=dict)
    _stored: dict[tuple[str, str, str], datetime | None] = field(default_factory=dict)

    def _load(self, platform: str, account: str) -> list[tuple[str, datetime, bool]]:
        """(item id, due_at, chosen by a slot) of the account's posts in the store."""
        key = (platform, account)
        if key not in self._taken:
            rows = scheduled_for_account(self.store, platform, account)
            self._taken[key] = [
                (item_id, due_at, _slot_chosen(fields, platform, account)) for item_id, due_at, fields in rows
            ]
            for item_id, due_at, _fields in rows:
                self._stored[(item_id, platform, account)] = due_at
        return self._taken[key]

    def __call__(self, target: Target, item: Item, now: datetime) -> datetime | None:
        platform, account = target.platform, target.account
        rules = self.config.rules_for(platform, account)
        if not rules:
            return None
        others = [(t, by_slot) for owner, t, by_slot in self._load(platform, account) if owner != item.id]
        taken = [t for t, _ in others]
        schedule = self.ws.rules[platform].schedule if platform in self.ws.rules else None
        kept = self._stored.get((item.id, platform, account))
        # A chosen slot stays put across re-syncs (sync is idempotent) unless it stopped being a slot, or a
        # post with an explicit time (which a person chose) now needs that minute.
        if kept is not None and self.config.is_slot(kept, platform, account):
            fixed = [t for t, by_slot in others if not by_slot]
            capacity = max(
                (
                    c
                    for s, c in self.config.day_slots(
                        kept.astimezone(self.config.zone).date(), platform, account
                    )
                    if s == kept
                ),
                default=1,
            )
            if self._fits(kept, capacity, fixed, schedule, daily=False):
                return kept
        start = now + timedelta(seconds=(schedule.earliest_ahead_s or 0) if schedule else 0)
        end = now + timedelta(seconds=self.config.horizon_s)
        if schedule and schedule.latest_ahead_s:
            end = min(end, now + timedelta(seconds=schedule.latest_ahead_s))
        for instant, capacity in self.config.candidates(platform, account, start, end):
            if self._fits(instant, capacity, taken, schedule):
                self._taken[(platform, account)].append((item.id, instant, True))
                self._stored[(item.id, platform, account)] = instant
                return instant
        return None

    def _fits(
        self, instant: datetime, capacity: int, taken: list[datetime], schedule: Any, *, daily: bool = True
    ) -> bool:
        same = sum(1 for t in taken if abs((t - instant).total_seconds()) < 60)
        if same >= capacity:
            return False
        if schedule is None:
            return True
        if daily and schedule.daily_cap is not None:
            day = instant.astimezone(self.config.zone).date()
            if sum(1 for t in taken if t.astimezone(self.config.zone).date() == day) >= schedule.daily_cap:
                return False
        spacing = schedule.min_spacing_s or 0
        # Posts sharing the slot minute are governed by capacity; spacing is between different times.
        return all(
            abs((t - instant).total_seconds()) < 60 or abs((t - instant).total_seconds()) >= spacing
            for t in taken
        )


def _slot_chosen(fields: Any, platform: str, account: str) -> bool:
    """Whether the stored front matter asks for a slot on this platform account (its own override wins)."""
    if not isinstance(fields, dict):
        return False
    per = fields.get("platforms")
    for name in (account, platform):
        if isinstance(per, dict) and isinstance(per.get(name), dict) and "publish_at" in per[name]:
            return str(per[name]["publish_at"]).strip().lower() == "slot"
    return str(fields.get("publish_at", "")).strip().lower() == "slot"


def finder(ws: Workspace, store: Store) -> SlotFinder | None:
    """The slot finder for one sync, or None when the workspace has no `schedules/slots.yaml`."""
    config = load_slots(ws)
    return None if config is None else _Finder(ws, store, config)
