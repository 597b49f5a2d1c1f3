"""A post's Markdown made plain Markdown: the generator's own tags (Hexo `{% asset_img %}`,
`{% codeblock %}`, `{% note %}`; Jekyll `{% highlight %}`, `{{ site.baseurl }}`; Hugo `{{< figure >}}`)
written the way every Markdown reader understands, and local images pointed at their copies.

Text inside code (fenced blocks, converted `{% codeblock %}`s, `code` spans) is never touched: a post about
Hexo that shows `{% asset_img %}` keeps showing it. Whatever cannot be converted stays as it is and gets an
error note: `publisher check` refuses template code in content, so it is fixed by hand before anything is
published.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from publisher.importer.media import MediaPlan
from publisher.importer.model import Note

MORE = re.compile(r"^\s*<!--\s*more\s*-->\s*$", re.IGNORECASE)
_FENCE = re.compile(r"^(\s{0,3})(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_KINDS = r"(codeblock|code|highlight|blockquote|quote|note|notice|admonition|alert|tip|warning)"
#: Hexo and Jekyll `{% kind args %}` … `{% endkind %}`; Hugo `{{< kind args >}}` … `{{< /kind >}}` (or `%`).
_BLOCK_OPEN = re.compile(
    rf"^\s*(?:\{{%-?\s*{_KINDS}\b(.*?)-?%\}}|\{{\{{[<%]\s*{_KINDS}\b(.*?)[>%]\}}\}})\s*$"
)
_BLOCK_CLOSE = re.compile(rf"^\s*(?:\{{%-?\s*end{_KINDS}\s*-?%\}}|\{{\{{[<%]\s*/{_KINDS}\s*[>%]\}}\}})\s*$")
_RAW = re.compile(r"\{%-?\s*(end)?raw\s*-?%\}")
_ASSET_IMG = re.compile(r"\{%\s*(?:asset_img|asset_image|img)\s+(.+?)\s*%\}")
#: Links to another post of the blog (Hexo `post_link`, Jekyll `post_url` and `link`, Hugo `ref` and
#: `relref`): an article has no address for them yet, so the link's text stays and the address goes.
_SITE_LINK = re.compile(
    r"\[([^\]]*)\]\(\s*(?:\{%\s*(?:post_url|link)\s+[^%]*%\}|\{\{[<%]\s*(?:rel)?ref\s+[^}]*?[>%]\}\})\s*\)"
)
_POST_LINK = re.compile(r"\{%\s*post_link\s+(\S+)\s*(.*?)\s*%\}")
_HUGO_FIGURE = re.compile(r"\{\{[<%]\s*figure\s+(.+?)\s*[>%]\}\}")
_LIQUID_URL = re.compile(
    r"\{\{\s*(?:site\.(?:baseurl|url)\s*\}\}|[\"']([^\"']+)[\"']\s*\|\s*(?:relative_url|absolute_url|"
    r"prepend:\s*site\.(?:baseurl|url))\s*\}\})"
)
_MD_IMAGE = re.compile(r"(!\[[^\]]*\]\()\s*<?([^)\s>]+)>?((?:\s+[\"'][^\"']*[\"'])?\s*\))")
_HTML_IMAGE = re.compile(r"(<img\b[^>]*?\bsrc\s*=\s*)([\"'])([^\"']+)\2", re.IGNORECASE)
_LEFTOVER = re.compile(r"\{%.*?%\}|\{\{.*?\}\}")
_IMAGE_EXT = re.compile(r"\.(png|jpe?g|gif|webp|svg|bmp)$", re.IGNORECASE)


@dataclass
class Body:
    text: str
    notes: list[Note] = field(default_factory=list)
    has_more: bool = False
    first_heading: str = ""


def convert_body(text: str, first_line: int, media: MediaPlan, drop_title: str = "") -> Body:
    """The converted body. `first_line` is the body's line in the source (notes name source lines);
    `drop_title`: a first `# heading` equal to it is removed (the item's title says it already)."""
    out = Body("")
    lines = text.splitlines()
    result: list[str] = []
    fence: str | None = None
    block: tuple[str, str, str] | None = None  # (kind, its fence or quote marker, its arguments)
    for index, line in enumerate(lines):
        no = first_line + index
        if fence is not None:  # inside a fenced code block: copied as is
            result.append(line)
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            continue
        if m := _FENCE.match(line):
            fence = m.group(2)
            result.append(line)
            continue
        if block is None and (m := _BLOCK_OPEN.match(line)):
            kind, args = m.group(1) or m.group(3), (m.group(2) or m.group(4) or "").strip()
            if kind in ("codeblock", "code", "highlight"):
                lang = _code_lang(args)
                block = (kind, "```", args)
                result.append(f"```{lang}")
                out.notes.append(Note("im_codeblock", {"tag": kind}, line=no))
            else:
                block = (kind, "> ", args)
                named = kind not in ("note", "notice", "admonition", "alert")
                alert = _ALERTS.get(kind if named else (args.strip("\"'").split() or ["note"])[0].lower())
                if alert:
                    result.append(f"> [!{alert}]")
                out.notes.append(Note("im_quote", {"tag": kind}, line=no))
            continue
        if block is not None and _BLOCK_CLOSE.match(line):
            if block[1] == "```":
                result.append("```")
            elif block[0] in ("blockquote", "quote") and block[2]:  # Hexo: {% blockquote author, source %}
                result += [">", f"> —— {block[2]}"]
            block = None
            continue
        if block is not None and block[1] == "```":
            result.append(line)
            continue
        if not out.first_heading and (h := re.match(r"^#\s+(.+?)\s*#*\s*$", line)):
            out.first_heading = h.group(1)
            if drop_title and h.group(1).strip() == drop_title.strip() and not any(r.strip() for r in result):
                out.notes.append(Note("im_title_heading", line=no))
                continue
        if MORE.match(line):
            out.has_more = True
        converted = _outside_code(line, partial(_convert_segment, no=no, media=media, notes=out.notes))
        result.append(f"> {converted}" if block is not None else converted)
    if fence is not None or block is not None:
        out.notes.append(Note("im_unclosed", {"what": fence or f"{{% {block[0] if block else ''} %}}"}))
    out.text = "\n".join(result).strip("\n") + "\n"
    return out


_ALERTS = {
    "note": "NOTE",
    "info": "NOTE",
    "tip": "TIP",
    "success": "TIP",
    "warning": "WARNING",
    "danger": "CAUTION",
    "error": "CAUTION",
    "important": "IMPORTANT",
    "primary": "NOTE",
}


def _code_lang(args: str) -> str:
    """`{% codeblock title lang:c %}` → c; `{% highlight python linenos %}` → python."""
    if m := re.search(r"\blang:(\S+)", args):
        return m.group(1)
    words = args.split()
    return words[0] if words and not words[0].startswith(("http", "[")) else ""


def _outside_code(line: str, convert: Callable[[str], str]) -> str:
    """Apply `convert` to the parts of `line` that are not inside `code` spans."""
    parts: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(line):
        parts.append(convert(line[pos : m.start()]))
        parts.append(m.group(0))
        pos = m.end()
    parts.append(convert(line[pos:]))
    return "".join(parts)


def _convert_segment(seg: str, no: int, media: MediaPlan, notes: list[Note]) -> str:
    seg = _RAW.sub("", seg)

    def asset(m: re.Match[str]) -> str:
        name, alt = _asset_args(m.group(1))
        found = media.find(name) if name else None
        if found is None:
            notes.append(Note("im_image_missing", {"ref": name or m.group(0)}, "warning", no))
            return f"![{alt}]({name})" if name else m.group(0)
        rel = media.place(found)
        notes.append(Note("im_asset_img", {"name": name, "path": rel}, line=no))
        return f"![{alt}]({rel})"

    def figure(m: re.Match[str]) -> str:
        attrs = _attributes(m.group(1))
        src = attrs.get("src", "")
        alt = attrs.get("alt") or attrs.get("caption") or attrs.get("title") or ""
        notes.append(Note("im_figure", line=no))
        return f"![{alt}]({_image_ref(src, no, media, notes)})"

    def liquid(m: re.Match[str]) -> str:
        notes.append(Note("im_baseurl", {"tag": "{{ site.baseurl }}"}, line=no))
        return m.group(1) or ""

    def site_link(m: re.Match[str]) -> str:
        text = m.group(1) if m.re is _SITE_LINK else (m.group(2).strip("\"' ") or m.group(1))
        notes.append(Note("im_site_link", {"text": text}, "warning", no))
        return text

    seg = _SITE_LINK.sub(site_link, seg)
    seg = _POST_LINK.sub(site_link, seg)
    seg = _ASSET_IMG.sub(asset, seg)
    seg = _HUGO_FIGURE.sub(figure, seg)
    seg = _LIQUID_URL.sub(liquid, seg)
    seg = _MD_IMAGE.sub(lambda m: m.group(1) + _image_ref(m.group(2), no, media, notes) + m.group(3), seg)
    seg = _HTML_IMAGE.sub(
        lambda m: m.group(1) + m.group(2) + _image_ref(m.group(3), no, media, notes) + m.group(2), seg
    )
    for left in _LEFTOVER.findall(seg):
        notes.append(Note("im_unknown_tag", {"tag": left[:60]}, "error", no))
    return seg


def _image_ref(ref: str, no: int, media: MediaPlan, notes: list[Note]) -> str:
    """A local image's new path (copied with the item); a remote one kept, with a note."""
    if "://" in ref or ref.startswith("//"):
        notes.append(Note("im_remote_image", {"ref": ref[:80]}, "warning", no))
        return ref
    if ref.startswith("media/") and ref in media.copies.values():
        return ref
    found = media.find(ref)
    if found is None:
        notes.append(Note("im_image_missing", {"ref": ref}, "warning", no))
        return ref
    rel = media.place(found)
    notes.append(Note("im_image", {"ref": ref, "path": rel}, line=no))
    return rel


def _asset_args(text: str) -> tuple[str, str]:
    """`{% asset_img [class] name.png [width] [height] [title [alt]] %}` → (file, alt text)."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    name_at = next((i for i, w in enumerate(words) if _IMAGE_EXT.search(w)), 0 if words else -1)
    if name_at < 0:
        return "", ""
    rest = [w for w in words[name_at + 1 :] if not w.isdigit()]
    alt = " ".join(rest).strip()
    if "'" in alt and alt.count('"') == 0 and alt.startswith("'"):
        alt = alt.strip("'")
    return words[name_at], alt


def _attributes(text: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(3) for m in re.finditer(r"(\w+)\s*=\s*([\"'])(.*?)\2", text)}
