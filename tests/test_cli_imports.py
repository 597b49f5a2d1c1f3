"""The CLI starts fast because it imports only what the command in hand needs: `--help` loads no database
layer, no MCP SDK, no web server, no pydantic, no image, spreadsheet or chart library, no HTTP client and no
syntax highlighter; `status` loads none of them either once the store exists and is at head (store.lite reads
it with the standard library, the workspace's settings are read with it too).

Each case runs in a fresh interpreter (the test process itself has imported everything) and lists which of
the heavy modules ended up in `sys.modules`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import WS

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "mcp",
    "starlette",
    "uvicorn",
    "PIL",
    "openpyxl",
    "pydantic",  # the workspace's settings are read with the standard library; the store's models use it
    "matplotlib",
    "httpx",
    "markdown_it",
    "jinja2",
    "pygments",  # rich.syntax: only a dry run's request shown on a terminal
    "rich.progress",  # only rehearse
    "rich.live",  # only status --watch
)

PROBE = """
import contextlib, io, json, sys
from publisher.cli.main import run
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = run(sys.argv[1:])
heavy = json.loads({heavy!r})
print(json.dumps({{"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}}))
"""


def loaded_by(*args: str, cwd: Path | None = None, heavy: tuple[str, ...] = HEAVY) -> tuple[int, list[str]]:
    """Run `publisher ARGS` in a fresh interpreter; its exit code and which `heavy` modules it imported."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=json.dumps(heavy)), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return data["code"], data["loaded"]


@pytest.mark.parametrize(
    "args", [("--help",), ("status", "--help"), ("report", "--help"), ("import", "--help")]
)
def test_help_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    code, loaded = loaded_by(*args)
    assert code == 0
    assert loaded == []


def test_status_on_a_store_at_head_imports_no_heavy_library(ws: WS) -> None:
    code, loaded = loaded_by("status", "--json", "-w", str(ws.root))  # the first run creates the store
    assert code == 0
    assert "sqlalchemy" in loaded and "alembic" in loaded
    code, loaded = loaded_by("status", "--json", "-w", str(ws.root))  # then store.lite reads it
    assert code == 0
    assert loaded == []


def test_the_cli_spells_report_kinds_and_formats_as_the_reports_do() -> None:
    from publisher.cli.data import REPORT_FORMATS, REPORT_KINDS
    from publisher.reports.build import KINDS
    from publisher.reports.writers import FORMATS

    assert (REPORT_KINDS, REPORT_FORMATS) == (KINDS, FORMATS)


def test_help_is_clicks_alone() -> None:
    """`--help` is printed by Click: no rich (the consoles are made on first print), no logging, no pydantic
    (option values are read with the standard library), nothing of the store or the workspace's settings."""
    lean = ("rich", "logging", "pydantic", "typer._adapters", "publisher.workspace.settings")
    code, loaded = loaded_by("--help", heavy=lean)
    assert code == 0
    assert loaded == []
