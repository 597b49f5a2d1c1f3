"""A hypothesis state machine over random queue events: platform answers, crashes and lease expiry, edits,
and people's commands. Invariants: only legal transitions, never two publishes of one post on the platform,
and once events stop every post rests in a terminal or person-waiting state with a reason."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import WS
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from support.fuzzing import examples
from test_queue import ITEM, WECHAT, Clock, Crash, FakePlatform, Notices, factory

from publisher.calendar.sync import sync_calendar
from publisher.errors import UsageError
from publisher.models import PostState
from publisher.queue.actions import ActionRefused, cancel, resolve, retry
from publisher.queue.runner import Queue
from publisher.states import can_transition
from publisher.store.db import open_store
from publisher.store.tables import EventRow, PostRow

S = PostState
post_t = PostRow.__table__  # type: ignore[attr-defined]
event_t = EventRow.__table__  # type: ignore[attr-defined]
ITEMS = ("s0", "s1", "s2")
ACCOUNTS = ("wechat", "wechat_en")
ACTIONS = ("ok", "transient", "unknown_sent", "unknown_lost", "crash_after_draft", "permanent", "submitted")
RESTING = {
    S.PUBLISHED,
    S.CANCELLED,
    S.FAILED,
    S.MISSED,
    S.NEEDS_ATTENTION,
    S.NEEDS_REAUTH,
    S.AWAITING_MANUAL,
    S.HELD,
}
LEASE_S = 120

_root = Path(tempfile.mkdtemp(prefix="queue-stateful-"))
atexit.register(shutil.rmtree, _root, True)
_ws = WS(_root / "ws")
_FAST = (
    "/dev/shm" if Path("/dev/shm").is_dir() else str(_root)
)  # one workspace for every example (media processing is cached across them)


def _write(item: str, version: int) -> None:
    platforms = "\n".join(WECHAT.format(account=a) for a in ACCOUNTS)
    when = f"2026-12-01 12:{ITEMS.index(item) * 5:02d}"  # due 0, 5 and 10 minutes into the run
    _ws.item(
        f"{item}.md",
        ITEM.format(
            id=item,
            title=f"标题 {item}",
            when=when,
            status="ready",
            platforms=platforms,
            body=f"版本 {version}",
        ),
    )


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        for item in ITEMS:
            _write(item, 0)
        self.workspace = _ws.open()
        self.clock = Clock()
        self.platform = FakePlatform()
        self.db_dir = Path(tempfile.mkdtemp(dir=_FAST))  # fsync-heavy: RAM when the machine has it
        self.store = open_store(f"sqlite:///{self.db_dir / 'q.sqlite'}", clock=self.clock)
        self.generation = 0
        self.queue = self._new_queue()
        self.version = dict.fromkeys(ITEMS, 0)
        sync_calendar(self.workspace, self.store, now=self.clock())

    def _new_queue(self) -> Queue:
        self.generation += 1
        return Queue(
            self.workspace,
            self.store,
            owner=f"node-{self.generation}",
            now=self.clock,
            notifier=Notices(),
            adapter_factory=factory(self.platform),
            lease_s=LEASE_S,
        )

    def _posts(self) -> dict[int, tuple[str, str, str]]:
        with self.store.session() as s:
            return {r.id: (r.item_id, r.account, r.state) for r in s.execute(sa.select(post_t))}

    def _run(self) -> None:
        try:
            asyncio.run(self.queue.run_due(limit=10))
        except Crash:
            self.queue = self._new_queue()  # the process died mid-publish; another one starts

    # -- events ---------------------------------------------------------------------------------------------

    @initialize(answers=st.lists(st.sampled_from(ACTIONS), min_size=4, max_size=12))
    def platform_answers(self, answers: list[str]) -> None:
        self.platform.answers.extend(answers)

    @rule(action=st.sampled_from(ACTIONS))
    def platform_will_answer(self, action: str) -> None:
        self.platform.answers.append(action)

    @rule(mode=st.sampled_from(["truthful", "blind"]))
    def platform_reconcile(self, mode: str) -> None:
        self.platform.reconcile = mode

    @rule()
    def run_due(self) -> None:
        self._run()

    @rule(minutes=st.sampled_from([1, 5, 30, LEASE_S // 60 + 1]))
    def time_passes_and_the_daemon_ticks(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        self._run()

    @rule(item=st.sampled_from(ITEMS), and_sync=st.booleans())
    def edit(self, item: str, and_sync: bool) -> None:
        self.version[item] += 1
        _write(item, self.version[item])
        if and_sync:
            sync_calendar(self.workspace, self.store, now=self.clock())

    @rule(command=st.sampled_from(["cancel", "retry", "resolve"]), pick=st.integers(0, 5))
    def a_person_acts(self, command: str, pick: int) -> None:
        # A truthful person: --force only after checking the platform, and --not-published when nothing is
        # live there. A submission the platform still processes is neither live nor absent: such a person
        # does not retry it, but may well say "not published" (nothing shows yet); the product must refuse
        # that while the job is pending (sending again would have the platform publish both).
        def act(pid: int) -> None:
            item, account, state = self._posts()[pid]
            live = bool(self.platform.posts[(item, account)])
            pending = (item, account) in self.platform.pending
            if command == "retry" and pending:
                return
            if command == "cancel":
                cancel(self.store, pid, self.clock())
            elif command == "retry":
                retry(self.store, pid, force=not live, now=self.clock())
            elif pending and not live and state == S.RECONCILE.value:
                with pytest.raises(ActionRefused, match="--force"):
                    resolve(self.store, pid, published_url=None, not_published=True, now=self.clock())
            else:
                resolve(
                    self.store,
                    pid,
                    published_url=f"https://fake/{item}/{account}" if live else None,
                    not_published=not live,
                    now=self.clock(),
                )

        self._person(pick, act)

    @rule(pick=st.integers(0, 5))
    def a_job_fails_and_a_person_who_checked_forces(self, pick: int) -> None:
        # The platform's job fails (nothing goes out); a person sees that and says so with --force.
        waiting = sorted(
            pid
            for pid, (item, account, state) in self._posts().items()
            if (item, account) in self.platform.pending and state == S.RECONCILE.value
        )
        if not waiting:
            return
        pid = waiting[pick % len(waiting)]
        item, account, _ = self._posts()[pid]
        self.platform.pending.discard((item, account))
        with contextlib.suppress(UsageError):
            resolve(self.store, pid, published_url=None, not_published=True, force=True, now=self.clock())

    def _person(self, pick: int, act) -> None:  # type: ignore[no-untyped-def]
        ids = sorted(self._posts())
        with contextlib.suppress(UsageError):  # refused in this state: the refusal is tested in test_queue.py
            act(ids[pick % len(ids)])

    # -- invariants -----------------------------------------------------------------------------------------

    @invariant()
    def never_two_publishes_of_one_post(self) -> None:
        assert all(n <= 1 for n in self.platform.posts.values()), self.platform.posts

    @invariant()
    def only_legal_transitions(self) -> None:
        with self.store.session() as s:
            messages = s.execute(
                sa.select(event_t.c.message).where(event_t.c.kind.in_(["transition", "reap"]))
            )
            for message in messages.scalars():
                found = re.match(r"(\w+) -> (\w+)", message)
                assert found and can_transition(found[1], found[2]), message

    def teardown(self) -> None:
        try:
            self._settle()
        finally:
            self.store.close()
            shutil.rmtree(self.db_dir, ignore_errors=True)

    def _settle(self) -> None:
        """Events stop: the platform behaves, time passes; everything must come to rest with a reason."""
        self.platform.script.clear()
        self.platform.answers.clear()
        self.platform.reconcile = "truthful"
        self.platform.pending.clear()
        sync_calendar(self.workspace, self.store, now=self.clock())
        for _ in range(12):
            self.clock.advance(seconds=LEASE_S + 3600)
            before = self._posts()
            self._run()
            if self._posts() == before and all(S(st) in RESTING for _, _, st in before.values()):
                break
        with self.store.session() as s:
            rows = s.execute(sa.select(post_t.c.id, post_t.c.state, post_t.c.reason)).all()
        for row in rows:
            assert S(row.state) in RESTING, (row.id, row.state, row.reason)
            assert row.reason, (row.id, row.state)
        self.never_two_publishes_of_one_post()
        self.only_legal_transitions()


QueueMachine.TestCase.settings = settings(
    max_examples=examples(20),
    stateful_step_count=30,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestQueueMachine = QueueMachine.TestCase


def test_settling_publishes_everything_when_the_platform_behaves() -> None:
    """The teardown's settle really drives the queue: a fresh machine publishes all six posts, once each."""
    machine = QueueMachine()
    try:
        machine._settle()
        assert machine.platform.posts == {(i, a): 1 for i in ITEMS for a in ACCOUNTS}
        assert {state for _, _, state in machine._posts().values()} == {"published"}
    finally:
        machine.store.close()
