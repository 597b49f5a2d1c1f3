"""A big cold scan checks files on every core (this process takes a share, worker processes the rest): its
outcomes are exactly those of checking every file here, in the same order, for full and lean calendars."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import WS
from tests.test_check import GOOD

from publisher.calendar import load
from publisher.calendar.load import Calendar, Checked


def _calendar(ws: WS, count: int) -> None:
    for i in range(count):
        text = GOOD.replace("id: launch", f"id: item-{i}").replace("正文第一段", f"第 {i} 段正文")
        if i % 7 == 3:
            text = text.replace("media/b.png", f"media/missing-{i}.png")  # an error on one file in seven
        if i % 11 == 5:
            text = text.replace(f"id: item-{i}", "id: item-0")  # an id claimed twice
        ws.item(f"{i:03d}.md", text)


def _outcomes(checked: list[Checked]) -> list[tuple[object, ...]]:
    return [(c.path, c.item, c.problems, c.valid_targets, c.digest, c.texts, c.packed) for c in checked]


@pytest.mark.parametrize("lean", [False, True])
def test_a_parallel_scan_finds_what_one_process_finds(
    ws: WS, monkeypatch: pytest.MonkeyPatch, lean: bool
) -> None:
    _calendar(ws, 23)
    workspace = ws.open()
    here, here_changed = Calendar(workspace, lean=lean).scan()
    monkeypatch.setattr(load, "PARALLEL_FROM", 2)
    monkeypatch.setattr(load, "_TASK", 3)
    monkeypatch.setattr(load, "_LEAN_TASK", 3)
    monkeypatch.setattr(load.os, "cpu_count", lambda: 2)
    calendar = Calendar(workspace, lean=lean)
    spread, spread_changed = calendar.scan()
    assert _outcomes(spread) == _outcomes(here)
    assert spread_changed == here_changed and len(spread) == 23
    assert sum(1 for c in spread if c.errors) > 3  # the missing images and the twice-claimed ids
    # the media hashes the workers read came back: a re-scan checks nothing again
    assert set(calendar._media) >= {ws.root / "content" / "media" / n for n in ("a.png", "cover.png")}
    again, changed = calendar.scan()
    assert changed == set() and _outcomes(again) == _outcomes(spread)
    assert gc.isenabled()  # the collector paused for the scan runs again


PART = st.text(alphabet="ab._-中\x01 ", min_size=1, max_size=4).filter(lambda p: p not in (".", ".."))


@given(st.lists(st.lists(PART, min_size=1, max_size=3).map("/".join), max_size=30))
def test_files_come_in_path_order(names: list[str]) -> None:
    """The scan sorts the names it finds (a folder's path, "/", an entry's name) by a key compared in C; the
    order is Path's own."""
    names = [f"/ws/content/{n}" for n in names]
    assert sorted(names, key=load._order) == sorted(names, key=lambda n: Path(n).parts)
