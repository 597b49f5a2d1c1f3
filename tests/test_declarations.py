"""Origin declarations (`declare:`): validated per platform from platform.yaml, the visible label added by the
renderer, the declaration carried in the payload and written into a pack's checklist."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import WS

from publisher.adapters.assisted import checklist
from publisher.calendar.check import check_workspace
from publisher.calendar.load import Calendar

ITEM = """
---
id: note
title: 三步搞定周报
publish_at: 2026-12-01 12:00
images: [media/a.png]
{declare}
platforms:
  xiaohongshu: {{}}
  wechat: {{author: 运营, digest: "一篇讲清楚", cover: media/cover.png}}
---
正文。
"""


def _problems(ws: WS, declare: str) -> list[str]:
    ws.item("note.md", ITEM.format(declare=declare))
    return [p.format() for p in check_workspace(ws.open()).problems if p.severity == "error"]


def test_unknown_declaration_and_repost_without_source_are_errors_on_the_declare_line(ws: WS) -> None:
    (bad,) = _problems(ws, "declare: ai")
    assert bad.startswith("content/note.md:6: declare: declare must be one of original, repost, ai_generated")
    missing = _problems(ws, "declare: repost")
    assert any(m.startswith("content/note.md:6: declare: a repost must name its source") for m in missing)


def test_declarations_are_validated_per_platform(ws: WS) -> None:
    # 小红书 has no repost declaration; the WeChat article does (转载 with its source URL).
    errors = _problems(ws, "declare: repost\nsource: https://example.com/original")
    assert errors == [
        "content/note.md:6: declare: [xiaohongshu] 小红书 has no `repost` declaration (it supports: "
        "original, ai_generated, ai_assisted) (hint: set `declare:` under "
        "`platforms: {xiaohongshu: ...}` to one it supports, or see platforms/xiaohongshu/platform.yaml)"
    ]
    (checked,) = check_workspace(ws.open()).checked
    assert {p for p, _ in checked.valid_targets} == {"wechat"}


def test_ai_content_gets_each_platforms_visible_label_and_the_payload_carries_the_declaration(ws: WS) -> None:
    path = ws.item("note.md", ITEM.format(declare="declare: ai_assisted"))
    calendar = Calendar(ws.open())
    checked = calendar.check_file(path)
    assert checked.item is not None and not checked.errors
    posts = {}
    for target in checked.item.targets:
        post, problems = calendar.renderer.render(checked.item, target, process_media=False)
        assert post is not None, problems
        posts[target.platform] = post
    xhs, wx = posts["xiaohongshu"], posts["wechat"]
    assert xhs.fields["body"].endswith("\n\n（本笔记由 AI 辅助创作）")
    assert wx.fields["content"].endswith("本文由 AI 辅助创作</p>")
    assert xhs.fields["declaration"] == wx.fields["declaration"] == "ai_assisted"
    # No API field for it: the person publishing from the pack is told what to tick.
    steps = checklist(xhs, "note", ["1.jpg"], datetime(2026, 11, 30, tzinfo=UTC), 7)
    assert (
        "发布前声明 (declare before publishing: ai_assisted): app: 「内容类型声明」选「笔记含AI合成内容」"
        in steps
    )


def test_an_original_item_has_no_label_and_a_per_platform_declaration_overrides(ws: WS) -> None:
    text = ITEM.format(declare="declare: original").replace(
        "xiaohongshu: {}", "xiaohongshu: {declare: ai_generated}"
    )
    path = ws.item("note.md", text)
    calendar = Calendar(ws.open())
    checked = calendar.check_file(path)
    assert checked.item is not None and not checked.errors, checked.problems
    by = {t.platform: t for t in checked.item.targets}
    xhs, _ = calendar.renderer.render(checked.item, by["xiaohongshu"], process_media=False)
    wx, _ = calendar.renderer.render(checked.item, by["wechat"], process_media=False)
    assert xhs is not None and wx is not None
    assert xhs.fields["body"].endswith("（本笔记含 AI 合成内容）") and "AI" not in wx.fields["content"]
    assert wx.fields["declaration"] == "original"
