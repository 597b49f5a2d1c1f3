"""Read the content calendar: each Markdown file becomes an `Item`, or problems naming file,
line and field."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from publisher.content.files import file_digest, read_capped
from publisher.content.frontmatter import MAX_FILE_BYTES, FrontMatterError, decode, load_yaml, split
from publisher.content.timeparse import TimeError, parse_publish_at
from publisher.messages import Msg, msg
from publisher.models import DECLARATIONS, Item, Problem, Severity, Target

#: Fields an item may set at the top level (any of them may be overridden per platform, too).
COMMON_FIELDS: dict[str, str] = {
    "id": "str",
    "title": "str",
    "body": "str",
    "publish_at": "time",
    "status": "str",
    "tags": "list",
    "images": "paths",
    "video": "path",
    "cover": "path",
    "fit": "str",  # crop | pad: how images meet the platform's ratio (pad keeps the whole picture)
    "platforms": "platforms",
    "approved_by": "str",
    "campaign": "str",
    "utm": "bool",
    "late_window": "duration",
    "template": "str",
    "description": "str",
    "link": "str",
    "notes": "str",
    "declare": "str",  # original | repost | ai_generated | ai_assisted (models.DECLARATIONS)
    "source": "str",  # where a repost comes from (required with `declare: repost`)
    "allow": "allow",  # acknowledged compliance hits: [{word: 第一, reason: ...}]
    "published_on": "history",  # when it first appeared elsewhere (a blog's `date`): kept, never scheduled
}
#: Fields a blog's front matter has, and what the calendar says instead (a plain "did you mean" misleads:
#: `date` is not `late_window`, `subtitle` is not `title`).
#: What to write instead of each is the catalogue's `blog_field.<key>`.
BLOG_FIELDS = ("date", "updated", "categories", "category", "subtitle", "summary", "excerpt", "layout")
_HISTORY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?$")
OVERRIDABLE = {
    "title",
    "body",
    "tags",
    "images",
    "video",
    "cover",
    "fit",
    "publish_at",
    "template",
    "late_window",
    "utm",
    "campaign",
    "description",
    "link",
    "declare",
    "source",
}
STATUSES = ("draft", "ready")
_SECRETISH = (
    "secret",
    "token",
    "password",
    "passwd",
    "cookie",
    "api_key",
    "apikey",
    "private_key",
    "credential",
)
_SECRET_KEY = re.compile("|".join(map(re.escape, _SECRETISH)))  # one search per key, not one per word
MEDIA_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".mp4", ".mov", ".webm"}


@dataclass(frozen=True)
class ContentContext:
    """What reading needs to know about the workspace (kept small so tests build it in one line)."""

    root: Path
    content_dir: Path
    zone: ZoneInfo
    platforms: Mapping[str, Mapping[str, str]]  # platform -> its own front-matter fields and their types
    accounts: Mapping[str, str] = field(default_factory=dict)  # account name -> platform
    default_account: Callable[[str], str] = lambda p: p
    resolve: Callable[[str, Path], Path | Msg] | None = None  # a caching resolve_media(ref, item_path)
    aliases: Mapping[str, str] = field(default_factory=dict)  # lower-cased 小红书, 公众号 ... -> platform


@dataclass
class _Reader:
    ctx: ContentContext
    rel: str
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        dotted: str,
        said: Msg,
        hint: Msg | None = None,
        platform: str = "",
        severity: Severity = "error",
    ) -> None:
        line = 1
        parts = dotted.split(".")
        while parts:
            key = ".".join(parts)
            if key in self.lines:
                line = self.lines[key]
                break
            parts.pop()
        self.problems.append(Problem.of(self.rel, line, dotted, said, hint, platform, severity))


def suggest(word: str, options: Iterable[str]) -> Msg | None:
    """ "did you mean `x`?" for the closest option, if one is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return msg("did_you_mean", word=close[0]) if close else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    said = suggest(word, options)
    return said.text("en") if said else ""


def item_id_for(path: Path, content_dir: Path) -> str:
    rel = path.relative_to(content_dir).with_suffix("")
    return rel.as_posix()


def relative_name(path: Path, root: Path) -> str:
    """`path.relative_to(root).as_posix()`, cut from the text when `path` lies under `root` (pathlib's
    relative_to splits and compares every part: it ran twice for every file checked)."""
    name, base = str(path), str(root)
    if os.sep == "/" and base != "/" and name.startswith(base) and name[len(base) : len(base) + 1] == "/":
        return name[len(base) + 1 :]
    return path.relative_to(root).as_posix()


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _refused_file(path: Path, rel: str, root: Path) -> Problem | None:
    """A content file publisher will not read: a name with a line break or another control character (no
    command, URL or report could name it), or a symlink that leads out of the workspace."""
    if _CONTROL.search(rel):
        shown = _CONTROL.sub("?", rel)
        return Problem.of(shown, 1, "file", msg("file_control_char"), msg("file_control_char.hint"))
    if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        return Problem.of(rel, 1, "file", msg("file_symlink_out"), msg("file_symlink_out.hint"))
    return None


def read_item(
    path: Path,
    ctx: ContentContext,
    *,
    media_hash: Callable[[Path], bytes] | None = None,
    raw: bytes | None = None,
) -> tuple[Item | None, list[Problem]]:
    """Parse one file (or its `raw` bytes, already read). Returns the item (None when unusable) and every
    problem found; never raises."""
    rel = relative_name(path, ctx.root)
    r = _Reader(ctx, rel)
    refused = _refused_file(path, rel, ctx.root)
    if refused is not None:
        return None, [refused]
    try:
        raw = read_capped(path, MAX_FILE_BYTES) if raw is None else raw
        text = decode(raw)
        parts = split(text)
        data, r.lines = load_yaml(parts.yaml_text, parts.yaml_line)
    except FrontMatterError as exc:
        return None, [Problem.of(rel, e.line, e.field, e.said, e.hint_said) for e in (exc, *exc.more)]
    except OSError as exc:
        why = msg("file_unreadable", why=exc.strerror)
        return None, [Problem.of(rel, 1, "file", why, msg("file_unreadable.hint"))]
    # load_yaml built these dicts and lists for this file alone: nobody else holds them, no copy is needed
    if "\\" in parts.yaml_text:  # only an escape (`"\\0"`) writes a NUL into YAML text
        data = _without_nul(data, "", r)
    _canonical_platforms(data, r)
    _check_secrets(data, "", r)
    _full_width_commas(data, "", r)
    for key in data:
        if key not in COMMON_FIELDS:
            if key in _all_platform_fields(ctx):
                r.add(key, msg("platform_field_top", key=key), msg("platform_field_top.hint", key=key))
            elif key in BLOG_FIELDS:
                shown = str(data[key]) if isinstance(data[key], str | int) else "2026-12-01 12:00"
                r.add(key, msg("blog_field", key=key), msg(f"blog_field.{key}", value=shown))
            else:
                r.add(
                    key,
                    msg("unknown_field", key=key),
                    suggest(key, COMMON_FIELDS) or msg("known_fields", names=sorted(COMMON_FIELDS)),
                )
    item_id = data["id"] if "id" in data else item_id_for(path, ctx.content_dir)
    if not isinstance(item_id, str | int) or not str(item_id).strip():
        r.add("id", msg("id_empty"), msg("id_empty.hint"))
        item_id = item_id_for(path, ctx.content_dir)
    item_id = str(item_id).strip()
    if _CONTROL.search(item_id):
        r.add("id", msg("id_control"), msg("id_control.hint"))
        item_id = item_id_for(path, ctx.content_dir)
    status = data.get("status", "ready")
    if status not in STATUSES:
        r.add(
            "status",
            msg("status_invalid", allowed=STATUSES, value=status),
            suggest(str(status), STATUSES),
        )
        status = "draft"
    title = _text(data, "title", r, required=True)
    body = parts.body
    base = {k: v for k, v in data.items() if k in OVERRIDABLE}
    base["body"] = body if "body" not in data else _text(data, "body", r)
    base["title"] = title
    _check_field_types(base, "", r)
    _check_field_types({k: data[k] for k in ("published_on",) if k in data}, "", r)
    targets = _targets(data, base, r, path)
    _check_declarations(data, targets, r)
    media_paths = _media_paths(data, path, r)
    digest = hashlib.sha256(raw)
    for media in sorted(set(media_paths)):
        digest.update(_name_in_workspace(media, ctx.root).encode())
        digest.update(media_hash(media) if media_hash else file_digest(media))
    approved = data.get("approved_by")
    if approved is not None and not isinstance(approved, str):
        r.add("approved_by", msg("approved_by_invalid"), msg("approved_by_invalid.hint"))
        approved = None
    item = Item(
        id=item_id,
        path=rel,
        status=status,
        title=title,
        body=body,
        body_line=parts.body_line,
        fields=data,
        lines=dict(r.lines),
        targets=tuple(targets),
        hash=digest.hexdigest(),
        approved_by=approved,
    )
    return item, r.problems


def platform_alias(name: str, aliases: Mapping[str, str]) -> str:
    """The platform a name written in `platforms:` means (`小红书` → `xiaohongshu`; the names come from each
    platform.yaml's label and `aliases:`), else the name."""
    return aliases.get(name.strip().lower(), name)


def _canonical_platforms(data: dict[str, Any], r: _Reader) -> None:
    """Rewrite alias names in `platforms:` (and their line numbers) to the platform's own name, so that
    every later step sees `xiaohongshu` whether the author wrote that or `小红书`."""
    raw = data.get("platforms")
    if isinstance(raw, str):
        raw = data["platforms"] = [n.strip() for n in raw.replace("，", ",").split(",") if n.strip()]
    if isinstance(raw, list):
        data["platforms"] = [platform_alias(n, r.ctx.aliases) if isinstance(n, str) else n for n in raw]
    elif isinstance(raw, dict):
        renamed: dict[str, Any] = {}
        for name, value in raw.items():
            canonical = platform_alias(name, r.ctx.aliases)
            if canonical != name:
                prefix = f"platforms.{name}"
                for key in [k for k in r.lines if k == prefix or k.startswith(prefix + ".")]:
                    r.lines.setdefault(f"platforms.{canonical}{key[len(prefix) :]}", r.lines[key])
            if canonical in renamed:
                r.add(
                    f"platforms.{name}",
                    msg("platform_twice", name=name, canonical=canonical),
                    msg("platform_twice.hint"),
                )
                continue
            renamed[canonical] = value
        data["platforms"] = renamed


def _full_width_commas(value: Any, prefix: str, r: _Reader) -> None:
    """A `[a，b]` list is one item: the full-width comma ， does not separate YAML items. A warning, with
    the fix, for every list entry that holds one."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if isinstance(sub, dict | list):  # nothing else holds a list
                _full_width_commas(sub, f"{prefix}{key}.", r)
    elif isinstance(value, list):
        name = prefix.rstrip(".")
        for i, entry in enumerate(value):
            if isinstance(entry, str) and "，" in entry:
                parts = [p.strip() for p in entry.split("，") if p.strip()]
                r.add(
                    f"{name}[{i}]",
                    msg("full_width_comma", entry=entry, key=name.rsplit(".", 1)[-1]),
                    msg("full_width_comma.hint", parts=", ".join(parts)),
                    severity="warning",
                )


def _all_platform_fields(ctx: ContentContext) -> set[str]:
    return {f for fields in ctx.platforms.values() for f in fields}


def _text(data: Mapping[str, Any], key: str, r: _Reader, *, required: bool = False, prefix: str = "") -> str:
    value = data.get(key)
    dotted = f"{prefix}{key}"
    if value is None:
        if required:
            r.add(dotted, msg("field_required", key=key), msg("field_required.hint", key=key))
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        r.add(dotted, msg("field_not_text", key=key, kind=type(value).__name__), msg("field_not_text.hint"))
        return ""
    return str(value)


def _check_secrets(value: Any, prefix: str, r: _Reader) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            if _secretish(key):
                r.add(f"{prefix}{key}", msg("secret_in_content", key=key), msg("secret_in_content.hint"))
            if isinstance(sub, dict):  # keys are only in mappings
                _check_secrets(sub, f"{prefix}{key}.", r)


@lru_cache(maxsize=4096)  # a calendar's items repeat a few dozen keys
def _secretish(key: str) -> bool:
    """Whether a front matter key names a credential (`app_secret`, `access-token`, ...)."""
    low = str(key).lower().replace("-", "_")
    return bool(_SECRET_KEY.search(low)) or low in ("appsecret", "access_token", "authorization")


def _without_nul(value: Any, dotted: str, r: _Reader) -> Any:
    """`value` with each NUL in its text (and keys) replaced by U+FFFD, each reported at its field: YAML
    writes one as `"\\0"`, and PostgreSQL text cannot hold it."""
    if isinstance(value, str):
        if "\x00" in value:
            r.add(dotted or "file", msg("value_nul"), msg("value_nul.hint"))
            return value.replace("\x00", "\ufffd")
        return value
    if isinstance(value, list):
        return [_without_nul(v, dotted, r) for v in value]
    if isinstance(value, dict):
        return {
            _without_nul(k, f"{dotted}.{k}" if dotted else str(k), r): _without_nul(
                v, f"{dotted}.{k}" if dotted else str(k), r
            )
            for k, v in value.items()
        }
    return value


def _check_field_types(
    fields: Mapping[str, Any],
    prefix: str,
    r: _Reader,
    own: Mapping[str, str] | None = None,
    platform: str = "",
) -> None:
    types = {**COMMON_FIELDS, **own} if own else COMMON_FIELDS
    for key, value in fields.items():
        kind = types.get(key)
        dotted = f"{prefix}{key}"
        if value is None or kind is None:
            continue
        if kind in ("str",) and (isinstance(value, bool) or not isinstance(value, str | int | float)):
            r.add(
                dotted, msg("field_not_text", key=key, kind=type(value).__name__), msg("quote_it"), platform
            )
        elif kind == "bool" and not isinstance(value, bool):
            r.add(dotted, msg("field_not_bool", key=key), None, platform)
        elif kind in ("int", "float") and (isinstance(value, bool) or not isinstance(value, int | float)):
            r.add(dotted, msg("field_not_number", key=key), None, platform)
        elif kind == "list" and not (
            isinstance(value, list) and all(isinstance(v, str | int) for v in value)
        ):
            if not isinstance(value, str):
                r.add(dotted, msg("field_not_list", key=key), None, platform)
        elif kind == "paths" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            r.add(dotted, msg("field_not_paths", key=key), None, platform)
        elif kind == "history" and not (isinstance(value, str) and _HISTORY.match(value.strip())):
            r.add(dotted, msg("field_not_date", key=key), None, platform)
        elif kind == "path" and not isinstance(value, str):
            r.add(dotted, msg("field_not_path", key=key), None, platform)


def _targets(data: Mapping[str, Any], base: Mapping[str, Any], r: _Reader, path: Path) -> list[Target]:
    raw = data.get("platforms")
    if raw is None:
        r.add("platforms", msg("no_platforms"), msg("no_platforms.hint"))
        return []
    entries: list[tuple[str, Any]]
    if isinstance(raw, list):
        entries = [(str(name), {}) for name in raw if isinstance(name, str)]
        if len(entries) != len(raw):
            r.add("platforms", msg("platforms_not_names"))
    elif isinstance(raw, dict):
        entries = list(raw.items())
    elif isinstance(raw, str):
        entries = [(name.strip(), {}) for name in raw.split(",") if name.strip()]
    else:
        r.add("platforms", msg("platforms_invalid"))
        return []
    targets = []
    seen: set[tuple[str, str]] = set()
    times: dict[str, Any] = {}  # publish_at text -> its time: most targets share the item's
    for name, overrides in entries:
        dotted = f"platforms.{name}"
        if name in r.ctx.accounts:
            platform, account = r.ctx.accounts[name], name
        elif name in r.ctx.platforms:
            platform, account = name, r.ctx.default_account(name)
        else:
            known_names = sorted(set(r.ctx.platforms) | set(r.ctx.accounts))
            r.add(
                dotted,
                msg("unknown_platform", name=name),
                suggest(name, known_names) or msg("known_platforms", names=known_names),
            )
            continue
        if (platform, account) in seen:
            r.add(dotted, msg("account_twice", name=name, account=account), msg("account_twice.hint"))
            continue
        seen.add((platform, account))
        if overrides is None:
            overrides = {}
        if not isinstance(overrides, dict):
            r.add(dotted, msg("overrides_not_mapping", name=name))
            continue
        own = r.ctx.platforms[platform]
        for key in overrides:
            if key not in OVERRIDABLE and key not in own:
                options = sorted(OVERRIDABLE | set(own))
                r.add(
                    f"{dotted}.{key}",
                    msg("not_platform_field", key=key, platform=platform),
                    suggest(key, options) or msg("platform_accepts", platform=platform, names=options),
                    platform,
                )
        _check_field_types(overrides, f"{dotted}.", r, own, platform)
        merged = {**base, **{k: v for k, v in overrides.items() if v is not None}}
        written = merged.get("publish_at")
        when = times.get(written) if isinstance(written, str) else None
        if when is None:
            when = _when(
                written,
                f"{dotted}.publish_at" if "publish_at" in overrides else "publish_at",
                r,
                platform,
            )
            if isinstance(written, str) and when is not None:  # a time that failed is reported per target
                times[written] = when
        targets.append(
            Target(platform, account, merged, when, r.lines.get(dotted, r.lines.get("platforms", 1)))
        )
    return targets


def _check_declarations(data: Mapping[str, Any], targets: list[Target], r: _Reader) -> None:
    """`declare:` is one of DECLARATIONS, and a repost names its `source:` (top level or per platform).
    Whether a platform supports the declaration is the renderer's check (it knows platform.yaml)."""
    seen: set[str] = set()
    for target in targets:
        value = target.fields.get("declare")
        if value is None:
            continue
        entry = next((k for k in (target.account, target.platform) if k in (data.get("platforms") or {})), "")
        own = isinstance(data.get("platforms"), dict) and "declare" in (data["platforms"].get(entry) or {})
        dotted = f"platforms.{entry}.declare" if own else "declare"
        if dotted in seen:
            continue
        seen.add(dotted)
        if value not in DECLARATIONS:
            r.add(
                dotted,
                msg("declare_invalid", allowed=DECLARATIONS, value=value),
                suggest(str(value), DECLARATIONS),
                target.platform if own else "",
            )
        elif value == "repost" and not str(target.fields.get("source") or "").strip():
            r.add(
                dotted,
                msg("repost_no_source"),
                msg("repost_no_source.hint"),
                target.platform if own else "",
            )


def _when(value: Any, dotted: str, r: _Reader, platform: str) -> Any:
    try:
        return parse_publish_at(value, r.ctx.zone)
    except TimeError as exc:
        r.add(dotted, exc.said, exc.hint_said, platform)
        return None


@lru_cache(maxsize=8192)  # a calendar reuses a library of images: each named once per process
def _name_in_workspace(media: Path, root: Path) -> str:
    """A media file's path inside the workspace: the same on every node, wherever its copy of the folder lives
    (an absolute path in the item's hash made nodes on one PostgreSQL database take each other's syncs for
    edits, and hold the posts back as changed)."""
    for base in (root, _resolved_root(root)):  # the root resolved once per process, not once per file
        try:
            return media.relative_to(base).as_posix()  # once, not is_relative_to and then again
        except ValueError:
            continue
    return media.as_posix()


def _media_paths(data: Mapping[str, Any], item_path: Path, r: _Reader) -> list[Path]:
    """Every media path the item names (top level and per platform), checked to stay inside the workspace."""
    refs: list[tuple[str, str]] = []

    def collect(fields: Mapping[str, Any], prefix: str) -> None:
        for key in ("images", "gallery"):
            value = fields.get(key)
            if isinstance(value, list):
                refs.extend((f"{prefix}{key}[{i}]", v) for i, v in enumerate(value) if isinstance(v, str))
        for key in ("video", "cover", "thumbnail"):
            value = fields.get(key)
            if isinstance(value, str):
                refs.append((f"{prefix}{key}", value))

    collect(data, "")
    platforms = data.get("platforms")
    if isinstance(platforms, dict):
        for name, overrides in platforms.items():
            if isinstance(overrides, dict):
                collect(overrides, f"platforms.{name}.")
    found = []
    for dotted, ref in refs:
        resolved = (
            r.ctx.resolve(ref, item_path) if r.ctx.resolve else resolve_media(ref, item_path, r.ctx.root)
        )
        if isinstance(resolved, Msg):
            r.add(dotted, resolved, media_hint(ref))
        else:
            found.append(resolved)
    return found


def media_hint(ref: str) -> Msg:
    """How to fix a media reference that cannot be used."""
    return msg("media_remote.hint" if "://" in ref else "media_path.hint")


@lru_cache(maxsize=16)
def _resolved_root(root: Path) -> Path:
    """The workspace root with its links resolved, once per root (every media reference compares with it)."""
    return root.resolve()


#: per (media folder, item folder): where the folder resolves to when no link lies between the two and it
#: resolves inside the workspace, else None (kept by a caller for one scan: see `resolve_media`)
Folders = dict[tuple[Path, Path], Path | None]


def resolve_media(ref: str, item_path: Path, root: Path, folders: Folders | None = None) -> Path | Msg:
    """The media file a reference names, or a message saying why it cannot be used.

    With `folders` (the caller keeps it for one scan, as it keeps the answers), a plain file (no link, a
    media extension) in a folder already found plain takes one lstat; anything else takes the full checks
    below, which also word what is wrong."""
    if not ref.strip():
        return msg("media_empty")
    if "://" in ref:
        return msg("media_remote", ref=ref)
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in ref):
        # A NUL or other control character: no file system path has one, and the OS refuses NUL outright.
        return msg("media_control", ref=ref.encode("unicode_escape").decode("ascii"))
    candidate = Path(ref)
    if candidate.is_absolute():
        return msg("media_absolute", ref=ref)
    full = item_path.parent / candidate
    if folders is not None and _POSIX and ".." not in candidate.parts:
        quick = _plain_file(full, item_path.parent, root, folders)
        if quick is not None:
            return quick
    try:
        resolved = full.resolve()
    except (OSError, RuntimeError, ValueError):
        return msg("media_unresolvable", ref=ref)
    if not resolved.is_relative_to(_resolved_root(root)):
        return msg("media_outside", ref=ref)
    # Refuse a symlink anywhere between the item's folder and the file:
    # it could be swapped to point out later.
    probe = full
    try:  # lstat fails on a name too long for the file system (ENAMETOOLONG)
        while probe != item_path.parent and probe != probe.parent:
            if probe.is_symlink():
                return msg("media_symlink", ref=ref)
            probe = probe.parent
    except OSError as exc:
        return msg("media_unreadable", ref=ref, why=exc.strerror)
    try:
        st = os.stat(resolved)
    except FileNotFoundError:
        return msg("media_missing", ref=ref)
    except OSError as exc:
        return msg("media_unreadable", ref=ref, why=exc.strerror)
    if not stat.S_ISREG(st.st_mode):
        return msg("media_not_file", ref=ref)
    if resolved.suffix.lower() not in MEDIA_EXTS:
        return msg("media_type", ref=ref, exts=", ".join(sorted(MEDIA_EXTS)))
    return resolved


#: On POSIX a path resolves component by component, so a plain file's resolved path is its folder's plus
#: its name (elsewhere resolving may also change the name's case).
_POSIX = os.name == "posix"


def _plain_file(full: Path, item_dir: Path, root: Path, folders: Folders) -> Path | None:
    """`full` resolved with one lstat, when it is a regular file (not a link) with a media extension in a
    plain folder (see `_plain_folder`); else None."""
    key = (full.parent, item_dir)
    if key not in folders:
        folders[key] = _plain_folder(full.parent, item_dir, root)
    folder = folders[key]
    if folder is None or full.suffix.lower() not in MEDIA_EXTS:
        return None
    try:
        st = os.lstat(full)
    except (OSError, ValueError):
        return None
    return folder / full.name if stat.S_ISREG(st.st_mode) else None


def _plain_folder(folder: Path, item_dir: Path, root: Path) -> Path | None:
    """Where `folder` resolves to, if no link lies between the item's folder and it (both included: the
    same steps `resolve_media` checks) and it resolves inside the workspace; else None."""
    probe = folder
    while probe != item_dir and probe != probe.parent:
        if probe.is_symlink():
            return None
        probe = probe.parent
    try:
        resolved = folder.resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    return resolved if resolved.is_relative_to(_resolved_root(root)) else None
