"""Platform rules: read `platforms/<name>/platform.yaml` into typed limits,
and count lengths as each platform does."""

from __future__ import annotations

import html
import math
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from publisher import safe_yaml
from publisher.errors import ConfigError
from publisher.messages import msg
from publisher.models import DECLARATIONS
from publisher.platforms.durations import duration as _duration

COUNTERS = ("chars", "xhs", "weibo", "utf16", "bytes", "graphemes", "html_text")

# A link as a microblog sees it: the scheme, then URL characters (RFC 3986) up to a space or a CJK character.
_LINK = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
LINK_UNITS = 20  # weibo: a link is shortened to t.cn and weighs 20 half-width units (10 characters)
LINK_UNITS_MAX = 140  # ... unless it is longer than this; then the excess counts on top

# A rough extended-grapheme splitter: a base code point followed by combining marks, variation selectors,
# skin-tone modifiers, tag characters, or ZWJ + another code point. Good enough to count what a person sees.
_GRAPHEME = re.compile(
    r"(?:\r\n)|"
    r"(?:[\U0001F1E6-\U0001F1FF]{2})|"  # regional-indicator flag pairs
    r"(?:.(?:[\u0300-\u036f\u1ab0-\u1aff\u20d0-\u20ff\ufe00-\ufe0f\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F]"
    r"|\u200d.)*)",
    re.DOTALL,
)


_HTML_TAG = re.compile(r"<[^>]*>")


# How each counter counts is worded in the catalogue (`publisher.messages`: unit.<counter>, how.<counter>).


def count_length(text: str, method: str = "chars") -> int:
    """Length of `text` the way a platform counts it.

    chars: Unicode code points (WeChat: "字"). utf16: UTF-16 code units (JavaScript `length`).
    xhs: Xiaohongshu's weighted count (docs/platforms/xiaohongshu.md): each non-ASCII UTF-16 unit weighs 2,
    each ASCII character 1, and the length is ceil(total / 2), so 20 CJK characters or 40 ASCII letters fill
    a title.
    weibo: the same weights, but each http(s) link counts as the short link it becomes, 20 half-width units
    (10 characters) however long it is, plus its excess over 140 units (docs/platforms/weibo.md).
    bytes: UTF-8 bytes. graphemes: what a person sees as one character (emoji ZWJ sequences count once).
    html_text: the characters of text a reader sees in HTML (tags dropped, entities decoded), as WeChat counts
    an article body (docs/platforms/wechat.md).
    """
    if method == "chars":
        return len(text)
    if method == "utf16":
        return len(text.encode("utf-16-le")) // 2
    if method == "xhs":
        return math.ceil(_half_units(text) / 2)
    if method == "weibo":
        total = 0
        for link in _LINK.findall(text):
            units = _half_units(link)
            total += LINK_UNITS if units <= LINK_UNITS_MAX else units - LINK_UNITS_MAX + LINK_UNITS
        return math.ceil((total + _half_units(_LINK.sub("", text))) / 2)
    if method == "bytes":
        return len(text.encode("utf-8"))
    if method == "html_text":
        return len(html.unescape(_HTML_TAG.sub("", text)))
    if method == "graphemes":
        return len(_GRAPHEME.findall(unicodedata.normalize("NFC", text)))
    raise ValueError(f"unknown length counter {method!r}")


def _half_units(text: str) -> int:
    """Half-width units: 1 per ASCII character, 2 per other BMP character, 4 outside the BMP. Counted by
    encoding (in C), not character by character: a note's body is hundreds of characters."""
    if text.isascii():
        return len(text)
    ascii_chars = len(text.encode("ascii", "ignore"))
    astral = len(text.encode("utf-16-le", "surrogatepass")) // 2 - len(text)  # each is two UTF-16 units
    return 2 * len(text) - ascii_chars + 2 * astral


@dataclass(frozen=True)
class TextRule:
    """Limits of one text field after rendering."""

    name: str
    required: bool = False
    min: int | None = None
    max: int | None = None
    count: str = "chars"
    max_bytes: int | None = None
    source: str = ""


@dataclass(frozen=True)
class ImageRule:
    """How one media role (images, cover, thumbnail, gallery) is checked and processed."""

    role: str
    min: int = 0
    max: int = 1
    accept: tuple[str, ...] = ("jpeg", "png", "webp")
    max_source_bytes: int = 30_000_000
    max_source_pixels: int = 50_000_000
    aspects: tuple[float, ...] = ()  # allowed output aspect ratios (width / height); empty keeps the source's
    fit: str = "crop"  # crop | pad
    width: int | None = None  # exact output size, when the platform wants one
    height: int | None = None
    max_side: int = 2048
    min_side: int = 0
    format: str = "jpeg"  # jpeg | png
    max_bytes: int = 5_000_000
    quality: int = 88
    pad_color: str = "#ffffff"
    from_fields: tuple[str, ...] = ()  # item fields that supply the files; the first present one wins
    source: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        return self.from_fields or (self.role,)


@dataclass(frozen=True)
class VideoRule:
    """Limits of a video attachment."""

    accept: tuple[str, ...] = ("mp4",)
    max_bytes: int = 128 * 1024 * 1024
    max_duration_s: float = 900.0
    min_duration_s: float = 1.0
    source: str = ""


@dataclass(frozen=True)
class TagRule:
    """Topics / tags: how many, how long, how they are written."""

    max_items: int = 10
    max_len: int = 20
    count: str = "chars"
    style: str = "#{tag}"  # how a tag is written in text; templates use it through the `topic` filter
    source: str = ""


@dataclass(frozen=True)
class ScheduleRule:
    """Per-account pacing kept by the queue (never by sleeping in an adapter)."""

    late_window_s: float = 7200.0
    daily_cap: int | None = None
    min_spacing_s: float = 0.0
    earliest_ahead_s: float | None = None  # platform-native scheduling windows (e.g. Xiaohongshu 1 h .. 14 d)
    latest_ahead_s: float | None = None


@dataclass(frozen=True)
class LinkRule:
    """What a platform does with an outbound link in the text (platform.yaml `links:`).

    `utm`: tag the link with utm_source/medium/campaign (only where a reader can click it, or the tags
    measure nothing). `keep_url`: write the address after the link text; when false the text stays and the
    address is dropped (a note whose links are not clickable), with a warning naming the link."""

    utm: bool = True
    keep_url: bool = True
    source: str = ""


@dataclass(frozen=True)
class DeclarationRule:
    """Which origin declarations (`declare:`) a platform has, and the visible label its rules want.

    `how` says how the declaration reaches the platform: the adapter's request field, or the box a person
    ticks (it is written into the pack's checklist)."""

    supported: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # declaration -> line added to `field`
    label_field: str = "body"  # the text field the label goes into (`field:` in platform.yaml)
    how: Mapping[str, str] = field(default_factory=dict)  # declaration -> how it is declared on the platform
    source: str = ""


@dataclass(frozen=True)
class PlatformRules:
    """Everything `platforms/<name>/platform.yaml` says, typed."""

    name: str
    label: str
    kind: str  # note | video | article | launch
    directory: Path
    text: Mapping[str, TextRule]
    images: Mapping[str, ImageRule]
    video: VideoRule | None
    tags: TagRule
    schedule: ScheduleRule
    fields: Mapping[
        str, str
    ]  # platform-specific front-matter fields -> their type (str, int, bool, path, list)
    requires_one_of: tuple[tuple[str, ...], ...] = ()  # e.g. (("video", "images"),): at least one present
    video_replaces_images: bool = False  # a post is a video post or an image post, never both
    templates: Mapping[str, str] = field(default_factory=dict)  # output field -> template file
    preview: str = "preview.html.j2"
    extra: Mapping[str, Any] = field(default_factory=dict)
    declarations: DeclarationRule | None = None  # None: platform.yaml says nothing; any declaration is kept
    links: LinkRule = field(default_factory=LinkRule)
    aliases: tuple[str, ...] = ()  # other names people write in `platforms:` (小红书, 公众号, Product Hunt)
    # the folder and every file and folder in it, each stamped before platform.yaml was read: while they are
    # all unchanged, these rules and the templates a render reads are those files (`calendar.ready`)
    stamps: tuple[tuple[str, FileStamp | None], ...] = field(default=(), compare=False, repr=False)


FileStamp = tuple[int, int, int]  # a file's mtime (ns), size and inode


def file_stamp(path: str) -> FileStamp | None:
    """The file's or folder's stamp; None when it cannot be read (gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def folder_stamps(directory: Path) -> tuple[tuple[str, FileStamp | None], ...]:
    """The folder and everything in it, sorted, each folder stamped before it is listed (a file added or
    removed since changes its folder's time)."""
    found: list[tuple[str, FileStamp | None]] = []
    pending = [str(directory)]
    while pending:
        folder = pending.pop()
        found.append((folder, file_stamp(folder)))
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            else:
                found.append((entry.path, file_stamp(entry.path)))
    return tuple(sorted(found))


def _size(value: Any, *, where: str, key: str) -> int:
    """Accept 1000000, "1 MB", "64 KB", "128MiB"."""
    if isinstance(value, bool):
        raise ConfigError(msg("usage.size_form"), path=where, key=key)
    if isinstance(value, int):
        return value
    m = re.fullmatch(r"\s*([\d.]+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*", str(value))
    if not m:
        raise ConfigError(msg("usage.size_got", value=repr(value)), path=where, key=key)
    unit = {"B": 1, "KB": 1000, "KiB": 1024, "MB": 1000**2, "MiB": 1024**2, "GB": 1000**3, "GiB": 1024**3}
    return int(float(m.group(1)) * unit[m.group(2) or "B"])


def _aspect(value: Any, *, where: str, key: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    m = re.fullmatch(r"\s*([\d.]+)\s*[:/x]\s*([\d.]+)\s*", str(value))
    if not m or float(m.group(2)) == 0:
        raise ConfigError(msg("usage.aspect_form", value=repr(value)), path=where, key=key)
    return float(m.group(1)) / float(m.group(2))


def _build(cls: type, data: Any, *, where: str, key: str, **fixed: Any) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(msg("usage.mapping"), path=where, key=key)
    known = {f.name for f in fields(cls)} - set(fixed)
    unknown = set(data) - known
    if unknown:
        unknown_said = msg("usage.unknown_settings", keys=str(sorted(unknown)), known=str(sorted(known)))
        raise ConfigError(unknown_said, path=where, key=key)
    kw: dict[str, Any] = dict(fixed)
    for name, value in data.items():
        sub = f"{key}.{name}"
        if name in ("max_bytes", "max_source_bytes"):
            kw[name] = _size(value, where=where, key=sub)
        elif name in (
            "late_window_s",
            "min_spacing_s",
            "earliest_ahead_s",
            "latest_ahead_s",
            "max_duration_s",
            "min_duration_s",
        ):
            kw[name] = _duration(value, where=where, key=sub)
        elif name == "aspects":
            kw[name] = tuple(_aspect(v, where=where, key=sub) for v in (value or []))
        elif name == "from_fields":
            kw[name] = tuple(str(v) for v in (value if isinstance(value, list) else [value]))
        elif name == "accept":
            kw[name] = tuple(str(v).lower() for v in value)
        else:
            kw[name] = value
    try:
        return cls(**kw)
    except TypeError as exc:  # pragma: no cover - guarded by the unknown-key check above
        raise ConfigError(msg("usage.as_said", text=str(exc)), path=where, key=key) from None


def load_rules(directory: Path) -> PlatformRules:
    """Read one platform folder. A bad setting is a ConfigError naming the file and the key."""
    stamps = folder_stamps(directory)  # before anything is read: a save from now on is seen as one
    path = directory / "platform.yaml"
    where = str(path)
    try:
        data = safe_yaml.load_file(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(msg("usage.rules_unreadable", why=str(exc)), path=where) from None
    if not isinstance(data, dict):
        raise ConfigError(msg("usage.top_mapping"), path=where)
    known = {
        "name",
        "label",
        "aliases",
        "kind",
        "text",
        "images",
        "video",
        "tags",
        "schedule",
        "fields",
        "requires_one_of",
        "templates",
        "preview",
        "extra",
        "video_replaces_images",
        "declarations",
        "links",
    }
    unknown = set(data) - known
    if unknown:
        raise ConfigError(
            msg("usage.unknown_keys", keys=str(sorted(unknown))), path=where, key=sorted(unknown)[0]
        )
    name = str(data.get("name") or directory.name)
    text = {
        k: _build(TextRule, v, where=where, key=f"text.{k}", name=k)
        for k, v in (data.get("text") or {}).items()
    }
    for k, rule in text.items():
        if rule.count not in COUNTERS:
            raise ConfigError(msg("usage.counter", counters=str(COUNTERS)), path=where, key=f"text.{k}.count")
    images = {
        k: _build(ImageRule, v, where=where, key=f"images.{k}", role=k)
        for k, v in (data.get("images") or {}).items()
    }
    video = (
        _build(VideoRule, data["video"], where=where, key="video") if data.get("video") is not None else None
    )
    return PlatformRules(
        name=name,
        label=str(data.get("label") or name),
        kind=str(data.get("kind") or "note"),
        directory=directory,
        text=text,
        images=images,
        video=video,
        tags=_build(TagRule, data.get("tags"), where=where, key="tags"),
        schedule=_build(ScheduleRule, data.get("schedule"), where=where, key="schedule"),
        fields={str(k): str(v) for k, v in (data.get("fields") or {}).items()},
        requires_one_of=tuple(tuple(group) for group in (data.get("requires_one_of") or [])),
        video_replaces_images=bool(data.get("video_replaces_images", False)),
        templates={str(k): str(v) for k, v in (data.get("templates") or {}).items()},
        preview=str(data.get("preview") or "preview.html.j2"),
        extra=dict(data.get("extra") or {}),
        declarations=_declarations(data.get("declarations"), where, text),
        links=_links(data.get("links"), where),
        aliases=_aliases(data.get("aliases"), where),
        stamps=stamps,
    )


def _aliases(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(msg("usage.aliases"), path=where, key="aliases")
    return tuple(v.strip() for v in value)


def alias_map(rules: Mapping[str, PlatformRules]) -> dict[str, str]:
    """Lower-cased name people may write in `platforms:` -> the platform: each platform's own name, its
    label (小红书, Product Hunt) and its `aliases:`."""
    names: dict[str, str] = {}
    for name, rule in rules.items():
        for alias in (name, rule.label, *rule.aliases):
            names.setdefault(alias.strip().lower(), name)
    return names


def _links(data: Any, where: str) -> LinkRule:
    rule: LinkRule = _build(LinkRule, data, where=where, key="links")
    for key in ("utm", "keep_url"):
        if not isinstance(getattr(rule, key), bool):
            raise ConfigError(msg("usage.bool"), path=where, key=f"links.{key}")
    return rule


def _declarations(data: Any, where: str, text: Mapping[str, TextRule]) -> DeclarationRule | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ConfigError(msg("usage.mapping"), path=where, key="declarations")
    unknown = set(data) - {"supported", "labels", "field", "how", "source"}
    if unknown:
        raise ConfigError(
            msg("usage.unknown_settings_only", keys=str(sorted(unknown))), path=where, key="declarations"
        )
    supported = tuple(str(v) for v in data.get("supported") or [])
    labels = {str(k): str(v) for k, v in (data.get("labels") or {}).items()}
    how = {str(k): str(v) for k, v in (data.get("how") or {}).items()}
    for key, names in (("supported", supported), ("labels", tuple(labels)), ("how", tuple(how))):
        bad = [n for n in names if n not in DECLARATIONS]
        if bad:
            raise ConfigError(
                msg("usage.unknown_declaration", name=repr(bad[0]), known=tuple(DECLARATIONS)),
                path=where,
                key=f"declarations.{key}",
            )
    target = str(data.get("field") or next(iter(text), "body"))
    if labels and target not in text:
        raise ConfigError(
            msg("usage.no_label_field", target=repr(target)), path=where, key="declarations.field"
        )
    return DeclarationRule(supported, labels, target, how, str(data.get("source") or ""))


def platform_dirs(workspace_platforms: Path | None, defaults: Path) -> dict[str, Path]:
    """Platform name -> folder; a workspace's own folder overrides the packaged default of the same name."""
    found: dict[str, Path] = {}
    for root in (defaults, workspace_platforms):
        if root is None or not root.is_dir():
            continue
        for sub in sorted(root.iterdir()):
            if (sub / "platform.yaml").is_file():
                found[sub.name] = sub
    return found
