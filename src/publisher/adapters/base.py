"""The one contract every platform adapter implements (docs/architecture.md#a-new-platform)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from publisher.models import Attempt, MetricSample, Problem, PublishResult, RemoteRef, RenderedPost


class TokenCache(Protocol):
    """Tokens that change at runtime (WeChat access_token, Douyin access/refresh tokens),
    shared by all processes.

    Backed by the store's token table; adapters see only this interface (they never import the store).
    """

    def get(self, account: str, kind: str) -> tuple[str, datetime | None, dict[str, Any]] | None: ...

    def put(
        self,
        account: str,
        kind: str,
        value: str,
        expires_at: datetime | None,
        meta: dict[str, Any] | None = None,
    ) -> None: ...


class MemoryTokenCache:
    """A process-local TokenCache for tests and dry runs."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], tuple[str, datetime | None, dict[str, Any]]] = {}

    def get(self, account: str, kind: str) -> tuple[str, datetime | None, dict[str, Any]] | None:
        return self._data.get((account, kind))

    def put(
        self,
        account: str,
        kind: str,
        value: str,
        expires_at: datetime | None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if not value:  # an empty token never overwrites a stored one (R20)
            return
        self._data[(account, kind)] = (value, expires_at, dict(meta or {}))


class MediaCache(Protocol):
    """Files already uploaded to an account as permanent material, by content hash (SHA-256 of the file).

    Backed by the store's media_cache table; adapters see only this interface. `kind` names what the upload
    made (e.g. "image" for WeChat's permanent image material)."""

    def get(self, account: str, kind: str, sha256: str) -> str | None: ...

    def put(self, account: str, kind: str, sha256: str, media_id: str) -> None: ...

    def forget(self, account: str, kind: str, sha256: str) -> None: ...


class MemoryMediaCache:
    """A process-local MediaCache for tests and one-off runs."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str, str], str] = {}

    def get(self, account: str, kind: str, sha256: str) -> str | None:
        return self._data.get((account, kind, sha256))

    def put(self, account: str, kind: str, sha256: str, media_id: str) -> None:
        self._data[(account, kind, sha256)] = media_id

    def forget(self, account: str, kind: str, sha256: str) -> None:
        self._data.pop((account, kind, sha256), None)


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
    tokens: TokenCache | None = None
    media: MediaCache | None = None  # permanent material already uploaded, reused by content hash

    def with_sinks(
        self,
        ids_sink: Callable[[dict[str, Any]], None] | None,
        intent: Callable[[str], None] | None,
    ) -> AdapterContext:
        """A copy with these sinks, and options and credentials of its own (an adapter may change them): the
        queue makes one per send. Copied field by field, as dataclasses.replace would, at a fraction of its
        cost (a dry-run send costs less than a replace)."""
        other = object.__new__(AdapterContext)
        other.__dict__.update(self.__dict__)
        other.__dict__.update(
            options=dict(self.options), credentials=dict(self.credentials), ids_sink=ids_sink, intent=intent
        )
        return other


class Adapter(Protocol):
    """Publishes one rendered post to one platform account and reads its engagement back.

    Contract: raise only `errors.PlatformError` subclasses (never httpx exceptions); never retry a write whose
    outcome is unknown (raise OutcomeUnknown: the queue reconciles); report every platform id through
    `ctx.ids_sink` as soon as it is known, and call `ctx.intent(step)` before each non-idempotent request;
    `publish` resumes from `attempt.ids` (a step whose id is already stored is never repeated).
    """

    name: str

    def validate(self, post: RenderedPost) -> list[Problem]: ...

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult: ...

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None: ...

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]: ...
