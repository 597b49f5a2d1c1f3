"""Benchmark: the daemon holding 10,000 queued posts: start time, memory, and due-to-send latency.

Targets (README.md#benchmarks): start <= 1 s, RSS <= 120 MB, due-to-send p99 <= 100 ms.

- A workspace of N WeChat articles (verified sandbox-mode accounts) due in the coming weeks is synced (not
  timed), then `python -m publisher.daemon.service --workspace DIR --sandbox-url URL` starts as a subprocess.
- start: from spawning the process until it writes `.publisher/daemon.ready` (the daemon's ready signal:
  written once it has taken the lock, synced the calendar, armed its alarms and run its first tick).
- RSS: VmRSS and VmHWM (peak) of the daemon process from /proc/<pid>/status, when ready and at the end.
- latency: M more articles are saved into content/ while it runs, due at staggered times a few seconds ahead;
  the watcher syncs them and the alarm sends them to the sandbox (its own process). Latency is each post's
  first attempt's started_at (the write-ahead intent, committed just before the request leaves) minus due_at.

    PYTHONPATH=src python bench/bench_daemon.py [--posts 10000] [--due 200] [--window 20] [--lead 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from bench_publish import SRC, credentials_env, item_text, prepare, sandbox, write_settings
from figures import Figures

from publisher.calendar.load import Calendar
from publisher.calendar.sync import sync_calendar
from publisher.store.db import open_store
from publisher.store.tables import AttemptRow, PostRow
from publisher.workspace.settings import open_workspace

post_t = PostRow.__table__  # type: ignore[attr-defined]
attempt_t = AttemptRow.__table__  # type: ignore[attr-defined]
ACCOUNTS = 10  # freepublish/submit allows 100 a day per account


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def wait_for(condition, timeout: float, what: str, step: float = 0.01):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(step)  # polling a file or the store, with a deadline


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000, help="queued posts due in the coming weeks")
    parser.add_argument("--due", type=int, default=200, help="posts made due while the daemon runs")
    parser.add_argument("--window", type=float, default=20.0, help="seconds over which they fall due")
    parser.add_argument("--lead", type=float, default=8.0, help="seconds from the save to the first due time")
    parser.add_argument("--during-sync", action="store_true", help="save the due items right after ready")
    parser.add_argument("--json", action="store_true", help="print one JSON object with the figures last")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-daemon-", dir=Path(__file__).resolve().parent))
    proc: subprocess.Popen[bytes] | None = None
    try:
        ws_dir = root / "ws"
        names = write_settings(ws_dir, ACCOUNTS)
        env = credentials_env(root, names)
        later = datetime.now(UTC) + timedelta(days=2)
        for n in range(args.posts):
            due = later + timedelta(minutes=5 * n)
            (ws_dir / "content" / f"q{n:05d}.md").write_text(
                item_text(n, names[n % ACCOUNTS], due, "q"), "utf-8"
            )
        ws = open_workspace(ws_dir, env=env)
        store = open_store(ws.database_url)
        t = time.perf_counter()
        sync_calendar(ws, store, now=datetime.now(UTC), calendar=Calendar(ws))
        sync_s = time.perf_counter() - t
        with store.session() as s:
            queued = s.execute(sa.select(sa.func.count()).where(post_t.c.state == "queued")).scalar()
        with sandbox("process") as base:
            prepare(base)
            ready = ws.state_dir / "daemon.ready"
            child_env = {**os.environ, **env, "PYTHONPATH": str(SRC)}
            t = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "publisher.daemon", "--workspace", str(ws_dir), "--sandbox-url", base],
                env=child_env,
                stdout=subprocess.DEVNULL,
                stderr=open(root / "daemon.log", "wb"),  # noqa: SIM115 - closed with the process
            )
            wait_for(lambda: ready.exists() or proc.poll() is not None, 300, "the daemon's ready file")
            start_s = time.perf_counter() - t
            if proc.poll() is not None:
                raise RuntimeError("the daemon exited: " + (root / "daemon.log").read_text()[-2000:])
            at_ready = memory(proc.pid)
            log = root / "daemon.log"
            # The daemon serves at once and syncs the calendar in a thread; the latency is measured after that
            # (--during-sync measures it while the first sync still runs).
            if not args.during_sync:
                wait_for(
                    lambda: b"first sync done" in log.read_bytes() or proc.poll() is not None,
                    300,
                    "the first sync",
                    step=0.05,
                )
            first_sync_s = time.perf_counter() - t

            first = datetime.now(UTC) + timedelta(seconds=args.lead)
            step = args.window / max(args.due - 1, 1)
            saved = time.perf_counter()
            for i in range(args.due):
                due = first + timedelta(seconds=i * step)
                (ws_dir / "content" / f"n{i:05d}.md").write_text(
                    item_text(i, names[i % ACCOUNTS], due, "n"), "utf-8"
                )

            def new_posts() -> int:
                with store.session() as s:
                    return (
                        int(
                            s.execute(sa.select(sa.func.count()).where(post_t.c.item_id.like("n%"))).scalar()
                            or 0
                        )
                        >= args.due
                    )

            wait_for(new_posts, 60, "the sync of the saved items", step=0.05)
            resync_s = time.perf_counter() - saved
            query = (
                sa.select(post_t.c.due_at, sa.func.min(attempt_t.c.started_at), post_t.c.state)
                .select_from(post_t.join(attempt_t, attempt_t.c.post_id == post_t.c.id))
                .where(post_t.c.item_id.like("n%"))
                .group_by(post_t.c.id)
            )

            def all_sent() -> list[tuple[datetime, datetime, str]] | None:
                with store.session() as s:
                    rows = [tuple(r) for r in s.execute(query)]
                return rows if len(rows) >= args.due else None

            rows = wait_for(all_sent, args.lead + args.window + 120, "every due post's attempt", step=0.2)
            at_end = memory(proc.pid)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            store.close()
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)
    latencies = [(started - due).total_seconds() for due, started, _state in rows]
    states: dict[str, int] = {}
    for *_rest, state in rows:
        states[state] = states.get(state, 0) + 1
    p50, p99, worst = percentile(latencies, 50), percentile(latencies, 99), max(latencies)
    rss = max(at_ready.get("VmHWM", 0), at_end.get("VmHWM", 0))
    print(
        f"workspace: {args.posts:,} items due in the coming weeks ({queued:,} queued posts; sync beforehand "
        f"{sync_s:.1f} s, not timed); {args.due} more saved while running, due over {args.window:.0f} s"
    )
    print(
        f"start until ready: {start_s:.2f} s (target <= 1 s) {'OK' if start_s <= 1 else 'ABOVE TARGET'} "
        f"-> {start_s / 1:.2f} of the target"
    )
    print(
        f"first sync (in the background after ready) done {first_sync_s:.1f} s after the spawn"
        + (" (not waited for: --during-sync)" if args.during_sync else "")
    )
    print(
        f"RSS when ready {at_ready.get('VmRSS', 0):.0f} MB, at the end {at_end.get('VmRSS', 0):.0f} MB, peak "
        f"(VmHWM) {rss:.0f} MB (target <= 120 MB) {'OK' if rss <= 120 else 'ABOVE TARGET'} -> {rss / 120:.2f}"
    )
    print(f"re-sync after saving {args.due} items: in the store {resync_s:.2f} s after the save")
    print(
        f"due-to-send latency over {len(latencies)} posts ({states}): p50 {p50 * 1000:.0f} ms, p99 "
        f"{p99 * 1000:.0f} ms, max {worst * 1000:.0f} ms (target p99 <= 100 ms) "
        f"{'OK' if p99 <= 0.1 else 'ABOVE TARGET'} -> {p99 / 0.1:.2f} of the target"
    )
    figures = Figures("daemon")
    figures.value("start_s", start_s, unit="s", at_most=1)
    figures.value("peak_rss_mb", rss, unit="MB", at_most=120)
    figures.value("due_to_send_p99_s", p99, unit="s", at_most=0.1)
    return figures.emit(args.json)


if __name__ == "__main__":
    sys.exit(main())
