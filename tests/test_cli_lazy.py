"""`publisher` converts only the command it runs (cli/lazy.py): the program's help lists every command as the
fully built group does, in both languages, and a run builds one command and no pydantic validator."""

from __future__ import annotations

import contextlib
import io

import pytest
import typer
from tests.conftest import WS
from tests.test_cli import cli
from tests.test_cli_imports import loaded_by

from publisher.cli.lang import forget_reader, heard
from publisher.cli.lazy import Commands, click_app
from publisher.cli.main import app


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    "args", [("--help",), ("auth", "--help"), ("metrics", "--help"), ("status", "--help")]
)
def test_the_help_is_the_fully_built_groups(args: tuple[str, ...], lang: str) -> None:
    forget_reader()
    heard("flag", lang)
    full = io.StringIO()
    with contextlib.redirect_stdout(full):
        typer.main.get_command(app).main(list(args), prog_name="publisher", standalone_mode=False)
    forget_reader()
    shown = cli("--lang", lang, *args)
    assert shown.returncode == 0 and shown.stdout == full.getvalue()


def test_only_the_command_asked_for_is_made() -> None:
    group = click_app(app)
    commands = group.commands  # type: ignore[attr-defined]
    assert isinstance(commands, Commands)
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert list(commands) == names and "status" in commands
    with contextlib.redirect_stdout(io.StringIO()):
        group.main(["--help"], prog_name="publisher", standalone_mode=False)
    assert commands._made == {}
    assert commands["status"].name == "status" and list(commands._made) == ["status"]


def test_a_run_reads_its_options_without_building_a_pydantic_validator(ws: WS) -> None:
    """typer._adapters (pydantic validators for options) is never imported: --help, a usage error, status."""
    probe = ("typer._adapters",)
    where = ("-w", str(ws.root))
    for args in (("--help",), ("plan", "--days", "x", *where), ("status", "--every", "1", "--json", *where)):
        code, loaded = loaded_by(*args, heavy=probe)
        assert code in (0, 1, 2) and loaded == [], args
