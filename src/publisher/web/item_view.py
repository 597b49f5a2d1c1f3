"""The item page's compliance section: the item's hits of the word lists (errors and warnings), the hits it
acknowledged in `allow:` (with their reasons), and near-duplicates of it in the calendar; every other problem
of `check` stays in the page's general list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from publisher.calendar.load import Checked
from publisher.compliance.scan import check_item
from publisher.models import Problem
from publisher.store.texts import published_texts
from publisher.web.state import AppState


@dataclass(frozen=True)
class ItemCompliance:
    """What the compliance section lists, and the rest of the item's problems."""

    hits: list[Problem] = field(default_factory=list)
    acknowledged: list[Problem] = field(default_factory=list)
    near: list[Problem] = field(default_factory=list)
    other: list[Problem] = field(default_factory=list)


def compliance_of(state: AppState, checked: Checked) -> ItemCompliance:
    """Split the item's problems; the word-list hits are found again (pure, cheap) so they are told apart
    exactly, and the near-duplicate pass runs over the calendar and the published posts as `publisher check`
    runs it."""
    if checked.item is None:
        return ItemCompliance(other=list(checked.problems))
    words = set(check_item(checked.item, state.ws.compliance))
    window = timedelta(seconds=state.ws.settings.compliance.published_window)
    history = published_texts(state.store, since=state.now() - window)
    with state.lock:  # the calendar's fingerprint caches are shared with the page's scans
        ordered = [c for c in state.checked if c.path != checked.path] + [checked]
        near = [
            p
            for p in state.calendar.with_near_duplicates(ordered, history)[-1].problems
            if p not in checked.problems
        ]
    mine = [p for p in checked.problems if p in words]
    return ItemCompliance(
        hits=[p for p in mine if p.severity != "info"],
        acknowledged=[p for p in mine if p.severity == "info"],
        near=near,
        other=[p for p in checked.problems if p not in words],
    )
