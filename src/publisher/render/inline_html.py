"""Markdown to WeChat article HTML (inline styles, link footnotes, highlighted code), and its sanitiser."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound

from publisher.render.markdown import UrlMap, is_external, parse_copy, parser_options, rewrite_urls

__all__ = ["WechatArticle", "WechatTheme", "render_article", "sanitize"]

#: The only host whose links WeChat keeps as real links inside an article.
WECHAT_LINK_HOSTS = frozenset({"mp.weixin.qq.com"})


_CSS_VALUE = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+|rgba?\([0-9., %]+\)|-?[0-9.]+(px|em|rem|%)?")


@dataclass(frozen=True)
class WechatTheme:
    """The look of an article; every value ends up in inline `style` attributes."""

    accent: str = "#07c160"
    text_color: str = "#333333"
    muted_color: str = "#888888"
    font_size_px: int = 16
    line_height: float = 1.75
    letter_spacing: str = "0.5px"
    code_style: str = "default"  # a Pygments style name (light background)
    code_background: str = "#f6f8fa"
    references_title: str = "参考链接"
    soft_breaks_as_br: bool = False  # CommonMark joins soft-broken lines; Chinese writers may want <br>

    def __post_init__(self) -> None:
        for name in ("accent", "text_color", "muted_color", "code_background", "letter_spacing"):
            if not _CSS_VALUE.fullmatch(str(getattr(self, name))):
                raise ValueError(f"theme {name} is not a plain CSS colour or length: {getattr(self, name)!r}")
        if not isinstance(self.font_size_px, int) or not isinstance(self.line_height, (int, float)):
            raise ValueError("theme font_size_px must be an int and line_height a number")
        try:
            get_style_by_name(self.code_style)
        except ClassNotFound:
            raise ValueError(f"unknown Pygments style for code blocks: {self.code_style!r}") from None


@dataclass(frozen=True)
class WechatArticle:
    """A rendered article: sanitised HTML, footnotes (number, link text, url), image srcs in order."""

    html: str
    footnotes: tuple[tuple[int, str, str], ...]
    images: tuple[str, ...]


def _styles(t: WechatTheme) -> dict[str, str]:
    body = (
        f"font-size:{t.font_size_px}px;line-height:{t.line_height};color:{t.text_color};"
        f"letter-spacing:{t.letter_spacing}"
    )
    heading = f"font-weight:bold;color:{t.text_color};line-height:1.4;margin:1.6em 0 0.8em 0"
    cell = "border:1px solid #dfe2e5;padding:6px 10px;font-size:14px"
    return {
        "section": f"{body};word-break:break-word;overflow-wrap:break-word",
        "p": f"{body};margin:0 0 1em 0",
        "h1": f"{heading};font-size:22px;text-align:center",
        "h2": f"{heading};font-size:20px;border-bottom:2px solid {t.accent};padding-bottom:4px",
        "h3": f"{heading};font-size:18px;border-left:4px solid {t.accent};padding-left:8px",
        "h4": f"{heading};font-size:17px",
        "h5": f"{heading};font-size:16px",
        "h6": f"{heading};font-size:16px;color:{t.muted_color}",
        "ul": f"{body};margin:0 0 1em 0;padding-left:2em;list-style-type:disc",
        "ol": f"{body};margin:0 0 1em 0;padding-left:2em;list-style-type:decimal",
        "li": "margin:0.25em 0",  # inherits the list's text style: WeChat counts markup toward 20,000 chars
        "quote_p": f"font-size:15px;line-height:{t.line_height};color:#666666;margin:0.3em 0",
        "blockquote": (
            f"margin:0 0 1em 0;padding:10px 14px;border-left:4px solid {t.accent};"
            f"background-color:#f7f7f7;color:#666666"
        ),
        "hr": "border:0;border-top:1px solid #e5e5e5;margin:2em 0",
        "table": "border-collapse:collapse;width:100%;margin:0 0 1em 0;display:table",
        "th": f"{cell};font-weight:bold;background-color:#f6f8fa",
        "td": cell,
        "strong": f"font-weight:bold;color:{t.accent}",
        "em": "font-style:italic",
        "s": "text-decoration:line-through",
        "a": f"color:{t.accent};text-decoration:none;border-bottom:1px solid {t.accent}",
        "img": "max-width:100%;height:auto;display:block;margin:1em auto;border-radius:4px",
        "code": (
            "font-family:Menlo,Consolas,Monaco,monospace;font-size:14px;padding:2px 4px;"
            f"border-radius:3px;background-color:{t.code_background};color:#c7254e"
        ),
        "pre": (
            "font-family:Menlo,Consolas,Monaco,monospace;font-size:13px;line-height:1.6;"
            f"background-color:{t.code_background};padding:12px 14px;margin:0 0 1em 0;border-radius:4px;"
            "overflow-x:auto;white-space:pre;letter-spacing:0;color:#333333"
        ),
        "sup": f"color:{t.accent};font-size:12px;line-height:0;vertical-align:super",
        "ref_title": f"font-size:14px;font-weight:bold;color:{t.muted_color};margin:2em 0 0.5em 0",
        "ref": (
            f"font-size:12px;line-height:1.6;color:{t.muted_color};margin:0 0 0.3em 0;word-break:break-all"
        ),
    }


def _is_wechat_link(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and (parts.hostname or "") in WECHAT_LINK_HOSTS


@lru_cache(maxsize=1)
def _builtin_lexer_aliases() -> frozenset[str]:
    return frozenset(alias for _, aliases, _, _ in get_all_lexers(plugins=False) for alias in aliases)


def _plain(children: Sequence[Token]) -> str:
    return "".join(
        c.content for c in children if c.type in ("text", "code_inline", "image", "softbreak", "hardbreak")
    ).strip()


class _Footnotes:
    """Numbers external links by URL: a repeated URL reuses its first number and text."""

    def __init__(self) -> None:
        self.by_url: dict[str, int] = {}
        self.entries: list[tuple[int, str, str]] = []

    def number(self, url: str, text: str) -> int:
        if url not in self.by_url:
            self.by_url[url] = len(self.entries) + 1
            self.entries.append((self.by_url[url], text or url, url))
        return self.by_url[url]


def _rewrite_inline(children: list[Token], notes: _Footnotes) -> list[Token]:
    """Drop every link WeChat would not allow, leaving its text plus a footnote marker for external ones."""
    out: list[Token] = []
    stack: list[tuple[str, int, bool]] = []  # (href, where its text starts in out, kept as a real link)
    for tok in children:
        if tok.type == "link_open":
            href = str(tok.attrGet("href") or "")
            keep = _is_wechat_link(href)
            stack.append((href, len(out), keep))
            if keep:
                out.append(tok)
        elif tok.type == "link_close" and stack:
            href, start, keep = stack.pop()
            if keep:
                out.append(tok)
            elif is_external(href):
                ref = Token("footnote_ref", "sup", 0)
                ref.meta = {"n": notes.number(href, _plain(out[start:]))}
                out.append(ref)
        else:
            out.append(tok)
    return out


class _WechatRenderer(RendererHTML):
    """markdown-it's HTML renderer with the few rules WeChat needs changed."""

    def __init__(self, theme: WechatTheme) -> None:
        super().__init__()
        self.theme = theme
        self.styles = _styles(theme)

    def _highlighted(self, code: str, lang: str) -> str:
        # Never guess a language (slow, unstable), and only Pygments' own lexers: an unknown name would
        # otherwise scan plugin entry points, importing e.g. IPython in the middle of a render.
        if lang.lower() not in _builtin_lexer_aliases():
            return escape(code, quote=False)
        return str(highlight(code, get_lexer_by_name(lang), _formatter(self.theme.code_style)))

    def fence(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        tok = tokens[idx]
        lang = tok.info.strip().split(maxsplit=1)[0] if tok.info.strip() else ""
        body = self._highlighted(tok.content, lang).rstrip("\n")
        return f'<pre style="{self.styles["pre"]}"><code>{body}</code></pre>\n'

    def code_block(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        body = escape(tokens[idx].content, quote=False).rstrip("\n")
        return f'<pre style="{self.styles["pre"]}"><code>{body}</code></pre>\n'

    def code_inline(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return f'<code style="{self.styles["code"]}">{escape(tokens[idx].content, quote=False)}</code>'

    def footnote_ref(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return f'<sup style="{self.styles["sup"]}">[{tokens[idx].meta["n"]}]</sup>'

    def softbreak(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "<br>\n" if self.theme.soft_breaks_as_br else "\n"


def _style_tokens(tokens: Sequence[Token], styles: dict[str, str]) -> None:
    """Put the theme's inline style on every element token (merging markdown-it's table alignment).

    Paragraphs inside a blockquote take the quote's colour, since WeChat has no inheritance we can rely on
    once every <p> carries its own colour.
    """
    quote_depth = 0
    for tok in tokens:
        if tok.type == "blockquote_open":
            quote_depth += 1
        elif tok.type == "blockquote_close":
            quote_depth -= 1
        if tok.children:
            _style_tokens(tok.children, styles)
        if tok.nesting == -1 or tok.tag not in styles or tok.type in ("fence", "code_block", "code_inline"):
            continue
        key = "quote_p" if tok.tag == "p" and quote_depth else tok.tag
        own = str(tok.attrGet("style") or "")
        tok.attrSet("style", f"{styles[key]};{own}" if own else styles[key])


def _reference(number: int, text: str, url: str) -> str:
    # an autolink's text is the URL itself: `[2] https://x.cn: https://x.cn?utm…` would say it twice
    shown = url if text == url or is_external(text) else f"{text}: {url}"
    return f"[{number}] {escape(shown)}"


def render_article(
    markdown_text: str,
    *,
    link_rewriter: UrlMap | None = None,
    image_src: UrlMap | None = None,
    theme: WechatTheme | None = None,
    sanitized: bool = True,
) -> WechatArticle:
    """Render Markdown as a WeChat article body: inline styles only, external links as numbered footnotes.

    `sanitized=False` skips the final allowlist pass for callers that sanitise the page they embed it in.
    """
    theme = theme or WechatTheme()
    tokens = parse_copy(markdown_text)
    rewrite_urls(tokens, link_rewriter=link_rewriter, image_src=image_src)
    notes = _Footnotes()
    images: list[str] = []
    for tok in tokens:
        if tok.type == "inline" and tok.children:
            tok.children = _rewrite_inline(tok.children, notes)
            images.extend(str(c.attrGet("src") or "") for c in tok.children if c.type == "image")
    renderer = _renderer_for(theme)
    styles = renderer.styles
    _style_tokens(tokens, styles)
    body = renderer.render(tokens, parser_options(), {})
    if notes.entries:
        refs = "".join(f'<p style="{styles["ref"]}">{_reference(*entry)}</p>' for entry in notes.entries)
        title = f'<p style="{styles["ref_title"]}">{escape(theme.references_title)}</p>'
        body += f"<section>{title}{refs}</section>"
    html = f'<section style="{styles["section"]}">{body}</section>'
    return WechatArticle(
        html=sanitize(html) if sanitized else html, footnotes=tuple(notes.entries), images=tuple(images)
    )


@lru_cache(maxsize=8)
def _formatter(style: str) -> HtmlFormatter[str]:
    # Building a formatter compiles its style sheet: once per style, not once per code block.
    return HtmlFormatter(noclasses=True, nowrap=True, style=style)


@lru_cache(maxsize=8)
def _renderer_for(theme: WechatTheme) -> _WechatRenderer:
    # Building a markdown-it renderer inspects its methods: once per theme, not once per article.
    return _WechatRenderer(theme)


# --- sanitising ---------------------------------------------------------------------------------

ALLOWED_TAGS = frozenset(
    [
        "section",
        "p",
        "span",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "s",
        "del",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "ul",
        "ol",
        "li",
        "pre",
        "code",
        "img",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "sup",
        "sub",
        "figure",
        "figcaption",
    ]
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
#: Properties an article needs; no position/float/z-index (overlays), no background(-image) (url()).
ALLOWED_CSS = frozenset(
    [
        "color",
        "background-color",
        "font-size",
        "font-weight",
        "font-style",
        "font-family",
        "line-height",
        "letter-spacing",
        "text-align",
        "text-decoration",
        "text-indent",
        "vertical-align",
        "white-space",
        "word-break",
        "word-wrap",
        "overflow-wrap",
        "margin",
        "margin-top",
        "margin-right",
        "margin-bottom",
        "margin-left",
        "padding",
        "padding-top",
        "padding-right",
        "padding-bottom",
        "padding-left",
        "border",
        "border-top",
        "border-right",
        "border-bottom",
        "border-left",
        "border-color",
        "border-style",
        "border-width",
        "border-radius",
        "border-collapse",
        "width",
        "max-width",
        "min-width",
        "height",
        "max-height",
        "display",
        "overflow",
        "overflow-x",
        "overflow-y",
        "list-style-type",
        "box-sizing",
    ]
)
# CSS that can run code or fetch things in some engine (IE expression, -moz-binding, url()), and the
# escapes/comments that could hide those words from a plain substring test.
_BAD_CSS = re.compile(
    r"url\s*\(|expression|javascript:|vbscript:|behavio(u)?r|binding|@import|\\|/\*|<", re.IGNORECASE
)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        return None if _BAD_CSS.search(value) else value
    if tag == "a" and attr == "href":
        return value if _is_wechat_link(value) else None
    return value


def sanitize(html: str) -> str:
    """Reduce arbitrary HTML to what a WeChat article may hold, with nothing executable left.

    Allowlisted tags and attributes only (`style` everywhere, filtered to `ALLOWED_CSS`), no class/id,
    `<a href>` only to mp.weixin.qq.com, URL schemes http/https only (no `data:` at all: WeChat drops
    non-mmbiz images anyway and previews can use relative paths), relative URLs kept (content images are
    relative until uploaded), comments removed, `<script>`/`<style>` removed with their content.
    Lone surrogates (possible in JSON given by an assistant) become U+FFFD instead of an exception.
    """
    try:
        html.encode("utf-8")
    except UnicodeEncodeError:
        html = html.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=None,
        url_schemes={"http", "https"},
        filter_style_properties=set(ALLOWED_CSS),
    )
