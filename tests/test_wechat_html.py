"""Tests for the WeChat article renderer and the HTML sanitiser (RELIABILITY R28)."""

from __future__ import annotations

import html as htmllib
import re
import sys
from dataclasses import FrozenInstanceError
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import examples

from publisher.render.inline_html import (
    ALLOWED_TAGS,
    WechatArticle,
    WechatTheme,
    render_article,
    sanitize,
)

ARTICLE = """# 效率神器上线

第一段，带 **粗体**、*斜体* 和 `inline()` 代码，[官网](https://example.com/a)。

## 步骤

1. 打开 [文档](https://docs.example.com)
2. 再看 [官网](https://example.com/a) 和 [往期](https://mp.weixin.qq.com/s/abc)
3. 写信 [联系](mailto:a@b.c)

> 引用一句

![截图](media/step1.png)

```python
def hello(name):
    return f"你好 {name}"  # 注释
```

| 名 | 值 |
|:-|-:|
| a | 1 |

---

结尾 👨‍👩‍👧
"""


class _Collector(HTMLParser):
    """Every start tag with its (unescaped) attributes, and whether a comment was seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.comments = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self.comments += 1


def parse_tags(markup: str) -> _Collector:
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    return collector


def assert_not_executable(markup: str) -> None:
    """The markup holds no script, no event handler, no script URL, no CSS that runs or fetches."""
    lowered = markup.lower()
    # Text `<` is always escaped, so these substrings can only be real markup.
    for needle in ("<script", "<style", "<iframe", "<svg", "<object", "<embed", "<!--", "<form", "<base"):
        assert needle not in lowered, needle
    collected = parse_tags(markup)
    assert collected.comments == 0
    for tag, attrs in collected.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in ("class", "id", "srcdoc", "formaction"), (tag, name)
            squashed = re.sub(r"[\s\x00-\x1f]+", "", htmllib.unescape(value)).lower()
            for bad in ("javascript:", "vbscript:", "data:", "file:"):
                assert not squashed.startswith(bad), (tag, name, value)
            if name == "style":
                assert "url(" not in squashed and "expression" not in squashed and "\\" not in squashed, value
                assert "image-set" not in squashed and "tracker" not in squashed, value
            if tag == "a" and name == "href":
                assert squashed.startswith(("https://mp.weixin.qq.com/", "http://mp.weixin.qq.com/")), value


# --- structure ----------------------------------------------------------------------------------


def test_render_article_sets_typography_once_and_styles_only_what_differs() -> None:
    article = render_article(ARTICLE)
    assert isinstance(article, WechatArticle)
    out = article.html
    assert "class=" not in out and "<style" not in out and " id=" not in out and "<script" not in out
    assert_not_executable(out)
    collected = parse_tags(out)
    # inherited from the root: no element repeats the body's font size, line height or colour
    for tag, attrs in collected.tags[1:]:
        style = attrs.get("style", "").replace(" ", "")
        assert "line-height:1.75" not in style and "color:#333" not in style, (tag, style)
    unstyled = {tag for tag, attrs in collected.tags if "style" not in attrs}
    assert {"li", "em"} <= unstyled
    root_tag, root_attrs = collected.tags[0]
    assert root_tag == "section"
    for declaration in ("font-size:16px", "line-height:1.75", "color:#333", "letter-spacing:0.5px"):
        assert declaration in root_attrs["style"].replace(" ", "")
    img = next(attrs for tag, attrs in collected.tags if tag == "img")
    assert "max-width:100%" in img["style"] and img["src"] == "media/step1.png" and img["alt"] == "截图"


def test_render_article_uses_theme_accent_and_size() -> None:
    theme = WechatTheme(accent="#ff6600", font_size_px=15)
    out = render_article("## 标题\n\n> 重点", theme=theme).html.replace(" ", "")
    assert "#f60" in out and "font-size:15px" in out and "font-size:16px" not in out  # shortest spelling
    with pytest.raises(FrozenInstanceError):
        theme.accent = "#000"  # type: ignore[misc]


def test_external_links_become_numbered_footnotes_in_order() -> None:
    article = render_article(ARTICLE)
    assert article.footnotes == (
        (1, "官网", "https://example.com/a"),
        (2, "文档", "https://docs.example.com"),
    )
    out = article.html
    # the repeated link reuses [1]; no external href survives
    assert out.count(">[1]</sup>") == 2 and out.count(">[2]</sup>") == 1
    assert 'href="https://example.com' not in out and 'href="https://docs' not in out
    assert re.search(r"官网<sup>\[1\]</sup>", out)  # a <sup> is small by default: no style
    # references section at the end, small grey
    tail = out[out.index("参考链接") :]
    assert tail.index("[1] 官网: https://example.com/a") < tail.index("[2] 文档: https://docs.example.com")
    refs_style = re.search(r'<p style="([^"]+)">\[1\] 官网[^<]*<br>\[2\] 文档', out)  # one paragraph
    assert refs_style and "font-size:12px" in refs_style.group(1).replace(" ", "")


def test_wechat_links_stay_real_links_and_others_lose_their_href() -> None:
    out = render_article(ARTICLE).html
    assert re.search(r'<a href="https://mp\.weixin\.qq\.com/s/abc" style="[^"]+">往期</a>', out)
    assert "mailto:" not in out and "联系" in out
    assert out.count("<a ") == 1


def test_link_rewriter_applies_before_numbering() -> None:
    article = render_article(
        "[a](https://x.io) [b](https://x.io) [c](https://mp.weixin.qq.com/s/1)",
        link_rewriter=lambda u: u + "?utm_source=wechat",
    )
    assert article.footnotes == ((1, "a", "https://x.io?utm_source=wechat"),)
    assert "[1] a: https://x.io?utm_source=wechat" in article.html
    assert 'href="https://mp.weixin.qq.com/s/1?utm_source=wechat"' in article.html


def test_autolink_footnote_does_not_repeat_the_url() -> None:
    article = render_article("见 <https://x.cn>")
    assert article.footnotes == ((1, "https://x.cn", "https://x.cn"),)
    assert "[1] https://x.cn</p>" in article.html


def test_no_links_means_no_reference_section() -> None:
    article = render_article("只有文字。")
    assert article.footnotes == () and "参考链接" not in article.html


def test_image_src_replaces_every_image_and_is_reported_in_order() -> None:
    mapping = {"media/a.png": "https://mmbiz.qpic.cn/a", "media/b.png": "https://mmbiz.qpic.cn/b"}
    article = render_article("![一](media/a.png)\n\n段落 ![二](media/b.png)", image_src=mapping.__getitem__)
    assert article.images == ("https://mmbiz.qpic.cn/a", "https://mmbiz.qpic.cn/b")
    assert 'src="https://mmbiz.qpic.cn/a"' in article.html and "media/" not in article.html
    assert render_article("![一](media/a.png)").images == ("media/a.png",)


def test_code_blocks_are_highlighted_with_inline_colours() -> None:
    out = render_article(ARTICLE).html
    pre = re.search(r'<pre style="([^"]+)"><code>(.*?)</code></pre>', out, re.S)
    assert pre, out
    pre_style = pre.group(1).replace(" ", "")
    for declaration in ("font-size:13px", "overflow:auto", "white-space:nowrap", "background-color:"):
        assert declaration in pre_style
    assert re.search(r'<span style="color:(#[0-9a-f]{3,6}|[a-z]+)">def</span>', pre.group(2))
    assert "你好" in pre.group(2)
    assert "<code>inline()</code>" in out  # monospace by default: among Chinese text that sets it apart


def test_unknown_language_does_not_load_plugin_lexers() -> None:
    before = set(sys.modules)
    render_article("```ipython3\nx = 1\n```\n\n```surely-not-a-language\ny\n```")
    assert not [m for m in set(sys.modules) - before if m.split(".")[0] in ("IPython", "jedi")]


def test_unknown_language_and_indented_code_are_escaped_plain() -> None:
    out = render_article("```no-such-lang\n<b>x</b>\n```\n\n    <i>y</i>").html
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "&lt;i&gt;y&lt;/i&gt;" in out
    assert "<b>" not in out and "<i>" not in out


def test_cjk_and_emoji_pass_through_untouched() -> None:
    text = "中文，标点！「引号」——《书名》…… 👨‍👩‍👧 👍🏽 🇨🇳 ❤️ 😀"
    out = render_article(text).html
    assert text in out
    assert render_article(f"```\n{text}\n```").html.count(text) == 1


def test_table_alignment_becomes_the_align_attribute() -> None:
    out = render_article(ARTICLE).html
    assert re.findall(r"<th( [^>]*)?>", out) == [' align="left"', ' align="right"']
    table = re.search(r'<table style="([^"]+)">', out)
    assert table and "border-spacing:" in table.group(1)  # the table spaces its cells: no per-cell padding


def test_a_quotes_last_paragraph_ends_on_the_quotes_padding() -> None:
    out = render_article("> 引用\n>\n> 第二段").html
    quoted = re.search(
        r'<blockquote style="([^"]+)"><p style="([^"]+)">引用</p><p>第二段</p></blockquote>', out
    )
    assert (
        quoted and "border-left:4px solid #07c160" in quoted.group(1) and quoted.group(2) == "margin:0 0 1em"
    )


# --- XSS ----------------------------------------------------------------------------------------

XSS_HTML = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<p style="width: expression(alert(1))">x</p>',
    '<p style="background-image: url(javascript:alert(1))">x</p>',
    '<p style="background: url(&quot;https://tracker.example/p.gif&quot;)">x</p>',
    '<p style="box-shadow: 0 0 red, 0 0 url(https://tracker.example/p.gif)">x</p>',
    '<p style="color: red; -moz-binding: url(x.xml#xss)">x</p>',
    '<p style="color:\\72 ed;w\\69dth:expr\\65ssion(alert(1))">x</p>',
    '<p style="color: red /* */; behavior: url(x.htc)">x</p>',
    '<ul style="list-style: url(https://tracker.example/dot.png)"><li>x</li></ul>',
    '<ul style="list-style: image-set(&quot;https://tracker.example/d.png&quot; 1x)"><li>x</li></ul>',
    '<ul style="list-style: -webkit-image-set(&quot;https://t.example/d.png&quot; 1x)"><li>x</li></ul>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<!-- <script>alert(1)</script> -->hidden",
    "<!--[if IE]><script>alert(1)</script><![endif]-->",
    '<object data="javascript:alert(1)"></object><embed src="x.swf">',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>',
    '<base href="javascript:/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div onmouseover="alert(1)" class="x" id="y">hover</div>',
    '<p/onclick="alert(1)">x</p>',
    '<body onload="alert(1)">',
    '<img src="x" alt="a" style="max-width:100%" onload="alert(1)">',
    '<a href="https://mp.weixin.qq.com.evil.example/s/x">x</a>',
    '<a href="https://evil.example/?mp.weixin.qq.com">x</a>',
    '<img src="file:///etc/passwd">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
]

XSS_MARKDOWN = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](<javascript:alert(1)>)",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](https://x.example/a.png)',
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "[x]\n\n[x]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[[x](javascript:alert(1))](https://ok.example)",
    '[a](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "```\n<script>alert(1)</script>\n```",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "<!-- comment --> text",
    '<p style="background:url(javascript:alert(1))">x</p>',
]


@pytest.mark.parametrize("payload", XSS_HTML)
def test_sanitize_leaves_nothing_executable(payload: str) -> None:
    out = sanitize(payload)
    assert_not_executable(out)
    assert sanitize(out) == out  # idempotent: cleaning clean HTML changes nothing


@pytest.mark.parametrize("payload", XSS_MARKDOWN)
def test_render_article_leaves_nothing_executable(payload: str) -> None:
    assert_not_executable(render_article(payload).html)


def test_sanitize_keeps_the_wechat_vocabulary() -> None:
    article = (
        '<section style="color: #333; position: fixed; z-index: 9"><h2 style="font-size: 20px">题</h2>'
        "<p>一<strong>二</strong><em>三</em><sup>[1]</sup><br></p><ul><li>项</li></ul>"
        '<img src="https://mmbiz.qpic.cn/x" alt="图" style="max-width: 100%">'
        '<a href="https://mp.weixin.qq.com/s/abc">往期</a><a href="https://other.example">外</a>'
        '<table><tbody><tr><td colspan="2">格</td></tr></tbody></table></section>'
    )
    out = sanitize(article)
    assert '<section style="color:#333">' in out  # position / z-index filtered out
    for kept in (
        '<h2 style="font-size:20px">',
        "<strong>二</strong>",
        "<sup>[1]</sup>",
        "<li>项</li>",
        'src="https://mmbiz.qpic.cn/x"',
        '<a href="https://mp.weixin.qq.com/s/abc">往期</a>',
        '<td colspan="2">',
    ):
        assert kept in out, kept
    assert "other.example" not in out and "<a>外</a>" in out
    assert "rel=" not in out


def test_sanitize_drops_script_content_but_keeps_unknown_tags_text() -> None:
    assert sanitize("<script>steal()</script><div><marquee>文字</marquee></div>") == "文字"


def test_sanitize_replaces_lone_surrogates_instead_of_raising() -> None:
    assert sanitize("a\ud800b<p>\ud83d\ude00</p>") == "a\ufffdb<p>😀</p>"
    assert "\ufffd" in render_article("坏\udfff字").html


def test_theme_rejects_unknown_code_style() -> None:
    with pytest.raises(ValueError, match="no-such-style"):
        WechatTheme(code_style="no-such-style")


@pytest.mark.parametrize(
    "bad",
    [
        {"accent": '#fff" onclick="x'},
        {"accent": "red;position:fixed"},
        {"letter_spacing": "1px}"},
        {"font_size_px": "16px"},
    ],
)
def test_theme_rejects_values_that_are_not_plain_css(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="theme"):
        WechatTheme(**bad)  # type: ignore[arg-type]


def test_theme_accepts_ordinary_css_values() -> None:
    theme = WechatTheme(accent="rgb(255, 102, 0)", muted_color="gray", letter_spacing="0.05em")
    assert "rgb(255, 102, 0)" in render_article("## x", theme=theme).html


def test_sanitize_keeps_relative_image_paths_for_previews() -> None:
    assert sanitize('<img src="media/a.png">') == '<img src="media/a.png">'


# --- property -----------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    XSS_MARKDOWN
    + [
        "# ",
        "## ",
        "- ",
        "1. ",
        "> ",
        "```",
        "```py\n",
        "`",
        "*",
        "**",
        "~~",
        "[",
        "](",
        ")",
        "]",
        "![",
        "<",
        ">",
        "&",
        "&amp;",
        "\n",
        "\n\n",
        "|a|b|\n|-|-|\n",
        "https://x.io",
        "https://mp.weixin.qq.com/s/1",
        "javascript:",
        " onerror=",
        "👨‍👩‍👧",
        "中文",
        "\\",
        '"',
        "'",
        "    ",
        "---",
    ]
)


@settings(max_examples=examples(250), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=30).map("".join))
def test_render_article_never_raises_and_is_never_executable(text: str) -> None:
    article = render_article(text, link_rewriter=lambda u: u + "?utm_source=wechat")
    assert_not_executable(article.html)
    assert [n for n, _, _ in article.footnotes] == list(range(1, len(article.footnotes) + 1))
    assert len({url for _, _, url in article.footnotes}) == len(article.footnotes)


@settings(max_examples=examples(150))
@given(st.text(max_size=200))
def test_sanitize_never_raises_and_is_never_executable(text: str) -> None:
    assert_not_executable(sanitize(text))
