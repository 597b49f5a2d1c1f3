"""The one contract every platform adapter implements (DESIGN.md section 7)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from publisher.models import Attempt, MetricSample, Problem, PublishResult, RemoteRef, RenderedPost


@dataclass(frozen=True)
class AdapterContext:
    """What an adapter is built with: no network I/O happens in a constructor.

    `ids_sink` commits each platform id the moment it arrives (write-ahead: a restart resumes after the last
    finished step); `intent` commits an attempt row before a non-idempotent request leaves.
    """

    account: str
    mode: str  # dry-run | sandbox | live | assisted
    base_url: str
    options: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    transport: httpx.AsyncBaseTransport | None = None
    now: Callable[[], datetime] | None = None
    ids_sink: Callable[[dict[str, Any]], None] | None = None
    intent: Callable[[str], None] | None = None
    out_dir: Path | None = None  # where packs and dry-run records are written


class Adapter(Protocol):
    """Publishes one rendered post to one platform account and reads its engagement back.

    Contract: raise only `errors.PlatformError` subclasses (never httpx exceptions); never retry a write whose
    outcome is unknown (raise OutcomeUnknown: the queue reconciles); report every platform id through
    `ctx.ids_sink` as soon as it is known.
    """

    name: str

    def validate(self, post: RenderedPost) -> list[Problem]: ...

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult: ...

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None: ...

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]: ...
