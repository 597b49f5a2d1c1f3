"""Tests for the pure Markdown renderers: HTML, plain text, link/image extraction and URL rewriting."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from publisher.render.markdown import (
    extract_images,
    extract_links,
    find_raw_html,
    is_external,
    md_to_html,
    md_to_plain,
)


def utm(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "utm_source=xhs"


# --- md_to_html ---------------------------------------------------------------------------------


def test_md_to_html_renders_commonmark_tables_and_strikethrough() -> None:
    html = md_to_html("# 标题\n\n|a|b|\n|-|-|\n|1|2|\n\n~~旧~~ **新**")
    assert "<h1>标题</h1>" in html
    assert "<table>" in html and "<td>2</td>" in html
    assert "<s>旧</s>" in html and "<strong>新</strong>" in html


def test_md_to_html_shows_raw_html_as_text() -> None:
    html = md_to_html('<script>alert(1)</script>\n\nhi <img src=x onerror="alert(1)">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](<javascript:alert(1)>)",
        "![x](javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x]\n\n[x]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "[x](java\tscript:alert(1))",
        "[x](&#106;avascript:alert(1))",
    ],
)
def test_md_to_html_never_links_dangerous_schemes(source: str) -> None:
    html = md_to_html(source)
    assert 'href="javascript' not in html.lower()
    assert 'src="javascript' not in html.lower()
    assert 'href="vbscript' not in html.lower() and 'href="data:' not in html.lower()
    assert "<a " not in html and "<img" not in html


class _Attrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.extend((tag, name, value or "") for name, value in attrs)
        self.seen.append((tag, "", ""))


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<svg onload="alert(1)"><script>alert(1)</script></svg>',
        "<iframe src=https://evil.example></iframe>",
        '<a href="javascript:alert(1)">x</a>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        "<!-- comment -->",
        "[[x](javascript:alert(1))](https://ok.example)",
        '[a](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    ],
)
def test_md_to_html_xss_corpus_yields_no_markup_from_the_payload(source: str) -> None:
    html = md_to_html(source)
    assert "<script" not in html and "<!--" not in html and "<iframe" not in html and "<svg" not in html
    parser = _Attrs()
    parser.feed(html)
    for tag, name, value in parser.seen:
        assert tag in ("p", "a"), tag
        assert not name.startswith("on") and name != "style", (tag, name)
        assert not re.sub(r"\s", "", value).lower().startswith("javascript:"), value


def test_find_raw_html_reports_lines() -> None:
    text = (
        "# 标题\n\n正文 <b>粗</b>\n\n<script>alert(1)</script>\n\n"
        "`<i>code</i>` 不算\n\n```\n<u>也不算</u>\n```\n"
    )
    assert find_raw_html(text) == [(3, "<b>"), (3, "</b>"), (5, "<script>alert(1)</script>")]
    assert find_raw_html("纯文本 a < b > c") == []


def test_md_to_html_escapes_attribute_breakouts() -> None:
    html = md_to_html('![a" onerror="alert(1)](https://x.com/a.png "t\\" onload=\\"x")')
    assert ' onerror="' not in html and ' onload="' not in html


def test_md_to_html_applies_link_rewriter_and_image_src() -> None:
    html = md_to_html(
        "[官网](https://example.com/a) [信](mailto:a@b.c) [本页](#top)\n\n![图](media/a.png)",
        link_rewriter=utm,
        image_src=lambda src: "file:///ws/" + src,
    )
    assert 'href="https://example.com/a?utm_source=xhs"' in html
    assert 'href="mailto:a@b.c"' in html  # only outbound http(s) links are rewritten
    assert 'href="#top"' in html
    assert 'src="file:///ws/media/a.png"' in html


def test_md_to_html_keeps_cjk_and_emoji_untouched() -> None:
    text = "效率神器上线｜3 步搞定周报 👨‍👩‍👧 🇨🇳 ✅「引号」"
    assert text in md_to_html(text)


# --- extraction ---------------------------------------------------------------------------------


def test_extract_links_returns_outbound_urls_in_order() -> None:
    text = (
        "先 [b](https://b.example/x) 再 <https://a.example> 然后 [邮件](mailto:x@y.z) [相对](notes/a.md)\n\n"
        "- [b again](https://b.example/x)\n\n[ref][r]\n\n[r]: http://ref.example/p?q=1\n"
        "`[not](https://code.example)`\n\n```\n[nor](https://fence.example)\n```\n"
    )
    assert extract_links(text) == [
        "https://b.example/x",
        "https://a.example",
        "https://b.example/x",
        "http://ref.example/p?q=1",
    ]


def test_extract_images_returns_src_and_alt_in_order() -> None:
    text = (
        "![第一步](media/step1.png)\n\n文字 ![](media/两.jpg) [![徽章](https://x.io/b.svg)](https://x.io)\n\n"
        "![r][img]\n\n[img]: ../out.png"
    )
    assert extract_images(text) == [
        ("media/step1.png", "第一步"),
        ("media/两.jpg", ""),
        ("https://x.io/b.svg", "徽章"),
        ("../out.png", "r"),
    ]


def test_image_paths_are_decoded_for_lookup_but_encoded_in_html() -> None:
    text = "![](<media/周报 截图.png>) ![](media/a%20b.png)"
    assert [src for src, _ in extract_images(text)] == ["media/周报 截图.png", "media/a b.png"]
    assert 'src="media/%E5%91%A8%E6%8A%A5%20%E6%88%AA%E5%9B%BE.png"' in md_to_html(text)
    seen: list[str] = []
    md_to_html(text, image_src=lambda src: seen.append(src) or src)
    assert seen == ["media/周报 截图.png", "media/a b.png"]


def test_is_external() -> None:
    assert is_external("https://a.b/c") and is_external("HTTP://a.b")
    assert not is_external("mailto:a@b.c") and not is_external("/x") and not is_external("https://")
    assert not is_external("http://[::1")  # malformed: not a link, never an exception


# --- md_to_plain --------------------------------------------------------------------------------


def test_md_to_plain_headings_paragraphs_and_line_breaks() -> None:
    text = "# 3 步搞定周报\n\n第一行\n第二行  \n第三行\n\n\n\n## 小结\n结尾。"
    assert md_to_plain(text) == "▍3 步搞定周报\n\n第一行\n第二行\n第三行\n\n▍小结\n\n结尾。"


def test_md_to_plain_lists() -> None:
    text = "清单：\n\n- 苹果\n- *香蕉*\n  - 小香蕉\n- \n\n3. 三\n4. 四\n\n   第二段\n\n后文"
    assert md_to_plain(text) == ("清单：\n\n• 苹果\n• 香蕉\n  • 小香蕉\n•\n\n3. 三\n4. 四\n   第二段\n\n后文")


def test_md_to_plain_removes_emphasis_keeps_code_and_drops_images() -> None:
    text = (
        "**粗**、*斜*、~~删~~、`代码`\n\n![图](media/a.png)\n\n```python\nprint('hi')  # 注释\n```\n\n> 引用"
    )
    assert md_to_plain(text) == "粗、斜、删、代码\n\n    print('hi')  # 注释\n\n「引用」"


def test_md_to_plain_links_inline_and_text_styles() -> None:
    text = "看 [官网](https://example.com/a) 和 <https://x.cn>，[信](mailto:a@b.c)，[空](https://e.com/)"
    assert md_to_plain(text) == "看 官网 (https://example.com/a) 和 https://x.cn，信，空 (https://e.com/)"
    assert md_to_plain(text, link_style="text") == "看 官网 和 https://x.cn，信，空"


def test_md_to_plain_link_rewriter_applies_to_every_outbound_link() -> None:
    text = "[官网](https://example.com/a?x=1) <https://x.cn> [同名](https://same.io)"
    assert md_to_plain(text, link_rewriter=utm) == (
        "官网 (https://example.com/a?x=1&utm_source=xhs) https://x.cn?utm_source=xhs "
        "同名 (https://same.io?utm_source=xhs)"
    )


def test_md_to_plain_link_whose_text_is_its_url_is_not_repeated() -> None:
    assert md_to_plain("[example.com](https://example.com)") == "example.com"
    assert md_to_plain("[![logo](a.png)](https://example.com)") == "https://example.com"


def test_md_to_plain_emoji_entities_and_chinese_punctuation() -> None:
    text = "家庭 👨‍👩‍👧 加油💪🏽！「好」——《书》…… &amp; &lt;b&gt; &copy;\n\n#效率工具 #AI"
    assert md_to_plain(text) == "家庭 👨‍👩‍👧 加油💪🏽！「好」——《书》…… & <b> ©\n\n#效率工具 #AI"


def test_md_to_plain_raw_html_stays_literal_text() -> None:
    assert md_to_plain("<b>粗</b>\n\n<div>块</div>") == "<b>粗</b>\n\n<div>块</div>"


def test_md_to_plain_table_and_rule() -> None:
    assert md_to_plain("|名|值|\n|-|-|\n|a|1|\n\n---\n\n完") == "a：1\n\n———\n\n完"
    assert md_to_plain("|a|b|c|\n|-|-|-|\n|1|2<br>二|3|") == "a｜b｜c\n1｜2 二｜3"


def test_md_to_plain_marks_what_a_note_reader_needs_to_see() -> None:
    """小红书 and 抖音 show no formatting: headings, quotes, alerts and code carry text markers."""
    text = (
        "## 小节 **二**\n\n> 第一段\n>\n> 第二段\n\n> [!TIP]\n> 记得保存\n\n"
        "```python\ndef f():\n\treturn 1\n\n# 完\n```\n\n>\n\n尾"
    )
    assert md_to_plain(text) == (
        "▍小节 二\n\n「第一段\n\n第二段」\n\n「提示：记得保存」\n\n"
        "    def f():\n        return 1\n\n    # 完\n\n尾"
    )


def test_md_to_plain_rejects_unknown_link_style() -> None:
    with pytest.raises(ValueError, match="link_style"):
        md_to_plain("x", link_style="footnote")


def test_md_to_plain_empty_input() -> None:
    assert md_to_plain("") == ""
    assert md_to_plain("![only](an-image.png)") == ""
