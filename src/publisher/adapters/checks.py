"""Check schedules for work a platform finishes after our request (a publish job, a review): adapters never
sleep, they name when the queue should ask again (`poll_after_s`), counted from a moment stored with the
post, so the checks follow the schedule however often the queue restarts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


def next_check_after(started_at: float | None, now: datetime, marks: Sequence[float], every: float) -> float:
    """Seconds from `now` to the next check: the first of `marks` (seconds after `started_at`, a POSIX time)
    still ahead, then every `every` seconds. An unknown start counts from now. Never less than a second."""
    start = now.timestamp() if started_at is None else started_at
    elapsed = now.timestamp() - start
    mark = next((at for at in marks if at > elapsed), None)
    if mark is None:
        mark = elapsed + every
    return max(1.0, mark - elapsed)
