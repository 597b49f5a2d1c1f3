"""Compliance in `check`: listed words found on their line with a suggestion, exceptions that keep real
sentences quiet, acknowledgements, workspace and per-platform lists."""

from __future__ import annotations

import pytest
from tests.conftest import WS

from publisher.calendar.check import check_workspace
from publisher.compliance.lists import list_files, load_lists
from publisher.compliance.scan import Matcher
from publisher.workspace.settings import DEFAULTS_DIR

DEFAULTS = Matcher(load_lists(list_files(DEFAULTS_DIR / "compliance")))

# Real marketing sentences and the words a reviewer would mark (an empty tuple: nothing to mark).
SENTENCES: list[tuple[str, tuple[str, ...]]] = [
    ("这是我用过最好的面霜，没有之一", ("最好",)),
    ("全网最低价，错过再等一年", ("全网最",)),
    ("国家级非遗工艺，匠心制作", ("国家级",)),
    ("行业第一的效率工具", ("第一",)),
    ("第一次用就爱上了", ()),
    ("第一步：连接飞书日历", ()),
    ("最近很多人私信问我周报怎么写", ()),
    ("最后一天上班，和同事们告别", ()),
    ("早上最好先喝一杯温水", ()),
    ("联合索引遵循最左前缀原则，最大线程数设为 CPU 核数的两倍", ()),  # technical prose, not a claim
    ("时间复杂度在最坏情况下是 O(n²)，求最大公约数用辗转相除", ()),
    ("顶级面料，质感在线", ("顶级",)),
    ("独家配方，只此一家", ("独家",)),
    ("史无前例的优惠力度", ("史无前例",)),
    ("敏感肌首选，温和不刺激", ("首选",)),
    ("100%纯棉，亲肤透气", ()),
    ("100%有效，无效退款", ("100%",)),
    ("坚持三个月根治脱发", ("根治",)),
    ("保本理财，稳赚不赔", ("保本", "稳赚不赔")),
    ("想要资料的私信领取", ("私信领取",)),
    ("有问题加微信 abc123", ("加微信",)),
    ("详情看主页，VX同号", ("VX",)),
    ("vx: weekly2026", ("vx",)),
    ("vxe-table 是一个表格组件", ()),
    ("治愈系的一天，看云发呆", ()),
    ("2026 年最受欢迎的十本书", ("最受欢迎",)),
    ("周报助手帮你把 62 分钟降到 9 分钟", ()),
    ("这款真的绝对值得入手", ("绝对",)),
    ("图片用绝对路径引用", ()),
]


@pytest.mark.parametrize(("sentence", "expected"), SENTENCES)
def test_default_lists_mark_the_words_a_reviewer_would(sentence: str, expected: tuple[str, ...]) -> None:
    assert tuple(h.text for h in DEFAULTS.find(sentence)) == expected


def test_the_table_has_enough_real_sentences_with_and_without_violations() -> None:
    assert len(SENTENCES) >= 20
    assert sum(1 for _s, e in SENTENCES if e) >= 10 and sum(1 for _s, e in SENTENCES if not e) >= 10


ITEM = """
---
id: promo
title: 全网最低价｜第一次用就爱上
publish_at: 2026-12-01 12:00
tags: [效率工具]
images: [media/a.png]
{allow}
platforms:
  xiaohongshu: {{}}
  wechat: {{author: 运营, digest: "一篇讲清楚", cover: media/cover.png}}
---
周报助手，行业第一。
想要模板的私信领取。
"""


def test_each_hit_is_a_problem_on_its_line_naming_the_word_and_a_rewrite(ws: WS) -> None:
    ws.item("promo.md", ITEM.format(allow=""))
    result = check_workspace(ws.open())
    found = {(p.line, p.field, p.platform, p.severity): p for p in result.problems}
    title = found[(3, "title", "", "error")]
    assert "「全网最」" in title.message and "广告法" in title.message and "写明可查证的事实" in title.hint
    assert "「第一」" in found[(12, "body", "", "error")].message  # the body starts on line 12
    diversion = found[(13, "body", "xiaohongshu", "error")]
    assert "「私信领取」" in diversion.message and "评论区留言" in diversion.hint
    # 站外导流 is a Xiaohongshu rule: the WeChat article may carry it.
    assert not any(p.platform == "wechat" for p in result.errors)
    (checked,) = result.checked
    assert checked.valid_targets == frozenset()  # the absolute terms block every platform
    assert "content/promo.md:3: title: 「全网最」" in title.format()


def test_an_acknowledged_hit_is_an_info_line_listed_by_json_not_an_error(ws: WS) -> None:
    allow = 'allow: [{word: 第一, reason: "排名有第三方报告"}, {word: 全网最, reason: 比价截图已存档}]'
    ws.item("promo.md", ITEM.format(allow=allow).replace("想要模板的私信领取。", ""))
    result = check_workspace(ws.open())
    assert result.errors == [], [p.format() for p in result.errors]
    data = result.to_dict()
    assert data["ok"] is True
    ack = {(a["line"], a["field"]): a["message"] for a in data["acknowledged"]}
    assert "排名有第三方报告" in ack[(12, "body")] and "比价截图已存档" in ack[(3, "title")]


def test_allow_short_form_and_its_mistakes(ws: WS) -> None:
    short = "allow: {第一: 榜单截图, 全网最: 比价截图, 顶级: 不存在, 首选: ''}"
    ws.item("promo.md", ITEM.format(allow=short))
    result = check_workspace(ws.open())
    messages = [p.format() for p in result.problems]
    assert any("allow '顶级' matches nothing" in m for m in messages)
    assert any("allow '首选' gives no reason" in m for m in messages)
    assert [p.message for p in result.errors if p.field == "body"] == [
        "「私信领取」 is 站外导流 (小红书社区公约（站外导流）; 抖音社区自律公约（站外引流）)"
    ]


def test_workspace_lists_override_and_add_and_platform_lists_apply_to_their_platform(ws: WS) -> None:
    (ws.root / "compliance").mkdir()
    # Same file name as the packaged list: replaces it (this team drops 第一 and keeps 全网最 as a warning).
    (ws.root / "compliance" / "absolute_terms.yaml").write_text(
        "category: absolute_terms\nlabel: 绝对化用语\nentries:\n  - {word: 全网最, severity: warning}\n",
        encoding="utf-8",
    )
    (ws.root / "compliance" / "house.yaml").write_text(
        "category: house\nlabel: 团队禁用词\n"
        "entries:\n  - {word: 周报助手, suggest: WeeklyPilot, source: 品牌手册}\n",
        encoding="utf-8",
    )
    folder = ws.root / "platforms" / "wechat"
    folder.mkdir(parents=True)
    import shutil

    shutil.copytree(DEFAULTS_DIR / "platforms" / "wechat", folder, dirs_exist_ok=True)
    (folder / "compliance.yaml").write_text(
        "category: wechat_only\nlabel: 微信敏感词\nentries: [模板]\n", encoding="utf-8"
    )
    ws.item("promo.md", ITEM.format(allow=""))
    result = check_workspace(ws.open())
    got = {(p.line, p.severity, p.platform, p.message.split(" ")[0]) for p in result.problems}
    assert (3, "warning", "", "「全网最」") in got
    assert (12, "error", "", "「周报助手」") in got
    assert (13, "error", "wechat", "「模板」") in got
    assert not any("「第一」" in p.message for p in result.problems)


def test_a_bad_list_is_a_config_error_naming_the_file_and_key(ws: WS) -> None:
    from publisher.errors import ConfigError

    (ws.root / "compliance").mkdir()
    (ws.root / "compliance" / "bad.yaml").write_text(
        "category: x\nentries:\n  - {word: 第一, except: [首次]}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        _ = ws.open().compliance
    assert "bad.yaml" in str(info.value) and "entries[0].except" in str(info.value)
