"""`publisher import DIR`: move a blog (Hexo, Hugo, Jekyll or a folder of Markdown) into the calendar."""

from __future__ import annotations

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
    lit,
    new_table,
    open_workspace,
    print_json,
    setup_logging,
)
from publisher.cli.lang import command
from publisher.errors import UsageError
from publisher.messages import msg

__all__ = ["import_blog"]


@command(app, "import")
def import_blog(
    directory: Annotated[Path, typer.Argument(help="help.import.directory")],
    platform: Annotated[
        list[str] | None,
        typer.Option("--platform", "-p", help="help.import.platform"),
    ] = None,
    into: Annotated[str, typer.Option(help="help.import.into")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="help.import.dry_run")] = False,
    lang: LangOpt = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    setup_logging(verbose)
    from publisher.content.item import platform_alias
    from publisher.importer import import_blog as run_import
    from publisher.importer import report
    from publisher.platforms.rules import alias_map
    from publisher.reports.i18n import check_lang, t

    ws = open_workspace(workspace)
    language = check_lang(lang, ws.settings.language)
    aliases = alias_map(ws.rules)
    targets = [platform_alias(p, aliases) for p in platform or ()]
    for name in targets:
        if name not in ws.rules:
            raise UsageError(msg("usage.unknown_platform", name=repr(name), names=tuple(sorted(ws.rules))))
    if into and (Path(into).is_absolute() or ".." in Path(into).parts):
        raise UsageError(msg("usage.into"))
    result = run_import(ws, directory, targets, dry_run=dry_run, into=into)
    if as_json:
        print_json(report.to_dict(result, language))
    elif not result.files:
        common.err.print(t("im_none", language, source=result.source), markup=False)
    else:
        from publisher.importer.sites import kind_label

        title = t("im_title", language, kind=kind_label(result.kind), source=result.source)
        table = new_table(title + (t("im_title_dry", language) if dry_run else ""))
        for key in ("source", "item", "outcome", "changes", "check"):
            table.add_column(t(f"im_head_{key}", language))
        for row in report.rows(result, language, verbose=verbose):
            table.add_row(*(lit(cell) for cell in row))
        common.out.print(table)
        common.out.print(report.summary(result, language), markup=False)
        common.out.print(t("im_next", language), markup=False)
    raise typer.Exit(0 if result.ok else 1)
