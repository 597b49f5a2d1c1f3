"""DST matrix (Asia/Shanghai, Europe/Berlin, America/Los_Angeles): local times, slots and cron periods."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given, settings
from hypothesis import strategies as st
from support.fuzzing import examples
from tests.conftest import WS

from publisher.calendar.check import check_workspace
from publisher.calendar.slots import SlotConfig, SlotRule, wall_to_utc
from publisher.calendar.sync import sync_calendar
from publisher.content.timeparse import TimeError, local_to_utc
from publisher.daemon.jobs import parse_cron
from publisher.queue.overview import post_views
from publisher.store.db import Store, open_store

ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/Los_Angeles"]
START, END = date(2020, 1, 1), date(2030, 12, 31)


@cache
def transition_days(zone_name: str) -> frozenset[date]:
    """Local dates on which the zone's UTC offset changes."""
    zone = ZoneInfo(zone_name)
    days = set()
    d = START
    while d <= END:
        before = datetime.combine(d, time(0), tzinfo=zone).utcoffset()
        after = datetime.combine(d + timedelta(days=1), time(0), tzinfo=zone).utcoffset()
        if before != after:
            days.add(d)
        d += timedelta(days=1)
    return frozenset(days)


def occurrences(naive: datetime, zone: ZoneInfo) -> list[datetime]:
    """Every UTC instant whose wall clock in `zone` reads `naive` (an oracle independent of fold tricks)."""
    offsets = {(naive + timedelta(hours=h)).replace(tzinfo=zone).utcoffset() for h in (-26, 26)}
    found = set()
    for offset in offsets:
        assert offset is not None
        instant = (naive - offset).replace(tzinfo=UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == naive:
            found.add(instant)
    return sorted(found)


@st.composite
def local_times(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a naive local time, half of them within 3 hours of a DST change."""
    zone = draw(st.sampled_from(ZONES))
    days = sorted(transition_days(zone))
    if days and draw(st.booleans()):
        day = draw(st.sampled_from(days))
        minutes = draw(st.integers(-180, 180)) + 150  # transitions are at 01:00-03:00 local
        return zone, datetime.combine(day, time(0)) + timedelta(minutes=minutes)
    naive = draw(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)))
    return zone, naive.replace(second=0, microsecond=0)


@settings(max_examples=examples(400))
@given(local_times())
def test_gaps_and_folds_raise_everything_else_round_trips(case: tuple[str, datetime]) -> None:
    zone_name, naive = case
    zone = ZoneInfo(zone_name)
    found = occurrences(naive, zone)
    if len(found) == 1:
        utc = local_to_utc(naive, zone)
        assert utc == found[0]
        assert utc.astimezone(zone).replace(tzinfo=None) == naive
        assert wall_to_utc(naive, zone) == utc
    else:
        with pytest.raises(TimeError, match="does not exist" if not found else "occurs twice"):
            local_to_utc(naive, zone)
        # Slots and cron resolve instead of refusing: a skipped time is None, a repeated one its first.
        assert wall_to_utc(naive, zone) == (found[0] if found else None)


def test_shanghai_has_no_dst_and_the_known_changes() -> None:
    assert transition_days("Asia/Shanghai") == frozenset()
    assert date(2026, 3, 29) in transition_days("Europe/Berlin")
    assert date(2026, 11, 1) in transition_days("America/Los_Angeles")
    with pytest.raises(TimeError, match="does not exist in Europe/Berlin"):
        local_to_utc(datetime(2026, 3, 29, 2, 30), ZoneInfo("Europe/Berlin"))
    with pytest.raises(TimeError, match="occurs twice in America/Los_Angeles"):
        local_to_utc(datetime(2026, 11, 1, 1, 30), ZoneInfo("America/Los_Angeles"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'publisher.db'}")
    yield s
    s.close()


@pytest.mark.parametrize(
    ("publish_at", "words"),
    [
        ("2026-03-29 02:30", "does not exist in Europe/Berlin"),
        ("2026-10-25 02:30", "occurs twice in Europe/Berlin"),
        ("2026-11-01 01:30 America/Los_Angeles", "occurs twice in America/Los_Angeles"),
    ],
)
def test_a_dst_time_in_an_item_is_an_error_naming_the_item(ws: WS, publish_at: str, words: str) -> None:
    toml = ws.root / "publisher.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("Asia/Shanghai", "Europe/Berlin"), encoding="utf-8"
    )
    ws.item(
        "dst.md",
        f"---\ntitle: dst\npublish_at: {publish_at}\nplatforms: [xiaohongshu]\n"
        "images: [media/a.png]\n---\nbody\n",
    )
    errors = [p.format() for p in check_workspace(ws.open()).errors]
    assert any(e.startswith("content/dst.md:3: publish_at") and words in e for e in errors), errors


def berlin_slots(*times: str) -> SlotConfig:
    rule = SlotRule(frozenset(range(7)), tuple(time.fromisoformat(t) for t in times))
    return SlotConfig(zone=ZoneInfo("Europe/Berlin"), slots={"xiaohongshu": (rule,)})


def utc_times(config: SlotConfig, day: date) -> list[str]:
    return [i.strftime("%H:%M") for i, _ in config.day_slots(day, "xiaohongshu", "xiaohongshu")]


def test_slots_on_dst_change_days() -> None:
    config = berlin_slots("02:30", "09:00")
    assert utc_times(config, date(2026, 3, 28)) == ["01:30", "08:00"]  # CET
    assert utc_times(config, date(2026, 3, 29)) == ["07:00"]  # 02:30 does not exist that day: skipped
    assert utc_times(config, date(2026, 10, 25)) == ["00:30", "08:00"]  # 02:30 twice: the first one, once
    assert utc_times(config, date(2026, 10, 26)) == ["01:30", "08:00"]


def test_slot_finder_across_dst(ws: WS, store: Store) -> None:
    (ws.root / "schedules").mkdir()
    (ws.root / "schedules" / "slots.yaml").write_text(
        'timezone: Europe/Berlin\nslots:\n  xiaohongshu:\n    - days: daily\n      times: ["02:30"]\n'
    )
    for name in ("a", "b", "c"):
        ws.item(
            f"{name}.md",
            f"---\ntitle: {name}\npublish_at: slot\nplatforms: [xiaohongshu]\n"
            "images: [media/a.png]\n---\nbody\n",
        )
    sync_calendar(ws.open(), store, now=datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    got = sorted(v.due_at.isoformat() for v in post_views(store) if v.due_at)
    assert got == ["2026-03-28T01:30:00+00:00", "2026-03-30T00:30:00+00:00", "2026-03-31T00:30:00+00:00"]
    store2 = open_store(f"sqlite:///{ws.root / 'fold.db'}")
    try:
        sync_calendar(ws.open(), store2, now=datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
        got = sorted(v.due_at.isoformat() for v in post_views(store2) if v.due_at)
    finally:
        store2.close()
    # 02:30 on 25 October happens at 00:30 and 01:30 UTC: only the first is a slot (one post, capacity 1).
    assert got == ["2026-10-25T00:30:00+00:00", "2026-10-26T01:30:00+00:00", "2026-10-27T01:30:00+00:00"]


def test_cron_periods_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    nightly = parse_cron("30 2 * * *")
    utc = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    # Spring forward: no run on 29 March; the period at noon that day is still 28 March's.
    assert nightly.last_fire(utc(2026, 3, 29, 10), berlin) == utc(2026, 3, 28, 1, 30)
    assert nightly.next_fire(utc(2026, 3, 28, 12), berlin) == utc(2026, 3, 30, 0, 30)
    # Fall back: 02:30 happens twice on 25 October; the job runs once, at the first.
    first = nightly.next_fire(utc(2026, 10, 24, 12), berlin)
    assert first == utc(2026, 10, 25, 0, 30)
    assert nightly.next_fire(first, berlin) == utc(2026, 10, 26, 1, 30)
    assert nightly.last_fire(utc(2026, 10, 25, 1, 45), berlin) == first  # the repeat is the same period
    hourly = parse_cron("0 * * * *")
    fires, t = [], utc(2026, 10, 24, 23, 30)
    while (t := hourly.next_fire(t, berlin)) < utc(2026, 10, 25, 4, 0):  # type: ignore[operator]
        fires.append(t.astimezone(berlin).strftime("%H:%M%z"))
    # 02:00 comes twice (00:00 and 01:00 UTC): one run, at the first; then 03:00 and 04:00 winter time.
    assert fires == ["02:00+0200", "03:00+0100", "04:00+0100"]


CRONS = ["0 */2 * * *", "0 9 * * *", "30 9 * * mon", "15 1,2,3 * * *", "0 12 1 * *", "45 23 * * fri-sun"]


@settings(max_examples=examples(300))
@given(
    st.sampled_from(ZONES),
    st.sampled_from(CRONS),
    st.datetimes(min_value=datetime(2021, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)),
)
def test_cron_periods_are_consistent_and_agree_with_apscheduler(
    zone_name: str, text: str, now: datetime
) -> None:
    zone = ZoneInfo(zone_name)
    cron = parse_cron(text)
    now = now.replace(microsecond=0)
    last = cron.last_fire(now, zone)
    nxt = cron.next_fire(now, zone)
    assert last is not None and nxt is not None
    assert last <= now < nxt
    assert cron.next_fire(last, zone) == nxt  # nothing fires between the period's start and now
    # APScheduler 3's CronTrigger (our alarm clock) agrees away from DST-change days, where we skip gaps
    # and fire folds once.
    trigger = CronTrigger(timezone=zone, **cron.trigger_fields())
    theirs = trigger.get_next_fire_time(None, (now + timedelta(seconds=1)).astimezone(zone))
    assert theirs is not None
    days = transition_days(zone_name)
    if nxt.astimezone(zone).date() not in days and theirs.astimezone(zone).date() not in days:
        assert theirs.astimezone(UTC) == nxt
