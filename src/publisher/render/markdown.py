"""Pure Markdown parsing (CommonMark, raw HTML off), rendered to HTML or to platform plain text; no I/O."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

UrlMap = Callable[[str], str]

__all__ = [
    "UrlMap",
    "MORE",
    "excerpt",
    "extract_images",
    "extract_links",
    "link_spans",
    "extract_math",
    "find_raw_html",
    "image_path",
    "is_external",
    "md_to_html",
    "md_to_plain",
    "parse",
    "parse_article",
    "parser_options",
    "rewrite_urls",
]

_BLANK_RUNS = re.compile(r"\n{3,}")
#: Hexo's (and Jekyll's) excerpt separator: the text above it is the post's summary.
MORE = re.compile(r"\s*<!--\s*more\s*-->\s*", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # js-default: raw HTML off, so `<script>` in content is shown as text (RELIABILITY R28).
    # It already has tables and strikethrough; enabling them explicitly documents that we rely on them.
    return MarkdownIt("js-default").enable(["table", "strikethrough"])


@lru_cache(maxsize=1)
def _article_parser() -> MarkdownIt:
    # Articles also take `[^n]` footnotes and `$…$` / `$$…$$` math; raw HTML stays off.
    md = MarkdownIt("js-default").enable(["table", "strikethrough"])
    return md.use(footnote_plugin).use(dollarmath_plugin, double_inline=True)


def parse_article(text: str) -> tuple[list[Token], dict[str, object]]:
    """Parse an article body (footnotes and math on) into a fresh token stream and its env."""
    env: dict[str, object] = {}
    if "$" not in text and "^" not in text:
        # Footnotes (`[^n]`, `^[…]`) and math (`$`) need those characters, and both are text terminators of
        # the plain parser too: without them the two parsers give the same tokens, so the body's shared parse
        # is taken over (an item's text for the other platforms has already read it) instead of parsed again.
        return parse_copy(text), env
    return _article_parser().parse(text, env), env


def extract_math(text: str) -> list[tuple[str, bool]]:
    """(tex, display) of every formula of an article body in document order."""
    if "$" not in text:
        return []
    found: list[tuple[str, bool]] = []
    for tok in parse_article(text)[0]:
        if tok.type.startswith("math_block"):
            found.append((tok.content.strip(), True))
        for child in tok.children or []:
            if child.type.startswith("math_inline"):
                found.append((child.content.strip(), child.type == "math_inline_double"))
    return found


def parse(text: str) -> list[Token]:
    """Parse Markdown into a fresh markdown-it token stream (safe to mutate)."""
    return _parser().parse(text)


def parse_copy(text: str) -> list[Token]:
    """A token stream the caller may mutate. The shared parse is handed over when this thread holds one (the
    mutating renderer comes last for an item, so nobody reads it afterwards); otherwise a fresh parse."""
    cache = _cache()
    tokens = cache.pop(text, None)
    return list(tokens) if tokens is not None else parse(text)


_PARSES = threading.local()  # per thread: a stream handed to a mutating renderer is never read elsewhere
_CACHE_SIZE = 64


def _cache() -> OrderedDict[str, tuple[Token, ...]]:
    cache = getattr(_PARSES, "cache", None)
    if cache is None:
        cache = _PARSES.cache = OrderedDict()
    return cache


def _parsed(text: str) -> tuple[Token, ...]:
    """A shared, read-only parse: one item's body is read for several platforms, so parse it once."""
    cache = _cache()
    tokens = cache.get(text)
    if tokens is None:
        tokens = cache[text] = tuple(_parser().parse(text))
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return tokens


def parser_options() -> OptionsDict:
    """The options of the shared parser, for renderers that render its token streams."""
    return _parser().options


@lru_cache(maxsize=4096)  # an item's links are asked about by each renderer and check of each platform
def is_external(url: str) -> bool:
    """True for absolute http(s) URLs: the only links we count as outbound."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _inline_tokens(tokens: Sequence[Token]) -> list[Token]:
    """Every inline child token, in document order (images nest their alt text as children: skipped)."""
    return [child for tok in tokens if tok.type == "inline" for child in (tok.children or [])]


def image_path(tok: Token) -> str:
    """An image token's src as written: markdown-it percent-encodes it (`两.jpg` → `%E4%B8%A4.jpg`),
    which is right for HTML but not for finding the file, so local paths are decoded back."""
    src = str(tok.attrGet("src") or "")
    return src if is_external(src) else unquote(src)


def rewrite_urls(
    tokens: Sequence[Token], *, link_rewriter: UrlMap | None = None, image_src: UrlMap | None = None
) -> None:
    """In place: `link_rewriter` on every outbound http(s) link href, `image_src` on every image src.

    `image_src` receives the src as written (see `image_path`); its result is used verbatim.
    """
    for tok in _inline_tokens(tokens):
        if link_rewriter is not None and tok.type == "link_open":
            href = str(tok.attrGet("href") or "")
            if is_external(href):
                tok.attrSet("href", link_rewriter(href))
        elif image_src is not None and tok.type == "image":
            tok.attrSet("src", image_src(image_path(tok)))


def md_to_html(text: str, *, link_rewriter: UrlMap | None = None, image_src: UrlMap | None = None) -> str:
    """Render Markdown to HTML (CommonMark + tables + strikethrough, raw HTML shown as text).

    The rewriters' results are attribute-escaped but not validated: pass untrusted output through
    `wechat_html.sanitize` before showing it.
    """
    tokens = parse(text)
    rewrite_urls(tokens, link_rewriter=link_rewriter, image_src=image_src)
    md = _parser()
    return str(md.renderer.render(tokens, md.options, {}))


def extract_links(text: str) -> list[str]:
    """The outbound http(s) link URLs in document order, one entry per occurrence."""
    return [
        str(tok.attrGet("href"))
        for tok in _inline_tokens(_parsed(text))
        if tok.type == "link_open" and is_external(str(tok.attrGet("href") or ""))
    ]


def link_spans(text: str) -> list[tuple[int, str, str]]:
    """(1-based line of its paragraph, link text, URL) of every outbound http(s) link, in document order."""
    found: list[tuple[int, str, str]] = []
    for tok in _parsed(text):
        if tok.type != "inline":
            continue
        line = (tok.map[0] + 1) if tok.map else 1
        opened: list[tuple[str, list[str]]] = []
        for child in tok.children or []:
            if child.type == "link_open":
                opened.append((str(child.attrGet("href") or ""), []))
            elif child.type == "link_close" and opened:
                href, label = opened.pop()
                if is_external(href):
                    found.append((line, "".join(label).strip(), href))
            elif opened and child.type in ("text", "code_inline"):
                opened[-1][1].append(child.content)
    return found


@lru_cache(maxsize=1)
def _html_finder() -> MarkdownIt:
    # CommonMark with raw HTML on: only used to *find* what would have been markup, never to render it.
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def find_raw_html(text: str) -> list[tuple[int, str]]:
    """(1-based line, snippet) of each raw HTML block or tag in the source, for validators to report.

    Rendering never emits these as markup (raw HTML is off); this lets a validator refuse e.g. a
    `<script>` in a WeChat body with `path:line` instead of silently showing it as text. Inline tags
    are reported at the first line of their paragraph. Code spans and blocks hold no HTML; what renders as
    meant is not reported: a `<!--more-->` line (the excerpt marker) and `<br>` in a table cell.
    """
    found: list[tuple[int, str]] = []
    if "<" not in text:
        return found
    in_table = False
    for tok in _html_finder().parse(text):
        line = (tok.map[0] + 1) if tok.map else 1
        in_table = tok.type != "table_close" and (in_table or tok.type == "table_open")
        if tok.type == "html_block":
            if not MORE.fullmatch(tok.content):  # the excerpt marker renders as nothing, on purpose
                found.append((line, tok.content.strip()[:80]))
        elif tok.type == "inline":
            found.extend(
                (line, c.content[:80])
                for c in tok.children or []
                if c.type == "html_inline" and not (in_table and _BR.fullmatch(c.content))
            )
    return found


def excerpt(text: str) -> str | None:
    """The plain text above a `<!--more-->` line (the post's summary), or None without one."""
    if "<!--" not in text:
        return None
    for tok in _html_finder().parse(text):
        if tok.type == "html_block" and MORE.fullmatch(tok.content) and tok.map:
            above = "\n".join(text.splitlines()[: tok.map[0]])
            return md_to_plain(above, link_style="text").strip() or None
    return None


def extract_images(text: str) -> list[tuple[str, str]]:
    """(src, alt) of every Markdown image in document order (reference-style images included).

    Local srcs are given as written (percent-decoded), ready to resolve against the item's folder.
    """
    return [(image_path(tok), tok.content) for tok in _inline_tokens(_parsed(text)) if tok.type == "image"]


def _inline_plain(children: Sequence[Token], link_style: str, rewrite: UrlMap | None = None) -> str:
    """Flatten one inline token stream: markers dropped, images dropped, links per `link_style`."""
    out: list[str] = []
    link_stack: list[tuple[Token, int]] = []  # (link_open, index in out where the link text starts)
    for tok in children:
        kind = tok.type
        if kind in ("text", "code_inline", "html_inline"):
            out.append(tok.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "link_open":
            link_stack.append((tok, len(out)))
        elif kind == "link_close" and link_stack:
            opener, start = link_stack.pop()
            href = str(opener.attrGet("href") or "")
            label = "".join(out[start:]).strip()
            if not is_external(href):
                continue  # mailto:, relative and anchor links mean nothing in a caption: keep the text
            if rewrite is not None:
                href = rewrite(href)
            if opener.markup == "autolink" or not label:
                # the label is the URL itself: show the (possibly rewritten) URL once
                del out[start:]
                out.append(href)
            elif link_style == "inline" and label.rstrip("/") != _bare(href):
                out.append(f" ({href})")
        # emphasis / strikethrough markers and images contribute nothing
    return "".join(out)


def _bare(url: str) -> str:
    return re.sub(r"^https?://", "", url, flags=re.IGNORECASE).rstrip("/")


def _table_rows(
    tokens: Sequence[Token], start: int, link_style: str, rewrite: UrlMap | None = None
) -> tuple[list[str], int]:
    """A table as lines, and the index of its table_close: a two-column table as `key：value` lines (its
    header row dropped), any other as `a｜b｜c` lines, header first."""
    rows: list[list[str]] = []
    cells: list[str] = []
    i = start
    while i < len(tokens) and tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "inline":
            text = _inline_plain(tok.children or [], link_style, rewrite)
            cells.append(" ".join(_BR.sub(" ", text).split()))
        elif tok.type == "tr_close":
            rows.append(cells)
            cells = []
        i += 1
    if rows and all(len(row) == 2 for row in rows):
        return [f"{key}：{value}" if key and value else key or value for key, value in rows[1:]], i
    return ["｜".join(row) for row in rows], i


#: Plain-text markers (小红书 and 抖音 have no formatting): a heading is `▍` after a blank line,
#: a quote sits in 「」, a code line is indented by four spaces.
HEADING_MARK = "▍"
QUOTE_MARKS = ("「", "」")
CODE_INDENT = "    "
#: GitHub's alert kinds and the word each is shown with.
ALERT_TITLES = {"NOTE": "说明", "TIP": "提示", "IMPORTANT": "重要", "WARNING": "警告", "CAUTION": "注意"}
_ALERT_MARK = re.compile(r"^\[!(" + "|".join(ALERT_TITLES) + r")\]\s*", re.IGNORECASE)


@dataclass
class _ListItem:
    marker: str | None  # written before the item's first block, then None
    pad: int  # indentation of the item's later lines and blocks


class _PlainWriter:
    """Collects text blocks; knows the list markers and indentation of the block being written."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.counters: list[int | None] = []  # one per open list: next number, or None for bullets
        self.items: list[_ListItem] = []  # one per open list item
        self.list_blocks = 0  # blocks written inside the current top-level list
        self.quote_opens = 0  # quotes opened whose first block is still to come
        self.quote_blocks: list[int] = []  # per open quote: index of its first block in `blocks`

    def open_list(self, start: int | None) -> None:
        if not self.counters:
            self.list_blocks = 0
        self.counters.append(start)

    def open_item(self) -> None:
        number = self.counters[-1]
        if number is None:
            marker = "• "
        else:
            marker = f"{number}. "
            self.counters[-1] = number + 1
        self.items.append(_ListItem(marker, len(marker)))

    def close_item(self) -> None:
        if self.items[-1].marker is not None:  # an empty item still shows its marker
            self.write("", allow_empty=True)
        self.items.pop()

    def write(self, body: str, *, allow_empty: bool = False) -> None:
        if not body.strip() and not allow_empty:
            return
        lead = "".join(" " * item.pad for item in self.items[:-1])
        first = cont = lead
        if self.items:
            current = self.items[-1]
            cont = lead + " " * current.pad
            first = lead + current.marker if current.marker is not None else cont
            current.marker = None
        if self.quote_opens:
            body = QUOTE_MARKS[0] * self.quote_opens + body
            self.quote_opens = 0
        text = (first + body.replace("\n", "\n" + cont)).rstrip()
        tight = bool(self.counters) and self.list_blocks > 0
        if self.counters:
            self.list_blocks += 1
        self.blocks.append(("\n" if tight else "\n\n") + text)

    def open_quote(self) -> None:
        self.quote_opens += 1
        self.quote_blocks.append(len(self.blocks))

    def close_quote(self) -> None:
        first = self.quote_blocks.pop()
        if self.quote_opens:  # an empty quote: nothing to mark
            self.quote_opens -= 1
        elif len(self.blocks) > first:
            self.blocks[-1] += QUOTE_MARKS[1]

    def text(self) -> str:
        return _BLANK_RUNS.sub("\n\n", "".join(self.blocks).strip("\n"))


def md_to_plain(
    text: str,
    *,
    link_style: str = "inline",
    link_rewriter: UrlMap | None = None,
) -> str:
    """Markdown to plain text for Xiaohongshu/Douyin: line breaks kept, one blank line between blocks.

    Headings become `▍heading` after a blank line, bullets `• `, ordered items `1. `, quotes sit in 「」 (a
    GitHub alert starts with its word, `提示：`), code lines are indented by four spaces, a two-column table
    becomes `key：value` lines and a wider one `a｜b｜c` lines, links `text (url)` (or `text` with
    link_style="text"), images are dropped (they travel separately), emoji and (decoded) entities pass
    through untouched.
    """
    if link_style not in ("inline", "text"):
        raise ValueError(f"link_style must be 'inline' or 'text', not {link_style!r}")
    tokens = _parsed(text)  # read-only: links are rewritten as they are written out
    writer = _PlainWriter()
    i = 0
    count = len(tokens)
    while i < count:
        tok = tokens[i]
        kind = tok.type
        if kind == "paragraph_open" or kind == "paragraph_close":
            pass  # a paragraph is its inline token's text (a third of the tokens: ruled out first)
        elif kind == "bullet_list_open":
            writer.open_list(None)
        elif kind == "ordered_list_open":
            start = tok.attrGet("start")
            writer.open_list(int(start) if start is not None else 1)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            writer.counters.pop()
        elif kind == "list_item_open":
            writer.open_item()
        elif kind == "list_item_close":
            writer.close_item()
        elif kind == "inline" and "<!--" in tok.content and MORE.fullmatch(tok.content):
            pass  # the excerpt marker is for the article renderers, never shown
        elif kind == "blockquote_open":
            writer.open_quote()
        elif kind == "blockquote_close":
            writer.close_quote()
        elif kind == "heading_open":
            heading = _inline_plain(tokens[i + 1].children or [], link_style, link_rewriter).strip()
            writer.write(HEADING_MARK + " ".join(heading.split()))
            i += 2  # inline, heading_close
        elif kind == "inline":
            text = _inline_plain(tok.children or [], link_style, link_rewriter).strip("\n")
            if writer.quote_opens:
                alert = _ALERT_MARK.match(text)
                if alert:
                    rest = text[alert.end() :].lstrip("\n")
                    text = f"{ALERT_TITLES[alert.group(1).upper()]}：{rest}"
            writer.write(text)
        elif kind in ("fence", "code_block"):
            lines = tok.content.replace("\t", CODE_INDENT).rstrip("\n").split("\n")
            writer.write("\n".join(CODE_INDENT + line if line.strip() else "" for line in lines))
        elif kind == "hr":
            writer.write("———")
        elif kind == "table_open":
            rows, i = _table_rows(tokens, i, link_style, link_rewriter)
            writer.write("\n".join(rows))
        i += 1
    return writer.text()
