"""Product Hunt launch day: each pull stores each hour's votes and comments once, from their timestamps (so a
late pull still gets every hour), the current totals are sampled beside them, and the daily report shows
the curve."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from publisher.adapters.base import AdapterContext
from publisher.adapters.http import RetryPolicy
from publisher.adapters.producthunt.adapter import ProductHuntAdapter
from publisher.metrics import pull as metrics
from publisher.sandbox import create_app
from publisher.store import Store, open_store
from publisher.store.tables import event_t, item_t, metric_t, post_t
from publisher.workspace.settings import Workspace, open_workspace

LAUNCH = datetime(2027, 1, 7, 8, 1, tzinfo=UTC)  # 2027-01-07 00:01 PST = 16:01 Beijing
TOKEN = "ph-launch-day-token-1"
TOML = """
[workspace]
name = "launch"
timezone = "Asia/Shanghai"
[accounts.producthunt]
platform = "producthunt"
mode = "sandbox"
[accounts.wechat]
platform = "wechat"
"""


class World:
    """The Product Hunt fake with one launch, a store holding its confirmed post, and the clock they share."""

    def __init__(self, tmp_path: Path) -> None:
        (tmp_path / "publisher.toml").write_text(TOML, encoding="utf-8")
        self.ws: Workspace = open_workspace(tmp_path, env={})
        self.store: Store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
        self.clock = LAUNCH - timedelta(minutes=1)
        self.app = create_app(seed=5, now=self.clock)
        self.transport = httpx.ASGITransport(app=self.app)
        self.control(
            "POST",
            "/producthunt/posts",
            json={"slug": "weekly-ai", "name": "Weekly AI", "createdAt": "2027-01-07T08:01:00Z"},
        )
        self.add_post(1, "https://www.producthunt.com/posts/weekly-ai")

    def control(self, method: str, path: str, **kw: Any) -> Any:
        async def go() -> Any:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://sandbox") as client:
                response = await client.request(method, f"/__fake{path}", **kw)
                assert response.status_code < 400, response.text
                return response.json()

        return asyncio.run(go())

    def add_post(self, pid: int, url: str) -> None:
        with self.store.begin() as conn:
            conn.execute(
                sa.insert(item_t).values(
                    id="launch-day",
                    path="content/launch-day.md",
                    hash="h",
                    fields={},
                    status="ready",
                    title="Weekly AI 上线",
                    synced_at=LAUNCH,
                )
            )
            conn.execute(
                sa.insert(post_t).values(
                    id=pid,
                    item_id="launch-day",
                    platform="producthunt",
                    account="producthunt",
                    state="published",
                    due_at=LAUNCH,
                    url=url,
                    ids={},
                    created_at=LAUNCH,
                    updated_at=LAUNCH,
                )
            )
            # confirmed by a person two hours after it went live
            conn.execute(
                sa.insert(event_t).values(
                    post_id=pid,
                    at=LAUNCH + timedelta(hours=2),
                    kind="transition",
                    message="awaiting_manual -> published",
                )
            )

    def at(self, when: datetime) -> None:
        self.control("POST", "/clock", json={"advance_seconds": (when - self.clock).total_seconds()})
        self.clock = when

    def pull(self, **kw: Any) -> metrics.PullResult:
        def adapter_for(platform: str, account: str) -> Any:
            if platform != "producthunt":
                return None
            ctx = AdapterContext(
                account=account,
                mode="sandbox",
                base_url="http://sandbox/ph",
                credentials={"token": TOKEN},
                transport=self.transport,
                now=lambda: self.clock,
            )
            return ProductHuntAdapter(ctx, policy=RetryPolicy.immediate())

        async def no_sleep(_: float) -> None:
            return None

        return asyncio.run(
            metrics.pull_async(
                self.ws, self.store, now=self.clock, since=None, adapter_for=adapter_for, sleep=no_sleep, **kw
            )
        )

    def rows(self, name: str) -> list[tuple[datetime, float]]:
        with self.store.session() as s:
            query = sa.select(metric_t.c.taken_at, metric_t.c.value).where(metric_t.c.name == name)
            return [(r[0].replace(tzinfo=UTC), r[1]) for r in s.execute(query.order_by(metric_t.c.taken_at))]


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_each_pull_keeps_each_hours_points_once_and_a_late_pull_fills_the_missed_hours(world: World) -> None:
    day = LAUNCH - timedelta(minutes=1)  # 00:00 PST
    world.at(day + timedelta(hours=2, minutes=5))
    world.pull(platforms=["producthunt"], accounts=False)
    assert [t for t, _ in world.rows("votes_by_hour")] == [day + timedelta(hours=1), day + timedelta(hours=2)]
    world.pull(platforms=["producthunt"], accounts=False)  # the same hour again: nothing new
    assert len(world.rows("votes_by_hour")) == 2

    world.at(day + timedelta(hours=7, minutes=5))  # the daemon was down for five hours
    result = world.pull(platforms=["producthunt"], accounts=False)
    points = world.rows("votes_by_hour")
    assert [t for t, _ in points] == [day + timedelta(hours=h) for h in range(1, 8)]
    values = [v for _, v in points]
    assert values == sorted(values) and values[0] > 0 and result.errors == ()
    assert [t for t, _ in world.rows("comments_by_hour")] == [t for t, _ in points]
    comments = world.rows("comments")
    assert [t for t, _ in comments] == [
        day + timedelta(hours=2, minutes=5),
        day + timedelta(hours=2, minutes=5),
        day + timedelta(hours=7, minutes=5),
    ]

    world.at(day + timedelta(days=1, hours=3))  # the day is over: its last hours complete the curve
    world.pull(platforms=["producthunt"], accounts=False)
    assert len(world.rows("votes_by_hour")) == 24
    world.at(day + timedelta(days=2))  # long after: no more curve points, only the usual figures
    world.pull()
    assert len(world.rows("votes_by_hour")) == 24


def test_a_platform_filter_leaves_other_accounts_alone(world: World) -> None:
    world.at(LAUNCH + timedelta(hours=1))
    result = world.pull(platforms=["wechat"], accounts=True)
    assert result.posts == 0 and world.rows("votes_by_hour") == []


def launch_report(world: World, day: str, fmt: str = "md") -> str:
    from publisher.reports.build import build
    from publisher.reports.writers import render_html, render_json, render_markdown

    report = build("daily", world.store, world.ws, period=day, now=world.clock)
    return {"md": render_markdown, "html": render_html, "json": render_json}[fmt](report)


def test_the_daily_report_on_launch_day_shows_the_hourly_curve(world: World, tmp_path: Path) -> None:
    day = LAUNCH - timedelta(minutes=1)
    world.at(day + timedelta(days=1, hours=1))  # the launch day is over
    world.pull()
    votes = [v for _, v in world.rows("votes_by_hour")]
    comments = [v for _, v in world.rows("comments_by_hour")]
    assert len(votes) == len(comments) == 24

    md = launch_report(world, "2027-01-08")  # Beijing 01-08 holds the launch day's last 16 hours
    section = md[md.index("## 发布日逐小时曲线") : md.index("## 关键指标")]
    assert section.startswith("## 发布日逐小时曲线：Weekly AI 上线（Product Hunt）")
    rows = [line for line in section.splitlines() if line.startswith("| 01-")]
    assert (
        len(rows) == 24 and rows[0].startswith("| 01-07 17:00 |") and rows[-1].startswith("| 01-08 16:00 |")
    )
    first = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert first == ["01-07 17:00", f"{votes[0]:,.0f}", f"{votes[0]:+,.0f}", f"{comments[0]:,.0f}"]
    gained = [cell.strip() for cell in rows[5].strip("|").split("|")][2]
    assert gained == f"{votes[5] - votes[4]:+,.0f}"
    (tmp_path / "launch-day.md").write_text(section, encoding="utf-8")
    golden = Path(__file__).parent / "golden" / "reports" / "launch-day-2027-01-08-zh.md"
    assert section == golden.read_text(encoding="utf-8")

    assert "## 发布日逐小时曲线" in launch_report(world, "2027-01-07")  # the day it began, Beijing time
    assert "发布日逐小时曲线" not in launch_report(world, "2027-01-09")  # the day after it ended
    html = launch_report(world, "2027-01-08", "html")
    assert (
        'data-chart="trend"' in html and 'data-chart="launch0"' in html and 'data-expect-charts="4"' in html
    )
    assert '<section class="launch">' in html and html.count('<td class="when">01-') == 24
    data = __import__("json").loads(launch_report(world, "2027-01-08", "json"))
    assert [h["votes"] for h in data["launches"][0]["hours"]] == votes


@pytest.mark.browser
def test_the_launch_day_report_draws_its_chart_in_headless_chromium(world: World, tmp_path: Path) -> None:
    import re
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed; install it with apt-get install -y chromium")
    world.at(LAUNCH + timedelta(hours=10))  # mid-launch: ten hours so far
    world.pull()
    page = tmp_path / "daily.html"
    page.write_text(launch_report(world, "2027-01-07", "html"), encoding="utf-8")
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    body = re.search(r"<body[^>]*>", proc.stdout)
    # Ten hours in, only the launch chart has figures: the engagement charts say so instead of drawing.
    assert body is not None and 'data-rendered="ok"' in body.group(0) and 'data-charts="1"' in body.group(0)
    launch = proc.stdout[proc.stdout.index('<section class="launch">') :]
    launch = launch[: launch.index("</section>")]
    assert 'data-chart="launch0"' in launch and 'data-drawn="1"' in launch and "<path" in launch
    assert "累计投票" in launch and "累计评论" in launch  # the legend: one line each
    assert launch.count('<td class="when">') == 10
