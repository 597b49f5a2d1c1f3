"""The daemon: one instance, rebuilt from the store, late policy, clock jumps, watcher, run --once, stop."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from support.clock import ManualClock
from support.pg import fresh_schema
from support.procs import wait_for
from tests.conftest import REPO, WS

from publisher.daemon.lock import DaemonLock, DaemonLocked, Leader
from publisher.daemon.service import Daemon, DaemonSettings, run_once
from publisher.messages import Msg, reason
from publisher.store.claims import claim_due
from publisher.store.db import Store, open_store
from publisher.store.jobs import claim_period
from publisher.store.tables import AttemptRow, JobRunRow, PostRow
from publisher.workspace.settings import DEFAULTS_DIR

T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
SRC = str(REPO / "src")
post_t = PostRow.__table__  # type: ignore[attr-defined]


Clock = ManualClock


@pytest.fixture
def store(ws: WS) -> Iterator[Store]:
    s = open_store(f"sqlite:///{ws.root / '.publisher' / 'publisher.db'}")
    yield s
    s.close()


def note(ws: WS, name: str, when: str) -> None:
    ws.item(
        f"{name}.md",
        f"---\ntitle: {name}\npublish_at: {when}\nplatforms: [xiaohongshu]\n"
        f"images: [media/a.png]\n---\nbody of {name}\n",
    )


def no_spacing(ws: WS) -> None:
    """A workspace copy of Xiaohongshu's rules without the 30 min spacing, to send many posts at one time."""
    shutil.copytree(DEFAULTS_DIR / "platforms" / "xiaohongshu", ws.root / "platforms" / "xiaohongshu")
    rules = ws.root / "platforms" / "xiaohongshu" / "platform.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "min_spacing_s: 30m" in text
    rules.write_text(text.replace("min_spacing_s: 30m", "min_spacing_s: 0s"), encoding="utf-8")


def states(store: Store) -> dict[str, str]:
    with store.session() as s:
        return {r.item_id: r.state for r in s.execute(sa.select(post_t.c.item_id, post_t.c.state))}


def attempts(store: Store) -> dict[str, int]:
    query = (
        sa.select(post_t.c.item_id, sa.func.count(AttemptRow.id))
        .select_from(post_t.outerjoin(AttemptRow.__table__, AttemptRow.post_id == post_t.c.id))
        .group_by(post_t.c.item_id)
    )
    with store.session() as s:
        return dict(s.execute(query).all())  # type: ignore[arg-type]


def daemon(ws: WS, store: Store, clock: Callable[[], datetime], **kw: Any) -> Daemon:
    kw.setdefault("actions", {})
    return Daemon(ws.open(), store=store, clock=clock, **kw)


# -- single daemon ----------------------------------------------------------------------------------------


def test_a_second_daemon_is_refused_and_told_who_holds_the_lock(ws: WS, store: Store) -> None:
    first = daemon(ws, store, Clock(T0))
    first.start()
    try:
        second = daemon(ws, store, Clock(T0))
        with pytest.raises(DaemonLocked) as err:
            second.start()
        assert f"pid {os.getpid()} on host " in str(err.value)
        assert "2026-12-01T04:00:00+00:00" in str(err.value)
    finally:
        first.close()
    # Released: the next one starts.
    third = daemon(ws, store, Clock(T0))
    third.start()
    third.close()


def test_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from publisher.daemon.lock import DaemonLock;"
        "lock = DaemonLock(Path(sys.argv[1])); lock.acquire(); print('locked', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(DaemonLocked, match=f"pid {proc.pid} on host"):
            DaemonLock(tmp_path).acquire()
    finally:
        proc.kill()
        proc.wait(timeout=10)
    lock = DaemonLock(tmp_path)
    lock.acquire()  # SIGKILL left the file behind, but not the lock
    lock.release()


# -- the store is the truth ---------------------------------------------------------------------------------


def test_a_lost_job_store_loses_no_post(ws: WS, store: Store) -> None:
    no_spacing(ws)
    for i in range(10):
        note(ws, f"p{i}", "2026-12-01 12:00")
    clock = Clock(T0 - timedelta(hours=1))
    first = daemon(ws, store, clock)
    first.start()  # synced and armed in memory; then the process dies with its APScheduler job store
    assert first.next_wake() == T0
    first.close()
    clock.now = T0 + timedelta(minutes=1)
    second = daemon(ws, store, clock)
    second.start()

    async def armed_and_ticked() -> Any:
        scheduler = second._build_scheduler()
        scheduler.start()
        try:
            second.arm()
            wake = scheduler.get_job("wake")
            assert wake is not None and wake.misfire_grace_time is None and wake.coalesce
            assert {j.id for j in scheduler.get_jobs()} >= {"wake", "reaper"}
            return await second.tick()
        finally:
            scheduler.shutdown(wait=False)

    result = asyncio.run(armed_and_ticked())
    second.close()
    assert sorted(o.state for o in result.outcomes) == ["dry_run"] * 10
    assert set(states(store).values()) == {"dry_run"} and set(attempts(store).values()) == {1}


def test_late_posts_on_start_follow_the_late_window(ws: WS, store: Store) -> None:
    note(ws, "beyond", "2026-12-01 12:00")
    note(ws, "within", "2026-12-01 12:02")
    clock = Clock(T0 - timedelta(hours=1))
    d = daemon(ws, store, clock)
    d.start()
    d.close()  # nothing ran across both due times
    clock.now = T0 + timedelta(hours=2, minutes=1)  # Xiaohongshu's late window is 2 h
    outcomes = run_once(ws.open(), store, clock.now, actions={})
    assert {o.item: o.state for o in outcomes} == {"beyond": "missed", "within": "dry_run"}
    assert states(store) == {"beyond": "missed", "within": "dry_run"}
    assert attempts(store) == {"beyond": 0, "within": 1}


def test_clock_jumps_publish_nothing_twice(ws: WS, store: Store) -> None:
    note(ws, "a", "2026-12-01 12:00")
    note(ws, "b", "2026-12-01 13:00")
    note(ws, "c", "2026-12-01 15:00")
    clock = Clock(T0)
    d = daemon(ws, store, clock)
    d.start()
    run = lambda: [(o.item, o.state) for o in asyncio.run(d.tick()).outcomes]  # noqa: E731
    try:
        assert run() == [("a", "dry_run")]
        clock.now = T0 + timedelta(hours=2)  # forward jump: b is 1 h late (within its window), sent once
        assert run() == [("b", "dry_run")]
        assert run() == []
        clock.now = T0 - timedelta(hours=1)  # backward jump: nothing is due again
        assert run() == []
        assert d.next_wake() == T0 + timedelta(hours=3)  # c, from the store
        clock.now = T0 + timedelta(hours=3)
        assert run() == [("c", "dry_run")]
    finally:
        d.close()
    assert attempts(store) == {"a": 1, "b": 1, "c": 1}


def test_run_once_does_what_is_due_and_exits(ws: WS, store: Store) -> None:
    note(ws, "now", "2026-12-01 12:00")
    note(ws, "later", "2026-12-02 12:00")
    (ws.root / "schedules").mkdir()
    (ws.root / "schedules" / "jobs.yaml").write_text(
        "jobs:\n  daily: {run: report.daily, cron: '0 9 * * *'}\n"
        "  weekly: {run: report.weekly, cron: '0 9 * * mon'}\n"
    )
    calls: list[str] = []
    actions = {"report.daily": lambda ctx: calls.append(ctx.period.key) or "written"}
    outcomes = run_once(ws.open(), store, T0 + timedelta(minutes=5), actions=actions)
    assert [(o.item, o.state) for o in outcomes] == [("now", "dry_run")]
    assert states(store) == {"now": "dry_run", "later": "queued"}
    assert calls == ["2026-12-01T09:00+08:00"]
    with store.session() as s:
        assert sorted(s.execute(sa.select(JobRunRow.job, JobRunRow.outcome)).all()) == [
            ("daily", "ok: written"),
            ("weekly", "skipped: report.weekly is not available in this installation"),
        ]
    # It exited: the lock is free, and a second run has nothing left to do.
    assert run_once(ws.open(), store, T0 + timedelta(minutes=6), actions=actions) == []
    assert calls == ["2026-12-01T09:00+08:00"]


# -- watching ------------------------------------------------------------------------------------------


def test_an_edit_is_picked_up_by_the_watcher_within_a_second(ws: WS, store: Store) -> None:
    note(ws, "a", "2026-12-05 12:00")
    d = daemon(ws, store, lambda: T0, settings=DaemonSettings(stop_deadline_s=2))

    def due_of(item: str) -> datetime | None:
        with store.session() as s:
            return s.execute(sa.select(post_t.c.due_at).where(post_t.c.item_id == item)).scalar()

    async def scenario() -> list[float]:
        serving = asyncio.create_task(d.serve(handle_signals=False))
        await asyncio.to_thread(wait_for, lambda: d.syncs >= 1, 10, "the first sync")
        await asyncio.sleep(0.2)  # let the watcher settle (inotify setup is not observable)
        took = []
        for name, when, expected in [
            ("a", "2026-12-06 12:00", datetime(2026, 12, 6, 4, tzinfo=UTC)),
            ("b", "2026-12-07 12:00", datetime(2026, 12, 7, 4, tzinfo=UTC)),
        ]:
            start = time.monotonic()
            note(ws, name, when)
            await asyncio.to_thread(
                wait_for, lambda n=name, e=expected: due_of(n) == e, 5, f"{name} re-synced"
            )
            took.append(time.monotonic() - start)
        d.request_stop()
        await asyncio.wait_for(serving, 10)
        return took

    took = asyncio.run(scenario())
    assert max(took) < 1.0, took
    DaemonLock(ws.root / ".publisher").acquire()  # serve() released the lock on the way out


def test_a_broken_save_does_not_stop_the_daemon(ws: WS, store: Store) -> None:
    d = daemon(ws, store, lambda: T0)
    d.start()
    try:
        (ws.root / "schedules").mkdir()
        bad = ws.root / "schedules" / "jobs.yaml"
        bad.write_text("jobs:\n  x: {run: nope, cron: '0 9 * * *'}\n")
        assert d.on_change({bad}) is None  # logged, not raised
        bad.write_text("jobs:\n  x: {run: report.daily, cron: '0 9 * * *'}\n")
        assert d.on_change({bad}) is not None and [j.name for j in d.jobs] == ["x"]
    finally:
        d.close()


# -- stopping ------------------------------------------------------------------------------------------


class SlowQueue:
    """Claims what is due, then hangs as a slow platform would: for the graceful-stop test."""

    def __init__(self, ws: Any, store: Store, *, owner: str, now: Callable[[], datetime], **_: Any) -> None:
        self.store, self.owner, self.now = store, owner, now
        self.claimed = asyncio.Event()
        self.closed = 0  # how often the daemon closed the clients the queue keeps between ticks

    async def aclose(self) -> None:
        self.closed += 1

    async def run_due(self, limit: int = 50) -> list[Any]:
        claim_due(self.store, now=self.now(), owner=self.owner, lease_s=300, limit=limit)
        self.claimed.set()
        await asyncio.Event().wait()
        return []

    def next_due(self) -> datetime | None:
        return None

    async def poll_submitted(self) -> Any:
        return []


def test_stop_releases_claimed_but_unsent_posts(ws: WS, store: Store) -> None:
    note(ws, "a", "2026-12-01 12:00")
    d = daemon(ws, store, lambda: T0, queue_factory=SlowQueue, settings=DaemonSettings(stop_deadline_s=0.2))

    async def scenario() -> None:
        serving = asyncio.create_task(d.serve(handle_signals=False))
        await asyncio.to_thread(wait_for, lambda: d.queue is not None, 10, "the start")
        await asyncio.wait_for(d.queue.claimed.wait(), 10)  # type: ignore[union-attr]
        assert states(store) == {"a": "claimed"}
        d.request_stop()
        await asyncio.wait_for(serving, 10)

    asyncio.run(scenario())
    assert states(store) == {"a": "queued"}
    assert d.queue.closed == 1  # type: ignore[union-attr]  # its clients (connections) closed on the way out
    with store.session() as s:
        assert s.execute(sa.select(post_t.c.lease_owner)).scalar() is None
        why, said = s.execute(sa.select(post_t.c.reason, post_t.c.reason_msg)).one()
    assert reason(why, "zh", said) == "守护进程在发送前停止，已放回队列"  # stored by code, worded when shown
    assert reason(why, "en", said) == "lease released: the daemon stopped before sending" == why
    assert (Msg.from_json(said) or Msg("none")).code == "reason.lease_released"


def test_sigterm_stops_the_daemon_promptly_and_a_second_one_is_refused(ws: WS) -> None:
    note(ws, "a", "2030-01-01 12:00")
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = [sys.executable, "-m", "publisher.daemon", "--workspace", str(ws.root)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stderr is not None
        line = wait_for(lambda: proc.stderr.readline(), 30, "the daemon to start")  # type: ignore[union-attr]
        while "正在监视" not in line:  # "publisher run：正在监视 …" (the workspace's language, Chinese)
            line = proc.stderr.readline()
            assert line, "the daemon exited before it started watching"
        second = subprocess.run([*cmd, "--once"], capture_output=True, text=True, env=env, timeout=60)
        assert second.returncode == 1
        assert f"pid {proc.pid} on host" in second.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0  # the deadline is the promise; a stuck stop fails here
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- PostgreSQL: recurring-jobs leadership -------------------------------------------------------------------


@pytest.fixture
def pg_engine() -> Iterator[sa.Engine]:
    with fresh_schema() as url:
        engine = sa.create_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.mark.postgres
def test_one_node_leads_the_recurring_jobs_and_another_takes_over(pg_engine: sa.Engine) -> None:
    ticks = iter(range(1000))
    monotonic = lambda: float(next(ticks))  # noqa: E731 - each call one "second" later
    first = Leader(pg_engine, retry_s=3, monotonic=monotonic)
    second = Leader(pg_engine, retry_s=3, monotonic=monotonic)
    assert first.is_leader()
    assert not second.is_leader()
    assert first.is_leader()  # still holding
    pid = first._conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    first._conn.commit()
    with pg_engine.connect() as admin:  # the leader's session dies (as with kill -9 of its node)
        admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert wait_for(second.is_leader, 10, "the takeover")
    assert not first.is_leader()  # it notices, and cannot take the lock back
    first.release()
    second.release()


@pytest.mark.postgres
def test_several_daemons_on_postgresql_one_runs_the_jobs(ws: WS, pg_engine: sa.Engine) -> None:
    note(ws, "a", "2026-12-01 12:00")
    (ws.root / "schedules").mkdir()
    (ws.root / "schedules" / "jobs.yaml").write_text(
        "jobs:\n  pull: {run: metrics.pull, cron: '0 * * * *'}\n"
    )
    url = pg_engine.url.render_as_string(hide_password=False)
    stores = [open_store(url), open_store(url)]
    clock = Clock(T0)
    runs: list[str] = []
    actions = {"metrics.pull": lambda ctx: runs.append(ctx.period.key) or "ok"}
    nodes = [
        Daemon(ws.open(), store=s, clock=clock, actions=actions, settings=DaemonSettings(leader_retry_s=0))
        for s in stores
    ]
    try:
        for node in nodes:
            node.start()  # no single-daemon lock on PostgreSQL: both start
        results = [asyncio.run(node.tick()) for node in nodes]
        assert sorted(o.state for r in results for o in r.outcomes) == ["dry_run"]  # claimed by one node
        assert runs == ["2026-12-01T12:00+08:00"] and [len(r.jobs) for r in results] == [1, 0]
        nodes[0].close()  # the leader stops; the other takes the jobs over
        clock.now = T0 + timedelta(hours=1)
        assert len(asyncio.run(nodes[1].tick()).jobs) == 1
        assert runs == ["2026-12-01T12:00+08:00", "2026-12-01T13:00+08:00"]
    finally:
        for node in nodes:
            node.close()
        for s in stores:
            s.close()


@pytest.mark.postgres
def test_a_new_postgresql_leader_runs_again_what_the_dead_leader_left_unfinished(
    ws: WS, pg_engine: sa.Engine
) -> None:
    (ws.root / "schedules").mkdir()
    jobs = "jobs:\n  pull: {run: metrics.pull, cron: '0 * * * *'}\n"
    (ws.root / "schedules" / "jobs.yaml").write_text(jobs)
    store = open_store(pg_engine.url.render_as_string(hide_password=False))
    claim_period(store, "pull", "2026-12-01T12:00+08:00", now=T0)  # a leader took the period, then died
    runs: list[str] = []
    actions = {"metrics.pull": lambda ctx: runs.append(ctx.period.key) or "ok"}
    node = Daemon(
        ws.open(), store=store, clock=Clock(T0), actions=actions, settings=DaemonSettings(leader_retry_s=0)
    )
    try:
        node.start()
        assert len(asyncio.run(node.tick()).jobs) == 1  # leadership gained: the cut-short run runs again
        assert len(asyncio.run(node.tick()).jobs) == 0  # ...once
        assert runs == ["2026-12-01T12:00+08:00"]
    finally:
        node.close()
        store.close()
