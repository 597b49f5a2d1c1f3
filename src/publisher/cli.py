"""The command line: parse arguments, call the layers below, present results (rich for people, --json for scripts).

Exit codes: 0 ok, 1 a problem the user must fix (content, config, a failed post), 2 a usage error.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from publisher import commands
from publisher.errors import PublisherError
from publisher.redact import install_logging_redaction, redact_text

app = typer.Typer(
    name="publisher",
    help="Check, render, schedule and publish a content calendar to 小红书, 抖音, 微信公众号 and Product Hunt.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

WorkspaceOpt = Annotated[
    Path | None, typer.Option("--workspace", "-w", help="Workspace folder (default: nearest with publisher.toml).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="DEBUG logs (secrets are always redacted).")]


def _setup(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: "
                        "%(message)s", stream=sys.stderr, force=True)
    install_logging_redaction(verbose=verbose)


def _json(data: Any) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False, default=str), ensure_ascii=False, highlight=False) \
        if sys.stdout.isatty() else print(json.dumps(data, ensure_ascii=False, default=str, indent=2))


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")] = Path("."),
    force: Annotated[bool, typer.Option(help="Write into a folder that already has files.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Start a workspace: publisher.toml, the default platforms/, schedules/ and an example item."""
    _setup(verbose)
    created = commands.init_workspace(directory, force=force)
    out.print(f"[green]✓[/] workspace ready in {directory.resolve()}")
    for path in created:
        out.print(f"  {path}")
    out.print("next: [bold]publisher check[/] then [bold]publisher preview ITEM[/]")


@app.command()
def check(workspace: WorkspaceOpt = None, as_json: JsonOpt = False, verbose: VerboseOpt = False) -> None:
    """Validate every item for every target platform (exit 1 on any error)."""
    _setup(verbose)
    ws = commands.workspace(workspace)
    result = commands.check(ws)
    if as_json:
        _json(result.to_dict())
    else:
        for problem in result.problems:
            colour = "red" if problem.severity == "error" else "yellow"
            err.print(f"[{colour}]{escape(problem.format())}[/]")
        table = Table(title="publisher check", show_lines=False)
        for col in ("platform", "valid", "with errors"):
            table.add_column(col)
        for platform, (ok, bad) in sorted(result.per_platform().items()):
            table.add_row(platform, str(ok), f"[red]{bad}[/]" if bad else "0")
        out.print(table)
        status = "[green]✓ all postable[/]" if not result.errors else f"[red]✗ {len(result.errors)} error(s)[/]"
        out.print(f"{status} · {result.item_count} item(s) · {len(result.warnings)} warning(s)")
    raise typer.Exit(1 if result.errors else 0)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; errors become one clear message, never a traceback."""
    try:
        app(args=argv, prog_name="publisher", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except PublisherError as exc:
        err.print(f"[red]error:[/] {escape(redact_text(str(exc)))}")
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:  # a bug: say so plainly, keep the traceback for -v, never print a secret
        logging.getLogger("publisher").debug("internal error", exc_info=True)
        err.print(f"[red]internal error:[/] {escape(redact_text(f'{type(exc).__name__}: {exc}'))} "
                  "(run again with -v for details, and please report it)")
        return 1
    return 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
