"""The store on SQLite and PostgreSQL: migrations, settings, the DB state guard, UTC, claims and leases."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import examples
from support.pg import fresh_schema

from publisher.errors import StoreError
from publisher.models import Attempt, PostState
from publisher.states import can_transition, transition_pairs
from publisher.store import claims
from publisher.store.attempts import attempt_budget
from publisher.store.db import Store, open_store
from publisher.store.group import GroupCommit
from publisher.store.tables import AttemptRow, EventRow, JobRunRow, PostRow, TokenRow, metadata

S = PostState
T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
TABLES = {"item", "post", "attempt", "metric", "account_metric", "job_run", "token", "sync_state", "event",
          "post_transition", "alembic_version"}  # fmt: skip

MakeStore = Callable[..., Store]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ws' / '.publisher' / 'publisher.sqlite'}"
        return
    with fresh_schema() as url:  # an unreachable server makes the test error, never skip
        yield url


@pytest.fixture
def make_store(db_url: str) -> Iterator[MakeStore]:
    opened: list[Store] = []

    def make(**kw: Any) -> Store:
        store = open_store(db_url, **kw)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'publisher.sqlite'}")
    yield store
    store.close()


def add_posts(store: Store, n: int, *, state: S = S.QUEUED, due: datetime = T0, **extra: Any) -> list[int]:
    """Insert n posts of one new item, each on its own account; returns their ids."""
    item = uuid.uuid4().hex[:8]
    with store.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO item (id, path, hash, fields, status, title, synced_at) "
                    "VALUES (:id, :id, 'h', '{}', 'ready', '', :at)").bindparams(
                sa.bindparam("at", type_=PostRow.__table__.c.due_at.type)  # type: ignore[attr-defined]
            ),
            {"id": item, "at": T0},
        )  # fmt: skip
        rows = [
            {"item_id": item, "platform": "wechat", "account": f"a{i}", "state": str(state), "due_at": due,
             "late_window_s": 7200.0, "attempt_count": 0, "ids": {}, "created_at": T0, "updated_at": T0,
             **extra}
            for i in range(n)
        ]  # fmt: skip
        conn.execute(sa.insert(PostRow.__table__), rows)  # type: ignore[attr-defined]
        ids = conn.execute(sa.select(PostRow.id).where(PostRow.item_id == item).order_by(PostRow.id))
        return list(ids.scalars())


def state_of(store: Store, post_id: int) -> str:
    with store.session() as s:
        return s.get_one(PostRow, post_id).state


# --- schema and settings ---------------------------------------------------------------------------------


def test_migrations_build_the_schema_and_reopen_is_a_no_op(make_store: MakeStore) -> None:
    store = make_store()
    assert set(sa.inspect(store.engine).get_table_names()) >= TABLES
    (pid,) = add_posts(store, 1)
    again = make_store()
    with again.session() as s:
        assert s.exec(sa.text("SELECT version_num FROM alembic_version")).all() == [("0008",)]  # type: ignore[call-overload]
        assert s.get_one(PostRow, pid).state == "queued"
    check = again.self_check()
    assert check["revision"] == check["head"] == "0008"
    assert check["problems"] == []


def test_schema_matches_the_models(make_store: MakeStore) -> None:
    store = make_store()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_two_processes_opening_a_fresh_database_at_once(db_url: str) -> None:
    barrier, errors, stores = threading.Barrier(3), [], []

    def opener() -> None:
        barrier.wait()
        try:
            stores.append(open_store(db_url))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    for store in stores:
        store.close()
    assert errors == [] and len(stores) == 3


def test_sqlite_pragmas(sqlite_store: Store) -> None:
    check = sqlite_store.self_check(integrity=True)
    assert check["integrity_check"] == "ok"
    assert (check["journal_mode"], check["synchronous"], check["foreign_keys"]) == ("wal", "FULL", True)
    assert check["busy_timeout"] >= 5000
    assert check["problems"] == []


def test_sqlite_write_transactions_begin_immediate(sqlite_store: Store, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "publisher.sqlite", timeout=0, isolation_level=None)
    try:
        with sqlite_store.session() as s:
            s.get(PostRow, 1)
            other.execute("BEGIN IMMEDIATE")  # a reader does not hold the write lock
            other.execute("ROLLBACK")
        with sqlite_store.write(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")  # write() took it before running any statement
        with sqlite_store.begin(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


def test_read_session_refuses_to_write(sqlite_store: Store) -> None:
    with pytest.raises(StoreError, match="read-only"), sqlite_store.session() as s:
        s.add(JobRunRow(job="weekly", period="2026-W48", started_at=T0))
        s.commit()


def test_hide_parameters_keeps_values_out_of_errors(make_store: MakeStore) -> None:
    store = make_store()
    canary = "CANARY-SECRET-5f2e"
    with store.write() as s:
        s.add(TokenRow(account="wx", kind="access", value=canary))
    with pytest.raises(sa.exc.IntegrityError) as info, store.write() as s:
        s.add(TokenRow(account="wx", kind="access", value=canary))
    assert canary not in str(info.value) and canary not in repr(info.value)
    assert canary not in repr(TokenRow(account="wx", kind="access", value=canary))


def test_utc_round_trip(make_store: MakeStore) -> None:
    store = make_store()
    shanghai = datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    with store.write() as s:
        s.add(JobRunRow(job="daily", period="2026-12-01", started_at=shanghai))
    with store.session() as s:
        got = s.exec(sa.select(JobRunRow)).scalar_one()  # type: ignore[call-overload]
    assert got.started_at == shanghai and got.started_at.tzinfo is UTC
    assert got.started_at.hour == 4
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), store.write() as s:
        s.add(JobRunRow(job="daily", period="2026-12-02", started_at=datetime(2026, 12, 2, 12)))


def test_unique_post_target_and_job_run_period(make_store: MakeStore) -> None:
    store = make_store()
    (pid,) = add_posts(store, 1)
    with store.session() as s:
        row = s.get_one(PostRow, pid)
    with pytest.raises(sa.exc.IntegrityError), store.begin() as conn:
        conn.execute(sa.insert(PostRow.__table__).values(  # type: ignore[attr-defined]
            item_id=row.item_id, platform=row.platform, account=row.account, state="queued",
            late_window_s=1.0, attempt_count=0, ids={}, created_at=T0, updated_at=T0))  # fmt: skip
    with store.write() as s:
        s.add(JobRunRow(job="weekly", period="2026-W48", started_at=T0))
    with pytest.raises(sa.exc.IntegrityError), store.write() as s:
        s.add(JobRunRow(job="weekly", period="2026-W48", started_at=T0))
    with store.write() as s:
        s.add(JobRunRow(job="weekly", period="2026-W49", started_at=T0))


def test_unknown_state_is_refused_by_check(make_store: MakeStore) -> None:
    store = make_store()
    with pytest.raises(sa.exc.IntegrityError):
        add_posts(store, 1, state="bogus")  # type: ignore[arg-type]


# --- the DB's own state guard ----------------------------------------------------------------------------


def test_db_transition_table_is_states_transitions(make_store: MakeStore) -> None:
    with make_store().session() as s:
        rows = s.exec(sa.text("SELECT from_state, to_state FROM post_transition")).all()  # type: ignore[call-overload]
    assert {tuple(r) for r in rows} == transition_pairs()


def test_illegal_transition_by_raw_sql_is_refused(make_store: MakeStore) -> None:
    store = make_store()
    (pid,) = add_posts(store, 1)
    with pytest.raises(sa.exc.IntegrityError, match="illegal post state transition"):  # noqa: SIM117
        with store.engine.begin() as conn:  # bypass every wrapper: the DB itself says no
            conn.execute(sa.text("UPDATE post SET state = 'published' WHERE id = :id"), {"id": pid})
    with pytest.raises(StoreError, match="illegal post state transition"), store.begin() as conn:
        conn.execute(sa.text("UPDATE post SET state = 'sending' WHERE id = :id"), {"id": pid})
    with store.begin() as conn:
        conn.execute(sa.text("UPDATE post SET state = 'held' WHERE id = :id"), {"id": pid})
        conn.execute(sa.text("UPDATE post SET state = 'held', reason = 'x' WHERE id = :id"), {"id": pid})
    assert state_of(store, pid) == "held"


def test_db_guard_agrees_with_states_on_every_pair(make_store: MakeStore) -> None:
    store = make_store()
    pairs = [(a, b) for a in PostState for b in PostState]
    ids: dict[tuple[S, S], int] = {}
    for a in PostState:
        for pid, b in zip(add_posts(store, len(PostState), state=a), PostState, strict=True):
            ids[(a, b)] = pid
    accepted = set()
    with store.engine.begin() as conn:
        for a, b in pairs:
            nested = conn.begin_nested()
            try:
                conn.execute(
                    sa.text("UPDATE post SET state = :b WHERE id = :id"), {"b": b.value, "id": ids[a, b]}
                )
                nested.commit()
                accepted.add((a, b))
            except sa.exc.IntegrityError:
                nested.rollback()
    assert accepted == {(a, b) for a, b in pairs if can_transition(a, b)}


def test_db_guard_agrees_with_states_on_random_walks(make_store: MakeStore) -> None:
    store = make_store()
    (seed,) = add_posts(store, 1)
    with store.session() as s:
        template = s.get_one(PostRow, seed).model_dump(exclude={"id", "account", "state"})
    step = sa.text("UPDATE post SET state = :s WHERE id = :id")

    @settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.sampled_from(list(PostState)), st.lists(st.sampled_from(list(PostState)), min_size=1, max_size=12)
    )
    def walk(start: PostState, targets: list[PostState]) -> None:
        # One transaction per walk, rolled back at the end: each step is a savepoint, so nothing is fsynced.
        with store.engine.connect() as conn, conn.begin() as outer:
            row = {**template, "account": uuid.uuid4().hex, "state": str(start)}
            pid = conn.execute(
                sa.insert(PostRow.__table__).returning(PostRow.__table__.c.id), row
            ).scalar_one()  # type: ignore[attr-defined]
            current = start
            for target in targets:
                nested = conn.begin_nested()
                try:
                    conn.execute(step, {"s": str(target), "id": pid})
                    nested.commit()
                    moved = True
                except sa.exc.IntegrityError:
                    nested.rollback()
                    moved = False
                assert moved == can_transition(current, target), (current, target)
                current = target if moved else current
                assert (
                    conn.execute(sa.text("SELECT state FROM post WHERE id = :id"), {"id": pid}).scalar()
                    == current
                )
            outer.rollback()

    walk()


# --- claims and leases -----------------------------------------------------------------------------------


def test_claim_takes_only_due_rows_in_order(make_store: MakeStore) -> None:
    store = make_store()
    late = add_posts(store, 2, due=T0 - timedelta(minutes=5))
    now_ = add_posts(store, 1, due=T0)
    add_posts(store, 1, due=T0 + timedelta(seconds=1))  # not yet due
    add_posts(store, 1, state=S.HELD, due=T0 - timedelta(hours=1))
    waiting = add_posts(store, 1, state=S.RETRYING, due=T0 - timedelta(hours=1),
                        next_attempt_at=T0 + timedelta(minutes=1))  # fmt: skip
    got = claims.claim_due(store, now=T0, owner="w1", lease_s=60, limit=10)
    assert [c.id for c in got] == late + now_
    assert all(c.lease_owner == "w1" and c.lease_expires_at == T0 + timedelta(seconds=60) for c in got)
    assert claims.claim_due(store, now=T0, owner="w2", lease_s=60, limit=10) == []
    later = T0 + timedelta(minutes=1)
    assert [c.id for c in claims.claim_due(store, now=later, owner="w2", lease_s=60, limit=1)] == waiting
    assert claims.claim_due(store, now=later, owner="w2", lease_s=60, limit=5, platforms=["douyin"]) == []


def test_concurrent_claims_give_each_row_exactly_once(make_store: MakeStore) -> None:
    store = make_store()
    for _ in range(4):
        add_posts(store, 250)
    workers = [make_store() for _ in range(4)]  # separate engines, like separate processes
    barrier, got, errors = threading.Barrier(4), Counter[int](), []
    lock = threading.Lock()

    def work(n: int) -> None:
        barrier.wait()
        try:
            while batch := claims.claim_due(workers[n], now=T0, owner=f"w{n}", lease_s=60, limit=25):
                with lock:
                    got.update(c.id for c in batch)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(got) == 1000 and set(got.values()) == {1}
    with store.session() as s:
        assert s.exec(sa.text("SELECT count(*) FROM post WHERE state = 'claimed'")).scalar() == 1000  # type: ignore[call-overload]


def test_lease_expiry_and_reap(make_store: MakeStore) -> None:
    store = make_store()
    idle, sent, fresh = add_posts(store, 3)
    claims.claim_due(store, now=T0, owner="w1", lease_s=30, limit=2)
    claims.start_attempt(store, sent, owner="w1", now=T0, request_hash="r1")
    claims.claim_due(store, now=T0 + timedelta(seconds=20), owner="w2", lease_s=30, limit=1)
    assert claims.reap_expired(store, T0 + timedelta(seconds=29)) == ([], [])
    assert claims.reap_expired(store, T0 + timedelta(seconds=30)) == ([idle], [sent])
    assert (state_of(store, idle), state_of(store, sent), state_of(store, fresh)) == (
        "queued",
        "reconcile",
        "claimed",
    )
    with store.session() as s:
        att = s.exec(sa.select(AttemptRow).where(AttemptRow.post_id == sent)).scalar_one()  # type: ignore[call-overload]
        assert (att.outcome, att.finished_at, att.request_hash) == (
            "interrupted",  # our worker never heard the answer: not counted toward the retry limit
            T0 + timedelta(seconds=30),
            "r1",
        )
    assert attempt_budget(store, sent) == (0, 1)
    # The old holder is fenced off: its late answer cannot move the post, and nothing is re-sent.
    done = claims.finish_attempt(store, sent, 1, owner="w1", outcome="ok", to=S.PUBLISHED, now=T0)
    assert not done and state_of(store, sent) == "reconcile"
    later = T0 + timedelta(minutes=5)
    assert [c.id for c in claims.claim_due(store, now=later, owner="w3", lease_s=30, limit=10)] == [idle]


def test_start_attempt_is_the_write_ahead_intent(make_store: MakeStore) -> None:
    store = make_store()
    (pid,) = add_posts(store, 1)
    with pytest.raises(claims.LeaseLost):
        claims.start_attempt(store, pid, owner="w1", now=T0)  # not claimed
    claims.claim_due(store, now=T0, owner="w1", lease_s=60, limit=1)
    with pytest.raises(claims.LeaseLost):
        claims.start_attempt(store, pid, owner="w2", now=T0)
    with pytest.raises(claims.LeaseLost):
        claims.start_attempt(store, pid, owner="w1", now=T0 + timedelta(seconds=60))  # lease ran out
    att = claims.start_attempt(store, pid, owner="w1", now=T0, step="draft/add", lease_s=120)
    assert (att.post_id, att.number, att.started_at) == (pid, 1, T0)
    assert state_of(store, pid) == "sending"
    assert claims.begin_step(store, pid, 1, owner="w1", step="freepublish/submit", request_hash="abc")
    assert claims.record_ids(store, pid, "w1", {"media_id": "M1"})
    assert claims.record_ids(store, pid, "w1", {"publish_id": "P1"})
    assert claims.finish_attempt(store, pid, 1, owner="w1", outcome="published", to=S.PUBLISHED, now=T0,
                                 remote_id="A1", url="https://mp.weixin.qq.com/s/x")  # fmt: skip
    with store.session() as s:
        row = s.get_one(PostRow, pid)
        att_row = s.exec(sa.select(AttemptRow).where(AttemptRow.post_id == pid)).scalar_one()  # type: ignore[call-overload]
        events = s.exec(
            sa.select(EventRow.message).where(EventRow.post_id == pid).order_by(EventRow.id)
        ).all()  # type: ignore[call-overload]
    assert (row.state, row.remote_id, row.attempt_count, row.lease_owner) == ("published", "A1", 1, None)
    assert row.ids == {"media_id": "M1", "publish_id": "P1"}
    assert (att_row.step, att_row.request_hash, att_row.outcome) == ("freepublish/submit", "abc", "published")
    assert [m for (m,) in events] == ["sending -> published"]  # claim and start are in lease cols/attempts


def test_transition_is_compare_and_set(make_store: MakeStore) -> None:
    store = make_store()
    a, b = add_posts(store, 2)
    claims.claim_due(store, now=T0, owner="w1", lease_s=60, limit=1)
    # Only the holder moves a claimed post; a person or the sync (owner=None) cannot.
    assert not claims.transition(store, a, owner=None, from_states=[S.CLAIMED], to=S.CANCELLED)
    assert not claims.transition(store, a, owner="w2", from_states=[S.CLAIMED], to=S.HELD)
    assert claims.transition(store, a, owner="w1", from_states=[S.CLAIMED], to=S.HELD, reason="changed")
    assert not claims.transition(store, a, owner="w1", from_states=[S.CLAIMED], to=S.QUEUED)
    assert claims.transition(store, b, owner=None, from_states=[S.QUEUED, S.HELD], to=S.CANCELLED)
    with pytest.raises(StoreError, match="illegal post state transition"):
        claims.transition(store, b, owner=None, from_states=[S.PUBLISHED], to=S.QUEUED)
    with pytest.raises(StoreError, match="claim_due"):
        claims.transition(store, b, owner=None, from_states=[S.QUEUED], to=S.CLAIMED)
    with pytest.raises(StoreError, match="lease_owner"):
        claims.transition(store, b, owner=None, from_states=[S.CANCELLED], to=S.QUEUED, lease_owner="x")
    with store.session() as s:
        held = s.get_one(PostRow, a)
    assert (held.state, held.reason, held.lease_owner, held.lease_expires_at) == (
        "held",
        "changed",
        None,
        None,
    )


def test_record_ids_keeps_ids_even_after_the_lease_is_lost(make_store: MakeStore) -> None:
    store = make_store()
    (pid,) = add_posts(store, 1)
    claims.claim_due(store, now=T0, owner="w1", lease_s=10, limit=1)
    claims.start_attempt(store, pid, owner="w1", now=T0)
    assert claims.renew_lease(store, pid, owner="w1", now=T0 + timedelta(seconds=5), lease_s=10)
    assert not claims.renew_lease(store, pid, owner="w2", now=T0 + timedelta(seconds=5), lease_s=10)
    claims.reap_expired(store, T0 + timedelta(seconds=15))
    assert not claims.record_ids(store, pid, "w1", {"publish_id": "P9"})
    with store.session() as s:
        assert s.get_one(PostRow, pid).ids == {"publish_id": "P9"}


def test_group_commit_shares_one_transaction_and_a_failing_step_rolls_back_alone(
    make_store: MakeStore,
) -> None:
    """Posts stepping side by side: their intents share one commit (SQLite), each waiter gets its own answer,
    and a step that fails (here: a post whose lease is gone) leaves the others' steps committed."""
    store = make_store()
    a, b, c = add_posts(store, 3)
    claims.claim_due(store, now=T0, owner="w1", lease_s=60, limit=2)  # c stays queued: not this worker's
    group = GroupCommit(store)

    async def side_by_side() -> list[object]:
        steps = [group.start_attempt(p, owner="w1", now=T0, request_hash="h", lease_s=60) for p in (a, b, c)]
        return await asyncio.gather(*steps, return_exceptions=True)

    first, second, third = asyncio.run(side_by_side())
    assert isinstance(first, Attempt) and isinstance(second, Attempt) and isinstance(third, claims.LeaseLost)
    assert group.commits == (1 if store.is_sqlite else 3)
    assert [state_of(store, p) for p in (a, b, c)] == ["sending", "sending", "queued"]

    async def results() -> list[bool]:
        return list(
            await asyncio.gather(
                group.finish_attempt(a, 1, owner="w1", outcome="published", to=S.PUBLISHED, now=T0),
                group.finish_attempt(b, 1, owner="w2", outcome="published", to=S.PUBLISHED, now=T0),
            )
        )

    assert asyncio.run(results()) == [True, False]  # b is held by w1: the move is refused, a's is committed
    assert [state_of(store, p) for p in (a, b)] == ["published", "sending"]
    with pytest.raises(StoreError, match="illegal post state transition"):
        asyncio.run(group.transition(c, owner=None, from_states=[S.PUBLISHED], to=S.QUEUED, now=T0))


def test_group_commit_rolls_back_a_step_that_fails_after_writing_and_keeps_the_others(
    make_store: MakeStore,
) -> None:
    """A step that raises after it wrote (here: ids merged, then a refused move) leaves nothing behind, while
    the steps committed with it keep everything they wrote; each waiter gets its own answer."""
    store = make_store()
    a, b, c = add_posts(store, 3)
    claims.claim_due(store, now=T0, owner="w1", lease_s=60, limit=3)
    group = GroupCommit(store)

    async def started() -> None:
        await asyncio.gather(
            *(group.start_attempt(p, owner="w1", now=T0, request_hash="h", lease_s=60) for p in (a, b, c))
        )

    asyncio.run(started())
    before = group.commits

    async def finished() -> list[object]:
        return list(
            await asyncio.gather(
                group.finish_attempt(
                    a, 1, owner="w1", outcome="published", to=S.PUBLISHED, now=T0, ids={"x": 1}
                ),
                group.finish_attempt(
                    c, 1, owner="w1", outcome="odd", to=S.CLAIMED, now=T0, ids={"draft": "D"}
                ),
                group.finish_attempt(b, 1, owner="w1", outcome="published", to=S.PUBLISHED, now=T0),
                return_exceptions=True,
            )
        )

    first, failed, third = asyncio.run(finished())
    assert first is True and third is True and isinstance(failed, StoreError)
    assert group.commits == before + (1 if store.is_sqlite else 3)
    assert [state_of(store, p) for p in (a, b, c)] == ["published", "published", "sending"]
    with store.session() as s:
        assert s.get_one(PostRow, a).ids == {"x": 1}
        assert s.get_one(PostRow, c).ids == {}  # merged by the failed step, rolled back with it


def test_group_commit_joins_a_posts_id_merges_queued_back_to_back_and_keeps_its_order(
    make_store: MakeStore,
) -> None:
    """Ids a post reports one after the other (nothing else of that post queued between) are one merge: one
    step, one future, the later value winning; a step of the post between them keeps them apart, in order."""
    store = make_store()
    a, b = add_posts(store, 2)
    claims.claim_due(store, now=T0, owner="w1", lease_s=60, limit=2)
    group = GroupCommit(store)

    async def reported() -> list[bool]:
        attempt = await group.start_attempt(a, owner="w1", now=T0, request_hash="h", lease_s=60)
        first = group.record_ids(a, "w1", {"thumb": "T1", "x": "1"}, T0)
        other = group.record_ids(b, "w1", {"draft": "D"}, T0)  # another post between: a's merge stays open
        second = group.record_ids(a, "w1", {"x": "2", "sent_at": 5}, T0)
        assert second is first and other is not first
        intent = group.begin_step(a, attempt.number, owner="w1", step="draft/add", request_hash="h")
        third = group.record_ids(a, "w1", {"publish_id": "P"}, T0)  # after a's intent: a merge of its own
        assert third is not first
        return list(await asyncio.gather(first, other, intent, third))

    assert asyncio.run(reported()) == [True, True, True, True]
    with store.session() as s:
        assert s.get_one(PostRow, a).ids == {"thumb": "T1", "x": "2", "sent_at": 5, "publish_id": "P"}
        assert s.get_one(PostRow, b).ids == {"draft": "D"}


def test_head_revision_read_from_the_version_files_is_alembics_head() -> None:
    """Opening a store at head skips the migration tool on this reading; it must agree with alembic."""
    from alembic.script import ScriptDirectory

    from publisher.store.db import _alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(_alembic_config()).get_current_head()
