"""Every dashboard page and every report in headless Chromium: no console error (script errors, blocked loads,
CSP refusals), preview frames that render, charts that have data; a screenshot of each in
tests/artifacts/pages/ for a person to look at. The pages come from the app's own routes, so a new route
without a visit here fails the test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from starlette.routing import Mount, Route
from support.browser import ARTIFACTS, Browser, open_browser
from support.procs import wait_for
from test_web import copy_example

from publisher import reports
from publisher.rehearsal.run import rehearsal_db
from publisher.reports.history import seed_history
from publisher.store.db import open_store
from publisher.web import create_app, start_background
from publisher.web.reports_view import KINDS
from publisher.workspace.settings import open_workspace

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "pages"
LATER = datetime(2027, 1, 11, 1, 30, tzinfo=UTC)  # after the calendar and after a month of rehearsal data
PERIOD = "2027-W01"
REPORT_PERIOD = {"daily": "2027-01-08"}  # a daily report is one day

#: every GET route that answers with a page -> the addresses visited (with their screenshot names)
PAGES: dict[str, list[tuple[str, str]]] = {
    "/": [
        ("/?month=2026-12", "calendar-month"),
        ("/?week=2026-W49", "calendar-week"),
        ("/?view=list&month=2026-12", "calendar-list"),
        ("/?view=list&day=2026-12-02", "calendar-day"),
        ("/?month=2026-12&platform=douyin", "calendar-filtered"),
    ],
    "/queue": [("/queue", "queue")],
    "/metrics": [
        (f"/metrics?period={PERIOD}&data=rehearsal", "metrics-rehearsal"),
        ("/metrics?period=2026-W48", "metrics-empty"),
    ],
    "/metrics/view": [
        (
            f"/metrics/view?kind={kind}&period={REPORT_PERIOD.get(kind, PERIOD)}&data=rehearsal",
            f"report-view-{kind}",
        )
        for kind in KINDS
    ]
    + [("/metrics/view?kind=campaign&campaign=launch-week&data=rehearsal", "report-view-campaign")],
    "/items/{item_id:path}": [
        ("/items/launch-day", "item-launch-day"),
        ("/items/campaign-recap", "item-recap"),
        ("/items/week1-recap", "item-compliance"),
    ],
    "/preview/{item_id:path}": [("/preview/launch-day", "preview-index")],
    "/new": [("/new", "new-post")],
}
#: GET routes that are not pages, and why
NOT_PAGES = {
    "/calendar.ics": "an iCalendar file",
    "/metrics/download": "a file download",
    "/thumb/{item_id:path}": "an image",
    "/events": "the server-sent event stream",
    "/favicon.ico": "the icon",
}


CLIPPED_TEXTS = """
var out = [];
document.querySelectorAll(".echart[data-chart] svg").forEach(function (svg) {
  var box = svg.getBoundingClientRect();
  svg.querySelectorAll("text").forEach(function (t) {
    var b = t.getBoundingClientRect();
    if (b.width && (b.left < box.left - 0.5 || b.top < box.top - 0.5 || b.right > box.right + 0.5
        || b.bottom > box.bottom + 0.5)) {
      out.push(svg.parentNode.parentNode.getAttribute("data-chart") + ": " + t.textContent);
    }
  });
});
return out;
"""


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[Browser]:
    with open_browser(tmp_path / "profile") as b:
        yield b


def _visit(browser: Browser, url: str, shot: str) -> list[str]:
    """Load a page, wait until it has finished loading (and drawn its charts), screenshot it; its errors."""
    browser.go(url)
    wait_for(lambda: browser.run("return document.readyState") == "complete", what=f"{url} to load")
    if browser.find_all(".echart[data-chart]"):
        wait_for(
            lambda: browser.run("return document.body.dataset.charts") is not None, what=f"{url}'s charts"
        )
    browser.screenshot(f"{shot}.png", SHOTS)
    for i, chart in enumerate(browser.find_all(".echart[data-drawn]")):  # a report's charts, each on its own
        browser.screenshot(f"{shot}-chart{i + 1}.png", SHOTS, element=chart)
    return browser.console_errors()


def test_every_page_and_report_loads_without_console_errors(browser: Browser, tmp_path: Path) -> None:
    ws = open_workspace(copy_example(tmp_path / "ws"))
    db = rehearsal_db(ws)
    db.parent.mkdir(parents=True, exist_ok=True)
    seed_history(open_store(f"sqlite:///{db}"), seed=3, first_day=date(2026, 12, 14), days=28, now=LATER)
    app = create_app(ws, now=lambda: LATER, watch=False)
    gets = {
        r.path
        for r in app.routes
        if isinstance(r, Route) and r.methods is not None and "GET" in r.methods and not isinstance(r, Mount)
    }
    assert gets == set(PAGES) | set(NOT_PAGES), "a route is neither visited here nor listed as not a page"
    server = start_background(app)
    errors: dict[str, list[str]] = {}
    try:
        for pages in PAGES.values():
            for path, shot in pages:
                found = _visit(browser, server.url + path, shot)
                if found:
                    errors[path] = found
                if path.startswith("/metrics?") and "rehearsal" in path:
                    # Each of the three charts is drawn with data.
                    points = browser.run(
                        "return Array.from(document.querySelectorAll('.echart')).map(function (el) {"
                        " var o = echarts.getInstanceByDom(el).getOption();"
                        " return o.series.reduce(function (n, s) { return n + s.data.length; }, 0); })"
                    )
                    assert len(points) == 3 and all(n > 0 for n in points), points
                if path.startswith("/metrics/view"):
                    assert browser.run("return document.body.innerText.length") > 200, path
                if path.startswith("/preview/"):
                    assert browser.url.endswith("/previews/launch-day/index.html")
                    wait_for(
                        lambda: browser.run(
                            "var f = document.querySelectorAll('iframe'); return f.length > 0 && "
                            "Array.from(f).every(function (x) { return x.contentDocument && "
                            "x.contentDocument.body && x.contentDocument.body.innerText.length > 20; })"
                        ),
                        what="every preview frame rendered",
                    )
                    browser.screenshot(f"{shot}.png", SHOTS)
                    for frame in browser.run(
                        "return Array.from(document.querySelectorAll('iframe')).map(function (f) {"
                        " return f.getAttribute('src'); })"
                    ):
                        page = f"{server.url}/previews/launch-day/{frame}"
                        name = f"preview-{Path(frame).stem}"
                        found = _visit(browser, page, name)
                        if found:
                            errors[page] = found
    finally:
        server.stop()

    # The exported HTML reports, opened as files the way a person opens them from a mail.
    store = open_store(f"sqlite:///{db}")
    for kind in reports.KINDS:
        campaign = "launch-week" if kind == "campaign" else None
        report = reports.build(
            kind,
            store,
            ws,
            period=None if campaign else REPORT_PERIOD.get(kind, PERIOD),
            now=LATER,
            campaign=campaign,
        )
        page = reports.write(report, "html", tmp_path / f"{kind}.html")
        found = _visit(browser, page.as_uri(), f"report-file-{kind}")
        if found:
            errors[page.name] = found
        assert browser.run("return document.body.dataset.rendered") == "ok", kind
        # No label of a chart is cut off: every text lies inside its drawing.
        clipped = browser.run(CLIPPED_TEXTS)
        assert not clipped, (kind, clipped)
    assert not errors, errors
    shots = sorted(p.name for p in SHOTS.glob("*.png"))
    assert len(shots) >= sum(len(v) for v in PAGES.values()) + len(reports.KINDS), shots
