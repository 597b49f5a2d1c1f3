"""The daemon's memory target (10,000 queued posts within 120 MB at its peak) holds partly because it imports
only what its work needs: no image library until a cover is processed, no spreadsheet, chart, web or MCP
library, no database dialect it does not use, no command-line client of httpx. Each case runs in a fresh
interpreter (the test process itself has imported everything) and lists which of those modules ended up in
`sys.modules` once the daemon's own modules (and its queue's, built when it starts) are imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: what the daemon never imports before it serves (PIL: at the first cover it processes, if ever)
NOT_AT_START = (
    "PIL",
    "openpyxl",
    "matplotlib",
    "starlette",
    "uvicorn",
    "mcp",
    "alembic",  # the store is at head: one plain read says so
    "sqlalchemy.dialects.postgresql",  # a SQLite store's daemon
    "httpx._main",  # httpx's command-line client, and with it:
    "rich",
    "click",
)

PROBE = """
import json, sys
import publisher.daemon.entry, publisher.daemon.service, publisher.queue.runner
import httpx
print(json.dumps(sorted(m for m in json.loads(sys.argv[1]) if sys.modules.get(m) is not None)))
"""


def loaded_by_the_daemon(modules: tuple[str, ...]) -> list[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(modules)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_the_daemon_imports_no_library_it_does_not_use_at_start() -> None:
    assert loaded_by_the_daemon(NOT_AT_START) == []


def test_the_probe_sees_what_the_daemon_does_import() -> None:
    """The same probe finds the libraries the daemon needs from its start: it is not blind."""
    needed = ("sqlalchemy", "sqlmodel", "httpx", "jinja2", "markdown_it")
    assert loaded_by_the_daemon(needed) == sorted(needed)
