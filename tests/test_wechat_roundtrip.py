"""Code survives WeChat: an article rendered from a workspace item goes through the adapter to the fake's
draft/add, comes back from draft/get (the fake normalises whitespace as WeChat does when it stores a draft),
and its code still has one line per source line with the indentation kept."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import httpx
from tests.conftest import WS
from tests.test_adapter_wechat import APPID, SECRET, Sandbox, attempt, make_adapter, run

from publisher.calendar.load import Calendar
from publisher.models import RenderedPost

CODE = """\
def walk(tree):
    for node in tree:
        if node:  # 注释，带中文标点
            yield node

    return None"""

ITEM = f"""
---
id: code-article
title: 遍历一棵树
publish_at: 2026-12-01 12:00
platforms:
  wechat: {{author: 运营小王, digest: 代码示例, cover: media/cover.png}}
---
下面是代码：

```python
{CODE}
```

完。
"""


def _rendered(ws: WS) -> RenderedPost:
    ws.item("code-article.md", ITEM)
    calendar = Calendar(ws.open())
    checked, _ = calendar.scan()
    (item,) = [c.item for c in checked if c.item is not None]
    (target,) = item.targets
    post, problems = calendar.renderer.render(item, target, process_media=True)
    assert post is not None, [p.format() for p in problems]
    return post


def _stored_content(post: RenderedPost) -> str:
    """Publish `post` as a draft to the fake and read the article back with draft/get."""

    async def scenario() -> str:
        sb = Sandbox()
        adapter, rec = make_adapter(sb, verified=False)  # unverified: the draft is where it stops
        await adapter.publish(post, attempt(sb))
        async with httpx.AsyncClient(transport=sb.asgi, base_url="http://sandbox/wx") as client:
            token = (
                await client.post(
                    "/cgi-bin/stable_token",
                    json={"grant_type": "client_credential", "appid": APPID, "secret": SECRET},
                )
            ).json()["access_token"]
            answer: dict[str, Any] = (
                await client.post(
                    f"/cgi-bin/draft/get?access_token={token}", json={"media_id": rec.ids["draft_media_id"]}
                )
            ).json()
        return str(answer["news_item"][0]["content"])

    return run(scenario())


def _code_lines(html: str) -> list[str]:
    """The lines of the first code block as a reader sees them (tags dropped, &nbsp; as a space)."""
    found = re.search(r"<pre[^>]*>(.*?)</pre>", html, re.S)
    assert found, html
    return [
        re.sub(r"<[^>]+>", "", line).replace("&nbsp;", " ").replace("&amp;", "&")
        for line in re.split(r"<br\s*/?>", found.group(1))
    ]


def test_code_comes_back_from_the_draft_box_line_for_line(ws: WS) -> None:
    post = _rendered(ws)
    stored = _stored_content(post)
    lines = _code_lines(stored)
    assert lines == CODE.split("\n")  # every line separate, every leading space kept, the blank line too
    assert stored.count("<br>") >= len(CODE.split("\n")) - 1


def test_code_that_relies_on_raw_whitespace_collapses_in_the_draft_box(ws: WS) -> None:
    """The same trip sees the collapse when code carries its lines as raw newlines: the test can fail."""
    post = _rendered(ws)
    raw = "<pre><code>" + CODE.replace("&", "&amp;").replace("<", "&lt;") + "</code></pre>"
    content = re.sub(r"<pre[^>]*>.*?</pre>", lambda _: raw, post.fields["content"], flags=re.S)
    stored = _stored_content(replace(post, fields={**post.fields, "content": content}))
    lines = _code_lines(stored)
    assert len(lines) == 1 and "    " not in lines[0]  # one line, the indentation gone
