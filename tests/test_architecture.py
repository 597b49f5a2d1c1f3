"""The house rules of DESIGN.md section 13, checked on the imports themselves (so a shortcut fails CI)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "publisher"


def imports_of(path: Path) -> set[str]:
    """Every `publisher.*` module a file imports, at any depth (lazy imports inside functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("publisher")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("publisher"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def files(folder: str) -> list[Path]:
    return sorted((SRC / folder).rglob("*.py"))


@pytest.mark.parametrize("path", files("sandbox"), ids=lambda p: p.name)
def test_the_sandbox_imports_nothing_of_the_product(path: Path) -> None:
    assert {m for m in imports_of(path) if not m.startswith("publisher.sandbox")} == set()


@pytest.mark.parametrize("path", files("adapters"), ids=lambda p: p.name)
def test_adapters_never_import_the_store_or_the_queue(path: Path) -> None:
    bad = {
        m
        for m in imports_of(path)
        if m.startswith(("publisher.store", "publisher.queue.runner", "publisher.daemon.service"))
    }
    assert bad == set()


@pytest.mark.parametrize("path", files("store"), ids=lambda p: p.name)
def test_the_store_never_imports_adapters_or_the_queue(path: Path) -> None:
    bad = {m for m in imports_of(path) if m.startswith(("publisher.adapters", "publisher.queue.runner"))}
    assert bad == set()


@pytest.mark.parametrize("name", ["models.py", "errors.py", "states.py", "redact.py"])
def test_the_ground_layer_stays_at_the_bottom(name: str) -> None:
    allowed = ("publisher.models", "publisher.errors")
    assert {m for m in imports_of(SRC / name) if not m.startswith(allowed)} == set()


def test_no_platform_special_cases_outside_adapters_and_the_sandbox() -> None:
    """A platform is one adapter module plus one platforms/<name>/ folder:
    no `if platform == "wechat"` elsewhere."""
    # Platform-named by definition: the MCP tools (publish_to_wechat...), `publisher auth douyin`, seed data.
    named = {"items.py", "login.py", "history.py"}
    offenders = []
    for path in SRC.rglob("*.py"):
        if {"adapters", "sandbox"} & set(path.relative_to(SRC).parts) or path.name in named:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and c.value in ("wechat", "douyin", "xiaohongshu", "producthunt")
                for c in node.comparators
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


#: Modules still writing their own SQL, to be moved into store/ ("daemon/jobs.py", ...); empty: all moved.
SQL_NOT_YET_IN_STORE: set[str] = set()


def _outside_store() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if p.relative_to(SRC).parts[0] != "store"]


def _sql_uses(path: Path) -> set[str]:
    """What in `path` reaches past the store: sqlalchemy/sqlmodel imports, table modules, `__table__`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        found |= {n for n in names if n.split(".")[0] in ("sqlalchemy", "sqlmodel")}
        found |= {n for n in names if n.startswith("publisher.store.tables")}
        if isinstance(node, ast.Attribute) and node.attr == "__table__":
            found.add(f"__table__ (line {node.lineno})")
    return found


@pytest.mark.parametrize("path", _outside_store(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_sql_and_tables_live_in_the_store(path: Path) -> None:
    """Every SQL statement and table handle lives in store/; the rest call its named functions."""
    rel = path.relative_to(SRC).as_posix()
    if rel in SQL_NOT_YET_IN_STORE:
        pytest.skip("not yet moved into store/ (SQL_NOT_YET_IN_STORE)")
    assert _sql_uses(path) == set()


def test_the_not_yet_list_names_only_modules_that_still_need_it() -> None:
    """Once a module's SQL has moved, it leaves the allow-list (so the list only ever shrinks)."""
    stale = {rel for rel in SQL_NOT_YET_IN_STORE if not (SRC / rel).exists() or not _sql_uses(SRC / rel)}
    assert stale == set()
