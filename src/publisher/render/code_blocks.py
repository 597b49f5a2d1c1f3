"""Code blocks for inline-styled articles (WeChat first): lines joined by `<br>`, indentation as `&nbsp;`,
Pygments colours inline for four kinds of token (keywords, strings, comments, numbers), one span per run of a
colour.

WeChat's editor and draft API collapse whitespace inside `<pre>`/`<code>` (line breaks removed, indentation
squeezed), so nothing here relies on raw newlines or runs of spaces: every line break is a `<br>`, every
space that would collapse (leading, or in a run) is `&nbsp;`, and the block scrolls sideways instead of
wrapping. Error tokens are never styled: a lexer flags valid text it does not know (Chinese punctuation in C
code, say) and a red box around it would be a lie.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from html import escape

from pygments.lexer import Lexer
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import Comment, Generic, Keyword, Name, Number, String, _TokenType

from publisher.render.css import near_colour

__all__ = ["MAC_HEADER", "code_lines", "known_language"]

_NBSP = "\x00"  # placeholder for a space that must not collapse, swapped for &nbsp; after escaping
_TAB = "    "

#: The three window buttons of a macOS title bar: one 10 px red dot whose two shadows draw the yellow and
#: green ones (no SVG: WeChat drops it; one element and about 150 characters instead of three spans and 431,
#: paid by every code block of an article that turns the header on).
MAC_HEADER = (
    '<section style="width:10px;height:10px;border-radius:5px;margin-bottom:8px;background-color:#ff5f56;'
    'box-shadow:16px 0 #ffbd2e,32px 0 #27c93f"></section>'
)


@lru_cache(maxsize=1)
def _builtin_lexer_aliases() -> frozenset[str]:
    return frozenset(alias for _, aliases, _, _ in get_all_lexers(plugins=False) for alias in aliases)


def known_language(lang: str) -> bool:
    """Whether `lang` names one of Pygments' own lexers (plugin lexers are never loaded mid-render)."""
    return lang.lower() in _builtin_lexer_aliases()


#: The few kinds of token an article colours, each in its style's colour for the first type listed; every
#: other token (names, operators, punctuation, errors) stays in the block's text colour. Fewer kinds means
#: fewer and longer spans (`const int`, `#include <stdio.h>`, `"a\\n"` are one span each) and keeps a reader's
#: eye on what highlighting is for: what is language, what is a string, what is a comment.
_PALETTE: tuple[tuple[_TokenType, tuple[_TokenType, ...]], ...] = (
    (Keyword, (Keyword, Name.Builtin, Name.Tag, Comment.Preproc, Comment.PreprocFile)),
    (String, (String,)),
    (Comment, (Comment,)),
    (Number, (Number,)),
    (Generic.Inserted, (Generic.Inserted,)),
    (Generic.Deleted, (Generic.Deleted,)),
)


@lru_cache(maxsize=4096)
def _css(style: StyleMeta, ttype: _TokenType) -> str:
    """Inline CSS for one token type: the colour of its kind in the palette (bold/italic cost bytes), nothing
    for a token of no kind (errors included), and nothing for a grey: beside the block's own dark grey text
    it marks nothing a reader would notice."""
    for representative, members in _PALETTE:
        if any(member in ttype.split() for member in members):  # ttype is member or one of its subtypes
            return _colour_css(style, representative)
    return ""


@lru_cache(maxsize=64)
def _colour_css(style: StyleMeta, ttype: _TokenType) -> str:
    while not style.styles_token(ttype) and ttype.parent is not None:
        ttype = ttype.parent  # a style lists only some types; the rest take their parent's look
    colour = style.style_for_token(ttype)["color"]
    if not colour or _grey(colour):
        return ""
    return f"color:{near_colour('#' + colour)}"


def _grey(colour: str) -> bool:
    """Whether a 6-digit hex colour has no hue (red, green and blue within 8 of each other)."""
    rgb = [int(colour[k : k + 2], 16) for k in (0, 2, 4)]
    return max(rgb) - min(rgb) <= 8


@lru_cache(maxsize=64)
def _lexer(lang: str) -> Lexer:
    # Made once per language (finding and building one costs as much as lexing a short block); a lexer keeps
    # no state between `get_tokens` calls, so one instance serves every block.
    return get_lexer_by_name(lang, stripnl=False, ensurenl=False)


@lru_cache(maxsize=16)
def _style(name: str) -> StyleMeta:
    return get_style_by_name(name)


def _segments(code: str, lang: str, style_name: str) -> Iterable[tuple[str, str]]:
    """(css, text) pieces of the code, highlighted when `lang` is a known lexer."""
    if not known_language(lang):
        yield "", code
        return
    style = _style(style_name)
    for ttype, value in _lexer(lang.lower()).get_tokens(code):
        yield _css(style, ttype), value


def _protect_spaces(line: str) -> str:
    """Mark the spaces HTML would collapse: the leading run and every run longer than one."""
    line = line.replace("\t", _TAB)
    out = []
    i = 0
    while i < len(line):
        if line[i] != " ":
            out.append(line[i])
            i += 1
            continue
        j = i
        while j < len(line) and line[j] == " ":
            j += 1
        out.append(_NBSP * (j - i) if i == 0 or j - i > 1 or j == len(line) else " ")
        i = j
    return "".join(out)


def _merged(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join a coloured piece to the last one of its colour when only whitespace and line breaks lie between
    them: `public static void` is one span, and so are three comment lines in a row (a `<br>` may sit inside
    a `<span>`). Whitespace alone is never coloured."""
    out: list[tuple[str, str]] = []
    for css, html in pieces:
        if css and not _NEUTRAL.fullmatch(html):
            j = len(out) - 1
            while j >= 0 and not out[j][0]:
                j -= 1
            if j >= 0 and out[j][0] == css and all(_NEUTRAL.fullmatch(h) for _, h in out[j + 1 :]):
                out[j] = (css, "".join(h for _, h in out[j:]) + html)
                del out[j + 1 :]
                continue
            out.append((css, html))
        else:
            out.append(("", html))
    return out


_NEUTRAL = re.compile(r"(?:<br>|&nbsp;| )*")


@lru_cache(maxsize=256)
def code_lines(code: str, lang: str = "", style: str = "default") -> str:
    """The HTML inside a code block's `<code>`: coloured spans, `<br>` between lines, no whitespace runs.

    Pure, and asked again for the same block (the check at sync, the send, a series' shared snippet): each
    distinct block is highlighted once."""
    code = code.replace("\x00", "").replace("\r\n", "\n").rstrip("\n")
    lines: list[list[tuple[str, str]]] = [[]]
    for css, text in _segments(code, lang, style):
        for k, part in enumerate(text.split("\n")):
            if k:
                lines.append([])
            if part:
                lines[-1].append((css, part))
    pieces: list[tuple[str, str]] = []
    for n, line in enumerate(lines):
        if n:
            pieces.append(("", "<br>"))
        # protect spaces over the whole line, so runs split across tokens are still seen as runs
        whole = _protect_spaces("".join(text for _, text in line))
        pos = 0
        for css, text in line:
            width = len(text.replace("\t", _TAB))
            pieces.append((css, escape(whole[pos : pos + width], quote=False).replace(_NBSP, "&nbsp;")))
            pos += width
    return "".join(f'<span style="{css}">{html}</span>' if css else html for css, html in _merged(pieces))
