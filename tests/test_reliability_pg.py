"""R23 (docs/reliability.md#storage): several queue processes on one PostgreSQL database publish every due
post exactly once.

Four worker PROCESSES (tests/support/queue_worker.py: the real Queue, claiming with FOR UPDATE SKIP LOCKED)
start together on a fresh schema of the local PostgreSQL and drain 1,000 due posts through the dry-run
adapter (which records every request it would send), then a smaller calendar through the real adapters
against a sandbox process. An unreachable server fails the test; it never skips.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.pg import fresh_schema
from support.procs import REPO, Sandbox, child_env
from support.workspaces import (
    Layout,
    attempts,
    authorize_douyin,
    credential_env,
    due_now,
    open_ws,
    posts,
    remote_objects,
    write_workspace,
)

from publisher.adapters.dryrun import dry_run_dir
from publisher.calendar.sync import sync_calendar
from publisher.store.db import Store, open_store, utcnow

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKER = REPO / "tests" / "support" / "queue_worker.py"
WORKERS = 4


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_schema("rel") as url:
        yield url


def run_workers(root: Path, env: dict[str, str], tmp: Path, sandbox_url: str | None = None) -> list[dict]:
    go = tmp / "go"
    args = ["--workspace", str(root), "--go", str(go)] + (
        ["--sandbox-url", sandbox_url] if sandbox_url else []
    )
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "--owner", f"w{n}", *args],
            env=child_env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    go.touch()  # every worker is up (or nearly): they claim from the same instant on
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_four_processes_on_one_postgres_publish_1000_posts_exactly_once(pg_url: str, tmp_path: Path) -> None:
    root = write_workspace(
        tmp_path / "ws",
        Layout(items=500, platforms=("wechat", "xiaohongshu"), mode="dry-run", when=due_now()),
    )
    env = {**credential_env(root), "PUBLISHER_DATABASE_URL": pg_url}
    ws = open_ws(root, env)
    store = open_store(ws.database_url)
    try:
        assert store.dialect == "postgresql"
        sync_calendar(ws, store, now=utcnow())
        assert len(posts(store)) == 1000

        results = run_workers(root, env, tmp_path)

        rows = posts(store)
        assert Counter(p["state"] for p in rows) == Counter({"dry_run": 1000})  # recorded, nothing sent
        # Exactly once: one attempt per post, one publishing worker per post, one request recorded per post.
        per_post = Counter(a["post_id"] for a in attempts(store))
        assert set(per_post.values()) == {1} and len(per_post) == 1000
        claimed = [pid for r in results for pid in r["posts"]]
        assert len(claimed) == len(set(claimed)) == 1000
        assert sum(1 for r in results if r["posts"]) >= 2, [len(r["posts"]) for r in results]  # they shared
        recorded = [
            json.loads(line)
            for log in dry_run_dir(ws.state_dir).glob("requests-*.jsonl")
            for line in log.read_text(encoding="utf-8").splitlines()
        ]
        assert len({(r["item"], r["platform"], r["account"]) for r in recorded}) == len(recorded) == 1000
    finally:
        store.close()


def test_four_processes_publish_through_the_real_adapters_exactly_once(pg_url: str, tmp_path: Path) -> None:
    items = 20
    root = write_workspace(tmp_path / "ws", Layout(items=items, when=due_now()))
    env = {**credential_env(root), "PUBLISHER_DATABASE_URL": pg_url}
    ws = open_ws(root, env)
    box = Sandbox.start(seed=4, log=tmp_path / "sandbox.log")
    store: Store = open_store(ws.database_url)
    try:
        box.clock()
        box.config({"wechat": {"publish_delay_seconds": 0}, "douyin": {"review_delay_seconds": 0}})
        asyncio.run(authorize_douyin(store, box.url))
        sync_calendar(ws, store, now=utcnow())
        assert len(posts(store)) == items * 3

        results = run_workers(root, env, tmp_path, sandbox_url=box.url)

        rows = posts(store)
        assert Counter(p["state"] for p in rows) == Counter({"published": items * 3}), [
            (p["item_id"], p["platform"], p["state"], p["reason"]) for p in rows if p["state"] != "published"
        ]
        claimed = [pid for r in results for pid in r["posts"]]
        assert len(claimed) == len(set(claimed)) == items * 3
        state = box.state()
        assert state["duplicates"] == []
        got = remote_objects(state)
        assert len(got["wechat_articles"]) == len(got["douyin"]) == len(got["xiaohongshu"]) == items
        writes = Counter(c["path"].split("?")[0] for c in state["calls"] if c["method"] == "POST")
        assert writes["/wx/cgi-bin/freepublish/submit"] == items and writes["/xhs/api/v1/publish"] == items
        assert writes["/dy/api/douyin/v1/video/create_image_text/"] == items
    finally:
        store.close()
        box.stop()


def test_a_dead_workers_leases_are_taken_back_at_once_and_a_live_ones_kept(
    tmp_path: Path, pg_url: str
) -> None:
    """Each worker proves it is alive with a session advisory lock; when its session ends (process death) any
    node sees the lock free and takes its leases back at once, long before they expire."""
    from publisher.store.claims import claim_due, lease_owners, take_over
    from publisher.store.liveness import Liveness

    root = write_workspace(tmp_path / "ws", Layout(items=2, when=due_now()))
    ws = open_ws(root, credential_env(root))
    store = open_store(pg_url)
    try:
        sync_calendar(ws, store, now=utcnow())
        tag = uuid.uuid4().hex[:8]
        dead, alive, me = (Liveness(store.engine, f"{name}-{tag}") for name in ("dead", "alive", "me"))
        for worker in (dead, alive, me):
            worker.hold()
        now = utcnow()
        assert len(claim_due(store, now=now, owner=dead.owner, lease_s=600, limit=3)) == 3
        assert len(claim_due(store, now=now, owner=alive.owner, lease_s=600, limit=3)) == 3
        assert me.dead(lease_owners(store)) == set()  # both alive: nothing is taken
        dead.release()  # the process dies: its session ends, and its lock with it
        found = me.dead(lease_owners(store))
        assert found == {dead.owner}
        requeued, to_reconcile = take_over(store, now, owners=found)
        assert len(requeued) == 3 and to_reconcile == []
        assert lease_owners(store) == {alive.owner}
        assert Counter(p["state"] for p in posts(store)) == Counter({"queued": 3, "claimed": 3})
        alive.release()
        me.release()
    finally:
        store.close()
