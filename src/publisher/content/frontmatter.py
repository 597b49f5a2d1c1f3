"""Split a content file into front matter and body,
and load the YAML safely with a line number for every key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from publisher.messages import Msg, msg

try:  # libyaml's composer is several times faster; both refuse every tag that could run code
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml is in the PyYAML wheels
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]  # same interface, pure Python

MAX_FILE_BYTES = 1_000_000
#: Values in one front matter after aliases are expanded: a real item has tens; a "billion laughs" file,
#: a few hundred bytes of nested aliases, would expand to billions and exhaust the machine.
MAX_VALUES = 10_000
#: Longest number read as a number (longer ones are a mistake, and Python refuses past 4,300 digits).
MAX_NUMBER_CHARS = 100
_SAFE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:timestamp",  # kept as the text the person wrote: times are parsed with the zone rules
}


@dataclass(frozen=True)
class Split:
    """A content file cut in two; lines are 1-based positions in the file."""

    yaml_text: str
    yaml_line: int  # line of the first YAML line
    body: str
    body_line: int


@dataclass(frozen=True)
class FrontMatterError(Exception):
    """A problem in the file's structure; `line` is 1-based in the file."""

    line: int
    field: str
    said: Msg
    hint_said: Msg | None = None
    more: tuple[FrontMatterError, ...] = ()  # further problems found in the same front matter

    @property
    def message(self) -> str:
        return self.said.text("en")

    @property
    def hint(self) -> str:
        return self.hint_said.text("en") if self.hint_said else ""

    def text(self, lang: str) -> str:
        return self.said.text(lang)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), or a FrontMatterError pointing at the first bad byte's line."""
    if len(raw) > MAX_FILE_BYTES:
        raise FrontMatterError(
            1,
            "file",
            msg("file_too_big", size=len(raw), limit=MAX_FILE_BYTES),
            msg("file_too_big.hint"),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FrontMatterError(
            line,
            "file",
            msg("not_utf8", byte=raw[exc.start], offset=exc.start),
            msg("not_utf8.hint"),
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FrontMatterError(line, "file", msg("nul_char"), msg("nul_char.hint"))
    return text


def split(text: str) -> Split:
    """Cut `---` front matter from the Markdown body."""
    if not text.strip():
        raise FrontMatterError(
            1,
            "file",
            msg("file_empty"),
            msg("file_empty.hint"),
        )
    lines = text.splitlines(keepends=True)
    if lines[0].rstrip("\r\n").rstrip() != "---":
        raise FrontMatterError(
            1,
            "front matter",
            msg("no_front_matter"),
            msg("no_front_matter.hint"),
        )
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n").rstrip() in ("---", "..."):
            return Split("".join(lines[1:i]), 2, "".join(lines[i + 1 :]), i + 2)
    raise FrontMatterError(
        1,
        "front matter",
        msg("front_matter_unclosed"),
        msg("front_matter_unclosed.hint"),
    )


class _Loader(_BaseLoader):
    """Safe loader whose timestamps stay strings (zones are applied later, with DST checks)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in _BaseLoader.yaml_implicit_resolvers.items()
}


_C = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_SCALARS = {
    "tag:yaml.org,2002:str": _C.construct_yaml_str,
    "tag:yaml.org,2002:int": _C.construct_yaml_int,
    "tag:yaml.org,2002:float": _C.construct_yaml_float,
    "tag:yaml.org,2002:bool": _C.construct_yaml_bool,
    "tag:yaml.org,2002:null": _C.construct_yaml_null,
}


def load_yaml(text: str, first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    """Front matter as plain data plus `dotted.key -> line` (1-based, in the file)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        _raise_keyboard_mistakes(text, first_line)
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        raise FrontMatterError(
            line,
            "front matter",
            msg("yaml_invalid", why=str(exc.problem or exc)),
            msg("yaml_invalid.hint"),
        ) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(first_line, "front matter", msg("yaml_invalid", why=str(exc))) from None
    if node is None:
        return {}, {}
    lines: dict[str, int] = {}
    value = _convert(node, "", lines, first_line, _Budget(MAX_VALUES))
    if not isinstance(value, dict):
        _raise_keyboard_mistakes(text, first_line)
        raise FrontMatterError(first_line, "front matter", msg("front_matter_not_mapping"))
    return value, lines


#: `key：value` (a Chinese keyboard's colon) or `key:value` (no space): YAML reads neither as a field.
_KEY_COLON = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(：|:(?=[^\s:/]))")
_BLOCK_START = re.compile(r":\s*[|>][-+0-9]*\s*(?:#.*)?$")


def keyboard_mistakes(text: str, first_line: int) -> list[FrontMatterError]:
    """Mistakes a Chinese keyboard makes in YAML, one per line: a full-width colon, a colon with no space
    after it, a tab. Lines inside a `|` or `>` block are text and are not looked at."""
    found: list[FrontMatterError] = []
    block_indent: int | None = None
    for n, line in enumerate(text.splitlines()):
        indent = len(line) - len(line.lstrip(" \t"))
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue
            block_indent = None
        where = first_line + n
        match = _KEY_COLON.match(line)
        if match and match.group(2) == "：":
            found.append(
                FrontMatterError(
                    where,
                    match.group(1),
                    msg("full_width_colon"),
                    msg("full_width_colon.hint", key=match.group(1)),
                )
            )
        elif match:
            found.append(
                FrontMatterError(
                    where,
                    match.group(1),
                    msg("colon_no_space", key=match.group(1)),
                    msg("colon_no_space.hint", key=match.group(1), value=line[match.end() :].strip()[:20]),
                )
            )
        if "\t" in line:
            found.append(
                FrontMatterError(
                    where,
                    match.group(1) if match else "front matter",
                    msg("tab_indent", line=where),
                    msg("tab_indent.hint"),
                )
            )
        if _BLOCK_START.search(line):
            block_indent = indent
    return found


def _raise_keyboard_mistakes(text: str, first_line: int) -> None:
    """Raise the keyboard mistakes in `text`, all of them, when there are any."""
    found = keyboard_mistakes(text, first_line)
    if found:
        first, *rest = found
        raise FrontMatterError(first.line, first.field, first.said, first.hint_said, tuple(rest))


class _Budget:
    """How many more values the front matter may expand to."""

    def __init__(self, left: int) -> None:
        self.left = left

    def spend(self, line: int, path: str) -> None:
        self.left -= 1
        if self.left < 0:
            raise FrontMatterError(
                line,
                path or "front matter",
                msg("yaml_too_many_values", limit=MAX_VALUES),
                msg("yaml_too_many_values.hint"),
            )


def _convert(node: yaml.Node, path: str, lines: dict[str, int], first: int, budget: _Budget) -> Any:
    line = first + node.start_mark.line
    budget.left -= 1
    if budget.left < 0:  # (`_Budget.spend`, inline: this runs for every value of every file)
        budget.left += 1
        budget.spend(line, path)
    if path:
        lines.setdefault(path, line)
    if node.tag not in _SAFE_TAGS:
        raise FrontMatterError(
            line,
            path or "front matter",
            msg("yaml_tag", tag=node.tag.replace("tag:yaml.org,2002:", "!!")),
            msg("yaml_tag.hint"),
        )
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise FrontMatterError(
                    first + key_node.start_mark.line, path or "front matter", msg("yaml_key_not_text")
                )
            key = str(key_node.value)
            if key == "<<":
                raise FrontMatterError(
                    first + key_node.start_mark.line,
                    path or "front matter",
                    msg("yaml_merge_key"),
                    msg("yaml_merge_key.hint"),
                )
            sub = f"{path}.{key}" if path else key
            if key in out:
                raise FrontMatterError(
                    first + key_node.start_mark.line,
                    sub,
                    msg("key_twice", key=key),
                    msg("key_twice.hint"),
                )
            lines[sub] = first + key_node.start_mark.line
            out[key] = _convert(value_node, sub, lines, first, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, f"{path}[{i}]", lines, first, budget) for i, child in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)  # mappings and sequences are handled above
    if node.tag == _STR:
        return node.value  # what construct_yaml_str gives a scalar node, without its two calls
    if node.tag == "tag:yaml.org,2002:timestamp":
        return str(node.value)
    if node.tag == "tag:yaml.org,2002:int" and len(str(node.value)) > MAX_NUMBER_CHARS:
        raise FrontMatterError(
            line,
            path or "front matter",
            msg("number_too_long", digits=len(str(node.value))),
            msg("number_too_long.hint"),
        )
    try:
        return _SCALARS[node.tag](node)
    except (yaml.YAMLError, ValueError, KeyError) as exc:  # e.g. a malformed explicit !!int
        raise FrontMatterError(line, path or "front matter", msg("value_invalid", why=str(exc))) from None


def plain(value: Any) -> Any:
    """Deep-copy to plain containers (frozen items must not share mutable state with callers)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
