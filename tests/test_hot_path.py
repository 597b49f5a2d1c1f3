"""The queue's hot path: SQLite statements run on the driver connection write exactly what Core writes, keep
BEGIN IMMEDIATE, roll back on error and keep the state guard; one pooled HTTP client per account per run."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from publisher.adapters.http import client_pool, open_client
from publisher.errors import StoreError
from publisher.models import PostState
from publisher.store import claims
from publisher.store.db import Store, open_store
from publisher.store.tables import PostRow

S = PostState
T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # microsecond 0: the driver's own datetime adapter would differ
post_t = PostRow.__table__  # type: ignore[attr-defined]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'publisher.sqlite'}", clock=lambda: T0)
    yield s
    s.close()


def add_post(store: Store, account: str = "a0") -> int:
    item = uuid.uuid4().hex[:8]
    with store.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO item (id, path, hash, fields, status, title, synced_at) "
                "VALUES (:id, :id, 'h', '{}', 'ready', '', :at)"
            ).bindparams(sa.bindparam("at", type_=post_t.c.due_at.type)),
            {"id": item, "at": T0},
        )
        conn.execute(
            sa.insert(post_t),
            {"item_id": item, "platform": "wechat", "account": account, "state": "queued", "due_at": T0,
             "late_window_s": 7200.0, "attempt_count": 0, "ids": {}, "created_at": T0, "updated_at": T0},
        )  # fmt: skip
        return int(conn.execute(sa.select(post_t.c.id).where(post_t.c.item_id == item)).scalar_one())


def raw_row(store: Store, post_id: int) -> dict[str, Any]:
    """The row as SQLite stores it (text, not parsed), read on a separate connection: what is committed."""
    path = store.engine.url.database
    assert path
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM post WHERE id = ?", (post_id,)).fetchone())


def test_the_hot_path_writes_what_core_writes(store: Store) -> None:
    fast, core = add_post(store, "a"), add_post(store, "b")
    claims.claim_due(store, now=T0, owner="w", lease_s=60, limit=10)
    # `fast` goes through start_attempt/record_ids/finish_attempt (driver connection on SQLite) ...
    attempt = claims.start_attempt(store, fast, owner="w", now=T0, request_hash="r", lease_s=60)
    assert attempt.number == 1 and attempt.ids == {}
    assert claims.record_ids(store, fast, "w", {"media_id": "m1", "gone": None}) is True
    assert claims.record_ids(store, fast, "w", {"draft": "d1"}) is True
    assert claims.begin_step(store, fast, 1, owner="w", step="draft/add", request_hash="r")
    assert claims.finish_attempt(
        store, fast, 1, owner="w", outcome="published", to=S.PUBLISHED, now=T0, remote_id="x", url="u",
        reason="published",
    )  # fmt: skip
    # ... `core` gets the same values through SQLAlchemy Core.
    with store.begin() as conn:
        conn.execute(
            sa.update(post_t)
            .where(post_t.c.id == core)
            .values(state="sending", attempt_count=1, lease_expires_at=T0 + timedelta(seconds=60))
        )
        conn.execute(
            sa.update(post_t).where(post_t.c.id == core).values(
                state="published", ids={"media_id": "m1", "gone": None, "draft": "d1"}, remote_id="x",
                url="u", reason="published", updated_at=T0, lease_owner=None, lease_expires_at=None,
            )
        )  # fmt: skip
    a, b = raw_row(store, fast), raw_row(store, core)
    for column in ("state", "ids", "remote_id", "url", "reason", "updated_at", "due_at", "lease_owner",
                   "lease_expires_at", "attempt_count"):  # fmt: skip
        assert a[column] == b[column], column
    assert a["updated_at"] == "2026-12-01 04:00:00.000000"  # Core's fixed-width text, fractions included
    events = claims.event_t
    with store.session() as s:
        kinds = s.execute(sa.select(events.c.kind, events.c.message).where(events.c.post_id == fast)).all()
        (row,) = s.execute(
            sa.select(claims.attempt.c.step, claims.attempt.c.outcome, claims.attempt.c.finished_at).where(
                claims.attempt.c.post_id == fast
            )
        ).all()
    assert kinds == [("transition", "sending -> published: published")]
    assert row == ("draft/add", "published", T0)  # read back through Core: an aware UTC datetime


def test_the_hot_path_keeps_the_lease_rules(store: Store) -> None:
    pid = add_post(store)
    with pytest.raises(claims.LeaseLost):
        claims.start_attempt(store, pid, owner="w", now=T0)  # not claimed yet
    claims.claim_due(store, now=T0, owner="w", lease_s=60, limit=10)
    with pytest.raises(claims.LeaseLost):
        claims.start_attempt(store, pid, owner="other", now=T0)
    with pytest.raises(claims.LeaseLost):  # the lease expired: compared as stored text, so the format matters
        claims.start_attempt(store, pid, owner="w", now=T0 + timedelta(seconds=60))
    claims.start_attempt(store, pid, owner="w", now=T0 + timedelta(seconds=59))
    assert not claims.begin_step(store, pid, 1, owner="other", step="x")
    assert claims.record_ids(store, pid, "other", {"k": "v"}) is False  # stored all the same
    assert raw_row(store, pid)["ids"] == '{"k": "v"}'
    assert not claims.finish_attempt(
        store, pid, 1, owner="other", outcome="published", to=S.PUBLISHED, now=T0
    )
    assert raw_row(store, pid)["state"] == "sending"


def test_a_failed_raw_transaction_rolls_back_and_the_state_guard_holds(store: Store) -> None:
    pid = add_post(store)
    with pytest.raises(RuntimeError), store.begin_raw() as driver:
        driver.execute("UPDATE post SET reason = 'half done' WHERE id = ?", (pid,))
        raise RuntimeError("boom")
    assert raw_row(store, pid)["reason"] is None
    with pytest.raises(StoreError, match="illegal"), store.begin_raw() as driver:
        driver.execute("UPDATE post SET state = 'published' WHERE id = ?", (pid,))  # queued -> published
    assert raw_row(store, pid)["state"] == "queued"
    with store.begin_raw():  # the connection went back to the pool usable
        pass


def test_a_raw_transaction_holds_the_write_lock(store: Store) -> None:
    path = store.engine.url.database
    assert path
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with store.begin_raw(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_begin_raw_is_sqlite_only(store: Store) -> None:
    pretend = Store(store.engine)
    pretend.dialect = "postgresql"
    with pytest.raises(StoreError), pretend.begin_raw():
        pass


def test_one_pooled_client_per_account_within_a_run() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"ok": True})

    transport = httpx.MockTransport(handler)
    kw: dict[str, Any] = {"base_url": "http://127.0.0.1:1/wx", "platform": "wechat", "transport": transport}

    async def run() -> None:
        async with open_client(scope="a", **kw) as lone:
            await lone.get("/x")
        assert lone.is_closed  # outside a pool: a fresh client, closed on exit
        async with client_pool():
            async with open_client(scope="a", **kw) as first:
                await first.get("/y")
            async with open_client(scope="a", **kw) as again, open_client(scope="b", **kw) as other:
                assert again is first and not first.is_closed
                assert other is not first  # accounts never share a client (nor its cookies)
        assert first.is_closed and other.is_closed  # the pool closes its clients at the end of the run

    asyncio.run(run())
    assert seen == ["/wx/x", "/wx/y"]


def test_a_slow_publish_keeps_its_lease_renewed(tmp_path: Path) -> None:
    import time
    from types import SimpleNamespace

    from publisher.queue.runner import Queue

    began = time.monotonic()

    # Real time passing, from T0 on: the renewal timer runs on the loop's real clock.
    def clock() -> datetime:
        return T0 + timedelta(seconds=time.monotonic() - began)

    store = open_store(f"sqlite:///{tmp_path / 'renew.sqlite'}", clock=clock)
    try:
        pid = add_post(store)
        claims.claim_due(store, now=clock(), owner="w", lease_s=0.3, limit=1)
        claims.start_attempt(store, pid, owner="w", now=clock(), lease_s=0.3)
        first = raw_row(store, pid)["lease_expires_at"]
        owner = SimpleNamespace(store=store, owner="w", lease_s=0.3, now=clock)

        async def slow_upload() -> str:
            # Polls the committed row until the lease was renewed twice (a deadline, never a fixed sleep).
            loop = asyncio.get_running_loop()
            deadline, renewals, last = loop.time() + 10, 0, first
            while renewals < 2:
                assert loop.time() < deadline, "the lease was not renewed while the publish ran"
                await asyncio.sleep(0.01)
                now = raw_row(store, pid)["lease_expires_at"]
                renewals, last = (renewals + 1, now) if now != last else (renewals, last)
            return "done"

        assert asyncio.run(Queue._leased(owner, pid, slow_upload())) == "done"  # type: ignore[arg-type]
        assert raw_row(store, pid)["lease_expires_at"] > first
    finally:
        store.close()
