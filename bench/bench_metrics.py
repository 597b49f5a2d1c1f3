"""Benchmark: storing 1,000,000 metric samples via the store, against sqlite3.executemany of the same rows.

Both sides write the same rows into the same migrated schema (same index, WAL, synchronous=FULL), one file
each. The floor receives its rows already converted to what SQLite stores (fixed-width UTC text), so it
measures only the database's own work; the store converts aware datetimes itself.
Target: the store at >= 30 % of the floor's throughput.
Run: python bench/bench_metrics.py [N]
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from figures import Figures, take_json_flag  # noqa: E402

from publisher.reports.history import bulk_samples  # noqa: E402
from publisher.store import open_store  # noqa: E402
from publisher.store.metrics import append_samples  # noqa: E402

START = datetime(2027, 1, 1, tzinfo=UTC)
COLUMNS = ("post_id", "platform", "account", "name", "raw_name", "value", "taken_at", "age_s")


def fresh(path: Path) -> None:
    """A migrated database with its posts (so foreign keys hold on both sides)."""
    import sqlalchemy as sa

    from publisher.store.tables import item_t, post_t

    store = open_store(f"sqlite:///{path}")
    with store.begin() as conn:
        conn.execute(
            sa.insert(item_t),
            [
                {
                    "id": f"i{p}",
                    "path": f"c/{p}.md",
                    "hash": "h",
                    "fields": {},
                    "status": "ready",
                    "title": "t",
                    "synced_at": START,
                }
                for p in range(1, 1001)
            ],
        )
        conn.execute(
            sa.insert(post_t),
            [
                {
                    "id": p,
                    "item_id": f"i{p}",
                    "platform": "wechat",
                    "account": "wechat",
                    "state": "published",
                    "ids": {},
                    "created_at": START,
                    "updated_at": START,
                }
                for p in range(1, 1001)
            ],
        )
    store.close()


def floor(path: Path, rows: list[dict[str, object]]) -> float:
    tuples = [
        tuple(
            r[c].replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")  # type: ignore[union-attr]
            if c == "taken_at"
            else r[c]
            for c in COLUMNS
        )
        for r in rows
    ]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    sql = f"INSERT INTO metric ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    start = time.perf_counter()
    for i in range(0, len(tuples), 50_000):  # the same transaction size as the store
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, tuples[i : i + 50_000])
        conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    return took


def ours(path: Path, rows: list[dict[str, object]]) -> float:
    store = open_store(f"sqlite:///{path}")
    start = time.perf_counter()
    append_samples(store, rows)
    took = time.perf_counter() - start
    store.close()
    return took


def main() -> int:
    as_json = take_json_flag()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rows = list(bulk_samples(n, posts=1000, start=START))
    with tempfile.TemporaryDirectory() as tmp:
        # Each side twice on fresh files, in alternating order, best time kept: the first writer on a cold
        # disk would otherwise pay for both.
        t_floor = t_ours = float("inf")
        for run in range(2):
            a, b = Path(tmp) / f"floor{run}.db", Path(tmp) / f"ours{run}.db"
            fresh(a)
            fresh(b)
            if run == 0:
                t_floor = min(t_floor, floor(a, rows))
                t_ours = min(t_ours, ours(b, rows))
            else:
                t_ours = min(t_ours, ours(b, rows))
                t_floor = min(t_floor, floor(a, rows))
        with sqlite3.connect(a) as ca, sqlite3.connect(b) as cb:
            same = (
                ca.execute("SELECT count(*), sum(value), min(taken_at), max(taken_at) FROM metric").fetchone()
                == cb.execute(
                    "SELECT count(*), sum(value), min(taken_at), max(taken_at) FROM metric"
                ).fetchone()
            )
    ratio = t_floor / t_ours
    print(f"store {n:,} metric samples")
    print(f"  sqlite3.executemany (floor): {t_floor:6.2f} s  {n / t_floor:>10,.0f} rows/s")
    print(f"  publisher append_samples:    {t_ours:6.2f} s  {n / t_ours:>10,.0f} rows/s")
    print(
        f"  throughput ratio: {ratio:.0%} of the floor (target >= 30 %) {'OK' if ratio >= 0.30 else 'MISSED'}"
    )
    print(f"  same rows stored on both sides: {same}")
    figures = Figures("metrics")
    figures.ratio("store_samples_throughput", ratio, floor=n / t_floor, at_least=0.30, unit="rows/s")
    return figures.emit(as_json)


if __name__ == "__main__":
    sys.exit(main())
