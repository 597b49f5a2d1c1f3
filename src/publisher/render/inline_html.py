"""Markdown to WeChat article HTML (inline styles, footnotes, code, math, alerts), and its sanitiser.

The HTML is compact and honest about whitespace: typography is set once on the wrapping `<section>` and
inherited, elements carry a style only where they differ from it, and no meaning rides on raw newlines or
runs of spaces (WeChat normalises both inside `<pre>`/`<code>`): the output holds no newline at all.
"""

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
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound

from publisher.render.code_blocks import MAC_HEADER, code_lines
from publisher.render.css import short_colour
from publisher.render.markdown import MORE, UrlMap, is_external, parse_article, parser_options, rewrite_urls
from publisher.render.math_images import MathError, formula

__all__ = ["WechatArticle", "WechatTheme", "render_article", "sanitize", "style_share"]

#: The only host whose links WeChat keeps as real links inside an article.
WECHAT_LINK_HOSTS = frozenset({"mp.weixin.qq.com"})

_CSS_VALUE = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+|rgba?\([0-9., %]+\)|-?[0-9.]+(px|em|rem|%)?")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_STYLE_ATTR = re.compile(r'\sstyle="[^"]*"')
#: GitHub's alert kinds: (title, colour, background).
ALERTS: dict[str, tuple[str, str, str]] = {
    "NOTE": ("说明", "#0969da", "#f0f6ff"),
    "TIP": ("提示", "#1a7f37", "#effaf1"),
    "IMPORTANT": ("重要", "#8250df", "#f6f0ff"),
    "WARNING": ("警告", "#9a6700", "#fff8e5"),
    "CAUTION": ("注意", "#cf222e", "#fff0f0"),
}
_ALERT = re.compile(r"\[!(" + "|".join(ALERTS) + r")\]\s*", re.IGNORECASE)
_BULLETS = ("•", "◦", "▪")


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
    code_header: str = ""  # "mac": three window buttons above each code block
    figure_caption: str = "alt"  # caption under a lone image: "alt", "title" or "none"

    def __post_init__(self) -> None:
        for name in ("accent", "text_color", "muted_color", "code_background", "letter_spacing"):
            if not _CSS_VALUE.fullmatch(str(getattr(self, name))):
                raise ValueError(f"theme {name} is not a plain CSS colour or length: {getattr(self, name)!r}")
        if not isinstance(self.font_size_px, int) or not isinstance(self.line_height, (int, float)):
            raise ValueError("theme font_size_px must be an int and line_height a number")
        if self.code_header not in ("", "mac"):
            raise ValueError(f"code_header must be 'mac' or empty, not {self.code_header!r}")
        if self.figure_caption not in ("alt", "title", "none"):
            raise ValueError(f"figure_caption must be alt, title or none, not {self.figure_caption!r}")
        try:
            get_style_by_name(self.code_style)
        except ClassNotFound:
            raise ValueError(f"unknown Pygments style for code blocks: {self.code_style!r}") from None


@dataclass(frozen=True)
class WechatArticle:
    """A rendered article: sanitised HTML, footnotes (number, text, url or ""), image srcs in order."""

    html: str
    footnotes: tuple[tuple[int, str, str], ...]
    images: tuple[str, ...]


def _styles(t: WechatTheme) -> dict[str, str]:
    """Per-element styles: only what differs from the root section, which every element inherits.

    Typography (size, line height, colour, spacing) is set once on the root; an element states only its box
    (margins, padding, borders) and what it changes. No declaration repeats a default or an inherited value,
    colours take their shortest spelling, and the last block inside a container has no bottom margin at all.
    """
    accent, muted = short_colour(t.accent), short_colour(t.muted_color)
    heading = "margin:2em 0 1em;font-weight:700"  # WeChat's page sets h1-h6 to 400 and 16px
    return {
        "section": (
            f"font-size:{t.font_size_px}px;line-height:{t.line_height};color:{short_colour(t.text_color)};"
            f"letter-spacing:{t.letter_spacing};word-break:break-word"
        ),
        "p": "margin:0 0 1em",  # only before another paragraph: every other block brings its own margin
        "h1": f"{heading};font-size:22px;text-align:center",
        "h2": f"{heading};font-size:20px;border-bottom:2px solid {accent}",
        "h3": f"{heading};font-size:18px;border-left:4px solid {accent};padding-left:8px",
        "h4": f"{heading};font-size:17px",
        "h5": heading,
        "h6": f"{heading};color:{muted}",
        "list": "margin:1em 0;list-style:none",  # flush left (WeChat zeroes padding), markers are text
        "nested_list": "padding-left:1em;list-style:none",  # inside an item: no margin of its own
        "blockquote": f"margin:1em 0;padding:8px 12px;border-left:4px solid {accent}",
        "hr": "border:0;border-top:1px solid #e5e5e5;margin:2em 0",
        "table_wrap": "overflow:auto;margin:1em 0",
        # cells are spaced by the table (one declaration), not padded one by one: a wide table has hundreds
        "table": (
            f"border-spacing:12px 6px;background-color:{short_colour(t.code_background)};font-size:14px;"
            "white-space:nowrap"
        ),
        "a": f"color:{accent};text-decoration:none",
        "img": "max-width:100%",
        "figure": "margin:1em 0;text-align:center",
        "figcaption": f"font-size:14px;color:{muted}",
        "pre": (
            f"font-size:13px;background-color:{short_colour(t.code_background)};padding:12px;margin:1em 0;"
            "overflow:auto;white-space:nowrap"  # lines are <br>: nothing may wrap, the block scrolls instead
        ),
        "math_block": "margin:1em 0;text-align:center;overflow:auto",
        "ref_title": f"font-size:14px;font-weight:bold;color:{muted};margin:2em 0 .5em",
        "refs": f"font-size:12px;line-height:1.6;color:{muted};word-break:break-all",
    }


@lru_cache(maxsize=4096)  # asked of each link while rewriting and again while sanitising
def _is_wechat_link(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and (parts.hostname or "") in WECHAT_LINK_HOSTS


def _plain(children: Sequence[Token]) -> str:
    return "".join(
        c.content
        for c in children
        if c.type in ("text", "code_inline", "image", "softbreak", "hardbreak", "math_inline")
    ).strip()


def _html_token(content: str) -> Token:
    tok = Token("html_inline", "", 0)
    tok.content = content
    return tok


class _Footnotes:
    """One numbering for link footnotes and `[^n]` notes, in order of first mention."""

    def __init__(self) -> None:
        self.by_key: dict[str, int] = {}
        self.entries: list[tuple[int, str, str]] = []
        self.notes: dict[int, int] = {}  # footnote plugin id -> our number

    def link(self, url: str, text: str) -> int:
        if url not in self.by_key:
            self.by_key[url] = len(self.entries) + 1
            self.entries.append((self.by_key[url], text or url, url))
        return self.by_key[url]

    def note(self, ident: int, text: str) -> int:
        if ident not in self.notes:
            self.notes[ident] = len(self.entries) + 1
            self.entries.append((self.notes[ident], text, ""))
        return self.notes[ident]


def _ref(number: int) -> Token:
    ref = Token("footnote_ref", "sup", 0)
    ref.meta = {"n": number}
    return ref


def _rewrite_inline(
    children: list[Token], notes: _Footnotes, bodies: dict[int, str], in_cell: bool
) -> list[Token]:
    """Drop every link WeChat would not allow (text stays, with a footnote number for external ones), number
    `[^n]` references, and turn `<br>` written in a table cell into a line break."""
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
                out.append(_ref(notes.link(href, _plain(out[start:]))))
        elif tok.type == "footnote_ref":
            ident = int(tok.meta["id"])
            out.append(_ref(notes.note(ident, bodies.get(ident, ""))))
        elif in_cell and tok.type == "text" and _BR.search(tok.content):
            for k, part in enumerate(_BR.split(tok.content)):
                if k:
                    out.append(Token("hardbreak", "br", 0))
                if part:
                    text = Token("text", "", 0)
                    text.content = part
                    out.append(text)
        else:
            out.append(tok)
    return out


def _take_footnotes(tokens: list[Token]) -> tuple[list[Token], dict[int, list[Token]]]:
    """Split the plugin's footnote block off the end: (body tokens, {footnote id: its inner tokens})."""
    body: list[Token] = []
    bodies: dict[int, list[Token]] = {}
    current: int | None = None
    for tok in tokens:
        if tok.type == "footnote_open":
            current = int(tok.meta["id"])
            bodies[current] = []
        elif tok.type == "footnote_close":
            current = None
        elif tok.type in ("footnote_block_open", "footnote_block_close", "footnote_anchor"):
            continue
        elif current is not None:
            bodies[current].append(tok)
        else:
            body.append(tok)
    return body, bodies


def _mark_structure(tokens: list[Token], theme: WechatTheme) -> list[Token]:
    """Alerts, list markers, lone images as figures, the excerpt marker dropped: all as token changes."""
    out: list[Token] = []
    lists: list[list[int]] = []  # per open list: [next number or -1 for bullets]
    i = 0
    count = len(tokens)
    while i < count:
        tok = tokens[i]
        kind = tok.type
        nxt = tokens[i + 1] if i + 1 < count else None
        if kind == "paragraph_open" and nxt is not None and nxt.type == "inline":
            if "<!--" in nxt.content and MORE.fullmatch(nxt.content):
                i += 3  # paragraph_open, inline, paragraph_close
                continue
            children = nxt.children or []
            if any(c.type == "image" for c in children):  # a lone image is a figure
                kids = [c for c in children if not (c.type == "text" and not c.content.strip())]
                if len(kids) == 1 and kids[0].type == "image" and not tok.hidden and i + 2 < count:
                    tok.meta["figure"] = tokens[i + 2].meta["figure"] = kids[0]
        elif kind == "blockquote_open" and nxt is not None and i + 2 < count:
            inline = tokens[i + 2]
            first = inline.children[0] if inline.type == "inline" and inline.children else None
            found = _ALERT.match(first.content) if first is not None and first.type == "text" else None
            if found and first is not None and inline.children is not None:
                tok.meta["alert"] = found.group(1).upper()
                _closer(tokens, i).meta["alert"] = tok.meta["alert"]
                first.content = first.content[found.end() :]
                if not first.content and len(inline.children) > 1 and inline.children[1].type == "softbreak":
                    del inline.children[1]
        elif kind == "paragraph_close" and not (nxt is not None and nxt.type == "paragraph_open"):
            _opener(tokens, i).meta["last"] = True  # what follows brings its own margin (or nothing does)
        elif kind in ("bullet_list_open", "ordered_list_open"):
            tok.meta["nested"] = bool(lists)
            start = tok.attrGet("start")
            lists.append([int(start) if start is not None else 1] if kind == "ordered_list_open" else [-1])
        elif kind in ("bullet_list_close", "ordered_list_close") and lists:
            lists.pop()
        elif kind == "list_item_open" and lists:
            number = lists[-1][0]
            if number < 0:
                tok.meta["marker"] = _BULLETS[(len(lists) - 1) % len(_BULLETS)] + " "
            else:
                tok.meta["marker"] = f"{number}. "
                lists[-1][0] = number + 1
        out.append(tok)
        i += 1
    return out


def _opener(tokens: list[Token], end: int) -> Token:
    """The token opening the block closed at `end`."""
    depth = 0
    for k in range(end, -1, -1):
        depth += tokens[k].nesting
        if depth == 0:
            return tokens[k]
    return tokens[end]


def _closer(tokens: list[Token], start: int) -> Token:
    """The token closing the block opened at `start`."""
    depth = 0
    for tok in tokens[start:]:
        depth += tok.nesting
        if depth == 0:
            return tok
    return tokens[start]


class _WechatRenderer(RendererHTML):
    """markdown-it's HTML renderer with WeChat's rules: compact styles, no raw whitespace."""

    def __init__(self, theme: WechatTheme) -> None:
        super().__init__()
        self.theme = theme
        self.styles = _styles(theme)

    def _open(self, tag: str, key: str | None = None, extra: str = "") -> str:
        style = ";".join(s for s in (self.styles.get(key or tag, ""), extra) if s)
        return f'<{tag} style="{style}">' if style else f"<{tag}>"

    def renderToken(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:  # noqa: N802
        tok = tokens[idx]
        if tok.hidden:
            return ""
        if tok.nesting == -1:
            return f"</{tok.tag}>"
        own = str(tok.attrGet("style") or "")
        align = re.fullmatch(r"text-align:(left|center|right)", own)
        attrs = "".join(
            f' {name}="{escape(str(value))}"' for name, value in (tok.attrs or {}).items() if name != "style"
        )
        if align:  # markdown-it's column alignment: the `align` attribute says it in fewer characters
            attrs, own = f'{attrs} align="{align.group(1)}"', ""
        style = ";".join(s for s in (self.styles.get(tok.tag, ""), own) if s)
        return f"<{tok.tag}{attrs}" + (f' style="{style}"' if style else "") + ">"

    def paragraph_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        tok = tokens[idx]
        if "figure" in tok.meta:
            return self._open("figure")
        if tok.hidden:
            return ""
        opened = "<p>" if tok.meta.get("last") else self._open("p")
        return opened + escape(tok.meta.get("marker", ""))

    def paragraph_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        tok = tokens[idx]
        if "figure" in tok.meta:
            image = tok.meta["figure"]
            source = self.theme.figure_caption
            caption = image.content if source == "alt" else str(image.attrGet("title") or "")
            if source == "none" or not caption.strip():
                return "</figure>"
            return f"{self._open('figcaption')}{escape(caption)}</figcaption></figure>"
        return "" if tok.hidden else "</p>"

    def image(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        tok = tokens[idx]
        src = escape(str(tok.attrGet("src") or ""))
        alt = escape(self.renderInlineAsText(tok.children or [], options, env))
        return f'<img src="{src}" alt="{alt}" style="{self.styles["img"]}">'

    def blockquote_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        kind = tokens[idx].meta.get("alert")
        if kind is None:
            return self._open("blockquote")
        title, colour, background = ALERTS[kind]
        box = f"margin:1em 0;padding:10px 14px;border-left:4px solid {colour};background-color:{background}"
        head = f'<p style="margin:0 0 .5em;font-weight:bold;color:{colour}">{title}</p>'
        return f'<section style="{box}">{head}'

    def blockquote_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "</section>" if "alert" in tokens[idx].meta else "</blockquote>"

    def bullet_list_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._list(tokens[idx])

    def ordered_list_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._list(tokens[idx])

    def _list(self, tok: Token) -> str:
        return self._open(tok.tag, "nested_list" if tok.meta.get("nested") else "list")

    def list_item_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        marker = tokens[idx].meta.get("marker", "")
        # the marker is text, so nesting and numbering survive WeChat's own list styles
        following = tokens[idx + 1] if idx + 1 < len(tokens) else None
        if following is not None and following.type == "paragraph_open" and not following.hidden:
            following.meta["marker"] = marker
            return "<li>"
        return f"<li>{escape(marker)}"

    def inline(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return str(self.renderInline(tokens[idx].children or [], options, env))

    def table_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._open("section", "table_wrap") + self._open("table")

    def table_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "</table></section>"

    def fence(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        tok = tokens[idx]
        lang = tok.info.strip().split(maxsplit=1)[0] if tok.info.strip() else ""
        return self._code(code_lines(tok.content, lang, self.theme.code_style))

    def code_block(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._code(code_lines(tokens[idx].content))

    def _code(self, body: str) -> str:
        header = MAC_HEADER if self.theme.code_header == "mac" else ""
        return f"{self._open('pre')}{header}<code>{body}</code></pre>"

    def code_inline(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        text = escape(tokens[idx].content, quote=False).replace("  ", "&nbsp; ")
        return f"{self._open('code')}{text}</code>"

    def footnote_ref(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return f"{self._open('sup')}[{tokens[idx].meta['n']}]</sup>"

    def softbreak(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "<br>" if self.theme.soft_breaks_as_br else " "

    def hardbreak(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "<br>"

    def text(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return escape(tokens[idx].content, quote=False).replace("\n", " ")

    def _math(self, tex: str, display: bool) -> str:
        tex = tex.strip()
        try:
            drawn = formula(tex, display)
        except MathError:
            # check reports it as an error; a preview shows the source in code style rather than nothing
            return f"{self._open('code')}{escape(tex, quote=False)}</code>"
        alt = escape(" ".join(tex.split()))
        if display:
            img = f'<img src="{drawn.name}" alt="{alt}" style="width:{drawn.width}px;max-width:100%">'
            return f"{self._open('p', 'math_block')}{img}</p>"
        # no margin: WeChat's page zeroes every margin; a formula on the baseline needs no vertical-align
        shift = f";vertical-align:-{drawn.depth}px" if drawn.depth else ""
        style = f"display:inline-block;width:{drawn.width}px{shift}"
        return f'<img src="{drawn.name}" alt="{alt}" style="{style}">'

    def math_inline(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._math(tokens[idx].content, False)

    def math_inline_double(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._math(tokens[idx].content, True)

    def math_block(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._math(tokens[idx].content, True)

    def math_block_label(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._math(tokens[idx].content, True)


def _reference(number: int, text: str, url: str) -> str:
    # an autolink's text is the URL itself: `[2] https://x.cn: https://x.cn?utm…` would say it twice
    if not url:
        return f"[{number}] {text}"  # a [^n] note: its text is already rendered HTML
    shown = url if text == url or is_external(text) else f"{text}: {url}"
    return f"[{number}] {escape(shown)}"


def style_share(html: str) -> float:
    """The share of `html`'s characters spent on `style` attributes (0..1)."""
    return sum(len(m.group(0)) for m in _STYLE_ATTR.finditer(html)) / max(len(html), 1)


def render_article(
    markdown_text: str,
    *,
    link_rewriter: UrlMap | None = None,
    image_src: UrlMap | None = None,
    theme: WechatTheme | None = None,
    sanitized: bool = True,
) -> WechatArticle:
    """Render Markdown as a WeChat article body: inline styles only, external links and `[^n]` notes as one
    numbered list at the end, math as images (`math-….png`, see `math_images`).

    `sanitized=False` skips the final allowlist pass for callers that sanitise the page they embed it in.
    """
    theme = theme or WechatTheme()
    tokens, env = parse_article(markdown_text)
    rewrite_urls(tokens, link_rewriter=link_rewriter, image_src=image_src)
    tokens, note_tokens = _take_footnotes(tokens)
    renderer = _renderer_for(theme)
    options = parser_options()
    notes = _Footnotes()
    for inner in note_tokens.values():
        rewrite_urls(inner, link_rewriter=link_rewriter, image_src=image_src)
    images: list[str] = []
    cell = False
    math = "$" in markdown_text  # no formula without one

    def rewrite(stream: list[Token], bodies: dict[int, str]) -> None:
        nonlocal cell
        for tok in stream:
            kind = tok.type
            if kind in ("th_open", "td_open"):
                cell = True
            elif kind in ("th_close", "td_close"):
                cell = False
            if kind == "inline" and tok.children:
                tok.children = _rewrite_inline(tok.children, notes, bodies, cell)
                images.extend(str(c.attrGet("src") or "") for c in tok.children if c.type == "image")
            elif math and kind.startswith("math_block"):
                images.append(formula_src(tok.content, True))
            if math:
                for c in tok.children or []:
                    if c.type.startswith("math_inline"):
                        images.append(formula_src(c.content, c.type == "math_inline_double"))

    rewrite(tokens, {})
    for ident, inner in note_tokens.items():
        if ident in notes.notes:  # referenced notes only; their own links are numbered after the body's
            rewrite(inner, {})
            inner_html = renderer.render(_mark_structure(inner, theme), options, env).replace("\n", "")
            n = notes.notes[ident]
            notes.entries[n - 1] = (n, re.sub(r"^<p[^>]*>|</p>$", "", inner_html), "")
    body = renderer.render(_mark_structure(tokens, theme), options, env)
    styles = renderer.styles
    if notes.entries:  # one paragraph, a line per note: one style for the whole list
        refs = "<br>".join(_reference(*entry) for entry in notes.entries)
        title = f'<p style="{styles["ref_title"]}">{escape(theme.references_title)}</p>'
        body += f'{title}<p style="{styles["refs"]}">{refs}</p>'
    html = f'<section style="{styles["section"]}">{body}</section>'.replace("\n", "")
    entries = tuple(
        (n, re.sub(r"<[^>]+>", "", text) if not url else text, url) for n, text, url in notes.entries
    )
    return WechatArticle(html=sanitize(html) if sanitized else html, footnotes=entries, images=tuple(images))


def formula_src(tex: str, display: bool) -> str:
    """The `src` a formula's image has in the article (its file name; see `math_images.formula_name`)."""
    from publisher.render.math_images import formula_name

    return formula_name(tex.strip(), display)


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
    "th": {"colspan", "rowspan", "align"},
    "td": {"colspan", "rowspan", "align"},
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
        "border-spacing",
        "width",
        "max-width",
        "min-width",
        "height",
        "max-height",
        "display",
        "overflow",
        "overflow-x",
        "overflow-y",
        "list-style",
        "list-style-type",
        "box-sizing",
        "box-shadow",  # colours and lengths only (a url() anywhere drops the whole style, see _BAD_CSS)
    ]
)
# CSS that can run code or fetch things in some engine (IE expression, -moz-binding, url()), and the
# escapes/comments that could hide those words from a plain substring test.
_BAD_CSS = re.compile(
    r"url\s*\(|image-set|image\s*\(|src\s*\(|cross-fade|element\s*\(|paint\s*\(|expression|javascript:|vbscript:|behavio(u)?r|binding|@import|\\|/\*|<",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    # Pure, and an article repeats the same few style attributes on every paragraph, span and cell: each
    # distinct one is tested once.
    if attr == "style":
        return None if _BAD_CSS.search(value) else value
    if tag == "a" and attr == "href":
        return value if _is_wechat_link(value) else None
    return value


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    # Built once: handing nh3 the allowlists on every call rebuilt them for every article.
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=None,
        url_schemes={"http", "https"},
        filter_style_properties=set(ALLOWED_CSS),
    )


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
    return _cleaner().clean(html)
