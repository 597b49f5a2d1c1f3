"""The MCP server through the SDK's own stdio client: tools and schemas, each publish tool, reads,
bad inputs."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

import publisher
from publisher.calendar.load import Calendar
from publisher.daemon.service import run_once
from publisher.mcp.html import html_to_markdown
from publisher.queue.overview import post_views
from publisher.render.markdown import find_raw_html, md_to_html
from publisher.store.db import store_for
from publisher.workspace.settings import DEFAULTS_DIR, open_workspace

REPO = Path(__file__).resolve().parents[1]
PUBLISH_TOOLS = {"publish_to_xiaohongshu", "publish_to_douyin", "publish_to_wechat", "batch_publish"}
READ_TOOLS = {"list_scheduled", "get_post_status", "get_metrics"}
ALL_TOOLS = PUBLISH_TOOLS | READ_TOOLS | {"resolve_post", "export_report"}
#: a publish time in 30 days, in the workspace zone (the tests must not depend on today's date)
LATER = f"{datetime.now(ZoneInfo('Asia/Shanghai')) + timedelta(days=30):%Y-%m-%d %H:%M}"
Session = Callable[[ClientSession], Awaitable[None]]


def serve(root: Path, body: Session, errlog: Path) -> None:
    """Start `python -m publisher.mcp.server --workspace root` and run `body` against it over stdio."""

    async def main() -> None:
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "publisher", "mcp", "--workspace", str(root)],
            env={"PYTHONPATH": str(REPO / "src")},
            cwd=str(root),
        )
        with errlog.open("w", encoding="utf-8") as err, anyio.fail_after(60):
            async with (
                stdio_client(params, errlog=err) as (read, write),
                ClientSession(read, write) as session,
            ):
                info = await session.initialize()
                assert info.server_info.name == "social-media-publisher"
                assert info.server_info.version == publisher.__version__
                await body(session)

    anyio.run(main)


async def call(session: ClientSession, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await session.call_tool(name, args)
    assert not result.is_error, result.content[0].text  # type: ignore[union-attr]
    assert result.structured_content is not None
    return result.structured_content


async def error(session: ClientSession, name: str, args: dict[str, Any]) -> str:
    result = await session.call_tool(name, args)
    assert result.is_error, f"{name} should have failed: {result.structured_content}"
    return result.content[0].text  # type: ignore[union-attr]


def content_files(root: Path) -> set[str]:
    return {p.name for p in (root / "content").glob("*.md")} | {p.name for p in (root / "content").glob(".*")}


@pytest.fixture
def root(ws: Any) -> Path:
    """The shared test workspace plus a video, with 小红书 in assisted mode (a person posts and confirms)."""
    shutil.copyfile(REPO / "content" / "media" / "launch.mp4", ws.root / "content" / "media" / "launch.mp4")
    toml = ws.root / "publisher.toml"
    toml.write_text(
        toml.read_text().replace(
            'platform = "xiaohongshu"\n', 'platform = "xiaohongshu"\nmode = "assisted"\n'
        ),
        encoding="utf-8",
    )
    return ws.root


def test_tools_schemas_carry_the_workspace_limits_and_bad_inputs_are_tool_errors(
    root: Path, tmp_path: Path
) -> None:
    # The workspace's own rules: a stricter 小红书 title limit must show in the schema and be enforced.
    own = root / "platforms" / "xiaohongshu"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "xiaohongshu", own)
    rules = own / "platform.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "title: {required: true, max: 20,", "title: {required: true, max: 15,"
        ),
        encoding="utf-8",
    )
    before = content_files(root)

    async def body(s: ClientSession) -> None:
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert set(tools) == ALL_TOOLS
        for name in PUBLISH_TOOLS:
            t = tools[name]
            assert (
                t.annotations
                and t.annotations.destructive_hint is True
                and t.annotations.idempotent_hint is False
            )
            props = t.input_schema["properties"]
            assert {"publish_at", "dry_run", "idempotency_key"} <= set(props)
            assert all(p.get("description") for p in props.values())
        for name in READ_TOOLS:
            assert tools[name].annotations.read_only_hint is True  # type: ignore[union-attr]
        xhs = tools["publish_to_xiaohongshu"].input_schema
        assert list(xhs["required"]) == ["title", "body", "images"]
        assert "At most 15" in xhs["properties"]["title"]["description"]
        assert "18 images" in xhs["properties"]["images"]["description"]
        assert "at most 10 tags" in xhs["properties"]["tags"]["description"]
        wx = tools["publish_to_wechat"].input_schema["properties"]
        assert "At most 32" in wx["title"]["description"] and "At most 16" in wx["author"]["description"]
        assert "At most 128" in wx["digest"]["description"] and "HTML" in wx["body"]["description"]
        assert (
            "at most 5 tags" in tools["publish_to_douyin"].input_schema["properties"]["tags"]["description"]
        )
        batch = json.dumps(tools["batch_publish"].input_schema, ensure_ascii=False)
        assert "xiaohongshu" in batch and "douyin" in batch and "wechat" in batch and "At most 32" in batch

        img = ["content/media/a.png"]
        text = await error(
            s,
            "publish_to_xiaohongshu",
            {"title": "一二三四五六七八九十一二三四五六", "body": "x", "images": img},
        )
        assert "title: 标题超出小红书上限 15 字" in text  # the workspace's language (zh) words the check
        text = await error(s, "publish_to_xiaohongshu", {"title": "t", "body": "x", "images": img * 19})
        assert "images" in text and "最多 18 张" in text
        text = await error(
            s,
            "publish_to_xiaohongshu",
            {"title": "t", "body": "x", "images": img, "tags": [f"t{i}" for i in range(11)]},
        )
        assert "tags" in text and "最多 10 个" in text
        text = await error(s, "publish_to_wechat", {"title": "标" * 33, "body": "<p>x</p>"})
        assert "title: 标题超出微信公众号上限 32 字：当前 33 字" in text
        text = await error(s, "publish_to_wechat", {"title": "t", "body": "<p>x</p>", "author": "作" * 17})
        assert "author: 作者超出微信公众号上限 16 字：当前 17 字" in text
        text = await error(s, "batch_publish", {"platforms": [{"platform": "producthunt", "title": "x"}]})
        assert "platform" in text and "producthunt" in text
        text = await error(
            s,
            "batch_publish",
            {
                "platforms": [
                    {"platform": "xiaohongshu", "title": "t", "body": "x", "images": img},
                    {"platform": "xiaohongshu", "title": "u", "body": "y", "images": img},
                ]
            },
        )
        assert "platforms[1].platform" in text and "出现了两次" in text
        text = await error(s, "publish_to_xiaohongshu", {"title": 5, "body": "x", "images": img})
        assert "title" in text
        for url, why in (
            ("https://127.0.0.1/a.png", "回环地址"),  # the refusal in the workspace's language
            ("https://169.254.169.254/latest", "链路本地地址"),
            ("https://[::1]/a.png", "回环地址"),
            ("http://example.com/a.png", "只下载 https 链接"),
            ("https://10.0.0.1:8443/a.png", "端口 443"),
        ):
            text = await error(s, "publish_to_xiaohongshu", {"title": "t", "body": "x", "images": [url]})
            assert "images[0]" in text and why in text, text
        text = await error(
            s, "publish_to_xiaohongshu", {"title": "t", "body": "x", "images": ["../../etc/passwd"]}
        )
        assert "images[0]" in text and "在工作区之外" in text
        for odd in ("content/media/a.png\x00.txt", "content/media/\na.png"):
            text = await error(s, "publish_to_xiaohongshu", {"title": "t", "body": "x", "images": [odd]})
            assert "images[0]" in text and "控制字符" in text, text
        text = await error(s, "publish_to_douyin", {"video_url": "media/missing.mp4", "caption": "c"})
        assert "video_url" in text and "不存在" in text
        text = await error(
            s,
            "publish_to_xiaohongshu",
            {"title": "t", "body": "x", "images": img, "publish_at": "2020-01-01 08:00"},
        )
        assert "publish_at" in text and "已经过去" in text
        text = await error(s, "get_post_status", {})
        assert "post_id" in text
        text = await error(s, "get_post_status", {"post_id": 999})
        assert "没有编号为 999 的帖子" in text
        # After all that, the server still serves.
        assert len((await s.list_tools()).tools) == len(ALL_TOOLS)
        dry = await call(
            s, "publish_to_xiaohongshu", {"title": "还在", "body": "x", "images": img, "dry_run": True}
        )
        assert dry["dry_run"] is True

    serve(root, body, tmp_path / "stderr.txt")
    assert content_files(root) == before  # nothing was written by any refused call (nor by the dry run)
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text(encoding="utf-8")


def test_the_tools_own_checks_speak_english_when_the_workspace_says_so(root: Path, tmp_path: Path) -> None:
    toml = root / "publisher.toml"
    text = toml.read_text(encoding="utf-8").replace("[workspace]\n", '[workspace]\nlanguage = "en"\n', 1)
    toml.write_text(text, encoding="utf-8")
    img = ["content/media/a.png"]

    async def body(s: ClientSession) -> None:
        text = await error(s, "publish_to_xiaohongshu", {"title": "t", "body": "x", "images": img * 19})
        assert "images: 19 images;" in text and "allows at most 18" in text and "最多" not in text
        text = await error(s, "get_post_status", {"post_id": 999})
        assert text.endswith("post_id: no post 999")
        text = await error(
            s, "publish_to_xiaohongshu", {"title": "t", "body": "x", "images": ["../../etc/passwd"]}
        )
        assert "images[0]" in text and "outside the workspace" in text

    serve(root, body, tmp_path / "mcp.log")


def test_publish_tools_write_items_queue_posts_and_read_back(root: Path, tmp_path: Path) -> None:
    receipts: dict[str, dict[str, Any]] = {}

    async def body(s: ClientSession) -> None:
        img = ["content/media/a.png", "media/b.png"]
        dry = await call(
            s,
            "publish_to_xiaohongshu",
            {
                "title": "三步搞定周报",
                "body": "第一行\n第二行 😀",
                "images": img,
                "tags": ["#效率", "AI"],
                "dry_run": True,
            },
        )
        assert dry["posts"] == [] and not (root / dry["path"]).exists()
        request = dry["requests"][0]
        assert request["platform"] == "xiaohongshu" and request["fields"]["title"] == "三步搞定周报"
        assert request["fields"]["body"].endswith("#效率 #AI\n\n（本笔记含 AI 合成内容）")
        assert request["fields"]["declaration"] == "ai_generated" and len(request["media"]) == 2
        assert Path(dry["previews"]["index"]).is_file()

        first = await call(
            s,
            "publish_to_xiaohongshu",
            {
                "title": "三步搞定周报",
                "body": "第一行\n第二行 😀",
                "images": img,
                "tags": ["#效率", "AI"],
                "idempotency_key": "run-1",
            },
        )
        again = await call(
            s,
            "publish_to_xiaohongshu",
            {
                "title": "三步搞定周报",
                "body": "第一行\n第二行 😀",
                "images": img,
                "tags": ["#效率", "AI"],
                "idempotency_key": "run-1",
            },
        )
        assert again["replayed"] is True and {**again, "replayed": False} == first
        reused = await error(
            s,
            "publish_to_xiaohongshu",
            {"title": "另一篇", "body": "别的内容", "images": img, "idempotency_key": "run-1"},
        )
        assert "idempotency_key 'run-1' 已用于另一个请求" in reused
        receipts["xhs"] = first
        receipts["douyin"] = await call(
            s,
            "publish_to_douyin",
            {
                "video_url": "content/media/launch.mp4",
                "caption": "30 秒看懂：周报 3 步写完",
                "tags": ["效率工具"],
                "publish_at": LATER,
            },
        )
        receipts["wechat"] = await call(
            s,
            "publish_to_wechat",
            {
                "title": "我们为什么把周报做成 3 步",
                "declare": "ai_assisted",
                "author": "阿杰",
                "digest": "设计笔记",
                "body": '<h2 onclick="steal()">一、时间花在哪</h2><p>写周报最耗时的是<b>回忆</b>。'
                '<script>alert(1)</script><a href="https://example.com/docs">文档</a></p>'
                '<img src="content/media/cover.png" onerror="alert(1)" alt="封面">'
                '<ul><li>回忆</li><li>找证据</li></ul><p><a href="javascript:alert(1)">点我</a></p>',
            },
        )
        # Written by an assistant: AI-generated unless the caller says otherwise.
        assert "declare: ai_generated\n" in (root / receipts["xhs"]["path"]).read_text(encoding="utf-8")
        assert "declare: ai_assisted\n" in (root / receipts["wechat"]["path"]).read_text(encoding="utf-8")
        receipts["batch"] = await call(
            s,
            "batch_publish",
            {
                "platforms": [
                    {
                        "platform": "xiaohongshu",
                        "title": "批量笔记",
                        "body": "一次发三个平台",
                        "images": ["media/a.png"],
                    },
                    {"platform": "douyin", "video_url": "media/launch.mp4", "caption": "一次发三个平台"},
                    {"platform": "wechat", "title": "批量文章", "body": "<p>正文</p>", "author": "运营"},
                ],
                "publish_at": LATER,
            },
        )

        listed = await call(s, "list_scheduled", {"days": 60})
        assert {p["post_id"] for p in listed["posts"]} >= {
            p["post_id"] for r in receipts.values() for p in r["posts"]
        }
        # The daemon sends what is due (here: run once in this process, against the same database).
        ws = open_workspace(root)
        await anyio.to_thread.run_sync(lambda: run_once(ws, store_for(ws)))
        xhs_post = receipts["xhs"]["posts"][0]["post_id"]
        status = await call(s, "get_post_status", {"post_id": xhs_post})
        assert status["posts"][0]["state"] == "awaiting_manual" and status["posts"][0]["attempts"]
        text = await error(
            s, "resolve_post", {"post_id": receipts["douyin"]["posts"][0]["post_id"], "not_published": True}
        )
        assert "当前为“排队中”" in text and "resolve 只适用于" in text
        resolved = await call(
            s,
            "resolve_post",
            {"post_id": xhs_post, "published_url": "https://www.xiaohongshu.com/explore/abc"},
        )
        assert resolved["state"] == "published"
        status = await call(s, "get_post_status", {"item_id": receipts["xhs"]["item_id"]})
        assert status["posts"][0]["url"] == "https://www.xiaohongshu.com/explore/abc"
        metrics = await call(s, "get_metrics", {"post_id": xhs_post})
        assert metrics["posts"][0]["metrics"] == {}
        report = await call(s, "export_report", {"kind": "weekly", "format": "md", "period": "this_week"})
        assert Path(report["path"]).is_file() and report["path"].startswith(str(root / "reports"))

    serve(root, body, tmp_path / "stderr.txt")

    ws = open_workspace(root)
    calendar = Calendar(ws)
    rows = {p.id: p for p in post_views(store_for(ws))}
    for name, receipt in receipts.items():
        checked = calendar.check_file(root / receipt["path"])
        assert checked.item is not None and not checked.errors, (name, checked.problems)
        assert checked.item.id == receipt["item_id"] and checked.item.status == "ready"
        for p in receipt["posts"]:
            assert rows[p["post_id"]].item == receipt["item_id"]
            assert p["state"] == "queued"
        assert all(Path(path).is_file() for path in receipt["previews"].values())
    xhs = calendar.check_file(root / receipts["xhs"]["path"]).item
    assert xhs.fields["tags"] == ["效率", "AI"] and xhs.fields["images"] == ["media/a.png", "media/b.png"]
    assert xhs.body == "第一行\n第二行 😀\n" and xhs.fields["platforms"] == {"xiaohongshu": {}}
    assert len([f for f in (root / "content").glob("*xiaohongshu*.md")]) == 2  # the replay created nothing
    douyin = calendar.check_file(root / receipts["douyin"]["path"]).item
    assert douyin.fields["platforms"]["douyin"]["video"] == "media/launch.mp4"
    assert str(douyin.fields["publish_at"]) == LATER
    wechat_file = (root / receipts["wechat"]["path"]).read_text(encoding="utf-8")
    for bad in ("<script", "alert", "onclick", "onerror", "javascript:", "steal"):
        assert bad not in wechat_file
    wechat = calendar.check_file(root / receipts["wechat"]["path"]).item
    assert "## 一、时间花在哪" in wechat.body and "**回忆**" in wechat.body
    assert "[文档](https://example.com/docs)" in wechat.body and "- 找证据" in wechat.body
    assert wechat.fields["platforms"]["wechat"] == {
        "author": "阿杰",
        "digest": "设计笔记",
        "cover": "media/cover.png",
    }
    batch = calendar.check_file(root / receipts["batch"]["path"]).item
    assert {t.platform for t in batch.targets} == {"xiaohongshu", "douyin", "wechat"}
    assert (
        len(receipts["batch"]["posts"]) == 3 and len({p["post_id"] for p in receipts["batch"]["posts"]}) == 3
    )


# -- the HTML to Markdown conversion, in process ------------------------------------------------------------


def test_wechat_html_becomes_markdown_without_anything_executable() -> None:
    html = (
        '<h1>标题</h1><p style="color:red" onmouseover="x()">A <strong>b</strong> <em>c</em> <del>d</del> '
        "<code>x*y</code> {{ secret }} 1*2 &lt;tag&gt;</p>"
        '<ol start="2"><li>two</li><li>three<ul><li>n</li></ul>'
        "</li></ol><blockquote><p>q1</p><p>q2</p></blockquote><pre><code>if a &lt; b:\n    - go</code></pre>"
        "<table><tr><th>k</th><th>v</th></tr><tr><td>1</td><td>2</td></tr></table><hr>"
        '<p>- not a list<br>next</p><svg><script>alert(1)</script></svg><iframe src="https://x"></iframe>'
        '<img src="javascript:alert(1)"><a href="vbscript:x">v</a>'
    )
    md = html_to_markdown(html)
    assert md.startswith("# 标题\n")
    assert "A **b** *c* ~~d~~ `x*y` \\{\\{ secret \\}\\} 1\\*2 \\<tag\\>" in md
    assert "2. two\n3. three\n\n   - n" in md
    assert "> q1\n>\n> q2" in md and "```\nif a < b:\n    - go\n```" in md
    assert "| k | v |\n| --- | --- |\n| 1 | 2 |" in md and "\n---\n" in md and "\\- not a list  \nnext" in md
    for bad in ("alert", "script", "iframe", "javascript", "vbscript", "style", "onmouseover"):
        assert bad not in md
    assert find_raw_html(md) == []  # nothing the WeChat checker would refuse or show as text
    rendered = md_to_html(md)
    assert "<strong>b</strong>" in rendered and "{{ secret }}" in rendered and "<table>" in rendered


def test_wechat_html_images_are_mapped_and_destinations_stay_in_their_brackets() -> None:
    md = html_to_markdown(
        '<p><img src="https://cdn.example.com/a b).png" alt="x]y"><a href="https://e.com/(x)">l</a></p>',
        image_src=lambda src: "media/mcp/abc.png" if "cdn" in src else src,
    )
    assert "![x\\]y](media/mcp/abc.png)" in md and "[l](<https://e.com/(x)>)" in md
