"""The command line's entry: `publisher ...` parses arguments, calls the layers below and presents results
(rich for people, --json for scripts).

Exit codes: 0 ok, 1 a problem the user must fix (content, config, a failed post), 2 a usage error. The
commands live in one module per group, each registering itself on the shared `app` (cli/common.py) when
imported: `calendar` (init, check, sync, plan, status, publish, preview), `blog` (import), `ops` (running and
acting on posts) and `data` (metrics, reports, calendar export). The calendar is imported first, so
`--help` lists it first. A run converts only the command it runs into Click's (cli/lazy.py) and reads option
values with the standard library (cli/values.py), so a command starts without Typer's work for the others.
"""

from __future__ import annotations

import os
import sys

from typer import Abort
from typer._click.exceptions import ClickException

import publisher.cli.blog
import publisher.cli.calendar
import publisher.cli.data
import publisher.cli.ops  # noqa: F401  (each module registers its commands on `app`)
from publisher.cli import common
from publisher.cli.common import app, escape
from publisher.cli.lang import forget_reader, guess_now, reader_lang
from publisher.cli.lazy import click_app
from publisher.errors import PublisherError
from publisher.messages import say

__all__ = ["app", "main", "run"]


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; errors become one clear message, never a traceback."""
    forget_reader()
    guess_now(sys.argv[1:] if argv is None else argv)  # before parsing: `--help` is shown in it
    try:  # Click's own errors are shown here, in the reader's language (not by Click, in English)
        done = click_app(app)(args=argv, prog_name="publisher", standalone_mode=False)
        return done if isinstance(done, int) else 0  # an exit's code (typer.Exit, --help), else success
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except ClickException as exc:
        from publisher.cli import usage_errors  # only when there is one: `--help` starts without it

        usage_errors.show(exc, reader_lang())
        return exc.exit_code
    except Abort:
        common.err.print(say("help.click.aborted", reader_lang()), markup=False)
        return 1
    except PublisherError as exc:
        from publisher.redact import redact_text  # the error paths load what they print with

        lang = reader_lang()  # --lang, else the workspace's language, else the guess, else Chinese
        common.err.print(f"[red]{escape(say('cli.error', lang))}[/]{escape(redact_text(exc.text(lang)))}")
        return exc.exit_code
    except KeyboardInterrupt:
        common.err.print(say("cli.interrupted", reader_lang()), markup=False)
        return 130
    except Exception as exc:  # a bug: say so plainly, keep the traceback for -v, never print a secret
        import logging

        from publisher.redact import redact_text

        logging.getLogger("publisher").debug("internal error", exc_info=True)
        lang = reader_lang()
        what = redact_text(f"{type(exc).__name__}: {exc}")
        common.err.print(
            f"[red]{escape(say('cli.internal', lang))}[/]{escape(say('cli.internal_what', lang, what=what))}"
        )
        return 1


def main() -> None:
    """Console-script entry point.

    Pydantic looks for plugins by scanning every installed distribution's entry points the first time it
    builds a validator (tens of milliseconds of a command's start); the product uses none, so the command
    turns that off unless the environment says otherwise."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    sys.exit(run())
