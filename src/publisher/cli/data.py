"""Commands about figures: metrics pull and import, reports, the iCalendar export."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from publisher.cli.common import (
    JsonOpt,
    LangOpt,
    VerboseOpt,
    WorkspaceOpt,
    app,
    choice,
    err,
    lang_option,
    open_workspace,
    out,
    parse_day,
    print_json,
    sandbox_url_for,
    setup_logging,
    store_for,
    utc_now,
)
from publisher.messages import say

#: reports.build.KINDS and reports.writers.FORMATS, spelled here so `--help` never loads the report writers
#: (tests/test_cli_imports.py checks they agree).
REPORT_KINDS = ("daily", "weekly", "engagement", "campaign")
REPORT_FORMATS = ("md", "html", "csv", "xlsx", "json")

metrics_app = typer.Typer(
    help="Engagement figures: pull them from the platforms, or import a CSV export.", no_args_is_help=True
)
app.add_typer(metrics_app, name="metrics")


@metrics_app.command("pull")
def metrics_pull(
    since: Annotated[
        str | None, typer.Option(help="Posts published since this date (default: 14 days ago).")
    ] = None,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Read from the sandbox instead of the platforms.")
    ] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Append the latest likes, reads, plays, votes... of recently published posts
    and the accounts' followers."""
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
        out.print(result.summary(), markup=False)
        for e in result.errors:
            err.print(f"[red]{escape(str(e))}[/]")
    raise typer.Exit(1 if result.errors else 0)


@metrics_app.command("import")
def metrics_import(
    file: Annotated[Path, typer.Argument(help="A CSV exported from the creator centre (UTF-8 or GBK).")],
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform", "-p", help="Whose export it is (default: the platform with a CSV export)."
        ),
    ] = None,
    account: Annotated[str | None, typer.Option(help="Account (default: the platform's default).")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Import a creator-centre CSV (importing the same file twice adds nothing)."""
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
        out.print(result.summary() if hasattr(result, "summary") else str(result), markup=False)


@app.command()
def report(
    kind: Annotated[
        str,
        typer.Argument(
            help="daily (运营日报) | weekly (运营周报) | engagement | campaign NAME (市场活动方案)",
            metavar="KIND",
            callback=choice(*REPORT_KINDS),
        ),
    ],
    name: Annotated[
        str | None, typer.Argument(help="The campaign: [campaigns.NAME] in publisher.toml.", metavar="[NAME]")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            help="2027-01-04 | 2027-W01 | 2027-01 | FROM..TO | yesterday | "
            "last_week | last_7_days | this_month"
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="md | html | csv | xlsx | json", callback=choice(*REPORT_FORMATS))
    ] = "md",
    lang: Annotated[
        str | None,
        typer.Option(help="zh | en (default: the workspace's language)", callback=lang_option),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Where to write (default: under reports/).")
    ] = None,
    rehearsal: Annotated[bool, typer.Option("--rehearsal", help="Read the last rehearsal's store.")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write a report: what went out, KPIs against targets (✅/⚠️), problems and risks, the plan, charts."""
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
        out.print(result.summary(), markup=False)
        out.print(say("cli.written_to", lang or ws.settings.language, path=path), markup=False)


@app.command()
def calendar(
    ics: Annotated[
        Path, typer.Option("--ics", help="The .ics file to write (subscribe to it in any calendar app).")
    ],
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="Only this platform.")] = None,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Export the calendar as iCalendar."""
    setup_logging(verbose)
    from publisher.calendar.ics import write_ics

    ws = open_workspace(workspace)
    path = write_ics(ws, store_for(ws), ics, now=utc_now(), platform=platform)
    if as_json:
        print_json({"file": str(path)})
    else:
        out.print(say("cli.written_to", lang or ws.settings.language, path=path), markup=False)
