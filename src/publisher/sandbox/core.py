"""The sandbox's shared world: virtual clock, seeded randomness, config, quotas, duplicates and the call log.

It must import nothing from the rest of `publisher`, so the fakes cannot share code or bugs with the adapters.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import itertools
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Protocol

# WeChat and Douyin reset daily quotas at Beijing midnight [U]; China has no DST, so a fixed offset is exact.
BEIJING = timezone(timedelta(hours=8))
MB = 1024 * 1024

# Base sizes of the engagement curves (the value a post tends to, before the seeded 0.5x-1.5x factor).
ENGAGEMENT_BASE: dict[str, int] = {
    "read": 4000,
    "share": 300,
    "like": 150,
    "zaikan": 60,
    "comment": 40,
    "collection": 90,
    "play": 20000,
    "digg": 1200,
    "forward": 80,
    "download": 30,
    "liked": 800,
    "collected": 300,
    "shared": 60,
    "votes": 450,
    "comments": 60,
    "followers": 200,
}


def default_config() -> dict[str, Any]:
    """The shared defaults, then each sandbox package's `DEFAULTS` under its name (values
    marked [U] are assumptions the tests may override: docs/platforms/README.md#the-sandbox)."""
    from publisher.sandbox.packages import fakes

    config: dict[str, Any] = {
        "duplicate_window_seconds": 86400,
        "timeout_seconds": 30.0,
        "call_log_size": 1000,
    }
    for name, fake in fakes().items():
        config[name] = copy.deepcopy(dict(fake.defaults))
    return config


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> None:
    """Merge `patch` into `base` in place; nested dicts merge, everything else replaces."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            deep_merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


def secret_digest(secret: str) -> str:
    """What the fake keeps of a secret: enough to compare, nothing to leak."""
    return hashlib.sha256(secret.encode()).hexdigest()


def content_key(*parts: object) -> str:
    """A short stable fingerprint of content, used as the duplicate key."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def growth(seed: int, key: str, metric: str, age_seconds: float) -> int:
    """Deterministic, non-decreasing engagement: the same seed, key and age give the same number."""
    if age_seconds <= 0:
        return 0
    cap, tau = _curve(seed, key, metric)
    return int(cap * (1 - math.exp(-age_seconds / tau)) + age_seconds / 86400 * cap * 0.01)


@functools.lru_cache(maxsize=4096)
def _curve(seed: int, key: str, metric: str) -> tuple[float, float]:
    """A curve's seeded size and time constant (asked again at every reading of the same post and metric)."""
    digest = hashlib.sha256(f"{seed}:{key}:{metric}".encode()).digest()
    u1 = int.from_bytes(digest[:4], "big") / 2**32
    u2 = int.from_bytes(digest[4:8], "big") / 2**32
    cap = ENGAGEMENT_BASE.get(metric, 100) * (0.5 + u1)
    tau = 3600 * (2 + 22 * u2)  # a post gathers most of its engagement within hours to a day
    return cap, tau


@dataclass
class Duplicate:
    platform: str
    account: str
    kind: str
    first_id: str
    second_id: str
    key: str
    at: str


@dataclass
class Call:
    platform: str
    method: str
    path: str
    status: int
    code: str | None
    at: str
    fault: str | None = None


class PlatformStore(Protocol):
    def settle(self, world: World) -> None: ...
    def dump(self) -> dict[str, Any]: ...


@dataclass
class _Seen:
    object_id: str
    at: datetime


@dataclass
class World:
    """Everything one fake remembers; one per `create_app()`, mutated only on its event loop."""

    seed: int
    now: datetime
    factories: dict[str, Callable[[], PlatformStore]]
    config: dict[str, Any] = field(default_factory=default_config)
    stores: dict[str, Any] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    calls: deque[Call] = field(default_factory=lambda: deque(maxlen=1000))
    faults: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reset(keep_config=False)

    def reset(self, *, keep_config: bool) -> None:
        """Forget every object, counter and fault; the clock keeps its current time."""
        if not keep_config:
            self.config = default_config()
        self.rng = random.Random(self.seed)
        self._ids = itertools.count(1)
        self._seen: dict[tuple[str, str, str, str], _Seen] = {}
        self._counters: dict[tuple[str, ...], int] = {}
        self.duplicates = []
        self.calls = deque(maxlen=int(self.config["call_log_size"]))
        self.faults = []
        self.stores = {name: make() for name, make in self.factories.items()}

    # --- clock -------------------------------------------------------------------------------------
    def set_now(self, now: datetime) -> None:
        self.now = now if now.tzinfo else now.replace(tzinfo=UTC)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def epoch(self) -> int:
        return int(self.now.timestamp())

    def beijing_day(self, at: datetime | None = None) -> date:
        return (at or self.now).astimezone(BEIJING).date()

    def settle(self) -> None:
        """Let every platform catch up with the clock (finish publish jobs, reviews)."""
        for store in self.stores.values():
            store.settle(self)

    # --- ids ---------------------------------------------------------------------------------------
    def mint(self, prefix: str = "", length: int = 16, *, digits: bool = False) -> str:
        """A fresh id, deterministic for the same seed and the same sequence of calls."""
        n = next(self._ids)
        raw = hashlib.sha256(f"{self.seed}:{n}:{prefix}".encode()).hexdigest()
        if digits:
            return prefix + str(int(raw, 16))[:length]
        return prefix + raw[:length]

    # --- quotas --------------------------------------------------------------------------------------
    def take_daily(self, platform: str, account: str, name: str, limit: int | None) -> bool:
        """Count one use of a daily quota (Beijing day); False, and nothing counted, when it is used up."""
        key = (platform, account, name, self.beijing_day().isoformat())
        used = self._counters.get(key, 0)
        if limit is not None and used >= limit:
            return False
        self._counters[key] = used + 1
        return True

    def daily_used(self, platform: str, account: str, name: str) -> int:
        return self._counters.get((platform, account, name, self.beijing_day().isoformat()), 0)

    def clear_daily(self, platform: str, account: str) -> None:
        for key in [k for k in self._counters if k[:2] == (platform, account)]:
            del self._counters[key]

    def take_minute(self, platform: str, account: str, name: str, limit: int | None) -> bool:
        """A per-minute limiter on the virtual clock."""
        minute = self.now.replace(second=0, microsecond=0).isoformat()
        key = (platform, account, name, "minute", minute)
        used = self._counters.get(key, 0)
        if limit is not None and used >= limit:
            return False
        self._counters[key] = used + 1
        return True

    # --- duplicates ----------------------------------------------------------------------------------
    def note_content(self, platform: str, account: str, kind: str, key: str, object_id: str) -> None:
        """Remember content by kind and fingerprint; a repeat by one account within the window is listed."""
        window = timedelta(seconds=float(self.config["duplicate_window_seconds"]))
        slot = (platform, account, kind, key)
        seen = self._seen.get(slot)
        if seen is not None and self.now - seen.at <= window:
            self.duplicates.append(
                Duplicate(platform, account, kind, seen.object_id, object_id, key, self.now.isoformat())
            )
            return
        self._seen[slot] = _Seen(object_id, self.now)

    # --- engagement ------------------------------------------------------------------------------------
    def engagement(self, key: str, metric: str, since: datetime, at: datetime | None = None) -> int:
        return growth(self.seed, key, metric, ((at or self.now) - since).total_seconds())


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def jsonable(value: Any) -> Any:
    """Datetimes to ISO strings, tuples to lists, recursively, so a state dump always serialises."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value
