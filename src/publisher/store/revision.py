"""Which schema revision the code expects (the newest migration), read from the migration files without
loading the migration tool or SQLAlchemy: one read tells whether a database is at head."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"

_REVISION_LINE = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:["']([^"']+)["']|None)\s*$""", re.M
)


@cache
def head_revision() -> str | None:
    """The newest migration's revision, read from the version files' `revision = ...` and
    `down_revision = ...` lines; None when that reading is not certain (several heads, or a file it cannot
    read), and then the migration tool decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        found: dict[str, str | None] = {m[1]: m[2] for m in _REVISION_LINE.finditer(text)}
        if "revision" not in found or "down_revision" not in found:
            return None
        revision, parent = found["revision"], found["down_revision"]
        if revision is None:
            return None
        revisions.add(revision)
        if parent:
            parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
