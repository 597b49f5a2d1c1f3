"""What an import finds and does, as values: one note per change, one report per source file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from publisher.models import Problem

Severity = Literal["info", "warning", "error"]
Kind = Literal["hexo", "hugo", "jekyll", "plain"]
#: What happened to one source file: written; would be written (a dry run); already imported with the same
#: text; not written because another file has that name; not read (not UTF-8, broken front matter).
Outcome = Literal["written", "would_write", "unchanged", "exists", "unreadable"]


@dataclass(frozen=True)
class Note:
    """One change the importer made (or one thing it could not do), as a message key and its values: the
    words come from the catalogue (`reports/i18n.py`) in the reader's language."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "info"
    line: int = 0  # 1-based line in the source file; 0 when the note is about the whole file


@dataclass(frozen=True)
class Site:
    """A blog folder as detected: its generator, where posts live, and where `/absolute` paths point."""

    kind: Kind
    root: Path
    posts: tuple[Path, ...]
    static_roots: tuple[Path, ...]  # folders a path starting with `/` is looked up in, in order


@dataclass
class FileReport:
    """One source file's import: where it went, what changed, and what `check` thinks of the result."""

    source: str  # relative to the blog folder
    item: str  # the item id written (or that would be)
    path: str  # the item's file, relative to the workspace
    outcome: Outcome
    notes: list[Note] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # copied media, relative to the workspace
    errors: int = 0  # check's errors on the written item (-1: not checked)
    warnings: int = 0
    problems: list[Problem] = field(default_factory=list)  # check's errors (worded in the report's language)

    @property
    def ok(self) -> bool:
        blocking = any(n.severity == "error" for n in self.notes)
        return self.outcome in ("written", "would_write", "unchanged") and not blocking and self.errors <= 0


@dataclass
class ImportReport:
    kind: Kind
    source: str
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.files) and all(f.ok for f in self.files)
