"""Benchmark: the weekly report over 1,000,000 metric samples, against one SQL aggregation of its figures.

The history: 1,000 posts published across one week (2027-W01), each read every 10 minutes (views, likes, ...),
1,000,000 samples in all. The floor is the single query that yields the engagement table's figures: the newest
value of every (post, metric) before the week's end. The report does that and everything else (the values
at the week's start for the change, T+24 h figures, daily trend, KPIs, health, best times) and renders
Markdown.
Target: the report <= 3x the floor. Run: python bench/bench_report.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import sqlalchemy as sa  # noqa: E402
from figures import Figures, take_json_flag  # noqa: E402

from publisher import reports  # noqa: E402
from publisher.reports.history import bulk_samples, published_at  # noqa: E402
from publisher.store import open_store  # noqa: E402
from publisher.store.metrics import append_samples  # noqa: E402
from publisher.store.tables import event_t, item_t, post_t  # noqa: E402
from publisher.workspace.settings import open_workspace  # noqa: E402

START = datetime(2027, 1, 3, 16, 0, tzinfo=UTC)  # Monday 2027-01-04 00:00 in Shanghai
NOW = datetime(2027, 1, 11, 1, 30, tzinfo=UTC)
POSTS = 1000
SPAN = 6 * 86400.0  # publications spread over six days; readings run on into the seventh
FLOOR_SQL = (
    "SELECT post_id, name, MAX(taken_at), value FROM metric "
    "WHERE post_id IS NOT NULL AND taken_at < ? GROUP BY post_id, name"
)


def seed(root: Path, n: int) -> None:
    (root / "publisher.toml").write_text(
        '[workspace]\nname = "bench"\n[targets]\npublish_success_rate = 0.95\non_time_rate = 0.9\n'
        "followers_growth_month = 500\nengagement_rate = { wechat = 0.03, douyin = 0.04 }\n",
        encoding="utf-8",
    )
    store = open_store(f"sqlite:///{root / 'p.db'}")
    platforms = ("douyin", "producthunt", "wechat", "xiaohongshu")
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
                    "title": f"post {p}",
                    "synced_at": START,
                }
                for p in range(1, POSTS + 1)
            ],
        )
        conn.execute(
            sa.insert(post_t),
            [
                {
                    "id": p,
                    "item_id": f"i{p}",
                    "platform": platforms[p % 4],
                    "account": platforms[p % 4],
                    "state": "published",
                    "ids": {},
                    "due_at": published_at(p, POSTS, START, SPAN),
                    "created_at": START,
                    "updated_at": START,
                }
                for p in range(1, POSTS + 1)
            ],
        )
        conn.execute(
            sa.insert(event_t),
            [
                {
                    "post_id": p,
                    "at": published_at(p, POSTS, START, SPAN),
                    "kind": "transition",
                    "message": "sending -> published",
                }
                for p in range(1, POSTS + 1)
            ],
        )
    append_samples(store, list(bulk_samples(n, posts=POSTS, start=START, span_s=SPAN)))
    store.close()


def best_of(n: int, fn: object) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> int:
    as_json = take_json_flag()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        seed(root, n)
        ws = open_workspace(root, env={})
        store = open_store(f"sqlite:///{root / 'p.db'}")
        end = reports.parse_period("2027-W01", zone=ws.zone, now=NOW).end
        end_text = end.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        with store.engine.connect() as conn:
            conn.exec_driver_sql(FLOOR_SQL, (end_text,)).fetchall()  # warm the page cache for both sides

            def floor() -> int:
                return len(conn.exec_driver_sql(FLOOR_SQL, (end_text,)).fetchall())

            t_floor, groups = best_of(3, floor)

        def report() -> reports.Report:
            r = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
            reports.writers.render_markdown(r)
            return r

        t_report, built = best_of(3, report)
    assert isinstance(built, reports.Report)
    ratio = t_report / t_floor
    print(f"weekly report over {n:,} metric samples ({POSTS:,} posts, {groups:,} post x metric groups)")
    print(f"  one SQL aggregation (floor): {t_floor:6.3f} s")
    print(f"  reports.build + markdown:    {t_report:6.3f} s  ({len(built.engagement)} engagement rows)")
    print(f"  ratio: {ratio:.2f}x the floor (target <= 2x) {'OK' if ratio <= 2 else 'MISSED'}")
    figures = Figures("report")
    figures.ratio("weekly_report_ratio", ratio, floor=t_floor, at_most=2)
    return figures.emit(as_json)


if __name__ == "__main__":
    sys.exit(main())
