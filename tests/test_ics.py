"""The calendar as iCalendar: events per scheduled post, escaping, folding, filtering by platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from publisher.calendar import ics
from publisher.store import open_store
from publisher.store.tables import item_t, post_t
from publisher.workspace.settings import open_workspace

NOW = datetime(2027, 1, 3, 2, 0, tzinfo=UTC)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_calendar_exports_each_scheduled_post_as_an_event(tmp_path: Path) -> None:
    (tmp_path / "publisher.toml").write_text('[workspace]\nname = "日历"\n', encoding="utf-8")
    ws = open_workspace(tmp_path, env={})
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    due = datetime(2027, 1, 4, 4, 0, tzinfo=UTC)
    long_title = "效率神器上线；3 步搞定周报, 附赠模板\\" + "长" * 40
    rows = [
        (1, "launch", "wechat", "queued", due, long_title),
        (2, "launch", "douyin", "published", due, long_title),
        (3, "other", "wechat", "cancelled", due, "cancelled one"),
        (4, "other", "douyin", "planned", None, "x"),
    ]
    with store.begin() as conn:
        for item in ("launch", "other"):
            title = long_title if item == "launch" else "other"
            conn.execute(
                sa.insert(item_t).values(
                    id=item,
                    path=f"content/{item}.md",
                    hash="h",
                    fields={},
                    status="ready",
                    title=title,
                    synced_at=NOW,
                )
            )
        for pid, item, platform, state, when, _ in rows:
            conn.execute(
                sa.insert(post_t).values(
                    id=pid,
                    item_id=item,
                    platform=platform,
                    account=platform,
                    state=state,
                    due_at=when,
                    ids={},
                    created_at=NOW,
                    updated_at=NOW,
                    url="https://v.douyin.com/x" if state == "published" else None,
                )
            )
    out = tmp_path / "cal" / "posts.ics"
    out.parent.mkdir()
    out.write_text(ics.calendar_ics(ws, store, now=NOW), encoding="utf-8", newline="")
    raw = out.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded by octets
    raw.decode("utf-8")  # never split inside a character
    lines = _unfold(raw.decode("utf-8"))
    assert lines.count("BEGIN:VEVENT") == 2  # cancelled and unscheduled posts are left out
    assert "UID:launch/wechat@日历.publisher" in lines  # item, account, workspace: the same on every machine
    assert "DTSTART:20270104T040000Z" in lines and "DTEND:20270104T041500Z" in lines
    summary = next(x for x in lines if x.startswith("SUMMARY:[wechat]"))
    assert "效率神器上线\\；" not in summary and "\\, 附赠模板\\\\" in summary  # RFC 5545 TEXT escaping
    assert (
        "STATUS:CONFIRMED" in lines and "STATUS:TENTATIVE" in lines and "URL:https://v.douyin.com/x" in lines
    )
    only = _unfold(ics.calendar_ics(ws, store, now=NOW, platform="douyin"))
    assert only.count("BEGIN:VEVENT") == 1 and "UID:launch/douyin@日历.publisher" in only
    assert ics.calendar_ics(ws, store, now=NOW) == ics.calendar_ics(
        ws, store, now=NOW
    )  # stable for subscribers
    assert (NOW + timedelta(0)).strftime("DTSTAMP:%Y%m%dT%H%M%SZ") in lines


def test_calendar_export_reads_the_folder_with_stable_uids_and_no_cancelled_misses(tmp_path: Path) -> None:
    """`publisher calendar --ics` without a prior sync; the same UIDs from another copy of the workspace
    (another machine); a missed post is TENTATIVE and says so; the dashboard serves
    the same at /calendar.ics."""
    from starlette.testclient import TestClient
    from tests.conftest import WS
    from tests.test_check import GOOD
    from tests.test_cli import cli

    from publisher.store.db import store_for
    from publisher.web import create_app

    exports = []
    for machine in ("one", "two"):
        ws = WS(tmp_path / machine / "ws")
        ws.item("launch.md", GOOD)  # 2026-12-01: long past, beyond every late window
        out = tmp_path / machine / "cal.ics"
        ran = cli("calendar", "--ics", str(out), "--workspace", str(ws.root), "--json")
        assert ran.returncode == 0, ran.stderr
        exports.append(_unfold(out.read_bytes().decode("utf-8")))
    uids = [sorted(x for x in lines if x.startswith("UID:")) for lines in exports]
    assert len(uids[0]) == 4 and uids[0] == uids[1]  # no prior sync needed; the same on both machines
    assert "UID:launch/wechat@test.publisher" in uids[0]
    store = store_for(ws.open())
    with store.begin() as conn:
        conn.execute(sa.update(post_t).where(post_t.c.platform == "wechat").values(state="missed"))
    missed = _unfold(ics.calendar_ics(ws.open(), store, now=NOW))
    event = missed[missed.index("UID:launch/wechat@test.publisher") - 1 :]
    event = event[: event.index("END:VEVENT")]
    assert "STATUS:TENTATIVE" in event and any("(missed)" in x for x in event if x.startswith("SUMMARY:"))
    assert "STATUS:CANCELLED" not in missed
    with TestClient(create_app(ws.open(), now=lambda: NOW, watch=False), base_url="http://127.0.0.1") as c:
        served = c.get("/calendar.ics")
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/calendar")
        assert "UID:launch/wechat@test.publisher" in _unfold(served.text)
        assert 'href="/calendar.ics"' in c.get("/queue").text
