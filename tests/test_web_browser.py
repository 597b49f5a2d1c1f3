"""The dashboard end to end in headless Chromium (Debian's chromium + chromedriver, W3C WebDriver over httpx):
find the example items, follow a live edit, open a preview, resolve a post, and keep screenshots in
tests/artifacts/ (desktop and a 390-px phone width)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.browser import ARTIFACTS, ELEMENT, Browser, open_browser
from support.procs import wait_for
from test_web import NOW, copy_example, state_of, to_awaiting_manual

from publisher.web import create_app, start_background
from publisher.workspace.settings import open_workspace

pytestmark = pytest.mark.browser


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[Browser]:
    with open_browser(tmp_path / "profile") as b:
        yield b


def test_calendar_preview_queue_and_live_update_in_chromium(browser: Browser, tmp_path: Path) -> None:
    ws = open_workspace(copy_example(tmp_path / "ws"))
    app = create_app(ws, now=lambda: NOW, watch=True, store_poll_s=0.5)
    store = app.state.publisher.store
    app.state.publisher.ensure_synced()
    waiting = to_awaiting_manual(store, "xiaohongshu")
    server = start_background(app)
    try:
        # The calendar: the example items on their days, in their platforms' colours.
        browser.go(f"{server.url}/?month=2026-12")
        launch = browser.find('a.post.p-wechat[data-item="launch-day"]')
        assert "效率神器上线" in browser.text(launch)
        assert len(browser.find_all("a.post[data-item]")) >= 20
        colour = browser.run("return getComputedStyle(arguments[0]).borderLeftColor", {ELEMENT: launch})
        assert colour == "rgb(7, 193, 96)"  # WeChat green
        wait_for(
            lambda: browser.run("return document.body.dataset.live") == "on",
            timeout=15,
            what="the live connection",
        )
        browser.screenshot("calendar-desktop.png")

        # Live: an edit to the content folder shows up without a reload.
        browser.run("window.__sameDocument = true")
        teaser = ws.content_dir / "2026-12-01-teaser.md"
        teaser.write_text(teaser.read_text("utf-8").replace("周五写周报到崩溃", "周五不再写周报"), "utf-8")
        wait_for(
            lambda: browser.run(
                "return document.querySelector('#live').textContent.includes('周五不再写周报')"
            ),
            what="the edited title on the open page",
        )
        assert browser.run("return window.__sameDocument === true")

        # A click opens the item's preview, rendered on demand like `publisher preview`.
        browser.click(browser.find('a.post.p-wechat[data-item="launch-day"]'))
        wait_for(
            lambda: browser.url.endswith("/previews/launch-day/wechat-wechat.html"),
            timeout=15,
            what="the preview page",
        )
        assert "运营小王" in browser.run("return document.body.innerText")
        browser.screenshot("preview-wechat.png")

        # The queue: the post waiting for a person is resolved with its URL.
        browser.go(f"{server.url}/queue")
        card = browser.find(f"#post-{waiting}")
        assert "发布包已备好" in browser.text(card)
        url = "https://www.xiaohongshu.com/explore/6650a1b2c3d4"
        browser.type(browser.find('input[name="url"]', within=card), url)
        browser.screenshot("queue-desktop.png")
        browser.click(browser.find('form.resolve button[type="submit"]', within=card))
        wait_for(
            lambda: "已发布」" in browser.run("return document.body.innerText"),
            timeout=15,
            what="the confirmation",
        )
        assert state_of(store, waiting)[:2] == ("published", url)
        assert not browser.find_all(f"#post-{waiting}")

        # Metrics: the engagement report's charts, and every report format to download.
        browser.go(f"{server.url}/metrics?period=2026-W48")
        # No figures in the real store: each chart says what to run (the rehearsal test draws real ones).
        assert browser.run("return document.querySelectorAll('.chart-box .chart-empty').length") == 3
        # Five formats of each report: engagement, weekly, daily, and the launch-week campaign.
        assert len(browser.find_all("a.dl[download]")) == 20
        browser.screenshot("metrics-desktop.png")

        # Phone width: the month grid turns into a list of days, nothing scrolls sideways.
        browser.size(390, 844)
        browser.go(f"{server.url}/?month=2026-12")
        wait_for(lambda: browser.run("return window.innerWidth") <= 400, timeout=15, what="the phone layout")
        assert browser.run("return getComputedStyle(document.querySelector('.dow')).display") == "none"
        assert browser.run("return document.documentElement.scrollWidth <= window.innerWidth")
        browser.find('a.post[data-item="launch-day"]')
        browser.screenshot("calendar-phone.png")
        to_awaiting_manual(store, "douyin")
        browser.go(f"{server.url}/queue")
        assert browser.run("return document.documentElement.scrollWidth <= window.innerWidth")
        browser.screenshot("queue-phone.png")
    finally:
        server.stop()
    for name in (
        "calendar-desktop.png",
        "preview-wechat.png",
        "queue-desktop.png",
        "metrics-desktop.png",
        "calendar-phone.png",
        "queue-phone.png",
    ):
        assert (ARTIFACTS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_preview_frames_render_and_product_hunt_fits_a_phone(browser: Browser, tmp_path: Path) -> None:
    ws = open_workspace(copy_example(tmp_path / "ws"))
    server = start_background(create_app(ws, now=lambda: NOW, watch=False))
    try:
        browser.go(f"{server.url}/preview/launch-day")
        wait_for(lambda: browser.url.endswith("/previews/launch-day/index.html"), what="the preview index")
        # Every card's frame shows its platform's page (a blocked frame has no readable document).
        wait_for(
            lambda: browser.run(
                "var f = document.querySelectorAll('iframe'); return f.length === 4 && Array.from(f).every("
                "function (x) { return x.contentDocument && x.contentDocument.body && "
                "x.contentDocument.body.innerText.length > 20; })"
            ),
            timeout=15,
            what="four rendered preview frames",
        )
        browser.screenshot("preview-index.png")
        browser.size(375, 844)
        wait_for(lambda: browser.run("return window.innerWidth") == 375, timeout=15, what="a 375-px window")
        # Each preview opened on a phone: nothing scrolls sideways, even beside a scroll bar (clientWidth is
        # the width left by it: a 375-px phone mock-up with its margins ran 20 px past it).
        for name in ("producthunt-producthunt", "xiaohongshu-xiaohongshu", "wechat-wechat", "douyin-douyin"):
            browser.go(f"{server.url}/previews/launch-day/{name}.html")
            wait_for(lambda: browser.run("return document.readyState") == "complete", what=f"{name}")
            sizes = browser.run(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert sizes[0] <= sizes[1], (name, sizes)
            assert "发出时会改动的地方" in browser.run("return document.body.innerText"), name
            browser.screenshot(f"preview-{name.split('-')[0]}-phone.png")
        browser.go(f"{server.url}/previews/launch-day/producthunt-producthunt.html")
        wait_for(lambda: browser.run("return document.readyState") == "complete", what="Product Hunt")
        name = browser.find(".ph-name")
        width = browser.run("return arguments[0].getBoundingClientRect().width", {ELEMENT: name})
        assert width > 150, f"the product name is squeezed to {width}px"
    finally:
        server.stop()


def test_metrics_charts_draw_rehearsal_data_with_echarts(browser: Browser, tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from publisher.rehearsal.run import rehearsal_db
    from publisher.reports.history import seed_history
    from publisher.store.db import open_store

    ws = open_workspace(copy_example(tmp_path / "ws"))
    later = datetime(2027, 1, 11, 1, 30, tzinfo=UTC)
    db = rehearsal_db(ws)
    db.parent.mkdir(parents=True, exist_ok=True)
    seed_history(open_store(f"sqlite:///{db}"), seed=3, first_day=date(2026, 12, 14), days=28, now=later)
    server = start_background(create_app(ws, now=lambda: later, watch=False))
    try:
        browser.go(f"{server.url}/metrics?period=2027-W01")
        browser.click(browser.find("#data-rehearsal"))  # the visible switch
        wait_for(lambda: browser.run("return document.body.dataset.charts") == "3", timeout=20, what="charts")
        assert "演练数据" in browser.text(browser.find("#rehearsal-banner"))
        points = browser.run(
            "return Array.from(document.querySelectorAll('.echart')).map(function (el) {"
            " var o = echarts.getInstanceByDom(el).getOption();"
            " return o.series.reduce(function (n, s) { return n + s.data.length; }, 0); })"
        )
        assert len(points) == 3 and all(n > 0 for n in points), points
        browser.screenshot("metrics-rehearsal.png")
    finally:
        server.stop()


DRAG = """
var tile = document.querySelector(arguments[0]), slot = document.querySelector(arguments[1]);
var dt = new DataTransfer();
function fire(el, type) {
  el.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
}
fire(tile, "dragstart"); fire(slot, "dragenter"); fire(slot, "dragover");
fire(slot, "drop"); fire(tile, "dragend");
"""


def test_dragging_a_tile_to_another_day_and_hour_rewrites_its_file(browser: Browser, tmp_path: Path) -> None:
    ws = open_workspace(copy_example(tmp_path / "ws"))
    app = create_app(ws, now=lambda: NOW, watch=False)
    server = start_background(app)
    teaser = ws.content_dir / "2026-12-01-teaser.md"
    original = teaser.read_text("utf-8")
    try:
        # Month view: the Xiaohongshu tile (the item's own publish_at) dropped on 3 December.
        browser.go(f"{server.url}/?month=2026-12")
        tile = 'a.post.p-xiaohongshu[data-item="teaser"]'
        assert browser.run(f"return document.querySelector('{tile}').draggable") is True
        browser.run(DRAG, tile, '.day[data-date="2026-12-03"]')
        wait_for(lambda: "publish_at: 2026-12-03 12:00\n" in teaser.read_text("utf-8"), what="the moved line")
        wait_for(
            lambda: bool(browser.find_all(f'.day[data-date="2026-12-03"] {tile}')),
            what="the tile on its new day",
        )
        # The live region can show the moved tile before the page has followed the server's redirect to the
        # page that carries the confirmation: wait for that page.
        wait_for(lambda: bool(browser.find_all(".flash-ok")), what="the confirmation after the redirect")
        assert "已改为 2026-12-03 12:00" in browser.text(browser.find(".flash-ok"))
        assert teaser.read_text("utf-8") == original.replace(
            "publish_at: 2026-12-01 12:00", "publish_at: 2026-12-03 12:00"
        )
        browser.screenshot("calendar-after-drag.png")

        # Week view: the Douyin tile (its own publish_at override) dropped on 2 December at 9:00.
        browser.go(f"{server.url}/?week=2026-W49")
        douyin = 'a.post.p-douyin[data-item="teaser"]'
        browser.run(DRAG, douyin, '.slot[data-date="2026-12-02"][data-drop-hour="9"]')
        wait_for(
            lambda: "douyin: {publish_at: 2026-12-02 09:00," in teaser.read_text("utf-8"), what="the hour"
        )
        wait_for(
            lambda: bool(browser.find_all(f'.slot[data-date="2026-12-02"][data-drop-hour="9"] {douyin}')),
            what="the tile in its new hour",
        )
        browser.screenshot("calendar-week-hours.png")

        browser.go(f"{server.url}/?view=list&month=2026-12&platform=xiaohongshu")
        wait_for(
            lambda: browser.run(
                "return Array.from(document.images).every(function (i) { return i.complete; })"
            ),
            what="the thumbnails",
        )
        assert browser.run("return document.querySelector('img.thumb').naturalWidth") > 0
        browser.screenshot("calendar-list.png")

        # The new-post form writes an item and lands on its page with the check's results.
        browser.go(f"{server.url}/new")
        browser.type(browser.find('input[name="title"]'), "周报小技巧")
        browser.type(browser.find('textarea[name="body"]'), "三个小技巧，周五少加班。")
        browser.click(browser.find('input[name="platforms"][value="xiaohongshu"]'))
        browser.type(browser.find('input[name="publish_at"]'), "2026-12-21 12:00")
        browser.click(browser.find('input[name="images"][value="media/step1.png"]'))
        browser.screenshot("new-post-form.png")
        browser.click(browser.find('.newform button[type="submit"]'))
        wait_for(lambda: "/items/2026-12-21-" in browser.url, what="the new item's page")
        wait_for(lambda: bool(browser.find_all(".flash-ok")), what="its confirmation")
        assert "已写入 content/2026-12-21-" in browser.text(browser.find(".flash-ok"))
        browser.screenshot("new-post-written.png")

        # Phone width: the filters wrap, the month and the hour grid never scroll sideways.
        browser.size(390, 844)
        for query, shot in (
            ("month=2026-12&platform=douyin", "calendar-phone-filtered.png"),
            ("week=2026-W49", "week-phone.png"),
        ):
            browser.go(f"{server.url}/?{query}")
            wait_for(
                lambda: browser.run("return window.innerWidth") <= 400, timeout=15, what="the phone layout"
            )
            assert browser.run("return document.documentElement.scrollWidth <= window.innerWidth + 1")
            browser.screenshot(shot)
    finally:
        server.stop()


def test_the_new_post_form_checks_and_previews_as_you_type(browser: Browser, tmp_path: Path) -> None:
    from publisher.calendar.check import check_workspace

    ws = open_workspace(copy_example(tmp_path / "ws"))
    server = start_background(create_app(ws, now=lambda: NOW, watch=False))
    before = set(ws.content_dir.glob("*.md"))
    try:
        browser.go(f"{server.url}/new")
        browser.type(browser.find('input[name="title"]'), "全网最好用的周报工具")
        browser.click(browser.find('input[name="platforms"][value="xiaohongshu"]'))
        browser.click(browser.find('input[name="images"][value="media/step1.png"]'))
        browser.type(browser.find('textarea[name="body"]'), "三个小技巧，周五少加班。")
        # The check's message for the title, with its file and line, while nothing is written.
        wait_for(
            lambda: any(
                "title: " in m and "「全网最」" in m
                for m in browser.run(
                    "return Array.from(document.querySelectorAll('#live-check .check-messages li'))"
                    ".map(function (li) { return li.textContent; })"
                )
            ),
            timeout=20,
            what="the check's message about 全网最",
        )
        message = browser.text(browser.find("#live-check .check-messages li.sev-error"))
        assert message.startswith("content/") and ".md:" in message, message
        # The Xiaohongshu preview, rendered in its frame.
        wait_for(
            lambda: browser.run(
                "var f = document.querySelector("
                "'#live-check iframe[data-target=\"xiaohongshu:xiaohongshu\"]');"
                " return !!(f && f.contentDocument && f.contentDocument.body &&"
                " f.contentDocument.body.innerText.indexOf('三个小技巧') >= 0);"
            ),
            timeout=20,
            what="the Xiaohongshu preview of the draft",
        )
        assert set(ws.content_dir.glob("*.md")) == before
        browser.screenshot("new-post-live-check.png")

        # Rewritten: the message goes away, and the form writes a valid item.
        title = browser.find('input[name="title"]')
        browser.clear(title)
        browser.type(title, "周报小技巧")
        wait_for(
            lambda: bool(browser.find_all("#live-check .check-messages li.ok")),
            timeout=20,
            what="the check to pass",
        )
        assert not browser.console_errors()
        browser.screenshot("new-post-live-ok.png")
        browser.click(browser.find('.newform button[type="submit"]'))
        wait_for(lambda: "/items/" in browser.url, what="the new item's page")
    finally:
        server.stop()
    (written,) = set(ws.content_dir.glob("*.md")) - before
    result = check_workspace(open_workspace(ws.root))
    mine = next(c for c in result.checked if c.path == written.relative_to(ws.root).as_posix())
    assert mine.item is not None and not mine.errors
    assert mine.item.title == "周报小技巧" and mine.item.body.strip() == "三个小技巧，周五少加班。"
