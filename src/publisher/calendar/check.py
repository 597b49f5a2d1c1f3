"""`publisher check`: parse and validate the whole calendar, and find one item by id or path."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.calendar.load import Calendar, Checked
from publisher.errors import UsageError
from publisher.messages import msg
from publisher.models import Problem, Target
from publisher.redact import redact_text
from publisher.workspace.settings import Workspace

if TYPE_CHECKING:
    from publisher.store.texts import PublishedText

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    """Every file's outcome of `publisher check`."""

    checked: tuple[Checked, ...]
    timing: tuple[Problem, ...] = ()  # warnings about the clock (a publish_at already past)

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.checked for p in c.problems] + list(self.timing)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def acknowledged(self) -> list[Problem]:
        """Compliance hits an item acknowledged in `allow:` (listed, never blocking)."""
        return [p for p in self.problems if p.severity == "info"]

    @property
    def item_count(self) -> int:
        return len(self.checked)

    def per_platform(self) -> dict[str, tuple[int, int]]:
        counts: dict[str, list[int]] = {}
        for c in self.checked:
            if c.item is None:
                continue
            for t in c.item.targets:
                slot = counts.setdefault(t.platform, [0, 0])
                slot[0 if (t.platform, t.account) in c.valid_targets else 1] += 1
        return {k: (v[0], v[1]) for k, v in counts.items()}

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The outcome as data: each finding's stable `code`, its message in `lang` (Chinese unless "en")."""
        return {
            "ok": not self.errors,
            "items": self.item_count,
            "errors": [p.to_dict(lang) for p in self.errors],
            "warnings": [p.to_dict(lang) for p in self.warnings],
            "acknowledged": [p.to_dict(lang) for p in self.acknowledged],
            "valid": {
                c.item.id: sorted(f"{p}:{a}" for p, a in c.valid_targets) for c in self.checked if c.item
            },
            "per_platform": {k: {"valid": v[0], "invalid": v[1]} for k, v in self.per_platform().items()},
        }


def check_workspace(
    ws: Workspace,
    calendar: Calendar | None = None,
    now: datetime | None = None,
    published: Sequence[PublishedText] | None = None,
) -> CheckResult:
    """Parse and validate the whole calendar; with `now`, also warn about ready posts already past due.
    Near-duplicates are looked for in the calendar and in `published` (by default the workspace store's
    posts of the published window, when a store exists: check never creates one)."""
    calendar = calendar or Calendar(ws)
    checked, _changed = calendar.scan()
    if published is None:
        published = published_history(ws, checked, now)
    checked = calendar.with_near_duplicates(checked, published)
    return CheckResult(tuple(checked), tuple(past_due(ws, checked, now)) if now else ())


def published_history(ws: Workspace, checked: list[Checked], now: datetime | None) -> list[PublishedText]:
    """The texts the workspace's store holds of posts published within the published window before `now`
    (or before the calendar's first post); [] without a store (a fresh folder, a machine that never synced)
    or when the database cannot be reached: the history is a help, never a reason for check to fail."""
    url = ws.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return []
    times = [
        t.publish_at for c in checked if c.item for t in c.item.targets if isinstance(t.publish_at, datetime)
    ]
    start = now or (min(times) if times else None)
    if start is None:
        return []
    since = start - timedelta(seconds=ws.settings.compliance.published_window)
    from publisher.store.db import open_store
    from publisher.store.texts import published_texts

    try:
        return published_texts(open_store(url), since=since)
    except Exception as exc:  # a database that is down or locked: check the calendar alone, and say so
        logger.warning("near-duplicates: published history not read (%s)", redact_text(str(exc)))
        return []


def past_due(ws: Workspace, checked: list[Checked], now: datetime) -> list[Problem]:
    """A warning per ready item and past `publish_at`, saying what the late window will do with it."""
    found: list[Problem] = []
    for c in checked:
        if c.item is None or c.item.status != "ready":
            continue
        late: dict[tuple[datetime, timedelta], list[str]] = {}
        lines: dict[datetime, int] = {}
        for t in c.item.targets:
            if isinstance(t.publish_at, datetime) and t.publish_at < now:
                late.setdefault((t.publish_at, _late_window(ws, t)), []).append(t.platform)
                key = f"platforms.{t.platform}.publish_at"
                lines.setdefault(t.publish_at, c.item.lines.get(key, c.item.lines.get("publish_at", t.line)))
        for (when, window), platforms in sorted(late.items()):
            local = when.astimezone(ws.zone).strftime("%Y-%m-%d %H:%M")
            ends = (when + window).astimezone(ws.zone).strftime("%Y-%m-%d %H:%M")
            what = msg("past_due.late" if when + window > now else "past_due.missed", ends=ends)
            found.append(
                Problem.of(
                    c.path,
                    lines[when],
                    "publish_at",
                    msg("past_due", when=local, platforms=sorted(set(platforms)), what=what),
                    msg("past_due.hint", id=c.item.id),
                    severity="warning",
                )
            )
    return found


def find_item(calendar: Calendar, ref: str) -> Checked:
    """An item by id or by file path (relative to the workspace or the current folder)."""
    checked, _ = calendar.scan()
    by_id = {c.item.id: c for c in checked if c.item}
    if ref in by_id:
        return by_id[ref]
    candidate = Path(ref)
    for base in (Path.cwd(), calendar.ws.root, calendar.ws.content_dir):
        full = (base / candidate).resolve()
        for c in checked:
            if (calendar.ws.root / c.path).resolve() == full:
                return c
    from publisher.content.item import suggest

    hint = suggest(ref, list(by_id))
    raise UsageError(msg("usage.no_item", ref=repr(ref), hint=msg("usage.then", text=hint) if hint else ""))


def _late_window(ws: Workspace, target: Target) -> timedelta:
    """The target's late window as sync computes it: its `late_window:` field, else the platform's."""
    from publisher.errors import ConfigError
    from publisher.platforms.durations import duration as _duration

    default = ws.rules[target.platform].schedule.late_window_s if target.platform in ws.rules else 7200.0
    value = target.fields.get("late_window")
    try:
        return timedelta(seconds=default if value is None else _duration(value, where="", key=""))
    except ConfigError:
        return timedelta(seconds=default)
