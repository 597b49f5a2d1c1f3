"""The README is the manual: its quick start is what CI runs, and every command is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from tests.conftest import REPO

from publisher.cli.main import app


def quick_start() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.DOTALL)
    assert block, "the Quick start section needs a fenced code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_commands_and_ci_runs_the_second_verbatim() -> None:
    lines = quick_start()
    assert len(lines) == 2
    assert lines[0].startswith("python -m pip install -e . ")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert lines[1] in ci.splitlines()


def test_every_command_is_in_the_readme() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        assert f"publisher {name}" in text, f"`publisher {name}` is not documented in README.md"


def test_every_platform_folder_has_rules_and_templates() -> None:
    for folder in sorted((REPO / "platforms").iterdir()):
        assert (folder / "platform.yaml").is_file(), folder
        assert (folder / "preview.html.j2").is_file(), folder


DOCS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1", re.DOTALL | re.MULTILINE)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)


def prose(text: str) -> str:
    """The Markdown without fenced blocks and inline code, where brackets are not links."""
    return _CODE.sub("", _FENCE.sub("", text))


def anchors(path: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered."""
    seen: dict[str, int] = {}
    found = set()
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_points_to_a_file_and_heading_that_exist(doc: Path) -> None:
    broken = []
    for target in _LINK.findall(prose(doc.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # https:, mailto: ...: not a file in the repository
        path, _, anchor = target.partition("#")
        dest = (doc.parent / path).resolve() if path else doc
        if not dest.exists() or not dest.resolve().is_relative_to(REPO.resolve()):
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.relative_to(REPO).as_posix()}")
    assert broken == [], f"{doc.relative_to(REPO).as_posix()}: {broken}"


TEXT = {".py", ".md", ".j2", ".html", ".toml", ".yaml", ".yml", ".txt", ".json", ".cfg", ".ini"}
NEWCOMER_READS = (
    "src",
    "tests",
    "bench",
    "docs",
    "platforms",
    "schedules",
)  # the last two: packaged defaults
READ_BY_A_NEWCOMER = [
    REPO / "README.md",
    *(
        path
        for top in NEWCOMER_READS
        for path in sorted((REPO / top).rglob("*"))
        if path.suffix in TEXT
        and path.is_file()
        and "__pycache__" not in path.parts
        and not path.is_relative_to(REPO / "tests" / "corpus")  # sample blogs: their paths are theirs
    ),
]
_NOTE_NAME = re.compile(r"(?<![\w./-])([A-Z][A-Z0-9_-]*\.md)\b")  # an upper-case note name, as the README's
_DOC_REF = re.compile(r"(?<![\w./-])((?:docs/[\w./-]+|README)\.md)(?:#([\w-]+))?")  # a docs page, #section


def test_every_file_or_section_named_in_the_repository_is_in_it() -> None:
    """A reader can open whatever the code, tests, benchmarks and docs point to: an upper-case note name
    ending in .md names a file the repository has, and a path to a page under docs/ or to the README (with
    its `#section`) is a file and heading that exist. Notes kept elsewhere are no help to a reader of the
    repository: say the fact in place, or add it to docs/ and point there."""
    have = {
        p.name for p in REPO.rglob("*.md") if not any(x.startswith(".") for x in p.relative_to(REPO).parts)
    }
    broken = []
    for path in READ_BY_A_NEWCOMER:
        text = path.read_text(encoding="utf-8", errors="replace")
        where = path.relative_to(REPO).as_posix()
        broken += [f"{where}: {name}" for name in _NOTE_NAME.findall(text) if name not in have]
        for target, anchor in _DOC_REF.findall(text):
            dest = REPO / target
            if not dest.is_file():
                broken.append(f"{where}: {target}: no such file")
            elif anchor and anchor not in anchors(dest):
                broken.append(f"{where}: {target}#{anchor}: no such heading")
    assert broken == []


def test_every_test_a_doc_names_exists() -> None:
    """docs/reliability.md proves each promise by `tests/file.py::test`: a renamed test must not go stale."""
    missing = []
    for doc in DOCS:
        for file, name in re.findall(r"(tests/[\w/]+\.py)::(\w+)", doc.read_text(encoding="utf-8")):
            path = REPO / file
            tree = ast.parse(path.read_text(encoding="utf-8")) if path.is_file() else None
            defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)} if tree else set()
            if name not in defined:
                missing.append(f"{doc.relative_to(REPO).as_posix()}: {file}::{name}")
    assert missing == []
