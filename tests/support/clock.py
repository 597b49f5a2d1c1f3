"""The one hand-moved clock of the tests: `now()` for the queue, the store, the daemon and the adapters.

When given the sandbox's World, moving it moves the fake platforms' clock too (never backwards there), `skew`
seconds ahead of ours (negative: behind), as a real platform's clock may be.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

#: 12:00 in Asia/Shanghai, the reference workspace's zone.
T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


class ManualClock:
    """A clock a test moves by hand; `clock()` is the time, `clock.now` and `clock.t` read or set it."""

    def __init__(self, t: datetime = T0, world: Any = None, skew: float = 0.0) -> None:
        self.t = t
        self.world = world
        self.skew = timedelta(seconds=skew)

    def __call__(self) -> datetime:
        return self.t

    @property
    def now(self) -> datetime:
        return self.t

    @now.setter
    def now(self, value: datetime) -> None:
        self.t = value

    def set(self, t: datetime) -> None:
        """Move forward to `t` (never back), taking the fake platforms along."""
        self.t = max(self.t, t)
        if self.world is not None:
            self.world.set_now(self.t + self.skew)

    def advance(self, seconds: float = 0.0, **delta: float) -> None:
        """Move forward by `seconds` (or timedelta keywords: minutes=5, hours=1)."""
        self.set(self.t + timedelta(seconds=seconds, **delta))
