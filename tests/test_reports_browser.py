"""The HTML report in headless Chromium: its three charts, drawn by the ECharts it carries inline, render and
its self-check finds no error."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from publisher import reports
from publisher.reports.history import seed_history
from publisher.store import open_store
from publisher.workspace.settings import open_workspace

NOW = datetime(2027, 1, 11, 1, 30, tzinfo=UTC)


def chromium() -> str:
    found = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed (apt-get install -y chromium); CI must run this test")
        pytest.skip("chromium is not installed; install it with apt-get install -y chromium")
    return found


def test_html_report_renders_its_charts_in_headless_chromium(tmp_path: Path) -> None:
    browser = chromium()
    root = tmp_path / "ws"
    root.mkdir()
    (root / "publisher.toml").write_text(
        '[workspace]\nname = "browser"\n[accounts.wechat]\nplatform = "wechat"\n'
        '[accounts.douyin]\nplatform = "douyin"\n',
        encoding="utf-8",
    )
    ws = open_workspace(root, env={})
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    seed_history(
        store,
        seed=3,
        first_day=date(2026, 12, 14),
        days=28,
        now=NOW,
        accounts={"wechat": "wechat", "douyin": "douyin"},
    )
    page = reports.write(
        reports.build("weekly", store, ws, period="2027-W01", now=NOW), "html", tmp_path / "w.html"
    )
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html.split("<body", 1)[0] and "<script src" not in html  # self-contained
    assert html.count('class="chart-option"') == 3 and "echarts" in html
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={profile}",
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
    dom = proc.stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None
    assert 'data-rendered="ok"' in body.group(0) and 'data-charts="3"' in body.group(0), body.group(0)
    for kind in ("trend", "top", "heat"):
        drawn = re.search(
            rf'<div class="echart" data-chart="{kind}"[^>]*data-drawn="1"[^>]*>(.*?)</svg>', dom, re.S
        )
        assert drawn is not None and "<path" in drawn.group(1), kind  # ECharts's SVG renderer drew it
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--window-size=1000,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_the_report_and_the_dashboard_draw_the_same_chart_definitions() -> None:
    """One definition per chart (reports/echarts.py) for the Metrics page and the HTML report: value axes in
    whole, rounded steps with their titles, legends."""
    from publisher.reports import echarts
    from publisher.reports.model import Charts
    from publisher.web import charts as web_charts

    assert web_charts.specs is echarts.specs
    figures = Charts(
        days=["2027-01-04", "2027-01-05", "2027-01-06"],
        trend={"douyin": [744.0, 2202.0, 10.0], "wechat": [1.0, 0.0, 3.0]},
        top=[("a", "douyin", 1360.0), ("b", "wechat", 3.0)],
        heat=[[None] * 24 for _ in range(7)],
        heat_posts=[[0] * 24 for _ in range(7)],
    )
    trend = echarts.trend(figures, "zh")
    assert trend is not None
    assert trend["yAxis"]["minInterval"] == 1 and trend["yAxis"]["name"] == "互动数"
    assert trend["xAxis"]["name"] == "日期" and trend["legend"]
    assert [s["name"] for s in trend["series"]] == ["抖音", "微信公众号"]
    assert echarts.heat(figures, "zh") is None  # no cell: the chart says what to run instead
