"""One platform's problem holds only that platform's post: the others are queued. Only a problem of the item
itself (its title, its publish_at, its status) holds every post."""

from __future__ import annotations

import json

import pytest
from tests.conftest import WS
from tests.test_check import GOOD
from tests.test_cli import cli

FUTURE = GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00").replace("2026-12-02 00:01", "2030-01-02 00:01")
WECHAT = 'wechat: {author: 运营小王, digest: "一篇讲清楚", cover: media/cover.png}'


@pytest.mark.parametrize(
    ("text", "held", "named"),
    [
        (  # a missing Douyin video
            FUTURE.replace(
                'douyin: {caption: "30 秒看懂"}', 'douyin: {caption: "30 秒看懂", video: media/nope.mp4}'
            ),
            {"douyin"},
            "media/nope.mp4",
        ),
        (FUTURE.replace("  producthunt:", "  wechats: {}\n  producthunt:"), set(), "wechats"),  # misspelt
        (FUTURE.replace(WECHAT, WECHAT.replace("cover.png", "covr.png")), {"wechat"}, "media/covr.png"),
    ],
    ids=["missing-douyin-video", "misspelt-platform", "one-platforms-image-typo"],
)
def test_one_platforms_problem_holds_only_its_post(ws: WS, text: str, held: set[str], named: str) -> None:
    ws.item("launch.md", text)
    checked = cli("check", "--workspace", str(ws.root))
    assert checked.returncode == 1 and named in checked.stderr
    assert cli("sync", "--workspace", str(ws.root)).returncode == 0
    posts = json.loads(cli("status", "--json", "--workspace", str(ws.root)).stdout)["posts"]
    states = {p["platform"]: p["state"] for p in posts}
    assert states == {
        p: "held" if p in held else "queued" for p in ("xiaohongshu", "douyin", "wechat", "producthunt")
    }
    for p in posts:
        if p["platform"] in held:
            assert named in p["reason"], p  # the reason shows in `status`
    shown = cli("status", "--workspace", str(ws.root)).stdout
    assert all(named in shown for _ in held)


def test_a_problem_of_the_item_itself_holds_every_post(ws: WS) -> None:
    ws.item("launch.md", FUTURE.replace("title: 效率神器上线｜3 步搞定周报\n", ""))
    assert cli("sync", "--workspace", str(ws.root)).returncode == 0
    posts = json.loads(cli("status", "--json", "--workspace", str(ws.root)).stdout)["posts"]
    assert posts and {p["state"] for p in posts} == {"held"}
