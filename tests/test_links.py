"""Links per platform: UTM only where the reader can click, the address dropped where the text cannot link."""

from __future__ import annotations

import pytest
from tests.conftest import WS

from publisher.calendar.load import Calendar
from publisher.render.engine import campaign_slug

ITEM = """
---
id: 2026/冬日上新
title: 冬日
images: [media/a.png]
platforms:
  xiaohongshu: {}
  wechat: {cover: media/cover.png}
  weibo: {}
---
{body}
"""

LINKS = [
    # (platform, field, body markdown, expected substring of the rendered text)
    ("xiaohongshu", "body", "看 [官网](https://example.com/a) 了解", "看 官网 了解"),
    ("xiaohongshu", "body", "直接访问 https://example.com/a", "直接访问 https://example.com/a"),
    ("wechat", "content", "看 [官网](https://example.com/a) 了解", "https://example.com/a</"),
    (
        "weibo",
        "text",
        "看 [官网](https://example.com/a) 了解",
        "官网 (https://example.com/a?utm_source=weibo&utm_medium=social&utm_campaign=2026-",
    ),
]


@pytest.mark.parametrize(("platform", "name", "body", "expected"), LINKS)
def test_links_per_platform(ws: WS, platform: str, name: str, body: str, expected: str) -> None:
    ws.item("winter.md", ITEM.replace("{body}", body))
    calendar = Calendar(ws.open())
    (checked,), _ = calendar.scan()
    assert checked.item is not None
    target = next(t for t in checked.item.targets if t.platform == platform)
    fields, problems = calendar.renderer.render_text(checked.item, target)
    text = str(fields[name])
    assert expected in text, text
    if platform != "weibo":
        assert "utm_" not in text
    if platform == "xiaohongshu" and "[官网]" in body:
        (warning,) = [p for p in problems if p.severity == "warning" and "link" in p.message]
        assert "[官网](https://example.com/a)" in warning.message and warning.line == 10


def test_campaign_is_a_short_ascii_slug() -> None:
    assert campaign_slug("launch") == "launch"
    assert campaign_slug("2026/12/launch") == "2026-12-launch"
    slug = campaign_slug("冬日上新")
    assert slug.startswith("item-") and slug.isascii() and "%" not in slug
    assert campaign_slug("冬日上新") != campaign_slug("春日上新")
