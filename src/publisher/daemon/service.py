"""The daemon (`publisher run`): the clock, the folder watcher and the recurring jobs around the queue.

APScheduler 3 is only the alarm clock: every job it holds just rings a bell, and each ring runs one `tick`
that re-reads the store (reap expired leases, run what is due through the queue) and starts the due recurring
jobs in the background (daemon/background.py: a slow metrics pull never holds back a post or a stop).
Its jobs are rebuilt from the store at every start and re-armed after every tick, so a lost job store loses
nothing, and `misfire_grace_time=None` means APScheduler never drops a late ring: the queue's late policy
decides what a late post becomes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from publisher.calendar.load import Calendar
from publisher.calendar.sync import SyncResult, sync_calendar
from publisher.daemon import heartbeat, memory
from publisher.daemon.background import JobThread
from publisher.daemon.jobs import Action, Job, JobRun, load_jobs, next_fire, run_due_jobs
from publisher.daemon.lock import DaemonLock, Leader, SoloLeader
from publisher.errors import PublisherError
from publisher.messages import msg
from publisher.models import PostState
from publisher.store import claims
from publisher.store.db import Store, utcnow
from publisher.store.jobs import reopen_unfinished
from publisher.store.liveness import Liveness
from publisher.workspace.settings import Workspace, open_workspace

if TYPE_CHECKING:  # APScheduler is imported when `serve()` builds its scheduler: a rehearsal never does
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]
#: written to the state dir (pid) once the daemon serves (alarms armed, first tick done); removed on exit
READY_NAME = "daemon.ready"


class QueueLike(Protocol):
    """What the daemon needs of `publisher.queue.runner.Queue`."""

    async def run_due(self, limit: int = 50) -> list[Any]: ...

    def next_due(self) -> datetime | None: ...

    async def poll_submitted(self) -> Any: ...


QueueFactory = Callable[..., QueueLike]


def real_queue(ws: Workspace, store: Store, **kw: Any) -> QueueLike:
    from publisher.queue.runner import Queue

    queue: QueueLike = Queue(ws, store, **kw)
    return queue


@dataclass(frozen=True)
class DaemonSettings:
    """Timings; the defaults suit `publisher run`, tests shorten them."""

    batch: int = 50
    lease_s: float = 60.0  # the last resort only: renewed while work runs; dead owners are reaped at once
    reap_every_s: float = 5.0  # dead owners' leases (PostgreSQL) and the safety-net tick
    stop_deadline_s: float = 20.0  # in-flight work gets this long after SIGTERM, then its tick is cancelled
    debounce_ms: int = 50
    leader_retry_s: float = 3.0
    max_rounds: int = 200  # batches per tick; the next alarm continues (bounds a tick that makes no progress)
    job_stop_s: float = 3.0  # a stop waits this long for a recurring job to give up; then leaves it behind


@dataclass
class TickResult:
    """What one tick did."""

    outcomes: list[Any] = field(default_factory=list)
    jobs: list[JobRun] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    to_reconcile: list[int] = field(default_factory=list)


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


#: Why a post claimed but not sent went back to the queue at shutdown (stored by code beside the English).
LEASE_RELEASED = msg("reason.lease_released")


class Daemon:
    """One node of `publisher run`: sync, clock, watcher, queue runs and (when leading) recurring jobs."""

    def __init__(
        self,
        ws: Workspace,
        *,
        store: Store,
        owner: str | None = None,
        clock: Clock = utcnow,
        sandbox_url: str | None = None,
        notifier: Any = None,
        actions: Mapping[str, Action] | None = None,
        queue_factory: QueueFactory = real_queue,
        settings: DaemonSettings | None = None,
        transport: Any = None,
        single: bool = True,
    ) -> None:
        self.ws = ws
        self.single = single  # False only for a rehearsal, which runs on its own store
        self.store = store
        self.owner = owner or new_owner()
        self.clock = clock
        self.sandbox_url = sandbox_url
        self.notifier = notifier
        self.transport = transport
        self.settings = settings or DaemonSettings()
        self.queue_factory = queue_factory
        if actions is None:
            from publisher.daemon.actions import default_actions

            actions = default_actions()
        self.actions = dict(actions)
        self.calendar = Calendar(ws, lean=True)
        self.jobs: list[Job] = []
        self.queue: QueueLike | None = None
        self.leader: Leader | SoloLeader = SoloLeader()
        self.liveness: Liveness | None = None
        self._leading = False  # led the recurring jobs at the last look (PostgreSQL: a gain reopens runs)
        self._lock: DaemonLock | None = None
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._scheduler: AsyncIOScheduler | None = None
        self.last_sync: SyncResult | None = None
        self.syncs = 0
        self._sync_pending = False  # start(defer_sync=True): serve() runs the first sync in a thread
        self._saved_meanwhile: set[Path] = set()  # saves seen while that first sync ran; handled after it
        self.background = JobThread()  # serve(): recurring jobs run here, off the tick
        # (job, period) pairs known to be taken: emptied whenever unfinished runs are reopened
        self._taken: set[tuple[str, str]] = set()

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self, *, defer_sync: bool = False) -> None:
        """Take the single-daemon lock (SQLite) or prepare job leadership (PostgreSQL), load jobs, sync.

        `defer_sync`: `serve()` syncs in a worker thread instead, so a big calendar does not delay the start;
        meanwhile the queue serves what the store holds (each post's file is re-read before it is sent).
        """
        if self.store.is_sqlite:
            if self.single:
                self._lock = DaemonLock(self.ws.state_dir)
                self._lock.acquire(now=self.clock())
            self.leader = SoloLeader()
        else:
            self.leader = Leader(self.store.engine, retry_s=self.settings.leader_retry_s)
            self.liveness = Liveness(self.store.engine, self.owner)
        try:
            if self.liveness is not None:
                self.liveness.hold()  # before any claim: a lease of ours is never taken for a dead one's
            self.take_over_dead()
            if (
                self._lock is not None
            ):  # the lock proves the last daemon is dead: its unfinished jobs run again
                reopened = reopen_unfinished(self.store)
                self._taken.clear()
                if reopened:
                    logger.info("%d recurring job run(s) cut short by the last stop will run again", reopened)
            self.jobs = load_jobs(self.ws)
            self.queue = self._make_queue()
            if defer_sync:
                self._sync_pending = True
            else:
                self.resync()
        except BaseException:
            self.close()
            raise

    def _leads(self) -> bool:
        """Whether this node runs the recurring jobs now. A node that has just taken the PostgreSQL leadership
        knows the last leader's session ended, so the runs that leader left unfinished run again."""
        leads = self.leader.is_leader()
        if leads and not self._leading and isinstance(self.leader, Leader):
            reopened = reopen_unfinished(self.store)
            self._taken.clear()
            if reopened:
                logger.info("%d job run(s) left unfinished by the last leader will run again", reopened)
        self._leading = leads
        return leads

    def _make_queue(self) -> QueueLike:
        return self.queue_factory(
            self.ws,
            self.store,
            owner=self.owner,
            now=self.clock,
            transport=self.transport,
            sandbox_url=self.sandbox_url,
            notifier=self.notifier,
            lease_s=self.settings.lease_s,
            calendar=self.calendar,
        )

    def take_over_dead(self) -> tuple[list[int], list[int]]:
        """Take back at once the leases of workers proven dead: claimed -> due again, sending -> reconcile.

        SQLite: holding the daemon lock proves every earlier holder is dead, so every lease not ours goes.
        PostgreSQL: an owner whose liveness lock is free is dead (store.liveness.Liveness).
        """
        now = self.clock()
        if self.liveness is not None:
            dead = self.liveness.dead(claims.lease_owners(self.store))
            taken = claims.take_over(self.store, now, owners=dead)
        elif self._lock is not None:
            taken = claims.take_over(self.store, now, keep=self.owner)
        else:
            return [], []
        if taken[0] or taken[1]:
            logger.warning(
                "took over from a dead worker: %d claimed post(s) due again, %d to reconcile at once",
                len(taken[0]),
                len(taken[1]),
            )
        return taken

    def close(self) -> None:
        """Release what this node holds: claimed-but-unsent leases, the job leadership, the daemon lock."""
        self.release_leases()
        self.leader.release()
        if self.liveness is not None:
            self.liveness.release()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def release_leases(self) -> list[int]:
        """Claimed posts this node never started sending go back to queued at once (no waiting for expiry).

        Posts already sending keep their lease: if it expires the reaper sends them to reconcile, never
        blindly back to the queue.
        """
        ids = claims.claimed_by(self.store, self.owner)
        released = [
            i
            for i in ids
            if claims.transition(
                self.store,
                i,
                owner=self.owner,
                from_states=[PostState.CLAIMED],
                to=PostState.QUEUED,
                now=self.clock(),
                reason=LEASE_RELEASED.text("en"),
                reason_msg=LEASE_RELEASED.to_json(),
            )
        ]
        if released:
            logger.info("released %d claimed post(s) at shutdown", len(released))
        return released

    def request_stop(self) -> None:
        """SIGTERM / Ctrl-C: stop claiming; the tick in flight finishes (within stop_deadline_s)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- sync ---------------------------------------------------------------------------------------------

    def resync(self) -> SyncResult:
        """Bring the store in line with the files; the Calendar re-parses only files changed since."""
        result = sync_calendar(self.ws, self.store, now=self.clock(), calendar=self.calendar)
        self.last_sync = result
        self.syncs += 1
        if result.changes:
            logger.info("sync: %d change(s)", len(result.changes))
        _say_if_behind(result, self.ws.settings.language)
        return result

    async def initial_sync(self) -> SyncResult | None:
        """The deferred first sync: a fresh Calendar scanned in a worker thread (the loop keeps sending), then
        swapped in with a queue that uses it; saves seen meanwhile are handled right after."""
        calendar = Calendar(self.ws, lean=True)
        began = time.monotonic()
        try:
            result = await asyncio.to_thread(
                sync_calendar, self.ws, self.store, now=self.clock(), calendar=calendar
            )
        except Exception:  # the next save syncs again; the queue keeps serving what the store holds
            logger.exception("the first sync failed")
            return None
        finally:
            self._sync_pending = False
        self.calendar = calendar
        self.queue = self._make_queue()
        self.last_sync = result
        self.syncs += 1
        _say_if_behind(result, self.ws.settings.language)
        logger.info(
            "first sync done: %d file(s), %d change(s) in %.1f s",
            len(result.check.checked),
            len(result.changes),
            time.monotonic() - began,
        )
        if self._saved_meanwhile:
            paths, self._saved_meanwhile = self._saved_meanwhile, set()
            self.on_change(paths)
        self._wake.set()  # new or moved due times: re-arm
        await asyncio.to_thread(memory.trim)  # the sync's transient memory back to the system
        return result

    def on_change(self, paths: set[Path]) -> SyncResult | None:
        """React to saves: settings or platform rules reload the workspace, schedules reload the jobs."""
        if self._sync_pending:
            self._saved_meanwhile |= paths  # the first sync is still running; it is followed by this one
            return None
        root = self.ws.root.resolve()
        rel = {p.resolve().relative_to(root).parts[0] for p in paths if p.resolve().is_relative_to(root)}
        try:
            if rel & {"publisher.toml", "platforms"}:
                self.ws = open_workspace(self.ws.root, env=self.ws.env)
                self.calendar = Calendar(self.ws, lean=True)
                self.queue = self._make_queue()
            if rel & {"schedules", "publisher.toml"}:
                self.jobs = load_jobs(self.ws)
                self._arm_jobs()
            return self.resync()
        except PublisherError as exc:  # a broken save must not stop the daemon; the next save fixes it
            logger.error("not re-synced: %s", exc)
            return None

    # -- one tick -----------------------------------------------------------------------------------------

    async def tick(self) -> TickResult:
        """Reap expired leases, run every due post (batch by batch, until none is due or we are stopping),
        poll submitted posts, then run due recurring jobs when this node leads them and wait for them
        (`run --once`, rehearsals; `serve()` runs the jobs in the background instead)."""
        result = await self.work()
        if not self.stopping and self.jobs and self._leads():
            result.jobs = await asyncio.to_thread(self._run_jobs, list(self.jobs), self.clock(), None)
        return result

    def _run_jobs(self, jobs: list[Job], now: datetime, stop: threading.Event | None) -> list[JobRun]:
        return run_due_jobs(
            self.ws,
            self.store,
            jobs,
            now=now,
            actions=self.actions,
            notifier=self.notifier,
            sandbox_url=self.sandbox_url,
            stop=stop,
            taken=self._taken,
        )

    def kick_jobs(self) -> bool:
        """Start the due recurring jobs in the background when this node leads them and no run is in flight;
        the caller does not wait. True if a run started."""
        if self.stopping or not self.jobs or self.background.busy or not self._leads():
            return False
        jobs, now = list(self.jobs), self.clock()
        return self.background.kick(lambda stop: self._run_jobs(jobs, now, stop))

    async def work(self) -> TickResult:
        """The posts' part of a tick: reap, run what is due, poll submitted posts."""
        assert self.queue is not None, "start() first"
        result = TickResult()
        if self.liveness is not None:
            try:
                self.liveness.hold()  # taken again if the session was lost
                result.requeued, result.to_reconcile = self.take_over_dead()
            except PublisherError:
                logger.warning("cannot check which workers are alive; leases expire instead", exc_info=True)
        requeued, to_reconcile = claims.reap_expired(self.store, self.clock())
        result.requeued += requeued
        result.to_reconcile += to_reconcile
        for _round in range(self.settings.max_rounds):
            if self.stopping:
                break
            outcomes = await self.queue.run_due(self.settings.batch)
            result.outcomes.extend(outcomes)
            if len(outcomes) < self.settings.batch:
                break
        if not self.stopping:
            await self.queue.poll_submitted()
        return result

    def next_wake(self) -> datetime | None:
        """The earliest of: the next due post (the queue knows), the next before-due job window."""
        assert self.queue is not None
        now = self.clock()
        times = [self.queue.next_due()]
        times += [next_fire(self.store, j, now) for j in self.jobs if j.cron is None]
        found = [t for t in times if t is not None]
        return min(found) if found else None

    # -- the clock ----------------------------------------------------------------------------------------

    async def _ring(self) -> None:
        self._wake.set()

    def _build_scheduler(self) -> AsyncIOScheduler:
        """A fresh in-memory APScheduler: it never holds state the store does not have."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler = AsyncIOScheduler(
            timezone=self.ws.zone,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        scheduler.add_job(self._ring, IntervalTrigger(seconds=self.settings.reap_every_s), id="reaper")
        self._scheduler = scheduler
        self._arm_jobs()
        return scheduler

    def _arm_jobs(self) -> None:
        if self._scheduler is None:
            return
        from apscheduler.triggers.cron import CronTrigger

        for job in self._scheduler.get_jobs():
            if job.id.startswith("job:"):
                job.remove()
        for j in self.jobs:
            if j.enabled and j.cron is not None:
                self._scheduler.add_job(
                    self._ring,
                    CronTrigger(timezone=j.zone, **j.cron.trigger_fields()),
                    id=f"job:{j.name}",
                    replace_existing=True,
                )

    def arm(self) -> datetime | None:
        """Set the single "wake" alarm to the next due time (replacing the previous one)."""
        when = self.next_wake()
        if self._scheduler is None:
            return when
        if when is None:
            if self._scheduler.get_job("wake"):
                self._scheduler.remove_job("wake")
            return None
        from apscheduler.triggers.date import DateTrigger

        # The store's clock may be virtual; APScheduler runs on the wall clock, so arm by the distance.
        delay = when - self.clock()
        self._scheduler.add_job(
            self._ring, DateTrigger(run_date=utcnow() + delay), id="wake", replace_existing=True
        )
        return when

    # -- serving ------------------------------------------------------------------------------------------

    async def watch(self) -> None:
        """Re-sync within a second of a save under content/, schedules/, platforms/ or publisher.toml."""
        from watchfiles import awatch

        root = self.ws.root
        paths = [
            p
            for p in (root / "content", root / "schedules", root / "platforms", root / "publisher.toml")
            if p.exists()
        ]
        if not paths:
            return
        async for changes in awatch(
            *paths,
            debounce=self.settings.debounce_ms,
            step=20,
            stop_event=self._stop,
            recursive=True,
            ignore_permission_denied=True,
        ):
            self.on_change({Path(p) for _, p in changes})
            self._wake.set()

    async def serve(self, *, handle_signals: bool = True) -> None:
        """Run until stopped: start, then tick on every alarm or save; shut down gracefully."""
        loop = asyncio.get_running_loop()
        if self.queue is None:
            self.start()
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.request_stop)
        scheduler = self._build_scheduler()
        scheduler.start()
        watcher = asyncio.create_task(self.watch(), name="watch")
        first_sync = asyncio.create_task(self.initial_sync(), name="sync") if self._sync_pending else None
        stopper = asyncio.create_task(self._stop.wait(), name="stop")
        self._wake.set()  # the first tick at once: what fell due while nothing ran (late policy) goes now
        ready, announced = self.ws.state_dir / READY_NAME, False
        ready.unlink(missing_ok=True)
        started = self.clock()
        self._beat(started)
        try:
            while not self.stopping:
                waiter = asyncio.create_task(self._wake.wait())
                await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                if self.stopping:
                    break
                self._wake.clear()
                try:
                    self.kick_jobs()  # in the background: the posts below never wait for a job
                except Exception:  # e.g. leadership could not be checked: the next alarm tries again
                    logger.warning("recurring jobs not started", exc_info=True)
                tick = asyncio.create_task(self.work(), name="tick")
                await asyncio.wait({tick, stopper}, return_when=asyncio.FIRST_COMPLETED)
                if not tick.done():
                    await self._finish_in_flight(tick)
                    break
                if tick.exception() is not None:
                    logger.error("tick failed; retrying at the next alarm", exc_info=tick.exception())
                self.arm()
                self._beat(started)
                if not announced:
                    announced = True
                    self._mark_ready(ready)
        finally:
            ready.unlink(missing_ok=True)
            heartbeat.clear(self.ws.state_dir, self.owner)
            scheduler.shutdown(wait=False)
            self._stop.set()
            self.background.stop(self.settings.job_stop_s)  # before the leadership and the lock go
            watcher.cancel()
            stopper.cancel()
            pending = [t for t in (watcher, stopper, first_sync) if t is not None]
            await asyncio.gather(*pending, return_exceptions=True)  # a sync thread runs on to its end
            closer = getattr(self.queue, "aclose", None)  # the clients the queue keeps between ticks
            if closer is not None:
                with contextlib.suppress(Exception):  # closing a connection must not fail the shutdown
                    await closer()
            if handle_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(sig)
            self.close()

    def _beat(self, started: datetime) -> None:
        """The heartbeat `status` and the dashboard read to say whether a daemon runs, and since when."""
        try:
            heartbeat.beat(self.ws.state_dir, owner=self.owner, started_at=started, now=self.clock())
        except OSError as exc:  # a read-only state dir must not stop the daemon
            logger.warning("cannot write the heartbeat: %s", exc)

    def _mark_ready(self, path: Path) -> None:
        """Say "serving" to scripts and benchmarks: synced, the clock armed and the first tick done."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{os.getpid()}\n", encoding="utf-8")
        except OSError as exc:  # a read-only state dir must not stop the daemon
            logger.warning("cannot write %s: %s", path, exc)
        logger.info("ready: serving %s (pid %d)", self.ws.root, os.getpid())

    async def _finish_in_flight(self, tick: asyncio.Task[TickResult]) -> None:
        try:
            await asyncio.wait_for(tick, self.settings.stop_deadline_s)
        except TimeoutError:
            logger.warning(
                "in-flight work did not finish within %.0f s; its leases are released or expire",
                self.settings.stop_deadline_s,
            )
        except Exception:
            logger.exception("the last tick failed while stopping")


def _say_if_behind(result: SyncResult, lang: str) -> None:
    """A lagging copy (R35) in the log, in the workspace's language: the line `sync` and `status` say."""
    said = result.revision.notice() if result.revision is not None else None
    if said is not None:
        logger.warning("%s", said.text(lang))


def run_once(ws: Workspace, store: Store, now: datetime | None = None, **kw: Any) -> list[Any]:
    """`publisher run --once`: sync, publish what is due now, run due recurring jobs, exit.

    Takes the same single-daemon lock as `publisher run` (raises DaemonLocked naming the holder). Keyword
    arguments are Daemon's (sandbox_url, notifier, actions, owner, queue_factory, transport).
    """
    clock: Clock = (lambda: now) if now is not None else utcnow
    daemon = Daemon(ws, store=store, clock=clock, **kw)
    daemon.start()
    try:
        return asyncio.run(daemon.tick()).outcomes
    finally:
        daemon.close()
