"""Turn an assistant's WeChat HTML body into the Markdown a person writes: sanitised first, then converted.

Content files are Markdown and the renderer keeps raw HTML off, so HTML cannot be stored as it came. The
HTML is reduced with the WeChat renderer's own allowlist (tags and attributes; scripts and styles removed
with their content, event handlers and `javascript:` gone), then each allowed element becomes its Markdown
form: headings, paragraphs, line breaks, bold, italic, strikethrough, links, images, inline code, code
blocks, block quotes, lists, rules and tables. Inline styles are dropped: the WeChat theme styles the
article when it is rendered, as for any item. Text is escaped so it never turns into Markdown syntax,
raw HTML or template code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

from publisher.render.inline_html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

_BLOCKS = {
    "p",
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
    "hr",
    "table",
    "section",
    "figure",
    "figcaption",
    "div",
}
_ESCAPE = re.compile(r"([\\`*_\[\]<>~|{}])")
_LINE_START = re.compile(r"^(\s*)([#+=-]|\d+[.)])(?=\s|$)", re.MULTILINE)
_SPACES = re.compile(r"[ \t\r\n\f]+")
#: put before Markdown this module writes at a line start (list markers, headings, code), so the escaping of
#: text that merely looks like Markdown leaves it alone; removed at the end
_OURS = "\x01"
_CONTAINERS = {"root", "ul", "ol", "table", "tr", "thead", "tbody"}  # hold blocks only: whitespace is layout


def sanitize_html(html: str) -> str:
    """The renderer's allowlist of tags and attributes,
    keeping http(s) links (the renderer footnotes them)."""
    try:
        html.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from JSON
        html = html.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={t: set(a) - {"style"} for t, a in ALLOWED_ATTRIBUTES.items()},
        strip_comments=True,
        link_rel=None,
        url_schemes={"http", "https"},
    )


def escape_text(text: str) -> str:
    """Text that Markdown shows as written (no emphasis, links, HTML or `{{ }}` template code)."""
    return _ESCAPE.sub(r"\\\1", text)


@dataclass
class _Frame:
    tag: str
    parts: list[str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)


class _Converter(HTMLParser):
    """A stack of open elements; each closing tag turns its collected text into Markdown."""

    def __init__(self, image_src: Callable[[str], str]) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Frame] = [_Frame("root")]
        self.image_src = image_src
        self.pre_depth = 0

    # -- parser events --------------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "br":
            self._emit("  \n" if not self.pre_depth else "\n")
        elif tag == "hr":
            self._emit(f"\n\n{_OURS}---\n\n")
        elif tag == "img":
            src = values.get("src", "").strip()
            if src:
                alt = escape_text(_SPACES.sub(" ", values.get("alt", "")).strip())
                self._emit(f"![{alt}]({_destination(self.image_src(src))})")
        else:
            if tag == "pre":
                self.pre_depth += 1
            self.stack.append(_Frame(tag, attrs=values))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr", "img"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "hr", "img") or not any(f.tag == tag for f in self.stack[1:]):
            return
        while self.stack[-1].tag != tag:  # close elements the HTML left open
            self._close(self.stack.pop())
        self._close(self.stack.pop())

    def handle_data(self, data: str) -> None:
        if self.pre_depth:
            self._emit(data)
        elif not data.strip() and self.stack[-1].tag in _CONTAINERS:
            return  # indentation between blocks
        else:
            self._emit(escape_text(_SPACES.sub(" ", data)))

    def result(self) -> str:
        while len(self.stack) > 1:
            self._close(self.stack.pop())
        text = _block("".join(self.stack[0].parts)).replace(_OURS, "")
        text = re.sub(r"[ \t]+\n", lambda m: m.group(0) if m.group(0).startswith("  ") else "\n", text)
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"

    # -- building Markdown ---------------------------------------------------------------------------

    def _emit(self, text: str) -> None:
        self.stack[-1].parts.append(text)

    def _close(self, frame: _Frame) -> None:
        inner = "".join(frame.parts)
        tag = frame.tag
        if tag == "pre":
            self.pre_depth -= 1
            code = inner.strip("\n")
            fence = "~~~~" if "```" in code else "```"
            lines = "\n".join(_OURS + line for line in code.split("\n"))
            self._emit(f"\n\n{_OURS}{fence}\n{lines}\n{_OURS}{fence}\n\n")
        elif tag == "code":
            self._emit(inner if self.pre_depth else _code_span(inner))
        elif tag in ("strong", "b"):
            self._emit(_wrap(inner, "**"))
        elif tag in ("em", "i"):
            self._emit(_wrap(inner, "*"))
        elif tag in ("del", "s"):
            self._emit(_wrap(inner, "~~"))
        elif tag == "a":
            href = frame.attrs.get("href", "").strip()
            self._emit(f"[{inner.strip()}]({_destination(href)})" if href and inner.strip() else inner)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            title = _one_line(inner)
            self._emit(f"\n\n{_OURS}{'#' * int(tag[1])} {title}\n\n" if title else "")
        elif tag == "blockquote":
            body = _block(inner)
            self._emit("\n\n" + "\n".join(f"> {line}".rstrip() for line in body.splitlines()) + "\n\n")
        elif tag in ("ul", "ol"):
            self._emit(
                "\n\n" + _list(inner, ordered=tag == "ol", start=frame.attrs.get("start", "1")) + "\n\n"
            )
        elif tag == "li":
            self._emit("\x00LI" + _block(inner) + "\x00END")
        elif tag == "table":
            self._emit("\n\n" + _table(inner) + "\n\n")
        elif tag in ("tr", "th", "td", "thead", "tbody"):
            self._emit(
                {
                    "tr": "\x00TR" + inner + "\x00ENDTR",
                    "th": "\x00TD" + _one_line(inner) + "\x00ENDTD",
                    "td": "\x00TD" + _one_line(inner) + "\x00ENDTD",
                }.get(tag, inner)
            )
        elif tag in _BLOCKS:
            body = _block(inner)
            self._emit(f"\n\n{body}\n\n" if body else "")
        else:  # span, u, sup, sub: their text only
            self._emit(inner)


def _block(text: str) -> str:
    """A block's text: trimmed lines, and a line that would start a list or heading escaped."""
    lines = [
        line.strip(" ") if not line.endswith("  ") else line.lstrip(" ")
        for line in text.strip("\n ").split("\n")
    ]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return _LINE_START.sub(r"\1\\\2", joined).strip("\n")


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def _wrap(inner: str, mark: str) -> str:
    core = inner.strip()
    if not core:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    tail = inner[len(inner.rstrip()) :]
    return f"{lead}{mark}{core}{mark}{tail}"


def _code_span(inner: str) -> str:
    """Inline code: the escapes added to its text undone (code shows text verbatim), fenced by enough `."""
    raw = re.sub(r"\\(.)", r"\1", inner)
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", raw)), default=0) + 1)
    pad = " " if raw.startswith("`") or raw.endswith("`") else ""
    return f"{ticks}{pad}{raw}{pad}{ticks}"


def _destination(url: str) -> str:
    """A link or image destination that cannot break out of its parentheses."""
    return (
        "<" + url.replace("<", "%3C").replace(">", "%3E").replace("\n", "") + ">"
        if re.search(r"[\s()]", url)
        else url
    )


def _list(inner: str, *, ordered: bool, start: str) -> str:
    items = re.findall(r"\x00LI(.*?)\x00END", inner, flags=re.DOTALL)
    number = int(start) if start.isdigit() else 1
    out = []
    for i, item in enumerate(items):
        marker = _OURS + (f"{number + i}. " if ordered else "- ")
        lines = item.strip("\n").split("\n") or [""]
        out.append(marker + lines[0])
        out.extend(_OURS + ("   " if ordered else "  ") + line if line.strip() else "" for line in lines[1:])
    return "\n".join(out)


def _table(inner: str) -> str:
    rows = [
        re.findall(r"\x00TD(.*?)\x00ENDTD", row, flags=re.DOTALL)
        for row in re.findall(r"\x00TR(.*?)\x00ENDTR", inner, flags=re.DOTALL)
    ]
    rows = [r for r in rows if r]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def html_to_markdown(html: str, *, image_src: Callable[[str], str] = lambda s: s) -> str:
    """Sanitise `html` and return its Markdown; `image_src` maps each image's src (e.g. to a local file)."""
    converter = _Converter(image_src)
    converter.feed(sanitize_html(html))
    converter.close()
    return converter.result()


def image_sources(html: str) -> list[str]:
    """The src of every image the sanitised HTML keeps,
    in order (to download or resolve before converting)."""
    found: list[str] = []

    class _Imgs(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "img":
                src = dict(attrs).get("src") or ""
                if src.strip():
                    found.append(src.strip())

    parser = _Imgs(convert_charrefs=True)
    parser.feed(sanitize_html(html))
    parser.close()
    return found
