"""Commands about figures: metrics pull and import, reports, the iCalendar export."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from publisher.cli import common
from publisher.cli.common import (
    JsonOpt,
    LangOpt,
    VerboseOpt,
    WorkspaceOpt,
    app,
    choice,
    escape,
    open_workspace,
    parse_day,
    print_json,
    sandbox_url_for,
    setup_logging,
    store_for,
    utc_now,
)
from publisher.cli.lang import HelpGroup, command
from publisher.messages import say

#: reports.build.KINDS and reports.writers.FORMATS, spelled here so `--help` never loads the report writers
#: (tests/test_cli_imports.py checks they agree).
REPORT_KINDS = ("daily", "weekly", "engagement", "campaign")
REPORT_FORMATS = ("md", "html", "csv", "xlsx", "json")

metrics_app = typer.Typer(help="help.metrics", cls=HelpGroup, no_args_is_help=True)
app.add_typer(metrics_app, name="metrics")


@command(metrics_app, "metrics.pull")
def metrics_pull(
    since: Annotated[str | None, typer.Option(help="help.metrics.since")] = None,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="help.metrics.sandbox")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.metrics import pull as metrics

    ws = open_workspace(workspace)
    store = store_for(ws)
    now = utc_now()
    start = parse_day(ws, since, "--since") if since else now - timedelta(days=14)
    with sandbox_url_for(sandbox) as url:
        result = metrics.pull(
            ws,
            store,
            now=now,
            since=start,
            adapter_for=metrics.default_adapter_for(ws, store, now=utc_now, sandbox_url=url),
        )
    if as_json:
        print_json(result.to_dict())
    else:
        common.out.print(result.summary(lang or ws.settings.language), markup=False)
        for e in result.errors:
            common.err.print(f"[red]{escape(str(e))}[/]")
    raise typer.Exit(1 if result.errors else 0)


@command(metrics_app, "metrics.import")
def metrics_import(
    file: Annotated[Path, typer.Argument(help="help.metrics.file")],
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="help.metrics.platform")] = None,
    account: Annotated[str | None, typer.Option(help="help.metrics.account")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.metrics.imports import import_csv

    ws = open_workspace(workspace)
    if platform is None:
        from publisher.adapters import platforms

        platform = next((n for n, s in platforms().items() if s.csv_import), "")
    result = import_csv(
        ws,
        store_for(ws),
        file,
        platform=platform,
        account=account or ws.default_account(platform),
        now=utc_now(),
    )
    if as_json:
        print_json(result.to_dict() if hasattr(result, "to_dict") else result.__dict__)
    else:
        common.out.print(result.summary(lang or ws.settings.language), markup=False)


@command(app, "report")
def report(
    kind: Annotated[
        str,
        typer.Argument(
            help="help.report.kind",
            metavar="KIND",
            callback=choice(*REPORT_KINDS),
        ),
    ],
    name: Annotated[str | None, typer.Argument(help="help.report.name", metavar="[NAME]")] = None,
    period: Annotated[
        str | None,
        typer.Option(help="help.report.period"),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="help.report.format", callback=choice(*REPORT_FORMATS))
    ] = "md",
    lang: LangOpt = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="help.report.out")] = None,
    rehearsal: Annotated[bool, typer.Option("--rehearsal", help="help.report.rehearsal")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    setup_logging(verbose)
    from publisher import reports
    from publisher.rehearsal.run import open_rehearsal

    ws = open_workspace(workspace)
    reports.check_lang(lang, ws.settings.language)  # a bad --lang is a usage error before any work
    # A rehearsal's report reads its store and lands under reports/rehearsal/ with 演练 in its title.
    ws, store = open_rehearsal(ws) if rehearsal else (ws, store_for(ws))
    result = reports.build(kind, store, ws, period=period, lang=lang, now=utc_now(), campaign=name)
    path = reports.write(result, fmt, out_file or reports.default_out(ws, result, fmt))
    if as_json:
        print_json({"file": str(path), "summary": result.summary()})
    else:
        common.out.print(result.summary(), markup=False)
        common.out.print(say("cli.written_to", lang or ws.settings.language, path=path), markup=False)


@command(app, "calendar")
def calendar(
    ics: Annotated[Path, typer.Option("--ics", help="help.calendar.ics")],
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="help.opt.only_platform")] = None,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    setup_logging(verbose)
    from publisher.calendar.ics import write_ics

    ws = open_workspace(workspace)
    path = write_ics(ws, store_for(ws), ics, now=utc_now(), platform=platform)
    if as_json:
        print_json({"file": str(path)})
    else:
        common.out.print(say("cli.written_to", lang or ws.settings.language, path=path), markup=False)
