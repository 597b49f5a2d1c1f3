"""Group commit: the durable steps of posts running side by side share one transaction (one fsync).

A queue run sends several posts at once (one lane per account). Each post still waits for its own step to be
durable before it goes on (its write-ahead intent before its request leaves, its result before its next step),
but the steps that arrive while the loop is busy are committed together: a step is queued, and the commit runs
once the posts that were ready to run have queued theirs (the next turn of the event loop). With `background`,
the commit (its fsync) runs on a worker thread while the loop goes on with the other posts' requests, and the
steps queued meanwhile form the next group. Each step runs in its own savepoint, so one step that fails (a
lost lease, a refused move) rolls back alone and is raised to its own post; the others commit.

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

    def __init__(self, store: Store, *, background: bool = False) -> None:
        self.store = store
        self.background = background  # commit on a worker thread while the loop goes on
        self._queued: list[_Step] = []
        # post id -> its last queued id merge (owner, ids, [now], future) while no other step of that post was
        # queued after it: a further merge of that post joins it (`record_ids`) instead of adding a step.
        self._open_ids: dict[int, tuple[str, dict[str, Any], list[datetime], asyncio.Future[bool]]] = {}
        self._busy = False  # a commit is scheduled or under way
        self.commits = 0  # transactions committed (for benchmarks and tests)

    async def start_attempt(
        self, post_id: int, *, owner: str, now: datetime, request_hash: str | None, lease_s: float | None
    ) -> Attempt:
        """claims.start_attempt, durable when it returns (LeaseLost when the lease is gone)."""

        def step(tx: Tx) -> Attempt:
            return start_in(tx, post_id, owner=owner, now=now, request_hash=request_hash, lease_s=lease_s)

        return await self._run(post_id, step)

    async def finish_attempt(
        self,
        post_id: int,
        number: int,
        *,
        owner: str,
        outcome: str,
        to: PostState,
        now: datetime,
        ids: Mapping[str, Any] | None = None,
        **kw: Any,
    ) -> bool:
        """claims.finish_attempt (with `ids` merged into the post's first, in the same step), durable when it
        returns."""
        found = dict(ids or {})

        def step(tx: Tx) -> bool:
            if found:
                ids_in(tx, post_id, owner, found, now)
            return finish_in(tx, post_id, number, owner=owner, outcome=outcome, to=to, now=now, **kw)

        return await self._run(post_id, step)

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
            post_id,
            lambda tx: transition_in(
                tx, post_id, owner=owner, from_states=from_states, to=to, now=now, **fields
            ),
        )

    def begin_step(
        self, post_id: int, number: int, *, owner: str, step: str, request_hash: str | None
    ) -> asyncio.Future[bool]:
        """claims.begin_step, queued: durable once the future is done (False: the lease is lost). The caller
        awaits it before the step's request leaves."""

        def begin(tx: Tx) -> bool:
            return step_in(tx, post_id, number, owner=owner, step=step, request_hash=request_hash)

        return self._queue(post_id, begin)

    def record_ids(
        self, post_id: int, owner: str, ids: Mapping[str, Any], now: datetime
    ) -> asyncio.Future[bool]:
        """claims.record_ids, queued: durable once the future is done. The caller awaits it before its post's
        next request leaves.

        Merges of one post queued one after the other (no other step of that post between them) are one step:
        the later ids join the queued merge (the same transaction, the same order for that post, one read and
        write of its ids instead of one each) and share its future."""
        queued = self._open_ids.get(post_id)
        if queued is not None and queued[0] == owner and not queued[3].done():
            queued[1].update(ids)
            queued[2][0] = now
            return queued[3]
        frozen, when = dict(ids), [now]
        future = self._queue(post_id, lambda tx: ids_in(tx, post_id, owner, frozen, when[0]))
        self._open_ids[post_id] = (owner, frozen, when, future)
        return future

    # -- the queue of steps ---------------------------------------------------------------------------------

    async def _run(self, post_id: int, step: Callable[[Tx], T]) -> T:
        return await self._queue(post_id, step)

    def _queue(self, post_id: int, step: Callable[[Tx], T]) -> asyncio.Future[T]:
        self._open_ids.pop(post_id, None)  # a later id merge of this post must not move before this step
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queued.append((step, future))
        if not self._busy:  # else the commit under way starts the next one with this step when it is done
            self._busy = True
            loop.call_soon(self._start, loop)  # after the posts that are ready now have queued their steps
        return future

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        steps, self._queued = self._queued, []
        self._open_ids.clear()  # these steps are under way: nothing joins them any more
        if not steps:
            self._busy = False
            return
        if not self.background:
            try:
                results = self._write(steps)
            except Exception as exc:  # the commit itself failed: nothing of it is durable
                results = [(False, exc)] * len(steps)
            self._busy = False
            _answer(steps, results)
            return
        # The commit (its fsync) runs on a thread; the loop goes on with the other posts' work meanwhile, and
        # the steps they queue form the next group.
        loop.run_in_executor(None, self._write, steps).add_done_callback(
            lambda done: self._done(loop, steps, done)
        )

    def _done(
        self,
        loop: asyncio.AbstractEventLoop,
        steps: list[_Step],
        done: asyncio.Future[list[tuple[bool, Any]]],
    ) -> None:
        failed = done.exception()
        results = [(False, failed)] * len(steps) if failed is not None else done.result()
        _answer(steps, results)
        # Next turn: the posts this commit answered queue their next steps first, and join the next group.
        loop.call_soon(self._start, loop)

    def _write(self, steps: list[_Step]) -> list[tuple[bool, Any]]:
        """Run the steps and commit: one transaction on SQLite (a savepoint each), one each on PostgreSQL.
        (ok, result or exception) per step; raises when the commit itself fails (nothing of it is durable)."""
        results: list[tuple[bool, Any]] = []
        if not self.store.is_sqlite:
            for step, _future in steps:
                try:
                    with write_tx(self.store) as tx:
                        results.append((True, step(tx)))
                except Exception as exc:
                    results.append((False, exc))
            self.commits += len(steps)
            return results
        # Steps seldom fail: they run first without a savepoint each (two statements per step saved). One that
        # raises rolls the whole transaction back, and the group runs again, each step in its own savepoint.
        try:
            with write_tx(self.store) as tx:
                for step, _future in steps:
                    try:
                        results.append((True, step(tx)))
                    except Exception as exc:
                        raise _Again from exc
        except _Again:
            results = []
        else:
            self.commits += 1
            return results
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
        self.commits += 1
        return results


class _Again(Exception):
    """A step failed in the group's first run (no savepoints): roll it all back and run it with them."""


def _answer(steps: list[_Step], results: list[tuple[bool, Any]]) -> None:
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
