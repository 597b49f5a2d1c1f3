"""Input that used to end in "internal error": each is now a content problem naming file, line and field."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from tests.conftest import WS
from tests.test_check import GOOD, run_check

from publisher.calendar.load import Calendar


def test_a_date_outside_the_calendar_is_a_content_error(ws: WS) -> None:
    ws.item("old.md", GOOD.replace("publish_at: 2026-12-01 12:00", "publish_at: 0001-01-01 00:00"))
    problems = run_check(ws)["content/old.md"]
    assert any(p.startswith("content/old.md:4: publish_at:") and "outside the dates" in p for p in problems)
    assert not any("internal error" in p for p in problems), problems


def test_a_5000_digit_number_is_named_not_a_python_limit(ws: WS) -> None:
    ws.item("big.md", GOOD.replace("publish_at: 2026-12-01 12:00", "publish_at: " + "9" * 5000))
    problems = run_check(ws)["content/big.md"]
    assert any("content/big.md:4: publish_at: a number of 5,000 digits is too long" in p for p in problems)
    assert not any("set_int_max_str_digits" in p for p in problems), problems


def test_a_symlinked_item_outside_the_workspace_is_refused(ws: WS, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text(GOOD, encoding="utf-8")
    os.symlink(outside, ws.root / "content" / "linked.md")
    problems = run_check(ws)["content/linked.md"]
    assert problems == [
        "content/linked.md:1: file: is a symlink to a file outside the workspace "
        "(hint: copy the file into content/ instead of linking to it)"
    ]


def test_a_symlink_inside_the_workspace_is_read(ws: WS) -> None:
    real = ws.item("drafts/real.md", GOOD.replace("id: launch", "id: real"))
    os.symlink(real, ws.root / "content" / "alias.md")
    problems = run_check(ws)
    assert not any("symlink" in p for p in problems.get("content/alias.md", []))


def test_a_file_name_with_a_line_break_is_refused(ws: WS) -> None:
    ws.item("new\nline.md", GOOD)
    problems = run_check(ws)
    assert problems["content/new?line.md"] == [
        "content/new?line.md:1: file: the file name contains a line break or another control character "
        "(hint: rename the file to plain letters, digits, - and _)"
    ]


def test_a_slow_file_is_named_in_the_log(ws: WS, caplog: pytest.LogCaptureFixture) -> None:
    """Criterion 4: a sync that spends its time on one file says which (the threshold is a setting of the
    Calendar, so the test needs no slow file: 0 s makes every file slow, an hour none)."""
    ws.item("slow one.md", GOOD)
    with caplog.at_level(logging.WARNING, logger="publisher.calendar.load"):
        Calendar(ws.open(), lean=True, slow_file_s=3600).scan()
        assert not caplog.records
        Calendar(ws.open(), lean=True, slow_file_s=0.0).scan()
    assert [r.getMessage().split(" took ")[0] for r in caplog.records] == ["checking content/slow one.md"]


def test_a_content_file_over_the_cap_is_named_without_being_read_whole(ws: WS) -> None:
    """Criterion 4: a content file is read with a 1 MB cap; a bigger one is a content error naming the limit
    (it claimed the file had 1,000,001 bytes, the most that was read, whatever its size)."""
    ws.item("huge.md", GOOD + ("正文" * 10 + "\n") * 100_000)
    problems = run_check(ws)["content/huge.md"]
    assert problems == [
        "content/huge.md:1: file: file is larger than the 1,000,000-byte limit (only its start was read) "
        "(hint: split it, and keep media in separate files)"
    ]
