"""Recurring jobs: jobs.yaml validation, cron and before-due periods, once per period across runners."""

from __future__ import annotations

import textwrap
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from tests.conftest import REPO, WS

from publisher.daemon.actions import preflight
from publisher.daemon.jobs import (
    JobContext,
    current_period,
    due_windows,
    next_fire,
    parse_cron,
    parse_jobs,
    run_due_jobs,
)
from publisher.errors import ConfigError
from publisher.notify import lines
from publisher.store.db import Store, open_store
from publisher.store.jobs import claim_period
from publisher.store.tables import JobRunRow, PostRow
from publisher.store.tokens import accounts_needing_reauth
from publisher.workspace.settings import Workspace

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'publisher.db'}")
    yield s
    s.close()


def jobs_from(tmp_path: Path, text: str) -> list[Any]:
    path = tmp_path / "jobs.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return parse_jobs(path, "Asia/Shanghai")


def add_post(store: Store, *, platform: str, account: str, due: datetime, state: str = "queued") -> None:
    item = uuid.uuid4().hex[:8]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with store.begin() as conn:
        conn.execute(
            sa.insert(PostRow.__table__.metadata.tables["item"]).values(  # type: ignore[attr-defined]
                id=item, path=item, hash="h", fields={}, status="ready", title=item, synced_at=now
            )
        )
        conn.execute(
            sa.insert(PostRow.__table__).values(  # type: ignore[attr-defined]
                item_id=item,
                platform=platform,
                account=account,
                state=state,
                due_at=due,
                ids={},
                created_at=now,
                updated_at=now,
            )
        )


class Recorder:
    """A notifier that remembers what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, notification: Any) -> list[Any]:
        self.sent.append(notification)
        return []


def test_reference_jobs_load() -> None:
    jobs = {j.name: j for j in parse_jobs(REPO / "schedules" / "jobs.yaml", "UTC")}
    assert set(jobs) == {"metrics-pull", "daily-report", "weekly-report", "preflight-credentials"}
    assert jobs["weekly-report"].cron is not None and jobs["weekly-report"].cron.weekdays == {0}
    assert jobs["weekly-report"].zone.key == "Asia/Shanghai"  # the file's timezone wins over the default
    assert (
        jobs["preflight-credentials"].before_due_s == 1800
        and jobs["preflight-credentials"].merge_within_s == 600
    )
    assert jobs["daily-report"].notify and jobs["metrics-pull"].catch_up


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("jobs:\n  w:\n    run: report.weekly\n    cron: '30 9 * * 1'\n", "jobs.w.cron", "names"),
        ("jobs:\n  w:\n    run: report.weekly\n    cron: '30 9 * *'\n", "jobs.w.cron", "five"),
        ("jobs:\n  w:\n    run: report.weekly\n    cron: '61 9 * * *'\n", "jobs.w.cron", "range"),
        ("jobs:\n  w:\n    run: report.monthly\n    cron: '0 9 * * *'\n", "jobs.w.run", "unknown action"),
        (
            "jobs:\n  w:\n    run: report.daily\n    cron: '0 9 * * *'\n    when: x\n",
            "jobs.w.when",
            "unknown key",
        ),
        ("jobs:\n  w:\n    run: report.daily\n", "jobs.w", "exactly one"),
        (
            "jobs:\n  w:\n    run: report.daily\n    cron: '0 9 * * *'\n    before_due: 30m\n",
            "jobs.w",
            "exactly one",
        ),
        (
            "jobs:\n  w:\n    run: report.daily\n    cron: '0 9 * * *'\n    merge_within: 5m\n",
            "jobs.w.merge_within",
            "before_due",
        ),
        (
            "jobs:\n  w:\n    run: report.daily\n    cron: '0 9 * * *'\n    notify: yes please\n",
            "jobs.w.notify",
            "true",
        ),
        ("job: {}\n", "job", "unknown key"),
    ],
)
def test_bad_jobs_name_the_file_and_the_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        jobs_from(tmp_path, text)
    assert str(err.value).startswith(f"schedules/jobs.yaml:{key}: "), str(err.value)
    assert words in str(err.value)


def test_cron_fire_times_in_the_zone() -> None:
    every2h = parse_cron("0 */2 * * *")
    now = at("2026-12-01 03:17")
    assert every2h.last_fire(now, SH) == at("2026-12-01 02:00")
    assert every2h.next_fire(now, SH) == at("2026-12-01 04:00")
    assert every2h.last_fire(at("2026-12-01 04:00"), SH) == at("2026-12-01 04:00")  # at or before
    weekly = parse_cron("30 9 * * mon")
    assert weekly.last_fire(at("2026-12-01 03:17"), SH) == at("2026-11-30 09:30")
    assert weekly.next_fire(at("2026-11-30 09:30"), SH) == at("2026-12-07 09:30")
    leap = parse_cron("0 0 29 2 *")
    assert leap.last_fire(at("2027-03-01 00:00"), SH) == at("2024-02-29 00:00")
    assert parse_cron("0 9 * * mon-fri").weekdays == frozenset(range(5))


def test_cron_period_and_catch_up(tmp_path: Path, store: Store) -> None:
    daily, late = jobs_from(
        tmp_path,
        """
        jobs:
          daily: {run: report.daily, cron: "0 9 * * *"}
          strict: {run: report.daily, cron: "0 9 * * *", catch_up: false}
    """,
    )
    period = current_period(store, daily, at("2026-12-01 15:00"))
    assert period is not None and period.key == "2026-12-01T09:00+08:00"
    assert current_period(store, late, at("2026-12-01 15:00")) is None  # not running at 09:00: skipped
    assert current_period(store, late, at("2026-12-01 09:02")) is not None


def test_before_due_windows_merge_and_fire_ahead(tmp_path: Path, store: Store) -> None:
    (job,) = jobs_from(
        tmp_path, "jobs:\n  pre: {run: accounts.preflight, before_due: 30m, merge_within: 10m}\n"
    )
    for due in ("2026-12-01 12:00", "2026-12-01 12:05", "2026-12-01 12:20", "2026-12-01 16:01"):
        add_post(store, platform="wechat", account="wechat", due=at(due))
    add_post(store, platform="wechat", account="wechat", due=at("2026-12-01 13:00"), state="published")
    windows = due_windows(store, job, after=at("2026-12-01 10:00"))
    assert [(a.astimezone(SH).strftime("%H:%M"), b.astimezone(SH).strftime("%H:%M")) for a, b in windows] == [
        ("12:00", "12:05"),
        ("12:20", "12:20"),
        ("16:01", "16:01"),
    ]
    assert next_fire(store, job, at("2026-12-01 10:00")) == at("2026-12-01 11:30")
    assert current_period(store, job, at("2026-12-01 11:29")) is None
    period = current_period(store, job, at("2026-12-01 11:31"))
    assert period is not None and period.key == "window 2026-12-01T12:00+08:00"
    assert period.window == (at("2026-12-01 12:00"), at("2026-12-01 12:06"))


def test_claim_period_once(store: Store) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert claim_period(store, "daily", "p1", now=now)
    assert not claim_period(store, "daily", "p1", now=now)
    assert claim_period(store, "daily", "p2", now=now)
    assert claim_period(store, "weekly", "p1", now=now)


def test_a_run_cut_short_by_a_crash_runs_again(store: Store) -> None:
    """An unfinished run is never taken over by the clock (a long run is not a dead one); the runner that
    knows the last one is dead (SQLite lock holder, new PostgreSQL leader) reopens it;
    a finished run stays."""
    from publisher.store.jobs import finish_period, reopen_unfinished

    now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert claim_period(store, "daily", "p1", now=now)  # ...and the process died here (or is still running)
    assert not claim_period(store, "daily", "p1", now=now + timedelta(hours=23))
    assert claim_period(store, "daily", "p2", now=now)
    finish_period(store, "daily", "p2", now=now, outcome="ok")
    assert reopen_unfinished(store) == 1
    assert claim_period(store, "daily", "p1", now=now)
    assert not claim_period(store, "daily", "p2", now=now)


def test_a_job_runs_once_per_period_when_runners_race(tmp_path: Path, ws: WS) -> None:
    (job,) = jobs_from(tmp_path, "jobs:\n  pull: {run: metrics.pull, cron: '0 */2 * * *'}\n")
    url = f"sqlite:///{tmp_path / 'race.db'}"
    open_store(url).close()
    calls: list[str] = []
    barrier = threading.Barrier(4)
    runs: list[Any] = []

    def action(ctx: JobContext) -> str:
        calls.append(ctx.period.key)
        return "pulled"

    def runner() -> None:
        store = open_store(url, migrate=False)  # each runner its own engine, as separate nodes would have
        try:
            barrier.wait(timeout=10)
            for minute in (0, 1, 59):  # repeated ticks within one period
                runs.extend(
                    run_due_jobs(
                        ws.open(),
                        store,
                        [job],
                        now=at(f"2026-12-01 10:{minute:02d}"),
                        actions={"metrics.pull": action},
                    )
                )
        finally:
            store.close()

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert calls == ["2026-12-01T10:00+08:00"]
    assert [r.outcome for r in runs] == ["ok"]
    check = open_store(url, migrate=False)
    with check.session() as s:
        rows = s.execute(sa.select(JobRunRow.job, JobRunRow.period, JobRunRow.outcome)).all()
    check.close()
    assert rows == [("pull", "2026-12-01T10:00+08:00", "ok: pulled")]


def test_missing_and_failing_actions(tmp_path: Path, ws: WS, store: Store) -> None:
    jobs = jobs_from(
        tmp_path,
        """
        jobs:
          weekly: {run: report.weekly, cron: "30 9 * * mon"}
          broken: {run: metrics.pull, cron: "0 * * * *"}
          daily: {run: report.daily, cron: "0 9 * * *", notify: true}
    """,
    )
    recorder = Recorder()

    def broken(ctx: JobContext) -> str:
        raise RuntimeError("adapter exploded")

    actions = {"metrics.pull": broken, "report.daily": lambda ctx: "3 posts yesterday"}
    runs = run_due_jobs(
        ws.open(), store, jobs, now=at("2026-12-01 10:00"), actions=actions, notifier=recorder
    )
    assert [(r.job, r.outcome) for r in runs] == [
        ("weekly", "skipped"),
        ("broken", "failed"),
        ("daily", "ok"),
    ]
    assert "not available" in runs[0].detail
    # Only the failure needs a person; the daily report's routine result goes to the log.
    assert [n.kind for n in recorder.sent] == ["job_failed"]
    assert "adapter exploded" in recorder.sent[0].reason
    assert recorder.sent[0].title == "定时任务 broken 失败"  # the workspace's language: Chinese by default
    assert recorder.sent[0].item.startswith("定时任务 broken（")
    # Recorded: nothing runs again in the same periods.
    assert run_due_jobs(ws.open(), store, jobs, now=at("2026-12-01 10:30"), actions=actions) == []


def workspace_with_modes(ws: WS, env: dict[str, str]) -> Workspace:
    toml = ws.root / "publisher.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            '[accounts.wechat]\nplatform = "wechat"',
            '[accounts.wechat]\nplatform = "wechat"\nmode = "sandbox"',
        ),
        encoding="utf-8",
    )
    opened = ws.open()
    opened.env = {"PUBLISHER_NO_KEYRING": "1", "XDG_CONFIG_HOME": str(ws.root.parent / "cfg"), **env}
    return opened


@pytest.mark.parametrize(
    ("lang", "title", "window", "why"),
    [
        ("zh", "发布前凭证检查未通过", "发布窗口 ", "原因：缺少凭据："),
        ("en", "credentials check before publishing failed", "window ", "Reason: credentials missing:"),
    ],
)
def test_preflight_flags_an_account_without_credentials_before_the_window(
    tmp_path: Path, ws: WS, store: Store, lang: str, title: str, window: str, why: str
) -> None:
    (job,) = jobs_from(tmp_path, "jobs:\n  pre: {run: accounts.preflight, before_due: 30m}\n")
    add_post(store, platform="wechat", account="wechat", due=at("2026-12-01 12:00"))
    add_post(
        store, platform="xiaohongshu", account="xiaohongshu", due=at("2026-12-01 12:00")
    )  # dry-run: no check
    toml = ws.root / "publisher.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("[workspace]\n", f'[workspace]\nlanguage = "{lang}"\n'),
        encoding="utf-8",
    )
    w = workspace_with_modes(ws, {})
    recorder = Recorder()
    runs = run_due_jobs(
        w,
        store,
        [job],
        now=at("2026-12-01 11:31"),
        actions={"accounts.preflight": preflight},
        notifier=recorder,
    )
    assert [r.outcome for r in runs] == ["ok"] and "1 need attention" in runs[0].detail
    assert set(accounts_needing_reauth(store)) == {"wechat"}
    (sent,) = recorder.sent
    assert (sent.kind, sent.account) == ("needs_reauth", "wechat") and "PUBLISHER_WECHAT_APPID" in sent.reason
    assert sent.title == title and sent.item.startswith(window)  # the workspace's language
    assert why in "\n".join(lines(sent, lang=lang))
    with store.session() as s:  # the posts wait; nothing failed
        assert set(s.execute(sa.select(PostRow.state)).scalars()) == {"queued"}


def test_preflight_passes_with_credentials(tmp_path: Path, ws: WS, store: Store) -> None:
    (job,) = jobs_from(tmp_path, "jobs:\n  pre: {run: accounts.preflight, before_due: 30m}\n")
    add_post(store, platform="wechat", account="wechat", due=at("2026-12-01 12:00"))
    w = workspace_with_modes(
        ws, {"PUBLISHER_WECHAT_APPID": "wx123", "PUBLISHER_WECHAT_SECRET": "canary-s3cret"}
    )
    runs = run_due_jobs(
        w, store, [job], now=at("2026-12-01 11:45"), actions={"accounts.preflight": preflight}
    )
    assert [r.outcome for r in runs] == ["ok"] and "all ok" in runs[0].detail
    assert accounts_needing_reauth(store) == {}
    with store.session() as s:
        assert "canary-s3cret" not in str(s.execute(sa.select(JobRunRow.outcome)).scalars().all())
