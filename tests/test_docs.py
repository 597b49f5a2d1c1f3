"""The README is the manual: its quick start is what CI runs, and every command is documented."""

from __future__ import annotations

import re

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
