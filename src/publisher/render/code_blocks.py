"""Code blocks for inline-styled articles (WeChat first): lines joined by `<br>`, indentation as `&nbsp;`,
Pygments colours inline.

WeChat's editor and draft API collapse whitespace inside `<pre>`/`<code>` (line breaks removed, indentation
squeezed), so nothing here relies on raw newlines or runs of spaces: every line break is a `<br>`, every
space that would collapse (leading, or in a run) is `&nbsp;`, and the block scrolls sideways instead of
wrapping. Error tokens are never styled: a lexer flags valid text it does not know (Chinese punctuation in C
code, say) and a red box around it would be a lie.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from html import escape

from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import Error, _TokenType

from publisher.render.css import near_colour

__all__ = ["MAC_HEADER", "code_lines", "known_language"]

_NBSP = "\x00"  # placeholder for a space that must not collapse, swapped for &nbsp; after escaping
_TAB = "    "

#: The three window buttons of a macOS title bar, drawn with styled spans (no SVG: WeChat drops it).
MAC_HEADER = (
    '<section style="margin:0 0 8px;line-height:1">'
    + "".join(
        f'<span style="display:inline-block;width:10px;height:10px;border-radius:5px;'
        f'margin-right:6px;background-color:{colour}"></span>'
        for colour in ("#ff5f56", "#ffbd2e", "#27c93f")
    )
    + "</section>"
)


@lru_cache(maxsize=1)
def _builtin_lexer_aliases() -> frozenset[str]:
    return frozenset(alias for _, aliases, _, _ in get_all_lexers(plugins=False) for alias in aliases)


def known_language(lang: str) -> bool:
    """Whether `lang` names one of Pygments' own lexers (plugin lexers are never loaded mid-render)."""
    return lang.lower() in _builtin_lexer_aliases()


@lru_cache(maxsize=4096)
def _css(style: StyleMeta, ttype: _TokenType) -> str:
    """Inline CSS for one token type: its colour only (bold/italic cost bytes), nothing for errors, and
    nothing for a grey: beside the block's own dark grey text it marks nothing a reader would notice."""
    if ttype is Error or ttype in Error.subtypes:
        return ""
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


def _segments(code: str, lang: str, style_name: str) -> Iterable[tuple[str, str]]:
    """(css, text) pieces of the code, highlighted when `lang` is a known lexer."""
    if not known_language(lang):
        yield "", code
        return
    style = get_style_by_name(style_name)
    lexer = get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    for ttype, value in lexer.get_tokens(code):
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


def _bridge_spaces(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Give a run of spaces between two tokens of one colour that colour, so the three become one span
    (`public static void`: one span, not three)."""
    out = list(pieces)
    for k in range(1, len(out) - 1):
        css, text = out[k]
        before, after = out[k - 1][0], out[k + 1][0]
        if not text.strip(" \t") and before and before == after and css != before:
            out[k] = (before, text)
    return out


def code_lines(code: str, lang: str = "", style: str = "default") -> str:
    """The HTML inside a code block's `<code>`: coloured spans, `<br>` between lines, no whitespace runs."""
    code = code.replace("\x00", "").replace("\r\n", "\n").rstrip("\n")
    lines: list[list[tuple[str, str]]] = [[]]
    for css, text in _segments(code, lang, style):
        for k, part in enumerate(text.split("\n")):
            if k:
                lines.append([])
            if part:
                lines[-1].append((css, part))
    rendered = []
    for pieces in map(_bridge_spaces, lines):
        # protect spaces over the whole line, so runs split across tokens are still seen as runs
        whole = _protect_spaces("".join(text for _, text in pieces))
        html: list[str] = []
        pos = 0
        for css, text in pieces:
            width = len(text.replace("\t", _TAB))
            chunk = escape(whole[pos : pos + width], quote=False).replace(_NBSP, "&nbsp;")
            pos += width
            if html and css and html[-1].startswith(f'<span style="{css}">'):
                html[-1] = html[-1][: -len("</span>")] + chunk + "</span>"  # same colour: one span
            elif css and chunk.replace("&nbsp;", "").strip():
                html.append(f'<span style="{css}">{chunk}</span>')
            else:
                html.append(chunk)
        rendered.append("".join(html))
    return "<br>".join(rendered)
