"""`publisher status` reads a SQLite store at head through store.lite (the standard library's sqlite3, no
SQLAlchemy): it shows exactly what the full store's reads show, and any other database goes the full way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from publisher.models import PostState
from publisher.queue.overview import status_summary, summary_from
from publisher.store import sync
from publisher.store.db import Store, open_store
from publisher.store.lite import open_reader, sqlite_path
from publisher.store.tables import attempt_t, post_t

S = PostState
T0 = datetime(2026, 12, 1, 4, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / '.publisher' / 'publisher.db'}"


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    opened = open_store(url, clock=lambda: T0)
    yield opened
    opened.close()


def _seed(store: Store) -> None:
    """Posts in every group status tells apart: overdue, waiting, unscheduled, published, needing a person
    (with stored ids, one cleared, and two attempts), and a post with a null reason."""
    items = [
        sync.ItemRecord(i, f"content/{i}.md", "h-" + i, {"title": i}, "ready", "标题 " + i) for i in "abcdef"
    ]
    news = [
        sync.NewPost("a", "wechat", "wx-1", S.QUEUED, T0 - timedelta(minutes=30), 7200.0, "h-a", ""),
        sync.NewPost("b", "xiaohongshu", "xhs-1", S.QUEUED, T0 + timedelta(hours=2), 3600.0, "h-b", ""),
        sync.NewPost("c", "douyin", "dy-1", S.PLANNED, None, 7200.0, "h-c", ""),
        sync.NewPost("d", "wechat", "wx-1", S.PUBLISHED, T0 - timedelta(days=1), 7200.0, "h-d", ""),
        sync.NewPost(
            "e", "wechat", "wx-1", S.NEEDS_ATTENTION, T0 - timedelta(hours=1), 7200.0, "h-e", "看看"
        ),
        sync.NewPost("f", "douyin", "dy-1", S.FAILED, T0 - timedelta(hours=3), 60.0, "h-f", ""),
    ]
    sync.write_sync(store, items, news, now=T0)
    with store.begin() as conn:
        ids = dict(conn.execute(sa.select(post_t.c.item_id, post_t.c.id)).all())
        conn.execute(
            post_t.update()
            .where(post_t.c.id == ids["e"])
            .values(ids={"media_id": "m-1", "publish_id": None}, last_error="errcode 45009: 今日已达上限")
        )
        conn.execute(post_t.update().where(post_t.c.id == ids["f"]).values(reason=None, url="https://x/f"))
        for post, number, outcome in ((ids["e"], 1, "unknown"), (ids["e"], 2, None), (ids["f"], 1, "failed")):
            conn.execute(
                attempt_t.insert().values(
                    post_id=post,
                    number=number,
                    started_at=T0 - timedelta(minutes=10 - number),
                    finished_at=None if outcome is None else T0 - timedelta(minutes=9 - number),
                    step="draft" if number == 2 else "publish",
                    outcome=outcome,
                    http_status=200 if outcome else None,
                    platform_code="45009" if outcome == "unknown" else None,
                    error="超时" if outcome else None,
                    request_hash=f"req-{number}",
                )
            )


def test_lite_status_is_the_full_stores_status(store: Store, url: str) -> None:
    _seed(store)
    reader = open_reader(url)
    assert reader is not None
    try:
        for now in (None, T0, T0 + timedelta(hours=3)):
            assert summary_from(reader, now=now) == status_summary(store, now=now)
        shown = summary_from(reader, now=T0)
        assert shown["overdue"] and len(shown["attention"]) == 2
        assert {a["last_attempt"]["number"] for a in shown["attention"]} == {1, 2}
    finally:
        reader.close()


def test_an_empty_store_reads_the_same(store: Store, url: str) -> None:
    reader = open_reader(url)
    assert reader is not None
    assert summary_from(reader, now=T0) == status_summary(store, now=T0)
    reader.close()


def test_other_databases_go_the_full_way(tmp_path: Path, url: str) -> None:
    assert open_reader(url) is None  # not created yet: the full store creates and migrates it
    old = tmp_path / "old.db"
    import sqlite3

    with sqlite3.connect(old) as conn:  # a database behind the head revision
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    conn.close()
    assert open_reader(f"sqlite:///{old}") is None
    for other in ("sqlite://", "sqlite:///:memory:", "postgresql://u@h/db", f"sqlite:///{old}?mode=ro"):
        assert sqlite_path(other) is None
