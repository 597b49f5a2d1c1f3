"""Property tests over the dashboard's forms (in process): a dropped tile (`/calendar/move`) and the new-post
form (`/new`, `/new/check`) with any field values answer with a page or a message, never a server error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient
from support.inputs import AWKWARD_TEXT, PUBLISH_AT, with_tmp
from tests.test_web import BASE, NOW, ORIGIN, copy_example, csrf_of

from publisher.content.edit import text_digest
from publisher.web import create_app
from publisher.workspace.settings import Workspace, open_workspace

ITEMS = ["teaser", "launch-day", "tutorial-3-steps"]
FILES = {"teaser": "2026-12-01-teaser.md", "launch-day": "2026-12-02-launch-day.md"}
LOCAL_TIMES = st.builds(
    "{:04d}-{:02d}-{:02d} {:02d}:{:02d}".format,
    st.sampled_from([1, 2026, 9999]) | st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 24),
    st.integers(0, 60),
)


@pytest.fixture()
def site(tmp_path: Any) -> Iterator[tuple[TestClient, Workspace, str]]:
    ws = open_workspace(copy_example(tmp_path / "ws"))
    with TestClient(create_app(ws, now=lambda: NOW, watch=False), base_url=BASE) as client:
        page = client.get("/new")
        yield client, ws, csrf_of(page.text)


def _answered(response: Any) -> None:
    assert response.status_code in (200, 400), (response.status_code, response.text[:500])


@with_tmp(40)
@given(
    item=st.sampled_from(ITEMS) | AWKWARD_TEXT,
    key=st.sampled_from(["", "douyin", "xiaohongshu", "wechat"]) | AWKWARD_TEXT,
    digest=st.sampled_from(["real", ""]) | AWKWARD_TEXT,
    when=LOCAL_TIMES | PUBLISH_AT.map(str),
    after=st.sampled_from(["/?month=2026-12", "/queue", "//evil.example", "/\\x"]) | AWKWARD_TEXT,
    json=st.booleans(),
)
@example(item="teaser", key="douyin", digest="real", when="0001-01-01 00:00", after="/", json=False)
@example(item="teaser", key="douyin", digest="real", when="9999-12-31 23:59", after="/", json=True)
@example(item="teaser", key="[/bold]\n", digest="real", when="2026-12-03 18:00", after="/", json=False)
@example(item="teaser", key="", digest="real", when="None", after="/\n\n", json=False)
def test_any_drop_moves_the_post_or_says_why(
    site: tuple[TestClient, Workspace, str],
    item: str,
    key: str,
    digest: str,
    when: str,
    after: str,
    json: bool,
) -> None:
    client, ws, csrf = site
    if digest == "real":
        path = ws.content_dir / FILES.get(item, "2026-12-01-teaser.md")
        digest = text_digest(path.read_bytes())
    form = {"csrf": csrf, "item": item, "key": key, "digest": digest, "publish_at": when, "next": after}
    headers = {**ORIGIN, "accept": "application/json"} if json else ORIGIN
    response = client.post("/calendar/move", headers=headers, data=form)
    _answered(response)
    if json:
        answer = response.json()
        assert answer["location"].startswith("/") and not answer["location"].startswith("//")


@with_tmp(40)
@given(
    title=AWKWARD_TEXT,
    body=AWKWARD_TEXT,
    platforms=st.lists(
        st.sampled_from(["xiaohongshu", "wechat", "douyin", "小红书"]) | AWKWARD_TEXT, max_size=3
    ),
    when=st.just("") | LOCAL_TIMES | PUBLISH_AT.map(str),
    status=st.sampled_from(["draft", "ready"]) | AWKWARD_TEXT,
    images=st.lists(st.sampled_from(["media/teaser.png", "../publisher.toml"]) | AWKWARD_TEXT, max_size=2),
    check_only=st.booleans(),
)
@example(
    title="[/bold]\u202e", body="", platforms=["wechat"], when="", status="ready", images=[], check_only=False
)
@example(
    title="x" * 5000,
    body="",
    platforms=["wechat"],
    when="9999-12-31 23:59",
    status="",
    images=[],
    check_only=False,
)
def test_any_new_post_form_writes_an_item_or_lists_its_problems(
    site: tuple[TestClient, Workspace, str],
    title: str,
    body: str,
    platforms: list[str],
    when: str,
    status: str,
    images: list[str],
    check_only: bool,
) -> None:
    client, ws, csrf = site
    before = set(ws.content_dir.glob("*.md"))
    fields = {
        "csrf": csrf,
        "title": title,
        "body": body,
        "platforms": platforms,
        "publish_at": when,
        "status": status,
        "images": images,
    }
    if check_only:
        answer = client.post("/new/check", headers=ORIGIN, data=fields)
        assert answer.status_code == 200 and isinstance(answer.json()["problems"], list)
        assert set(ws.content_dir.glob("*.md")) == before
        return
    response = client.post("/new", headers=ORIGIN, data=fields)
    _answered(response)
    written = set(ws.content_dir.glob("*.md")) - before
    if response.status_code == 400:
        assert not written
    else:
        assert len(written) == 1 and re.search(r"/items/", str(response.url))


QUERY_VALUES = (
    AWKWARD_TEXT
    | LOCAL_TIMES
    | st.sampled_from(["2026-12", "9999-12", "0000-00", "2026-W49", "2026-W99", "0001-W01", "9999-W52", "1"])
    | st.sampled_from(["daily", "weekly", "engagement", "campaign", "md", "html", "csv", "xlsx", "json"])
    | st.sampled_from(
        ["last_7_days", "2026-12-01", "9999-12-31", "0001-01-01", "teaser", "xiaohongshu:xiaohongshu"]
    )
)
PAGES = st.sampled_from(
    [
        "/",
        "/queue",
        "/calendar.ics",
        "/metrics",
        "/metrics/view",
        "/metrics/download",
        "/new",
        "/items/",
        "/thumb/",
    ]
    + ["/preview/", "/items/teaser", "/preview/teaser"]
)
KEYS = st.sampled_from(
    [
        "month",
        "week",
        "day",
        "view",
        "platform",
        "account",
        "state",
        "kind",
        "format",
        "period",
        "data",
        "target",
    ]
    + ["flash", "fragment", "lang", "q"]
)


@with_tmp(60)
@given(
    page=PAGES,
    tail=st.just("") | AWKWARD_TEXT.map(lambda t: t.replace("?", "_").replace("#", "_")),
    query=st.dictionaries(KEYS, QUERY_VALUES, max_size=4),
)
@example(page="/", tail="", query={"month": "9999-12"})
@example(page="/", tail="", query={"week": "9999-W52"})
@example(page="/metrics/view", tail="", query={"kind": "weekly", "period": "9999-W52"})
def test_any_page_address_answers_without_a_server_error(
    site: tuple[TestClient, Workspace, str], page: str, tail: str, query: dict[str, str]
) -> None:
    client, _ws, _csrf = site
    if not page.endswith("/"):
        tail = ""
    response = client.get(page + quote(tail), params=query)
    assert response.status_code < 500, (page, tail, query, response.text[:300])


def test_the_same_draft_sent_twice_at_one_instant_is_refused_not_overwritten(
    site: tuple[TestClient, Workspace, str],
) -> None:
    client, ws, csrf = site
    fields = {
        "csrf": csrf,
        "title": "twice",
        "body": "b",
        "platforms": ["xiaohongshu", "wechat"],
        "images": ["media/teaser.png"],
        "status": "draft",
    }
    assert client.post("/new", headers=ORIGIN, data=fields).status_code == 200  # the clock stands still
    before = {p: p.read_bytes() for p in ws.content_dir.glob("*.md")}
    again = client.post("/new", headers=ORIGIN, data=fields)
    assert again.status_code == 400 and "content/" in again.text
    assert {p: p.read_bytes() for p in ws.content_dir.glob("*.md")} == before
