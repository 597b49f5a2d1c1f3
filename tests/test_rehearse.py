"""`publisher rehearse`: the reference campaign through the real queue and adapters against the sandbox, on a
virtual clock and a throw-away store."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.conftest import REPO

from publisher.adapters.http import ClientPool, open_client, pooled
from publisher.rehearsal.run import PullLoop, RehearsalResult, TimelineEntry, rehearsal_workspace, rehearse
from publisher.store.db import open_store
from publisher.store.reports import state_counts
from publisher.workspace.settings import Workspace, open_workspace

START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 11:00 Beijing, the day before the launch
UNTIL = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # past the Product Hunt launch (00:01 Los Angeles)
CANARY = "canary-real-secret-7f3a"


def reference_copy(root: Path) -> Workspace:
    for name in ("content", "schedules", "platforms"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "publisher.toml", root / "publisher.toml")
    (root / ".publisher" / "rehearsal").mkdir(parents=True)
    (root / ".publisher" / "rehearsal" / "rehearsal.db").write_bytes(b"left over, not a database")
    return open_workspace(root, env={"PUBLISHER_WECHAT_SECRET": CANARY, "PUBLISHER_NO_KEYRING": "1"})


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, RehearsalResult]:
    ws = reference_copy(tmp_path_factory.mktemp("ws"))
    return ws, rehearse(ws, start=START, until=UNTIL, seed=7)


def test_the_launch_goes_out_on_time_on_every_platform(played: tuple[Workspace, RehearsalResult]) -> None:
    _ws, result = played
    went_out: dict[str, TimelineEntry] = {}
    for e in result.timeline:  # the first step after queued is when the request left
        if e.item == "launch-day" and e.state != "queued":
            went_out.setdefault(e.platform, e)
    launch = {e.platform: e for e in result.timeline if e.item == "launch-day" and e.state != "queued"}
    assert set(launch) == {"xiaohongshu", "douyin", "wechat", "producthunt"}
    assert {p: e.at.isoformat() for p, e in went_out.items()} == {
        "xiaohongshu": "2026-12-02T04:00:00+00:00",
        "douyin": "2026-12-02T04:00:00+00:00",
        "wechat": "2026-12-02T04:00:00+00:00",
        "producthunt": "2026-12-02T08:01:00+00:00",
    }
    # Real adapters against the sandbox: published, or (assisted / unverified) a pack waiting for a person.
    assert {e.state for e in launch.values()} <= {"published", "awaiting_manual"}, launch
    assert "failed" not in result.final_states and not result.errors, (result.final_states, result.errors)
    assert result.elapsed_s < 60


def test_nothing_happens_twice_and_everything_is_on_the_virtual_clock(
    played: tuple[Workspace, RehearsalResult],
) -> None:
    _ws, result = played
    assert all(START <= e.at <= UNTIL for e in result.timeline)
    finals = Counter(
        (e.item, e.platform, e.account)
        for e in result.timeline
        if e.state in ("published", "awaiting_manual", "failed", "missed")
    )
    assert finals and max(finals.values()) == 1, finals
    pulls = [j.period for j in result.jobs if j.job == "metrics-pull"]
    assert len(pulls) == len(set(pulls)) == 16  # every 2 h from 10:00 on 1 December to 16:00 on 2 December
    assert pulls[0] == "2026-12-01T10:00+08:00"  # catch-up: the period in progress at the start runs once


def test_the_real_store_and_folders_are_untouched(played: tuple[Workspace, RehearsalResult]) -> None:
    ws, result = played
    assert not (ws.state_dir / "publisher.db").exists()
    assert not (ws.state_dir / "packs").exists() and not (ws.state_dir / "dry-run").exists()
    assert (ws.state_dir / "rehearsal" / "rehearsal.db").read_bytes()[
        :16
    ] == b"SQLite format 3\x00"  # fresh, not the old file
    assert result.files[:2] == [
        ws.reports_dir / "rehearsal" / "rehearsal-timeline.md",
        ws.reports_dir / "rehearsal" / "rehearsal-timeline.json",
    ]
    assert all("rehearsal-" in f.name for f in result.files)
    data = json.loads(result.files[1].read_text(encoding="utf-8"))
    assert len(data["timeline"]) == len(result.timeline) and data["final_states"] == result.final_states
    text = result.files[0].read_text(encoding="utf-8")
    assert "| 2026-12-02 08:01 | producthunt | producthunt | launch-day |" in text


def test_real_credentials_are_never_used_or_written(played: tuple[Workspace, RehearsalResult]) -> None:
    ws, result = played
    assert rehearsal_workspace(ws).env["PUBLISHER_WECHAT_SECRET"] != CANARY
    for path in [*result.files, ws.state_dir / "rehearsal" / "rehearsal.db"]:
        assert CANARY.encode() not in path.read_bytes(), path
    for path in (ws.state_dir / "rehearsal").rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


def test_a_rehearsal_starts_fresh_each_time(tmp_path: Path) -> None:
    ws = reference_copy(tmp_path / "ws")
    window = {
        "start": datetime(2026, 12, 2, 3, 0, tzinfo=UTC),
        "until": datetime(2026, 12, 2, 5, 0, tzinfo=UTC),
    }
    first = rehearse(ws, **window, seed=1)
    (template,) = (ws.root / ".publisher" / "rehearsal").glob("empty-store-*.db")
    made = template.stat().st_mtime_ns
    second = rehearse(ws, **window, seed=1)
    assert [e.to_dict() for e in first.timeline] == [e.to_dict() for e in second.timeline]
    assert any(e.item == "launch-day" for e in second.timeline)
    # Each rehearsal's store starts as a copy of one migrated empty store, made once and never written to.
    assert list((ws.root / ".publisher" / "rehearsal").glob("empty-store-*")) == [template]
    assert template.stat().st_mtime_ns == made
    empty = open_store(f"sqlite:///{template}", migrate=False)
    try:
        checked = empty.self_check(integrity=True)
        assert state_counts(empty) == {} and checked["revision"] == checked["head"]
        assert checked["journal_mode"] == "wal" and checked["integrity_check"] == "ok"
    finally:
        empty.close()


def test_until_must_follow_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="after"):
        rehearse(reference_copy(tmp_path / "ws"), start=UNTIL, until=START)


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file the real daemon may own: all but the rehearsal's folders and the shared media cache."""
    own = (root / ".publisher" / "rehearsal", root / "reports" / "rehearsal", root / ".publisher" / "cache")
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(p.is_relative_to(d) for d in own)
    }


def test_a_rehearsal_leaves_real_reports_and_the_real_store_byte_for_byte(tmp_path: Path) -> None:
    from tests.test_cli import cli

    from publisher.calendar.sync import sync_calendar
    from publisher.store.db import store_for

    ws = reference_copy(tmp_path / "ws")
    real = store_for(ws)
    sync_calendar(ws, real, now=START)
    real.close()
    (ws.reports_dir / "daily").mkdir(parents=True)
    (ws.reports_dir / "daily" / "2026-12-01.md").write_text("# 运营日报 (real)\n", encoding="utf-8")
    (ws.reports_dir / "weekly").mkdir()
    (ws.reports_dir / "weekly" / "2026-W48.xlsx").write_bytes(b"a real weekly workbook")
    before = _snapshot(ws.root)
    ran = cli(
        "rehearse",
        "--from",
        "2026-11-30 08:00",
        "--until",
        "2026-12-02 12:00",
        "--workspace",
        str(ws.root),
        "--json",
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert _snapshot(ws.root) == before
    written = [Path(f) for f in json.loads(ran.stdout)["files"]]
    jobs = list((ws.reports_dir / "rehearsal").rglob("*"))
    daily = [p for p in jobs if p.parent.name == "daily"]  # the recurring daily report ran in the rehearsal
    assert daily and all(p.name.startswith("rehearsal-") for p in daily), jobs
    assert daily[0].read_text(encoding="utf-8").startswith("# 演练 · 运营日报")
    assert all(f.is_relative_to(ws.reports_dir / "rehearsal") and "rehearsal" in f.name for f in written)
    again = cli("report", "weekly", "--rehearsal", "--period", "2026-W49", "--workspace", str(ws.root))
    assert again.returncode == 0, again.stderr
    assert _snapshot(ws.root) == before
    assert (ws.reports_dir / "rehearsal" / "weekly" / "rehearsal-2026-W49.md").is_file()


def test_the_clock_jumps_to_the_next_due_moment(tmp_path: Path) -> None:
    """No step on an instant when nothing is due: the next post, poll or lease, or a recurring job's cron."""
    from datetime import timedelta

    from publisher.daemon.jobs import parse_jobs
    from publisher.rehearsal.run import _next_step

    jobs_file = tmp_path / "jobs.yaml"
    jobs_file.write_text('jobs:\n  pull:\n    run: metrics.pull\n    cron: "0 */6 * * *"\n', encoding="utf-8")
    jobs = parse_jobs(jobs_file, "UTC")
    now = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    assert _next_step(now, None, jobs) == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert _next_step(now, now + timedelta(hours=2), jobs) == now + timedelta(hours=2)
    assert _next_step(now, now, jobs) == now + timedelta(seconds=1)  # always forward
    assert _next_step(now, None, []) is None  # nothing ever due: the play is over


def test_steps_are_due_moments_not_hours(played: tuple[Workspace, RehearsalResult]) -> None:
    _ws, result = played
    # Every step is a moment something was due: a recurring job's run, or a post sent or checked (a review
    # check 15 s and 1 min after a create). Never a fixed tick.
    moments = {e.at for e in result.timeline}
    assert result.steps <= len(result.jobs) + len(moments)
    assert result.steps < (UNTIL - START).total_seconds() / 3600 + len(moments) / 2


def test_a_rehearsal_removes_the_summaries_older_rehearsals_wrote_under_the_old_name_and_nothing_else(
    tmp_path: Path,
) -> None:
    """Rehearsals wrote their summary as rehearsal-weekly-<window>.*; now rehearsal-summary-<window>.*. The
    old ones in the rehearsal's own folder go; anything else (a real report, another name, a subfolder, a
    link, a folder the caller chose) stays."""
    from tests.test_cli import cli

    ws = reference_copy(tmp_path / "ws")
    own = ws.reports_dir / "rehearsal"
    (own / "weekly").mkdir(parents=True)
    old = [
        own / "rehearsal-weekly-2026-11-17_2026-11-30.md",
        own / "rehearsal-weekly-2026-11-17_2026-11-30.xlsx",
    ]
    old.append(own / "rehearsal-weekly-2026-W48.md")
    kept = [
        own / "rehearsal-weekly-notes.md",  # not a window
        own / "weekly" / "rehearsal-weekly-2026-11-17_2026-11-30.md",  # not directly in the folder
        ws.reports_dir / "rehearsal-weekly-2026-11-17_2026-11-30.md",  # not the rehearsal's folder
        ws.reports_dir / "weekly" / "2026-W48.md",
    ]
    for path in old + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("old\n", encoding="utf-8")
    link = own / "rehearsal-weekly-2026-12-01_2026-12-14.md"
    link.symlink_to(kept[3])
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    (chosen / old[0].name).write_text("theirs\n", encoding="utf-8")
    window = {
        "start": datetime(2026, 12, 2, 3, 0, tzinfo=UTC),
        "until": datetime(2026, 12, 2, 5, 0, tzinfo=UTC),
    }
    elsewhere = rehearse(ws, **window, seed=1, out_dir=chosen)
    assert elsewhere.removed == [] and (chosen / old[0].name).is_file() and all(p.is_file() for p in old)
    ran = cli(
        "rehearse", "--from", "2026-12-02 11:00", "--until", "2026-12-02 13:00", "--workspace", str(ws.root)
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "已删除 3 个旧版演练写下的文件" in ran.stdout
    assert not any(p.exists() for p in old)
    assert all(p.is_file() for p in kept) and link.is_symlink()
    assert (own / "rehearsal-summary-2026-12-02_2026-12-02.md").is_file()
    again = cli(
        "rehearse",
        "--from",
        "2026-12-02 11:00",
        "--until",
        "2026-12-02 13:00",
        "--json",
        "--workspace",
        str(ws.root),
    )
    assert json.loads(again.stdout)["removed"] == []  # this rehearsal's own files are not old names


def test_old_names_are_left_alone_while_a_recurring_job_writes_weekly_names_itself(tmp_path: Path) -> None:
    from publisher.rehearsal.superseded import is_old_summary, job_writes_weekly_names, remove_old_summaries

    assert is_old_summary("rehearsal-weekly-2026-12-01_2026-12-14.xlsx") and is_old_summary(
        "rehearsal-weekly-2026-W49.md"
    )
    assert not is_old_summary("rehearsal-weekly-2026-12-01_2026-12-14.csv")
    assert not is_old_summary("rehearsal-summary-2026-12-01_2026-12-14.md")
    assert job_writes_weekly_names([("report.weekly", {"out": "reports/{kind}-{week}.md"})])
    assert job_writes_weekly_names([("report.daily", {"out": "reports/weekly-{date}.md"})])
    assert not job_writes_weekly_names(
        [("report.weekly", {}), ("report.daily", {"out": "reports/{kind}/{date}.md"})]
    )
    (tmp_path / "rehearsal-weekly-2026-W48.md").write_text("a job's\n", encoding="utf-8")
    jobs = [("report.weekly", {"out": "reports/weekly-{week}.md"})]
    assert remove_old_summaries(tmp_path, began_at=2e9, jobs=jobs) == []
    assert (tmp_path / "rehearsal-weekly-2026-W48.md").is_file()
    # written at or after the rehearsal began: this run's, not an old one
    assert remove_old_summaries(tmp_path, began_at=0.0) == []
    assert remove_old_summaries(tmp_path, began_at=2e9) == [tmp_path / "rehearsal-weekly-2026-W48.md"]


def test_the_timeline_words_the_queues_reasons_in_the_readers_language(tmp_path: Path) -> None:
    """The timeline keeps the queue's English (as the store and --json do); the table a person reads says
    each reason in the workspace's language, Chinese by default."""
    from publisher.rehearsal.run import write_outputs

    at = datetime(2026, 12, 1, 4, tzinfo=UTC)
    result = RehearsalResult(start=at, until=at)
    result.timeline = [
        TimelineEntry(at, "douyin", "douyin", "teaser", "reconcile", "submitted; waiting for the platform"),
        TimelineEntry(at, "douyin", "douyin", "pains", "queued", "douyin keeps 3600 s between posts"),
        TimelineEntry(at, "douyin", "douyin", "teaser", "published", "published (confirmed on the platform)"),
    ]
    md, js = write_outputs(result, tmp_path / "zh", lang="zh")
    text = md.read_text(encoding="utf-8")
    assert "已提交，等待平台处理" in text and "douyin 两条帖子之间至少间隔 3600 秒" in text
    assert "已发布（已在平台上确认）" in text and "waiting for the platform" not in text
    assert json.loads(js.read_text(encoding="utf-8"))["timeline"][0]["reason"] == (
        "submitted; waiting for the platform"
    )
    english = write_outputs(result, tmp_path / "en", lang="en")[0].read_text(encoding="utf-8")
    assert "submitted; waiting for the platform" in english and "keeps 3600 s between posts" in english


def test_the_timeline_people_read_leaves_out_polls_that_changed_nothing(tmp_path: Path) -> None:
    """A submitted post polled 15 s later and still waiting: one row in the table (not two that look the
    same at minute precision); the JSON keeps every entry."""
    from publisher.rehearsal.run import write_outputs

    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    waiting = "submitted; waiting for the platform"
    result = RehearsalResult(start=at, until=at)
    result.timeline = [
        TimelineEntry(at, "douyin", "douyin", "teaser", "reconcile", waiting),
        TimelineEntry(at, "wechat", "wechat", "teaser", "reconcile", waiting),
        TimelineEntry(at.replace(second=15), "douyin", "douyin", "teaser", "reconcile", waiting),
        TimelineEntry(at.replace(minute=1), "douyin", "douyin", "teaser", "published", "published"),
    ]
    md, js = write_outputs(result, tmp_path, lang="en")
    rows = [line for line in md.read_text(encoding="utf-8").splitlines() if "| teaser |" in line]
    assert len(rows) == 3 and sum("| douyin | douyin | teaser | reconcile |" in r for r in rows) == 1
    assert len(json.loads(js.read_text(encoding="utf-8"))["timeline"]) == 4


def test_the_metrics_pulls_share_one_loop_and_their_clients_until_closed() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    seen: list[tuple[asyncio.AbstractEventLoop, ClientPool, httpx.AsyncClient]] = []

    async def pull(clients: ClientPool) -> None:
        with pooled(clients):
            async with open_client(
                scope="douyin", base_url="http://fake.test", platform="douyin", transport=transport
            ) as client:
                await client.get("/read")
                seen.append((asyncio.get_running_loop(), clients, client))

    loop = PullLoop()
    for _ in range(2):  # as the daemon's jobs run: each in a worker thread, one after another
        worker = threading.Thread(target=loop.run, args=(pull,))
        worker.start()
        worker.join()
    assert len(seen) == 2
    (loop1, pool1, client1), (loop2, pool2, client2) = seen
    assert loop1 is loop2 and pool1 is pool2 and client1 is client2 and not client1.is_closed
    loop.close()
    assert client1.is_closed and loop1.is_closed()
