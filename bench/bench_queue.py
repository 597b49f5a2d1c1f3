"""Benchmark: N due posts through Queue.run_due with the dry-run adapter vs raw sqlite3 inserts
of the same rows.

Target (README.md#benchmarks): >= 2,000 posts/s on SQLite. Every state change is committed (claim per batch,
write-ahead attempt row per post, finish per post) with the store's own settings (WAL, synchronous=FULL); the
steps of the posts sent side by side (one lane per account) share a commit (store/group.py), each post still
waiting for its own. A dry-run send ends in the state dry_run, counted here as sent.
Runs on the workspace's disk and on /dev/shm (RAM: fsync is free there) and prints both, because the figure
on a disk is mostly the disk's fsync latency.

    PYTHONPATH=src python bench/bench_queue.py [--posts 10000] [--batch 200] [--where disk|shm|both]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from figures import Figures
from PIL import Image

from publisher.calendar.load import Calendar
from publisher.calendar.sync import sync_calendar
from publisher.queue.runner import Queue
from publisher.store.db import open_store
from publisher.workspace.settings import DEFAULTS_DIR, open_workspace

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
ACCOUNTS = 10  # posts = items x accounts
ITEM = """---
id: b{n}
title: 周报 {n}
publish_at: 2026-12-01 12:00
status: ready
images: [media/a.png]
platforms: [{accounts}]
---
第 {n} 篇：正文。
"""


def build(root: Path, posts: int) -> Path:
    """A workspace with posts/ACCOUNTS items, each on ACCOUNTS uncapped xiaohongshu accounts."""
    ws = root / "ws"
    (ws / "content" / "media").mkdir(parents=True)
    Image.new("RGB", (1080, 1440), "#ff2442").save(ws / "content" / "media" / "a.png")
    names = [f"x{i}" for i in range(ACCOUNTS)]
    toml = ['[workspace]\nname = "bench"\ntimezone = "Asia/Shanghai"\n']
    toml += [f'[accounts.{n}]\nplatform = "xiaohongshu"\nmode = "dry-run"\n' for n in names]
    (ws / "publisher.toml").write_text("\n".join(toml), encoding="utf-8")
    folder = ws / "platforms" / "xiaohongshu"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "xiaohongshu", folder)
    rules = folder / "platform.yaml"
    lines = [
        ln
        for ln in rules.read_text(encoding="utf-8").splitlines()
        if not ln.strip().startswith(("daily_cap", "min_spacing_s", "earliest_ahead_s"))
    ]
    rules.write_text("\n".join(lines) + "\n", encoding="utf-8")  # pacing off: the bench measures the queue
    for n in range(posts // ACCOUNTS):
        (ws / "content" / f"b{n}.md").write_text(
            ITEM.format(n=n, accounts=", ".join(names)), encoding="utf-8"
        )
    return ws


async def drain(queue: Queue, batch: int) -> int:
    done = 0
    while True:
        out = await queue.run_due(batch)
        done += sum(1 for o in out if o.state in ("published", "dry_run"))
        if len(out) < batch:
            return done


def queue_run(root: Path, posts: int, batch: int) -> tuple[float, int, float]:
    ws = open_workspace(build(root, posts))
    store = open_store(ws.database_url, clock=lambda: NOW)
    calendar = Calendar(ws)
    t = time.perf_counter()
    sync_calendar(
        ws, store, now=NOW, calendar=calendar
    )  # also warms the calendar, as the daemon's start does
    sync_s = time.perf_counter() - t
    queue = Queue(ws, store, owner="bench", now=lambda: NOW, calendar=calendar)
    t = time.perf_counter()
    published = asyncio.run(drain(queue, batch))
    elapsed = time.perf_counter() - t
    store.close()
    return elapsed, published, sync_s


def store_only(root: Path, posts: int, batch: int) -> float:
    """The queue's commits alone (claim per batch, attempt row, finish) on a fresh store: what the state
    machine costs without re-validation, rendering and the adapter. Returns seconds."""
    from publisher.models import PostState
    from publisher.store import claims

    store = open_store(f"sqlite:///{root / 'store-only.sqlite'}", clock=lambda: NOW)
    with store.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO item (id, path, hash, fields, status, title, synced_at) "
            "VALUES ('b', 'content/b.md', 'h', '{}', 'ready', 'b', ?)",
            (NOW.replace(tzinfo=None),),
        )
        conn.exec_driver_sql(
            "INSERT INTO post (item_id, platform, account, state, due_at, late_window_s, attempt_count, ids, "
            "created_at, updated_at, content_hash) VALUES " + ",".join(["(?,?,?,?,?,?,?,?,?,?,?)"] * 1),
            (
                "b",
                "xiaohongshu",
                "x0",
                "queued",
                NOW.replace(tzinfo=None),
                7200.0,
                0,
                "{}",
                NOW.replace(tzinfo=None),
                NOW.replace(tzinfo=None),
                "h",
            ),
        )
        for i in range(1, posts):
            conn.exec_driver_sql(
                "INSERT INTO post (item_id, platform, account, state, due_at, late_window_s, attempt_count, "
                "ids, created_at, updated_at, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    "b",
                    "xiaohongshu",
                    f"a{i}",
                    "queued",
                    NOW.replace(tzinfo=None),
                    7200.0,
                    0,
                    "{}",
                    NOW.replace(tzinfo=None),
                    NOW.replace(tzinfo=None),
                    "h",
                ),
            )
    t = time.perf_counter()
    while claimed := claims.claim_due(store, now=NOW, owner="bench", lease_s=300, limit=batch):
        for c in claimed:
            attempt = claims.start_attempt(store, c.id, owner="bench", now=NOW, request_hash="r", lease_s=300)
            claims.finish_attempt(
                store,
                c.id,
                attempt.number,
                owner="bench",
                outcome="published",
                to=PostState.PUBLISHED,
                now=NOW,
                remote_id="r",
                url="u",
                reason="published",
            )
    elapsed = time.perf_counter() - t
    store.close()
    return elapsed


def raw_inserts(root: Path, posts: int) -> tuple[float, float]:
    """The floor: the same post rows through bare sqlite3 with the same pragmas; one commit per row (as each
    post's state change is committed on its own), and one executemany in a single transaction."""
    conn = sqlite3.connect(root / "raw.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE post (id INTEGER PRIMARY KEY, item_id TEXT, platform TEXT, account TEXT, "
        "state TEXT, due_at TEXT, remote_id TEXT, url TEXT, ids TEXT)"
    )
    rows = [
        (
            f"b{i // ACCOUNTS}",
            "xiaohongshu",
            f"x{i % ACCOUNTS}",
            "published",
            NOW.isoformat(),
            f"dryrun-{i:016x}",
            f"dryrun://xiaohongshu/{i}",
            "{}",
        )
        for i in range(posts)
    ]
    sql = (
        "INSERT INTO post (item_id, platform, account, state, due_at, remote_id, url, ids) "
        "VALUES (?,?,?,?,?,?,?,?)"
    )
    t = time.perf_counter()
    for row in rows:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(sql, row)
        conn.execute("COMMIT")
    per_row = time.perf_counter() - t
    conn.execute("DELETE FROM post")
    t = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, rows)
    conn.execute("COMMIT")
    bulk = time.perf_counter() - t
    conn.close()
    return per_row, bulk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--where", choices=["disk", "shm", "both"], default="both")
    parser.add_argument("--json", action="store_true", help="print one JSON object with the figures last")
    args = parser.parse_args(argv)
    places = {"disk": Path(__file__).resolve().parent, "shm": Path("/dev/shm")}
    wanted = ["disk", "shm"] if args.where == "both" else [args.where]
    figures = Figures("queue")
    for where in wanted:
        if not places[where].is_dir():
            print(f"{where}: {places[where]} is not available; skipped")
            continue
        root = Path(tempfile.mkdtemp(prefix="bench-queue-", dir=places[where]))
        try:
            elapsed, published, sync_s = queue_run(root, args.posts, args.batch)
            per_row, bulk = raw_inserts(root, args.posts)
            machine = store_only(root, args.posts, args.batch)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        rate = published / elapsed
        print(
            f"[{where}] {published:,} posts published through run_due(batch={args.batch}) "
            f"in {elapsed:.2f} s: {rate:,.0f} posts/s (target >= 2,000) "
            f"{'OK' if rate >= 2000 else 'BELOW TARGET'}"
        )
        print(
            f"[{where}]   floor, raw sqlite3, one commit per row: {args.posts / per_row:,.0f} rows/s "
            f"-> queue/floor = {rate / (args.posts / per_row):.2f}"
        )
        print(
            f"[{where}]   floor, raw sqlite3, executemany in one transaction: "
            f"{args.posts / bulk:,.0f} rows/s -> queue/floor = {rate / (args.posts / bulk):.3f}"
        )
        print(
            f"[{where}]   the store's commits alone (claim/batch + start_attempt + finish_attempt per post, "
            f"no re-validation, render or adapter): {args.posts / machine:,.0f} posts/s"
        )
        overhead = (elapsed - machine) / max(published, 1) * 1e6
        print(
            f"[{where}]   queue work beyond those commits (claim bookkeeping, re-validation, render, "
            f"adapter): {overhead:,.0f} us/post; "
            f"the commits alone are {machine / args.posts * 1e6:,.0f} us/post"
        )
        print(f"[{where}]   (sync of the calendar beforehand, not timed above: {sync_s:.1f} s)")
        figures.value(f"posts_per_s_{where}", rate, unit="posts/s", at_least=2000)
        floor_rate = args.posts / per_row
        # The floor is the disk's commit rate: on RAM (no fsync) it is no target, only a figure.
        figures.ratio(
            f"vs_commit_per_row_{where}",
            rate / floor_rate,
            floor=floor_rate,
            at_least=0.25 if where == "disk" else None,
            unit="rows/s",
        )
    return figures.emit(args.json)


if __name__ == "__main__":
    sys.exit(main())
