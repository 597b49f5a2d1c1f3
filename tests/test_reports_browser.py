"""The HTML report in headless Chromium: its three SVG charts render and its self-check finds no error."""

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
        assert f'data-chart="{kind}"' in dom
    assert dom.count('class="series"') == 2  # one trend line per platform
    assert dom.count('class="cell"') == 7 * 24
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


def test_the_report_trend_chart_labels_its_axis_with_round_numbers() -> None:
    from publisher.reports.charts import nice_ticks, trend_chart

    assert nice_ticks(0, 2202) == [0, 1000, 2000, 3000]
    assert nice_ticks(0, 1) == [0, 1]  # counts: never 0, 0.25, 0.5 …
    assert nice_ticks(0, 7.5) == [0, 2, 4, 6, 8]
    assert nice_ticks(-30, 95) == [-50, 0, 50, 100]
    svg = trend_chart(["2027-01-04", "2027-01-05"], {"douyin": [744.0, 2202.0]}, "trend", "zh")
    labels = re.findall(r'text-anchor="end" fill="#666">([^<]+)</text>', svg)
    assert labels == ["0", "1000", "2000", "3000"], labels
