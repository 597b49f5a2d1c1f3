"""Where the workspace is, and its language at a glance: the standard library only, so a command can choose
the language of its `--help` before anything heavy loads (the full settings are in settings.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

CONFIG_NAME = "publisher.toml"

_TABLE = re.compile(r"\s*\[\s*([^\]]*?)\s*\]\s*(?:#.*)?$")
_LANGUAGE = re.compile(r"""\s*language\s*=\s*(["'])(zh|en)\1\s*(?:#.*)?$""")


def find_root(start: Path) -> Path | None:
    """The nearest folder upward (from start) that holds publisher.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def language_of(named: Path | str | None, env: Mapping[str, str], cwd: Path) -> str | None:
    """The language a command most likely speaks before its workspace is opened: PUBLISHER_LANGUAGE, else
    the `language` of the workspace `named` (else PUBLISHER_WORKSPACE, else the nearest upward from `cwd`)."""
    if env.get("PUBLISHER_LANGUAGE") in ("zh", "en"):
        return env["PUBLISHER_LANGUAGE"]
    named = named or env.get("PUBLISHER_WORKSPACE")
    root = (cwd / named) if named else find_root(cwd)
    return peek_language(root / CONFIG_NAME) if root is not None else None


def peek_language(config: Path) -> str | None:
    """`language` of a publisher.toml (top level or `[workspace]`), read line by line without parsing the
    file; None when it says none or cannot be read (the full read then reports the file's problems)."""
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    table = ""
    for line in text.splitlines():
        if header := _TABLE.match(line):
            table = header.group(1)
        elif table in ("", "workspace") and (found := _LANGUAGE.match(line)):
            return found.group(2)
    return None
