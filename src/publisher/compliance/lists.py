"""Word lists as data: YAML files of entries, each with a category, a severity, a suggested rewrite, its
source, and exceptions (longer phrases that contain the word but are not a claim, e.g. 最近 for 最)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from publisher import safe_yaml
from publisher.errors import ConfigError
from publisher.messages import msg

ListSeverity = Literal["error", "warning"]


@dataclass(frozen=True)
class Entry:
    """One word to look for."""

    word: str
    category: str
    severity: ListSeverity = "error"
    suggest: str = ""
    source: str = ""
    exceptions: tuple[str, ...] = ()  # phrases containing the word that are fine (第一次, 最近)
    label: str = ""  # what the category is called in messages (广告法绝对化用语)
    platforms: tuple[str, ...] = ()  # only these platforms (站外导流 is fine in a WeChat article); () = all


@dataclass(frozen=True)
class WordList:
    """Every entry in force, keyed by (category, word) so a later list overrides an earlier one."""

    entries: Mapping[tuple[str, str], Entry]

    def merged(self, other: WordList) -> WordList:
        """This list with `other`'s entries added; an entry of the same category and word replaces ours.
        An entry with `severity: off` in a workspace list removes the word (see `load_list`)."""
        out = dict(self.entries)
        for key, entry in other.entries.items():
            out[key] = entry
        return WordList({k: v for k, v in out.items() if v.severity in ("error", "warning")})

    def __len__(self) -> int:
        return len(self.entries)


EMPTY = WordList({})


def parse_list(data: Any, where: str) -> WordList:
    """One YAML document: `category`, `label`, `severity`, `source` as defaults for its `entries`.

    An entry is a mapping (`word`, and optionally `suggest`, `severity`, `source`, `except`, `category`) or a
    bare word. `severity: off` switches a packaged word off in a workspace list.
    """
    if data is None:
        return EMPTY
    if not isinstance(data, dict):
        raise ConfigError(msg("usage.list_mapping"), path=where)
    unknown = set(data) - {"category", "label", "severity", "source", "entries", "suggest", "platforms"}
    if unknown:
        raise ConfigError(
            msg("usage.unknown_keys", keys=str(sorted(unknown))), path=where, key=sorted(unknown)[0]
        )
    category = str(data.get("category") or Path(where).stem)
    label = str(data.get("label") or category)
    severity = str(data.get("severity") or "error")
    source = str(data.get("source") or "")
    suggest = str(data.get("suggest") or "")
    platforms = _names(data.get("platforms"), where, "platforms")
    raw = data.get("entries") or []
    if not isinstance(raw, list):
        raise ConfigError(msg("usage.entries_list"), path=where, key="entries")
    entries: dict[tuple[str, str], Entry] = {}
    for i, item in enumerate(raw):
        key = f"entries[{i}]"
        spec: Mapping[str, Any] = {"word": item} if isinstance(item, str | int) else item
        if not isinstance(spec, Mapping) or not str(spec.get("word") or "").strip():
            raise ConfigError(msg("usage.entry_word"), path=where, key=key)
        extra = set(spec) - {"word", "suggest", "severity", "source", "except", "category", "platforms"}
        if extra:
            raise ConfigError(
                msg("usage.unknown_keys", keys=str(sorted(extra))),
                path=where,
                key=f"{key}.{sorted(extra)[0]}",
            )
        word = str(spec["word"]).strip()
        level = str(spec.get("severity") or severity)
        if level not in ("error", "warning", "off"):
            raise ConfigError(msg("usage.severity"), path=where, key=f"{key}.severity")
        exceptions = spec.get("except") or []
        if isinstance(exceptions, str):
            exceptions = [exceptions]
        bad = [e for e in exceptions if word.lower() not in str(e).lower()]
        if bad:
            raise ConfigError(
                msg("usage.exception_word", exception=repr(bad[0]), word=repr(word)),
                path=where,
                key=f"{key}.except",
            )
        cat = str(spec.get("category") or category)
        entries[(cat, word.lower())] = Entry(
            word=word,
            category=cat,
            severity=level,  # type: ignore[arg-type]  # "off" is dropped by WordList.merged
            suggest=str(spec.get("suggest") or suggest),
            source=str(spec.get("source") or source),
            exceptions=tuple(str(e) for e in exceptions),
            label=label,
            platforms=_names(spec.get("platforms"), where, f"{key}.platforms") or platforms,
        )
    return WordList(entries)


def _names(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(msg("usage.platforms_list"), path=where, key=key)
    return tuple(value)


def load_list(path: Path) -> WordList:
    """One YAML file; a bad file is a ConfigError naming it and the key."""
    try:
        data = safe_yaml.load_file(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(msg("usage.list_unreadable", why=str(exc)), path=str(path)) from None
    return parse_list(data, str(path))


def load_lists(paths: Iterable[Path]) -> WordList:
    """Several files merged in order: a later file's entry of the same category and word wins."""
    merged = EMPTY
    for path in paths:
        merged = merged.merged(load_list(path))
    return merged


def list_files(folder: Path) -> list[Path]:
    """The YAML lists in a folder, sorted by name (so the order of overrides is stable)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
