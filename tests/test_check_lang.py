"""`publisher check` speaks Chinese by default and English with `--lang en` (or `language = "en"`): every
finding has a stable code and one catalogue entry (`publisher.messages`) with both texts."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping

from tests.conftest import WS
from tests.test_cli import cli

from publisher.calendar.check import check_workspace
from publisher.messages import CHECK, msg


def findings(ws: WS, lang: str) -> dict[str, dict[str, object]]:
    data = check_workspace(ws.open()).to_dict(lang)
    return {p["code"]: p for p in data["errors"] + data["warnings"]}


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    fields = string.Formatter()
    for code, entry in CHECK.items():
        assert set(entry) == {"zh", "en"}, code
        names = [{f for _, f, _, _ in fields.parse(entry[lang]) if f} for lang in ("zh", "en")]
        assert names[0] == names[1], code


def posts_called_items(table: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The codes of `table` whose English speaks of posts and of no item (nor a blog's posts, which `import`
    turns into items) and whose Chinese still says 内容 (an item) for them."""
    return [
        code
        for code, entry in table.items()
        if _POSTS.search(entry["en"]) and not _ITEMS.search(entry["en"]) and "内容" in entry["zh"]
    ]


_POSTS = re.compile(r"\bposts?\b|\bpost\(s\)")
_ITEMS = re.compile(r"\bitems?\b|\bblog")


def test_a_post_is_a_tiezi_and_an_item_is_neirong_in_chinese() -> None:
    """Two words for two things: an item (a Markdown file in content/) is 内容, as `publisher check` counts
    them (5 条内容), and a post (one item on one platform account, the id `publisher status` shows) is
    帖子. An entry whose English speaks of posts and of no item says 帖子 for them, never 内容."""
    from publisher.messages import reason

    assert posts_called_items(CHECK) == []
    assert "发布任务 #" not in CHECK["dup_published"]["zh"] and "帖子 #{id}" in CHECK["dup_published"]["zh"]
    assert msg("action.no_post", id=7).text("zh").startswith("没有编号为 7 的帖子")
    assert msg("action.no_item_posts", item="launch").text("zh") == "内容 launch 没有帖子"
    assert msg("ck_counts", items=5, warnings=0).text("zh").startswith("5 条内容")
    assert reason("wechat keeps 600 s between posts", "zh") == "wechat 两条帖子之间至少间隔 600 秒"


def test_a_front_matter_error_in_chinese_by_default_and_english_on_request(ws: WS) -> None:
    ws.item("bad.md", "---\ntitle: x\nplatforms: [xiaohongshu]\nstatus: redy\n---\n正文\n")
    zh, en = findings(ws, "zh")["status_invalid"], findings(ws, "en")["status_invalid"]
    assert (
        (zh["path"], zh["line"], zh["field"])
        == (en["path"], en["line"], en["field"])
        == ("content/bad.md", 4, "status")
    )
    assert zh["message"] == "status 应为 draft、ready 之一，当前是“redy”"
    assert en["message"] == "status must be one of draft, ready, not 'redy'"
    assert (zh["hint"], en["hint"]) == ("是不是想写 `ready`？", "did you mean `ready`?")


def test_a_chinese_keyboard_mistake_is_explained_in_chinese(ws: WS) -> None:
    ws.item("colon.md", "---\ntitle：周报\nplatforms: [xiaohongshu]\n---\n正文\n")
    result = cli("check", "--json", "--workspace", str(ws.root))
    found = {p["code"]: p for p in json.loads(result.stdout)["errors"]}
    assert found["full_width_colon"]["line"] == 2 and found["full_width_colon"]["field"] == "title"
    assert found["full_width_colon"]["message"] == "用了中文冒号“：”，应为英文冒号 : 加一个空格"
    assert found["full_width_colon"]["hint"] == "写成 `title: ...`，并把输入法切换到英文标点"
    english = json.loads(cli("check", "--json", "--lang", "en", "--workspace", str(ws.root)).stdout)
    assert english["errors"][0]["message"] == "full-width colon ：— use : followed by a space"


def test_the_workspace_language_setting_gives_english(ws: WS) -> None:
    ws.item("bad.md", "---\ntitle: x\nplatforms: [wechatt]\n---\n正文\n")
    toml = ws.root / "publisher.toml"
    toml.write_text(toml.read_text("utf-8").replace("[workspace]", '[workspace]\nlanguage = "en"'), "utf-8")
    out = cli("check", "--workspace", str(ws.root))
    assert "unknown platform or account `wechatt`" in out.stderr.replace("\n", "")
    assert "error(s)" in out.stdout


def test_nested_messages_and_lists_are_worded_in_the_same_language() -> None:
    said = msg("unknown_field", key="tilte")
    assert said.text("zh") == "未知字段 `tilte`" and said.text("en") == "unknown field `tilte`"
    listed = msg("known_fields", names=["id", "title"])
    assert listed.text("zh") == "可用字段：id、title" and listed.text("en") == "known fields: id, title"
    assert (
        msg("past_due", when="12:00", platforms=["a"], what=msg("past_due.late", ends="14:00"))
        .text("zh")
        .endswith("14:00 之前 `publisher run` 仍会补发；之后变为“已错过”（missed）")
    )


def test_a_length_rule_says_the_limit_how_it_counts_and_how_much_to_cut(ws: WS) -> None:
    limit = ws.open().rules["xiaohongshu"].text["title"].max
    assert limit is not None
    ws.item(
        "long.md",
        f"---\ntitle: {'周' * (limit + 3)}\nimages: [media/a.png]\nplatforms: [xiaohongshu]\n---\n正文\n",
    )
    zh, en = findings(ws, "zh")["text_too_long"], findings(ws, "en")["text_too_long"]
    assert (
        (zh["line"], zh["field"], zh["platform"])
        == (en["line"], en["field"], en["platform"])
        == (2, "title", "xiaohongshu")
    )
    assert zh["message"] == (
        f"标题超出小红书上限 {limit} 字（按小红书规则：中文 1 字、英文/数字 2 个算 1 字、"
        f"表情 2 字，向上取整）：当前 {limit + 3} 字"
    )
    assert zh["hint"].startswith("请删去至少 3 字")
    assert en["message"].startswith(f"title is {limit + 3} (counted as 小红书 does")
    assert en["hint"].startswith("cut 3 or more")


def test_an_image_rule_in_both_languages(ws: WS) -> None:
    ws.item("bare.md", "---\ntitle: 周报\nplatforms: [xiaohongshu]\n---\n正文\n")
    zh, en = findings(ws, "zh")["requires_one_of"], findings(ws, "en")["requires_one_of"]
    assert zh["message"] == "小红书需要以下之一：图片或视频" and zh["hint"] == "加上 `images:`"
    assert en["message"] == "小红书 needs one of: images or video" and en["hint"] == "add `images:`"


def test_a_compliance_hit_in_both_languages(ws: WS) -> None:
    ws.item(
        "best.md",
        "---\ntitle: 周报\nimages: [media/a.png]\nplatforms: [xiaohongshu]\n---\n全网第一的周报工具\n",
    )
    zh, en = findings(ws, "zh")["compliance_hit"], findings(ws, "en")["compliance_hit"]
    assert (zh["line"], zh["field"]) == (en["line"], en["field"]) == (6, "body")
    assert zh["message"].startswith("「第一」属于广告法绝对化用语") and en["message"].startswith(
        "「第一」 is 广告法绝对化用语"
    )
    assert "如确有依据，可在 allow 中说明：allow: [{word: 第一, reason: ...}]" in zh["hint"]
    assert "if it is proven, acknowledge it: allow: [{word: 第一, reason: ...}]" in en["hint"]
