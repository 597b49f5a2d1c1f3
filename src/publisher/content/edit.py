"""Minimal edits of a content file: change one front-matter value in place, keeping every other byte
(comments, key order, quoting, line endings), and write a file atomically only if nobody changed it."""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from pathlib import Path

import yaml

from publisher.content.frontmatter import FrontMatterError, split
from publisher.messages import msg


class StaleFile(Exception):
    """The file on disk is not the one the person saw: someone (an editor, git) changed it since."""


def set_publish_at(text: str, value: str, platform: str | None = None) -> str:
    """`text` with its `publish_at` set to `value` (e.g. "2026-12-03 12:00").

    With `platform`, a `publish_at` under `platforms.<platform>` is the one edited (block or flow
    mapping); otherwise the top-level one. A missing top-level `publish_at` is inserted after `title:`.
    A quoted value stays quoted with the same quote; nothing else in the file changes.
    """
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom) :]
    parts = split(text)  # raises FrontMatterError for a file without front matter
    offset = len(text.splitlines(keepends=True)[0])
    root = _compose(parts.yaml_text, parts.yaml_line)
    node = None
    if platform is not None:
        entry = _child(_child(root, "platforms"), platform)
        node = _child(entry, "publish_at")
    if node is None:
        node = _child(root, "publish_at")
    if node is not None:
        start, end = offset + node.start_mark.index, offset + node.end_mark.index
        old = text[start:end]
        quote = old[0] if old[:1] in ("'", '"') and isinstance(node, yaml.ScalarNode) else ""
        return bom + text[:start] + f"{quote}{value}{quote}" + text[end:]
    newline = "\r\n" if "\r\n" in text.splitlines(keepends=True)[0] else "\n"
    title = _child(root, "title")
    if title is not None:
        # After the title's value: the end of the line its last character is on.
        end = offset + title.end_mark.index
        at = text.find("\n", end - 1 if text[end - 1 : end] == "\n" else end)
        at = len(text) if at < 0 else at + 1
    else:
        at = offset
    if at == len(text) and not text.endswith("\n"):
        return bom + text + newline + f"publish_at: {value}"
    return bom + text[:at] + f"publish_at: {value}{newline}" + text[at:]


def _compose(yaml_text: str, first_line: int) -> yaml.Node | None:
    try:
        # The pure-Python loader: its marks count characters (libyaml's count bytes).
        node: yaml.Node | None = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise FrontMatterError(first_line, "front matter", msg("yaml_invalid", why=str(exc))) from None
    return node


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if (
            isinstance(key_node, yaml.ScalarNode)
            and key_node.value == key
            and isinstance(value_node, yaml.Node)
        ):
            return value_node
    return None


def text_digest(raw: bytes) -> str:
    """The hex SHA-256 a page carries for a file it shows, to tell later whether the file changed."""
    return hashlib.sha256(raw).hexdigest()


def rewrite_if_unchanged(path: Path, expected: str, new_text: str) -> None:
    """Replace the file with `new_text` (UTF-8, atomically) if its bytes still hash to `expected`."""
    if text_digest(path.read_bytes()) != expected:
        raise StaleFile(path.name)
    write_atomic(path, new_text.encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    """Write a temp file next to `path`, then rename it over: a reader sees the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def move_publish_at(path: Path, expected: str, value: str, platform: str | None = None) -> list[str]:
    """Set the item's `publish_at` (the platform's own, if it has one) in its file, if the file is unchanged;
    the change as diff lines (`-old`, `+new`), what a person sees of the edit.

    Raises StaleFile when the file's digest is not `expected`, FrontMatterError when it has no front matter.
    """
    raw = path.read_bytes()
    if text_digest(raw) != expected:
        raise StaleFile(path.name)
    text = raw.decode("utf-8")
    new_text = set_publish_at(text, value, platform)
    rewrite_if_unchanged(path, expected, new_text)
    return changed_lines(text, new_text)


def changed_lines(old: str, new: str) -> list[str]:
    """The lines that differ between two texts, as a diff without context: `-` old lines, then `+` new."""
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), n=0, lineterm="")
    return [line for line in diff if line[:1] in "-+" and not line.startswith(("---", "+++"))]
