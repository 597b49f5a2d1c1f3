"""Posting slots: slots.yaml validation, the next free slot per account, blackouts, caps, stable choices."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.conftest import REPO, WS

from publisher.calendar.load import Calendar
from publisher.calendar.slots import SlotConfig, SlotRule, load_slots, parse_slots
from publisher.calendar.sync import sync_calendar
from publisher.errors import ConfigError
from publisher.queue.overview import post_views
from publisher.store.db import Store, open_store
from publisher.workspace.settings import DEFAULTS_DIR

SH = ZoneInfo("Asia/Shanghai")
MON_1030 = datetime(2026, 11, 30, 10, 30, tzinfo=SH)  # a Monday


def local(when: datetime | None) -> str:
    assert when is not None
    return when.astimezone(SH).strftime("%a %m-%d %H:%M")


def write_slots(ws: WS, text: str) -> None:
    (ws.root / "schedules").mkdir(exist_ok=True)
    (ws.root / "schedules" / "slots.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def slot_item(ws: WS, name: str, platforms: str = "[xiaohongshu]") -> None:
    ws.item(
        f"{name}.md",
        f"---\ntitle: {name}\npublish_at: slot\nplatforms: {platforms}\n"
        f"images: [media/a.png]\n---\nbody of {name}\n",
    )


@pytest.fixture
def store(ws: WS) -> Iterator[Store]:
    s = open_store(f"sqlite:///{ws.root / '.publisher' / 'publisher.db'}")
    yield s
    s.close()


def dues(store: Store) -> dict[str, str]:
    return {v.item: local(v.due_at) for v in post_views(store) if v.due_at}


XHS_WEEKDAYS = textwrap.dedent("""
    slots:
      xiaohongshu:
        - days: weekdays
          times: ["12:00", "20:30"]
""")


def test_reference_slots_load() -> None:
    config = parse_slots(REPO / "schedules" / "slots.yaml", "Asia/Shanghai")
    assert config.zone.key == "Asia/Shanghai" and config.horizon_s == 30 * 86400
    assert [r.times for r in config.slots["xiaohongshu"]] == [(time(12), time(20, 30)), (time(10),)]
    assert config.slots["producthunt"] == ()
    assert config.blackout(date(2026, 12, 25), "wechat", "wechat") is not None
    assert config.blackout(date(2026, 12, 31), "wechat", "wechat") is None  # only xiaohongshu and douyin
    assert config.blackout(date(2027, 1, 1), "douyin", "douyin") is not None


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (
            "slots:\n  xiaohongshu:\n    - days: daily\n      times: [12:00]\n",
            "slots.xiaohongshu[0].times[0]",
            "quoted",
        ),
        (
            "slots:\n  douyin:\n    - days: [1, 2]\n      times: ['12:00']\n",
            "slots.douyin[0].days",
            "numbers",
        ),
        (
            "slots:\n  douyin:\n    - days: daily\n      times: ['25:00']\n",
            "slots.douyin[0].times[0]",
            "HH:MM",
        ),
        ("slot:\n  douyin: []\n", "slot", "unknown key"),
        (
            "slots:\n  douyin:\n    - days: daily\n      time: ['12:00']\n",
            "slots.douyin[0].time",
            "unknown key",
        ),
        ("blackout:\n  - reason: x\n", "blackout[0]", "date"),
        ("blackout:\n  - from: '2026-12-02'\n    until: '2026-12-01'\n", "blackout[0].until", "before"),
        ("timezone: Mars/Olympus\n", "timezone", "time zone"),
    ],
)
def test_bad_slots_name_the_file_and_the_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    path = tmp_path / "slots.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        parse_slots(path, "Asia/Shanghai")
    assert str(err.value).startswith(f"schedules/slots.yaml:{key}: "), str(err.value)
    assert words in str(err.value)


def test_an_account_entry_replaces_its_platform() -> None:
    rule = SlotRule(frozenset(range(7)), (time(9),))
    config = SlotConfig(zone=SH, slots={"wechat": (rule,), "wechat_en": ()})
    assert config.rules_for("wechat", "wechat") == (rule,)
    assert config.rules_for("wechat", "wechat_en") == ()
    assert config.rules_for("douyin", "douyin") == ()


def test_slot_items_get_distinct_free_slots_and_keep_them(ws: WS, store: Store) -> None:
    write_slots(ws, XHS_WEEKDAYS)
    for name in ("a", "b", "c"):
        slot_item(ws, name)
    w = ws.open()
    calendar = Calendar(w)
    sync_calendar(w, store, now=MON_1030, calendar=calendar)
    assert dues(store) == {"a": "Mon 11-30 12:00", "b": "Mon 11-30 20:30", "c": "Tue 12-01 12:00"}
    # Idempotent: the same files later in the day change nothing, even after a's slot has passed.
    again = sync_calendar(w, store, now=datetime(2026, 11, 30, 13, 0, tzinfo=SH), calendar=calendar)
    assert again.changes == ()
    assert dues(store)["a"] == "Mon 11-30 12:00"


def test_earliest_ahead_skips_a_slot_too_close(ws: WS, store: Store) -> None:
    write_slots(ws, XHS_WEEKDAYS)
    slot_item(ws, "a")
    # Xiaohongshu schedules natively >= 1 h ahead (platform.yaml earliest_ahead_s): 12:00 is 30 min away.
    sync_calendar(ws.open(), store, now=datetime(2026, 11, 30, 11, 30, tzinfo=SH))
    assert dues(store) == {"a": "Mon 11-30 20:30"}


def test_a_new_blackout_moves_a_chosen_slot(ws: WS, store: Store) -> None:
    write_slots(ws, XHS_WEEKDAYS)
    slot_item(ws, "a")
    w = ws.open()
    sync_calendar(w, store, now=MON_1030)
    assert dues(store) == {"a": "Mon 11-30 12:00"}
    write_slots(ws, XHS_WEEKDAYS + "blackout:\n  - date: 2026-11-30\n    platforms: [xiaohongshu]\n")
    result = sync_calendar(w, store, now=MON_1030)
    assert [c.kind for c in result.changes] == ["due"]
    assert dues(store) == {"a": "Tue 12-01 12:00"}


def test_capacity_and_spacing(ws: WS, store: Store) -> None:
    write_slots(
        ws,
        """
        slots:
          xiaohongshu:
            - days: daily
              times: ["12:00"]
              capacity: 2
            - days: daily
              times: ["12:15", "18:00"]
    """,
    )
    for name in ("a", "b", "c"):
        slot_item(ws, name)
    sync_calendar(ws.open(), store, now=MON_1030)
    # Two share 12:00 (capacity 2); 12:15 is within Xiaohongshu's 30 min spacing of them, so c takes 18:00.
    assert dues(store) == {"a": "Mon 11-30 12:00", "b": "Mon 11-30 12:00", "c": "Mon 11-30 18:00"}


def test_daily_cap_from_platform_yaml(ws: WS, store: Store) -> None:
    shutil.copytree(DEFAULTS_DIR / "platforms" / "xiaohongshu", ws.root / "platforms" / "xiaohongshu")
    rules = ws.root / "platforms" / "xiaohongshu" / "platform.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("daily_cap: 50", "daily_cap: 1"), encoding="utf-8"
    )
    write_slots(ws, XHS_WEEKDAYS)
    slot_item(ws, "a")
    slot_item(ws, "b")
    sync_calendar(ws.open(), store, now=MON_1030)
    assert dues(store) == {"a": "Mon 11-30 12:00", "b": "Tue 12-01 12:00"}


def test_explicit_posts_take_slots_and_no_slot_is_reported(ws: WS, store: Store) -> None:
    write_slots(ws, XHS_WEEKDAYS + "  douyin: []\n")
    ws.item(
        "fixed.md",
        "---\ntitle: fixed\npublish_at: 2026-11-30 12:00\nplatforms: [xiaohongshu]\n"
        "images: [media/a.png]\n---\nbody\n",
    )
    w = ws.open()
    sync_calendar(w, store, now=MON_1030)
    slot_item(ws, "a")
    sync_calendar(w, store, now=MON_1030)
    assert dues(store) == {"fixed": "Mon 11-30 12:00", "a": "Mon 11-30 20:30"}
    slot_item(ws, "v", "[douyin]")
    sync_calendar(ws.open(), store, now=MON_1030)
    (view,) = [v for v in post_views(store) if v.item == "v"]
    assert view.state == "planned" and view.due_at is None and "no free slot" in view.reason


def test_a_slot_yields_to_an_explicit_time_added_in_the_same_sync(ws: WS, store: Store) -> None:
    write_slots(ws, XHS_WEEKDAYS)
    slot_item(ws, "a")  # a.md sorts before fixed.md: on the first sync the finder cannot know fixed's time
    ws.item(
        "fixed.md",
        "---\ntitle: fixed\npublish_at: 2026-11-30 12:00\nplatforms: [xiaohongshu]\n"
        "images: [media/a.png]\n---\nbody\n",
    )
    w = ws.open()
    sync_calendar(w, store, now=MON_1030)
    second = sync_calendar(w, store, now=MON_1030)  # the next sync sees the person's choice and moves a
    assert dues(store) == {"fixed": "Mon 11-30 12:00", "a": "Mon 11-30 20:30"}
    assert [c.kind for c in second.changes] == ["due"]
    assert sync_calendar(w, store, now=MON_1030).changes == ()


def test_no_slots_file_means_no_finder(ws: WS, store: Store) -> None:
    from publisher.calendar.slots import finder

    assert load_slots(ws.open()) is None
    assert finder(ws.open(), store) is None


def test_horizon_limits_the_search(ws: WS, store: Store) -> None:
    write_slots(ws, "horizon: 2d\n" + XHS_WEEKDAYS.replace("weekdays", "[fri]"))
    slot_item(ws, "a")
    sync_calendar(ws.open(), store, now=MON_1030)  # Friday is 4 days away: beyond the 2 d horizon
    (view,) = post_views(store)
    assert view.due_at is None and "no free slot" in view.reason
