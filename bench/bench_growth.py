"""Benchmark: the growth curve. Calendars of 1,000, 10,000 (and, opt-in, 100,000) WeChat articles due in the
coming weeks; for each size: `check` cold, re-scan after editing one item, `sync` into a new store, the
daemon's start (spawn until its ready file) and its peak RSS once its first sync is done. The cost per item
must not grow with the calendar: for each figure, the cost per item at the largest size over the cost per item
at the smallest (target: <= 1.3; README.md#benchmarks).

Peak RSS and the daemon's start carry a fixed part (the interpreter, the libraries) that a per-item ratio
would hide at small sizes; so their per-item cost is the growth above a 100-item calendar measured in the same
run: (figure(N) - figure(100)) / (N - 100).

    PYTHONPATH=src python bench/bench_growth.py [--sizes 1000,10000] [--json]
    PYTHONPATH=src python bench/bench_growth.py --sizes 1000,10000,100000   # opt-in: tens of minutes
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

from bench_daemon import memory, wait_for
from bench_publish import SRC, credentials_env, item_text, prepare, sandbox, write_settings
from figures import Figures, take_json_flag

from publisher.calendar.load import Calendar
from publisher.calendar.sync import sync_calendar
from publisher.store.db import open_store
from publisher.workspace.settings import open_workspace

ACCOUNTS = 10
BASE = 100  # the calendar whose fixed costs are subtracted from the daemon's figures


def build(root: Path, n: int) -> tuple[Path, dict[str, str]]:
    ws_dir = root / f"ws-{n}"
    names = write_settings(ws_dir, ACCOUNTS)
    env = credentials_env(root, names)
    later = datetime.now(UTC) + timedelta(days=2)
    content = ws_dir / "content"
    for i in range(n):
        due = later + timedelta(minutes=5 * i)
        (content / f"q{i:06d}.md").write_text(item_text(i, names[i % ACCOUNTS], due, "q"), "utf-8")
    return ws_dir, env


def measure(root: Path, n: int, base_url: str) -> dict[str, float]:
    """check cold, re-scan after one edit and sync (best of two), daemon start and its peak RSS."""
    ws_dir, env = build(root, n)
    ws = open_workspace(ws_dir, env=env)
    check_s = float("inf")
    calendar = Calendar(ws)
    for _ in range(2):
        calendar = Calendar(ws)
        t = time.perf_counter()
        checked, _ = calendar.scan()
        check_s = min(check_s, time.perf_counter() - t)
    assert not [p for c in checked for p in c.errors], "the calendar has errors"
    edited = ws_dir / "content" / f"q{n // 2:06d}.md"
    edited.write_text(edited.read_text("utf-8").replace("三步写完", "三步写完（修订）"), "utf-8")
    t = time.perf_counter()
    _, changed = calendar.scan()
    rescan_s = time.perf_counter() - t
    assert len(changed) == 1, changed
    sync_s = float("inf")
    for attempt in range(2):
        store = open_store(f"sqlite:///{ws.state_dir / f'sync-{attempt}.db'}")
        t = time.perf_counter()
        sync_calendar(ws, store, now=datetime.now(UTC), calendar=Calendar(ws))
        sync_s = min(sync_s, time.perf_counter() - t)
        store.close()
    shutil.rmtree(ws.state_dir, ignore_errors=True)
    ready = ws.state_dir / "daemon.ready"
    log = root / f"daemon-{n}.log"
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "publisher.daemon", "--workspace", str(ws_dir), "--sandbox-url", base_url],
        env={**os.environ, **env, "PYTHONPATH": str(SRC)},
        stdout=subprocess.DEVNULL,
        stderr=open(log, "wb"),  # noqa: SIM115 - closed with the process
    )
    try:
        wait_for(lambda: ready.exists() or proc.poll() is not None, 600, "the daemon's ready file")
        start_s = time.perf_counter() - t
        if proc.poll() is not None:
            raise RuntimeError("the daemon exited: " + log.read_text()[-2000:])
        wait_for(
            lambda: b"first sync done" in log.read_bytes() or proc.poll() is not None,
            1200,
            "the daemon's first sync",
            step=0.05,
        )
        rss = memory(proc.pid).get("VmHWM", 0.0)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    shutil.rmtree(ws_dir, ignore_errors=True)
    return {"check_s": check_s, "rescan_s": rescan_s, "sync_s": sync_s, "start_s": start_s, "rss_mb": rss}


def main() -> int:
    as_json = take_json_flag()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000,10000", help="comma-separated calendar sizes, smallest first"
    )
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    root = Path(tempfile.mkdtemp(prefix="bench-growth-"))
    rows: dict[int, dict[str, float]] = {}
    try:
        with sandbox("process") as base_url:
            prepare(base_url)
            for n in [BASE, *sizes]:
                rows[n] = measure(root, n, base_url)
                r = rows[n]
                print(
                    f"{n:>7,} items: check cold {r['check_s']:7.2f} s, re-scan after one edit "
                    f"{r['rescan_s'] * 1000:6.0f} ms, sync {r['sync_s']:7.2f} s, "
                    f"daemon start {r['start_s']:5.2f} s, peak RSS {r['rss_mb']:5.0f} MB",
                    flush=True,
                )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    small, large = sizes[0], sizes[-1]
    figures = Figures("growth")
    print(f"cost per item at {large:,} over the cost per item at {small:,} (target <= 1.3):")
    for key in ("check_s", "rescan_s", "sync_s"):
        per_small, per_large = rows[small][key] / small, rows[large][key] / large
        ratio = per_large / per_small
        figures.ratio(f"{key[:-2]}_per_item_growth", ratio, floor=per_small, at_most=1.3)
        print(f"  {key[:-2]:>7}: {ratio:.2f}")
    for key, unit in (("start_s", "s"), ("rss_mb", "MB")):
        per_small = (rows[small][key] - rows[BASE][key]) / (small - BASE)
        per_large = (rows[large][key] - rows[BASE][key]) / (large - BASE)
        how = f"above the {BASE}-item calendar"
        if (
            per_small <= 0
        ):  # the figure did not grow from the base (noise outweighs the items): per item plainly
            per_small, per_large = rows[small][key] / small, rows[large][key] / large
            how = "per item plainly: no growth above the base was measurable"
        ratio = per_large / per_small
        figures.ratio(
            f"{key[:-3] if unit == 'MB' else key[:-2]}_per_item_growth",
            ratio,
            floor=per_small,
            at_most=1.3,
            unit=unit,
        )
        print(f"  {key.split('_')[0]:>7}: {ratio:.2f} ({how})")
    return figures.emit(as_json)


if __name__ == "__main__":
    sys.exit(main())
