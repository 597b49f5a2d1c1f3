"""Overdue is visible: `check` warns about a publish_at in the past, `plan`, `status` and the dashboard show a
queued post past due as overdue with the time it becomes missed, and whether a daemon runs (its heartbeat)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient
from tests.conftest import WS
from tests.test_check import GOOD
from tests.test_cli import cli

from publisher.daemon import heartbeat
from publisher.queue.ledger import QueueStore
from publisher.store.db import store_for
from publisher.web import create_app

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _due_an_hour_ago(ws: WS) -> datetime:
    due = (datetime.now(UTC) - timedelta(hours=1)).replace(second=0, microsecond=0)
    local = due.astimezone(ws.open().zone).strftime("%Y-%m-%d %H:%M")
    text = GOOD.replace("publish_at: 2026-12-01 12:00", f"publish_at: {local}")
    ws.item("launch.md", text.replace(", publish_at: 2026-12-02 00:01 America/Los_Angeles", ""))
    return due


def test_check_warns_about_a_publish_at_in_the_past_and_what_the_late_window_does(ws: WS) -> None:
    _due_an_hour_ago(ws)
    result = json.loads(cli("check", "--json", "--lang", "en", "--workspace", str(ws.root)).stdout)
    assert {w["code"] for w in result["warnings"] if w["field"] == "publish_at"} == {"past_due"}
    late = {
        w["message"].split("(")[1].split(")")[0]: w for w in result["warnings"] if w["field"] == "publish_at"
    }
    assert set(late) == {"douyin, wechat, xiaohongshu", "producthunt"}, result["warnings"]
    # Two hours' late window: still sent, late; Product Hunt's 30 minutes are over: missed.
    assert (
        "still sends it, late; after that it becomes `missed`"
        in late["douyin, wechat, xiaohongshu"]["message"]
    )
    assert "late window ended" in late["producthunt"]["message"] and late["producthunt"]["line"] == 4
    chinese = json.loads(cli("check", "--json", "--workspace", str(ws.root)).stdout)  # Chinese by default
    zh = {
        w["message"].split("（")[1].split("）")[0]: w for w in chinese["warnings"] if w["code"] == "past_due"
    }
    assert "之前 `publisher run` 仍会补发" in zh["douyin、wechat、xiaohongshu"]["message"]
    assert "补发时限已于" in zh["producthunt"]["message"] and "publisher publish" in zh["producthunt"]["hint"]


def test_plan_and_status_show_overdue_with_when_it_becomes_missed(ws: WS) -> None:
    due = _due_an_hour_ago(ws)
    assert cli("sync", "--workspace", str(ws.root)).returncode == 0
    data = json.loads(cli("status", "--json", "--workspace", str(ws.root)).stdout)
    posts = [p for p in data["posts"] if p["state"] == "queued"]
    assert posts and all(p["overdue"] for p in posts)
    windows = {p["platform"]: p["missed_at"] for p in posts}
    assert windows.pop("producthunt") == (due + timedelta(minutes=30)).isoformat()
    assert set(windows.values()) == {(due + timedelta(hours=2)).isoformat()}
    assert sorted(data["overdue"]) == sorted(p["id"] for p in posts)
    assert data["next_due"] is None  # an overdue post is not "next due"
    assert data["daemon"] == {"running": False, "since": None, "last_beat": None, "owner": None}
    shown = cli("status", "--lang", "en", "--workspace", str(ws.root)).stdout
    assert "overdue" in shown and "missed after" in shown and "no daemon running" in shown
    assert "overdue beyond the late window" in shown  # Product Hunt's 30 minutes are over
    planned = cli("plan", "--lang", "en", "--workspace", str(ws.root)).stdout
    assert "overdue: goes out when the daemon runs; missed after" in planned
    chinese = cli("status", "--workspace", str(ws.root)).stdout  # the workspace's default: Chinese
    assert "已过时间" in chinese and "已超过补发时限" in chinese and "守护进程未运行" in chinese
    assert "各状态帖子数" in chinese and "排队中" in chinese and "overdue" not in chinese
    assert "守护进程运行时补发" in cli("plan", "--workspace", str(ws.root)).stdout


def test_the_daemon_heartbeat_says_it_runs_and_since_when(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00"))
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen(
        [sys.executable, "-m", "publisher", "run", "--json", "--workspace", str(ws.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    beat_file = ws.root / ".publisher" / heartbeat.HEARTBEAT_NAME
    try:
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline())["event"] == "started"
        deadline = time.monotonic() + 30
        while not beat_file.exists():
            assert time.monotonic() < deadline, "no heartbeat within 30 s"
            assert proc.poll() is None, "the daemon exited"
            time.sleep(0.05)  # polling a file another process writes, with a deadline
        data = json.loads(cli("status", "--json", "--workspace", str(ws.root)).stdout)
        assert data["daemon"]["running"] and data["daemon"]["since"]
        assert "daemon running since" in cli("status", "--lang", "en", "--workspace", str(ws.root)).stdout
        assert "守护进程运行中，自" in cli("status", "--workspace", str(ws.root)).stdout
        app = create_app(ws.open(), watch=False)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            assert "守护进程运行中，自" in client.get("/queue").text  # the workspace's language: Chinese
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert json.loads(proc.stdout.read().splitlines()[-1])["event"] == "stopped"
        assert not beat_file.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_dashboard_shows_overdue_and_that_publish_now_waits_for_a_daemon(ws: WS) -> None:
    _due_an_hour_ago(ws)
    app = create_app(ws.open(), watch=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        page = client.get("/queue").text
    assert "已逾期" in page and "将变为“已错过”" in page
    assert "没有运行中的守护进程" in page and "立即发布（等待守护进程）" in page


def test_the_dashboard_says_in_chinese_which_overdue_posts_are_past_their_late_window(ws: WS) -> None:
    """Due an hour ago: the 2-hour windows still send it late; Product Hunt's 30 minutes are over, so its card
    says the daemon will mark it missed (not "missed if still waiting at <a time already past>"). The badge
    is Chinese too."""
    _due_an_hour_ago(ws)
    with TestClient(create_app(ws.open(), watch=False), base_url="http://127.0.0.1") as client:
        page = client.get("/queue").text
    assert page.count("已超过补发时限") == 1 and page.count("将变为“已错过”") == 3
    assert (
        'data-state="overdue">已过时间</span>' in page and 'data-state="overdue">overdue</span>' not in page
    )


def test_a_missed_posts_reason_is_stored_by_code_and_worded_in_each_language(ws: WS) -> None:
    due = _due_an_hour_ago(ws)
    root = str(ws.root)
    assert cli("sync", "--workspace", root).returncode == 0
    opened = ws.open()
    moved = QueueStore(store_for(opened), None, zone=opened.zone).sweep_late(datetime.now(UTC), 10)
    assert [(m[2], m[4]) for m in moved] == [("producthunt", "missed")]  # its 30 minutes are over
    data = json.loads(cli("status", "--json", "--workspace", root).stdout)
    (post,) = [p for p in data["posts"] if p["state"] == "missed"]
    assert post["reason_code"] == "reason.missed"
    assert "its late window (30 min) ended" in post["reason"]  # the stored words stay English
    assert "补发时限（30 min）已于" in post["reason_text"]  # --json: the code, and the words in Chinese
    english = json.loads(cli("status", "--json", "--lang", "en", "--workspace", root).stdout)
    assert [p["reason_text"] for p in english["posts"] if p["state"] == "missed"] == [post["reason"]]
    assert "补发时限（30 min）已于" in cli("status", "--workspace", root).stdout
    assert "its late window (30 min) ended" in cli("status", "--lang", "en", "--workspace", root).stdout
    with TestClient(create_app(opened, watch=False), base_url="http://127.0.0.1") as client:
        assert "补发时限（30 min）已于" in client.get("/queue").text
        assert "补发时限（30 min）已于" in client.get("/items/launch").text
        day = f"{due.astimezone(opened.zone):%Y-%m-%d}"
        assert "补发时限（30 min）已于" in client.get(f"/?view=list&day={day}").text  # the calendar
    # the daily report lists the missed post with its reason in the report's language
    today = f"{due.astimezone(opened.zone):%Y-%m-%d}"  # the day it was due
    zh = json.loads(cli("report", "daily", "--period", today, "--json", "--workspace", root).stdout)["file"]
    assert "补发时限（30 min）已于" in Path(zh).read_text(encoding="utf-8")
    out = str(ws.root / "daily-en.md")
    cli("report", "daily", "--period", today, "--lang", "en", "--out", out, "--workspace", root)
    assert "its late window (30 min) ended" in Path(out).read_text(encoding="utf-8")
