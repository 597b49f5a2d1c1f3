"""The plumbing an adapter that calls a platform starts from: its context, retry policy and sleep, the time,
the platform's clock, the id sink and the intent; and a call whose answer the platform's own check reads."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from publisher.adapters.base import AdapterContext
from publisher.adapters.http import RetryPolicy, call
from publisher.adapters.platform_clock import PlatformClock

Sleep = Callable[[float], Awaitable[None]]


class Check(Protocol):
    """Raise the error a platform's answer carries (its fields, its codes); else return the decoded body."""

    def __call__(self, response: httpx.Response, *, now: datetime | None = None) -> Any: ...


async def checked_call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    check: Check,
    now: Callable[[], datetime],
    policy: RetryPolicy,
    idempotent: bool,
    sleep: Sleep = asyncio.sleep,
    clock: PlatformClock | None = None,
    **kw: Any,
) -> Any:
    """One call through `http.call` (retried where safe), its answer read by `check`; `clock` sees its
    Date."""
    response = await call(
        client,
        method,
        path,
        policy=policy,
        idempotent=idempotent,
        sleep=sleep,
        classify=lambda r: check(r, now=now()),
        **kw,
    )
    if clock is not None:
        clock.observe(response)
    return check(response, now=now())


class ApiAdapter:
    """Built with `(ctx, *, policy=None, sleep=None)` and no network I/O; a subclass reads its own options
    from `self.ctx` in `_configure`."""

    name: str

    def __init__(
        self, ctx: AdapterContext, *, policy: RetryPolicy | None = None, sleep: Sleep | None = None
    ) -> None:
        self.ctx = ctx
        self.policy = policy or RetryPolicy()
        self.sleep = sleep or asyncio.sleep
        self.platform_clock = PlatformClock(self._now)  # set by the Date of each answer
        self._configure()

    def _configure(self) -> None:
        """The adapter's own settings from `self.ctx.options`; none here."""

    def _now(self) -> datetime:
        return self.ctx.now() if self.ctx.now else datetime.now(UTC)

    def _sink(self, ids: dict[str, Any], **new: Any) -> None:
        """Add `new` to `ids` and commit it at once through `ctx.ids_sink` (write-ahead)."""
        ids.update(new)
        if self.ctx.ids_sink is not None:
            self.ctx.ids_sink(dict(new))

    def _intent(self, step: str) -> None:
        """Commit the attempt row before the non-idempotent request of `step` leaves."""
        if self.ctx.intent is not None:
            self.ctx.intent(step)

    async def _checked(
        self, check: Check, client: httpx.AsyncClient, method: str, path: str, *, idempotent: bool, **kw: Any
    ) -> Any:
        """`checked_call` with this adapter's retry policy, sleep, time and platform clock."""
        return await checked_call(
            client,
            method,
            path,
            check=check,
            now=self._now,
            policy=self.policy,
            idempotent=idempotent,
            sleep=self.sleep,
            clock=self.platform_clock,
            **kw,
        )
