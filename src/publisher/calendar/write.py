"""Writing a new item into the calendar, shared by every face that creates one (the MCP tools, the
dashboard's form): the Markdown a person would write, checked as a hidden file before it takes its name."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from publisher.calendar.load import Calendar, Checked
from publisher.messages import say

HIDDEN_PREFIX = ".new-"  # a staged file: dotted, so no scan takes it for an item before it is renamed


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line text as a `|` block, the way people write a per-platform body."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def item_text(data: Mapping[str, Any], body: str) -> str:
    """The Markdown file: front matter in the order given (short lists inline), then the body."""
    front = yaml.dump(
        dict(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=None, width=100000
    )
    return f"---\n{front}---\n{body}".rstrip("\n") + "\n"


@dataclass
class Staged:
    """A new item written under a hidden name and checked; `commit()` gives it its real name."""

    checked: Checked
    hidden: Path
    final: Path

    @property
    def errors(self) -> list[str]:
        return self.error_lines("en")

    def error_lines(self, lang: str) -> list[str]:
        """Each error as `platform: field: message (hint)` in `lang`; an unreadable file is an error too."""
        problems = [p for p in self.checked.problems if p.severity == "error"]
        if self.checked.item is not None and not problems:
            return []
        out = []
        for p in problems or self.checked.problems:
            platform = f"{p.platform}: " if p.platform else ""
            hint = p.hint_text(lang)
            out.append(
                f"{platform}{p.field}: {p.text(lang)}{say('problem.hint', lang, hint=hint) if hint else ''}"
            )
        return out

    def commit(self) -> None:
        if self.final.exists():
            raise FileExistsError(self.final)
        os.replace(self.hidden, self.final)


@contextlib.contextmanager
def staged_item(calendar: Calendar, content_dir: Path, item_id: str, text: str) -> Iterator[Staged]:
    """Write `text` as a hidden file next to where `<item_id>.md` goes and check it; the caller decides
    whether to `commit()`. On leaving, a file not committed is removed (refused, or only a dry run)."""
    final = content_dir / f"{item_id}.md"
    hidden = content_dir / f"{HIDDEN_PREFIX}{item_id}.md"
    hidden.parent.mkdir(parents=True, exist_ok=True)
    hidden.write_text(text, encoding="utf-8")
    try:
        yield Staged(calendar.check_file(hidden), hidden, final)
    finally:
        hidden.unlink(missing_ok=True)
