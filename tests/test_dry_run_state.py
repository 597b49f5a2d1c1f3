"""Dry runs are never real: a dry-run account's send ends in `dry_run` ("dry run: recorded, nothing sent"),
never `published`; reports do not count it; when the account goes sandbox or live, its dry-run posts still
ahead are queued again for real and the past ones are handed to a person."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from tests.conftest import WS
from tests.test_check import GOOD
from tests.test_cli import cli

from publisher.errors import StoreError
from publisher.store.db import open_store


def _items(ws: WS) -> None:
    zone = ws.open().zone
    past = (datetime.now(UTC) - timedelta(minutes=30)).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    ws.item(
        "future.md", GOOD.replace("id: launch", "id: future").replace("2026-12-01 12:00", "2030-01-01 12:00")
    )
    late = GOOD.replace("id: launch", "id: past").replace("2026-12-01 12:00", past)
    ws.item("past.md", late.replace(", publish_at: 2026-12-02 00:01 America/Los_Angeles", ""))


def _states(ws: WS) -> dict[tuple[str, str], dict[str, str]]:
    posts = json.loads(cli("status", "--json", "--workspace", str(ws.root)).stdout)["posts"]
    return {(p["item"], p["platform"]): p for p in posts}


def test_a_dry_run_send_is_recorded_never_published_and_goes_out_for_real_after_the_switch(ws: WS) -> None:
    _items(ws)
    root = str(ws.root)
    assert cli("sync", "--workspace", root).returncode == 0
    sent = cli("publish", "future", "--platform", "wechat", "--workspace", root)
    assert sent.returncode == 0, sent.stderr
    assert "演示发送 已记录请求，未发出" in sent.stdout and "已发布" not in sent.stdout, sent.stdout
    states = _states(ws)  # publish sent what was due too: the past item, within its late window
    assert states["future", "wechat"]["state"] == "dry_run"
    assert states["future", "wechat"]["reason"] == "dry run: recorded, nothing sent"
    assert {states["past", p]["state"] for p in ("xiaohongshu", "douyin")} == {"dry_run"}
    assert not any(p["state"] == "published" for p in states.values())
    report = cli(
        "report",
        "daily",
        "--period",
        "last_7_days",
        "--format",
        "json",
        "--out",
        str(ws.root / "r.json"),
        "--workspace",
        root,
    )
    assert report.returncode == 0, report.stderr
    assert json.loads((ws.root / "r.json").read_text(encoding="utf-8"))["published"] == []

    toml = ws.root / "publisher.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        .replace('platform = "xiaohongshu"\n', 'platform = "xiaohongshu"\nmode = "sandbox"\n')
        .replace('platform = "wechat"\n', 'platform = "wechat"\nmode = "live"\n'),
        encoding="utf-8",
    )
    synced = cli("sync", "--workspace", root)
    assert synced.returncode == 0
    # sync's detail column words the reason from its code: Chinese by default
    assert "之前只做了演示发送" in synced.stdout, synced.stdout
    assert "only a dry run went out" not in synced.stdout
    states = _states(ws)
    ahead = states["future", "wechat"]
    assert ahead["state"] == "queued" and ahead["due_at"] == "2030-01-01T04:00:00+00:00", ahead
    behind = states["past", "xiaohongshu"]
    assert behind["state"] == "needs_attention" and "only a dry run went out" in behind["reason"], behind
    assert states["past", "douyin"]["state"] == "dry_run"  # still a dry-run account: the dry run stands
    assert behind["reason_code"] == "reason.dry_run_passed"
    assert "之前只做了演示发送" in cli("status", "--workspace", root).stdout
    assert "only a dry run went out" in cli("status", "--lang", "en", "--workspace", root).stdout


def test_migration_0004_keeps_the_posts_and_the_state_guard(tmp_path: Path) -> None:
    from alembic import command

    from publisher.store.db import _alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
        conn.exec_driver_sql(
            "INSERT INTO item (id, path, hash, fields, status, title, synced_at) "
            "VALUES ('a', 'a', 'h', '{}', 'ready', '', '2026-12-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO post (item_id, platform, account, state, late_window_s, attempt_count, ids, "
            "created_at, updated_at) VALUES ('a', 'wechat', 'wechat', 'sending', 7200, 1, '{}', "
            "'2026-12-01 00:00:00', '2026-12-01 00:00:00')"
        )
    engine.dispose()
    store = open_store(url)  # upgrades to head
    try:
        with store.begin() as conn:
            conn.exec_driver_sql("UPDATE post SET state = 'dry_run'")
        with store.begin() as conn:
            assert conn.exec_driver_sql("SELECT state FROM post").scalar() == "dry_run"
        try:
            with store.begin() as conn:
                conn.exec_driver_sql("UPDATE post SET state = 'published'")  # dry_run -> published: illegal
        except StoreError as exc:
            assert "illegal post state transition" in str(exc)
        else:
            raise AssertionError("the state guard is gone after the migration")
    finally:
        store.close()
