"""Group commit: the durable steps of posts running side by side share one transaction (one fsync).

A queue run sends several posts at once (one lane per account). Each post still waits for its own step to be
durable before it goes on (its write-ahead intent before its request leaves, its result before its next step),
but the steps that arrive while the loop is busy are committed together: a step is queued, and the commit runs
once the posts that were ready to run have queued theirs (the next turn of the event loop). Each step runs in
its own savepoint, so one step that fails (a lost lease, a refused move) rolls back alone and is raised to its
own post; the others commit.

On PostgreSQL every step keeps its own transaction (row locks are never held across posts); the saving is
SQLite's, where each commit is an fsync of the WAL (synchronous=FULL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any, TypeVar

from publisher.models import Attempt, PostState
from publisher.store.claims import Tx, finish_in, ids_in, start_in, step_in, transition_in, write_tx
from publisher.store.db import Store, driver_errors

T = TypeVar("T")
_Step = tuple[Callable[[Tx], Any], "asyncio.Future[Any]"]


class GroupCommit:
    """Queues the durable steps of one event loop's posts and commits them together."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queued: list[_Step] = []
        self.commits = 0  # transactions committed (for benchmarks and tests)

    async def start_attempt(
        self, post_id: int, *, owner: str, now: datetime, request_hash: str | None, lease_s: float | None
    ) -> Attempt:
        """claims.start_attempt, durable when it returns (LeaseLost when the lease is gone)."""
        return await self._run(
            lambda tx: start_in(tx, post_id, owner=owner, now=now, request_hash=request_hash, lease_s=lease_s)
        )

    async def finish_attempt(
        self, post_id: int, number: int, *, owner: str, outcome: str, to: PostState, now: datetime, **kw: Any
    ) -> bool:
        """claims.finish_attempt, durable when it returns."""
        return await self._run(
            lambda tx: finish_in(tx, post_id, number, owner=owner, outcome=outcome, to=to, now=now, **kw)
        )

    async def transition(
        self,
        post_id: int,
        *,
        owner: str | None,
        from_states: Collection[PostState],
        to: PostState,
        now: datetime,
        **fields: Any,
    ) -> bool:
        """claims.transition, durable when it returns."""
        return await self._run(
            lambda tx: transition_in(
                tx, post_id, owner=owner, from_states=from_states, to=to, now=now, **fields
            )
        )

    async def begin_step(
        self, post_id: int, number: int, *, owner: str, step: str, request_hash: str | None
    ) -> bool:
        """claims.begin_step, durable when it returns."""
        return await self._run(
            lambda tx: step_in(tx, post_id, number, owner=owner, step=step, request_hash=request_hash)
        )

    async def record_ids(self, post_id: int, owner: str, ids: Mapping[str, Any], now: datetime) -> bool:
        """claims.record_ids, durable when it returns."""
        frozen = dict(ids)
        return await self._run(lambda tx: ids_in(tx, post_id, owner, frozen, now))

    # -- the queue of steps ---------------------------------------------------------------------------------

    async def _run(self, step: Callable[[Tx], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if not self._queued:
            loop.call_soon(self._commit)  # after the posts that are ready now have queued their steps
        self._queued.append((step, future))
        return await future

    def _commit(self) -> None:
        steps, self._queued = self._queued, []
        if not steps:
            return
        if not self.store.is_sqlite:
            for step, future in steps:
                try:
                    with write_tx(self.store) as tx:
                        _settle(future, step(tx))
                except Exception as exc:
                    _fail(future, exc)
            self.commits += len(steps)
            return
        results: list[tuple[bool, Any]] = []
        try:
            with write_tx(self.store) as tx:
                driver = tx.driver
                for step, _future in steps:
                    driver.execute("SAVEPOINT step")
                    try:
                        with driver_errors():
                            results.append((True, step(tx)))
                    except Exception as exc:
                        driver.execute("ROLLBACK TO step")
                        results.append((False, exc))
                    driver.execute("RELEASE step")
        except Exception as exc:  # the commit itself failed: nothing of it is durable
            for _step, future in steps:
                _fail(future, exc)
            return
        self.commits += 1
        for (ok, value), (_step, future) in zip(results, steps, strict=True):
            if ok:
                _settle(future, value)
            else:
                _fail(future, value)


def _settle(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():  # a cancelled waiter: its step is durable all the same (as after a crash)
        future.set_result(value)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
