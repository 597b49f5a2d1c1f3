"""The platform's own clock, read from the `Date` header of its answers, and reconcile's window on it.

Reconcile decides by identity (stored ids, then title/cover/text of what was sent); a window only bounds how
far back a newest-first listing is read. Timestamps in a platform's listings are on the platform's clock,
which may be minutes off ours, so the window is measured on that clock: before each non-idempotent step the
adapter records the platform's time (`SENT_AT`, epoch seconds on the platform's clock; the earliest such step
is kept), and the window opens `WIDE` before it. When the platform never told its time, the window opens
`BLIND` before our own start of the attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

import httpx

SENT_AT = "sent_at_platform"  # ids key: the platform's clock just before the first write step
WIDE = timedelta(hours=1)
BLIND = timedelta(hours=6)  # our clock against theirs, when they never said: far beyond any sane skew


def date_of(response: httpx.Response) -> datetime | None:
    """The time the answer carries in its `Date` header (the last one when a proxy added its own), or None."""
    values = response.headers.get_list("date")
    return _parsed(values[-1]) if values else None


@lru_cache(maxsize=64)
def _parsed(value: str) -> datetime | None:
    # The header changes once a second while answers come many a second: each value is parsed once.
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class PlatformClock:
    """Our clock plus the offset the platform's last dated answer showed; `now()` is None until one came."""

    def __init__(self, local: Callable[[], datetime]) -> None:
        self.local = local
        self.offset: timedelta | None = None

    def observe(self, response: httpx.Response) -> None:
        at = date_of(response)
        if at is not None:
            self.offset = at - self.local()

    def now(self) -> datetime | None:
        return None if self.offset is None else self.local() + self.offset

    def stamp(self, ids: Mapping[str, Any]) -> dict[str, Any]:
        """The ids to commit before a write step: the platform's time, unless an earlier step recorded it."""
        now = self.now()
        if now is None or _epoch(ids.get(SENT_AT)) is not None:
            return {}
        return {SENT_AT: now.timestamp()}


def window_start(ids: Mapping[str, Any], started_at: datetime, *also: datetime) -> datetime:
    """The earliest platform time at which this post's write could have landed, with a wide margin."""
    sent = _epoch(ids.get(SENT_AT))
    if sent is not None:
        return datetime.fromtimestamp(sent, UTC) - WIDE
    ours = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in (started_at, *also)]
    return min(ours) - BLIND


def _epoch(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None
