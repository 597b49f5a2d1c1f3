"""Commands that run things and act on posts: sandbox, mcp, run, rehearse, retry, cancel, resolve, serve,
auth."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from publisher.cli import common
from publisher.cli.common import (
    JsonOpt,
    LangOpt,
    SandboxOpt,
    VerboseOpt,
    WorkspaceOpt,
    app,
    ensure_port_free,
    escape,
    lit,
    local_time,
    new_table,
    open_workspace,
    parse_day,
    print_event,
    print_json,
    setup_logging,
    state_text,
    store_for,
    utc_now,
)
from publisher.cli.lang import HelpCommand, HelpGroup, command, reader_lang
from publisher.errors import PublisherError, UsageError
from publisher.messages import CHECK, msg, say

if TYPE_CHECKING:
    from rich.progress import Progress

PortOpt = Annotated[int, typer.Option(min=1, max=65535, help="help.sandbox.port")]


@command(app, "sandbox")
def sandbox(
    port: PortOpt = 8900,
    seed: Annotated[int, typer.Option(help="help.sandbox.seed")] = 0,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.sandbox import serve

    if workspace is not None:
        open_workspace(workspace)
    ensure_port_free("127.0.0.1", port)
    url = f"http://127.0.0.1:{port}"
    if as_json:
        print_event({"event": "serving", "url": url, "control": f"{url}/__fake/state", "seed": seed})
    else:
        common.out.print(say("cli.sandbox_on", lang or reader_lang(), url=url), markup=False)
    serve(host="127.0.0.1", port=port, seed=seed)


@command(app, "mcp")
def mcp(
    workspace: WorkspaceOpt = None,
    http: Annotated[bool, typer.Option("--http", help="help.mcp.http")] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="help.mcp.port")] = 8765,
    no_urls: Annotated[bool, typer.Option("--no-urls", help="help.mcp.no_urls")] = False,
    url_host: Annotated[list[str] | None, typer.Option("--url-host", help="help.mcp.url_host")] = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.mcp.server import main as mcp_main

    if http:
        ensure_port_free("127.0.0.1", port)
    where = f"http://127.0.0.1:{port}/mcp" if http else "stdio"
    if as_json:
        common.err.file.write(
            json.dumps({"event": "serving", "server": "social-media-publisher", "on": where}) + "\n"
        )
    else:
        common.err.print(say("cli.mcp_on", lang or _workspace_lang(workspace), where=where), markup=False)

    mcp_main(workspace, http=http, port=port, allow_urls=not no_urls, url_hosts=tuple(url_host or ()))


@command(app, "run")
def run_daemon(
    once: Annotated[bool, typer.Option("--once", help="help.run.once")] = False,
    sandbox: SandboxOpt = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.daemon.entry import run as daemon_run

    url = os.environ.get("PUBLISHER_SANDBOX_URL") if sandbox else None
    code = daemon_run(
        workspace,
        once=once,
        sandbox=sandbox and not url,
        sandbox_url=url,
        events=print_event if as_json else None,
        lang=lang,
    )
    raise typer.Exit(code)


@command(app, "rehearse")
def rehearse(
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="help.rehearse.from",
        ),
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="help.rehearse.until")] = None,
    seed: Annotated[int, typer.Option(help="help.rehearse.seed")] = 0,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.rehearsal.run import changes, first_due, prepare
    from publisher.rehearsal.run import rehearse as play

    prepare()
    ws = open_workspace(workspace)
    language = lang or ws.settings.language
    begin = parse_day(ws, start, "--from") if start else first_due(ws)
    end = parse_day(ws, until, "--until") if until else begin + timedelta(days=14)
    if end <= begin:
        raise UsageError(
            msg("usage.until_before_from", until=local_time(ws, end), start=local_time(ws, begin))
        )
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[at]}"),
    )
    with Progress(*columns, console=common.err, transient=True) as progress, _logs_above(progress):
        task = progress.add_task(
            say("rehearse.progress", language, start=local_time(ws, begin), until=local_time(ws, end)),
            total=(end - begin).total_seconds(),
            at="",
        )

        def moved(now: datetime) -> None:  # the virtual clock, after each step
            progress.update(task, completed=(now - begin).total_seconds(), at=local_time(ws, now))

        result = play(ws, start=begin, until=end, seed=seed, progress=moved)
    if as_json:
        print_json(
            {
                "summary": result.summary(),
                "final_states": result.final_states,
                "timeline": [e.to_dict() for e in result.timeline],
                "files": [str(f) for f in result.files],
                "removed": [str(f) for f in result.removed],
                "errors": result.errors,
            }
        )
    else:
        table = new_table(say("rehearse.table", language))
        for col in ("when", "platform", "account", "item", "state", "note"):
            table.add_column(say(f"col.{col}", language))
        for e in changes(result.timeline):
            table.add_row(
                local_time(ws, e.at),
                lit(e.platform),
                lit(e.account),
                lit(e.item),
                state_text(e.state, language),
                lit((e.reason_text(language) or e.url or "")[:70]),
            )
        common.out.print(table)
        common.out.print(result.summary(language), markup=False)
        for f in result.files:
            common.out.print(f"  {f}", markup=False)
        if result.removed:
            common.out.print(say("rehearse.removed", language, n=len(result.removed)), markup=False)
            for f in result.removed:
                common.out.print(f"  {f}", markup=False)
    raise typer.Exit(1 if result.errors else 0)


@contextmanager
def _logs_above(progress: Progress) -> Iterator[None]:
    """Log lines go above the progress bar instead of through it: while the bar is live on a terminal
    sys.stderr is rich's proxy, so the log handlers write there for as long."""
    import logging

    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    before = [h.stream for h in handlers]
    if progress.live.is_started:
        for handler in handlers:
            handler.setStream(sys.stderr)
    try:
        yield
    finally:
        for handler, stream in zip(handlers, before, strict=True):
            handler.setStream(stream)


PostArg = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="help.opt.post")]


def _act(workspace: Path | None, as_json: bool, post: int, action: str, lang: str | None, **kw: Any) -> None:
    from publisher.queue import actions as queue_actions

    ws = open_workspace(workspace)
    state = getattr(queue_actions, action)(store_for(ws), post, now=utc_now(), **kw)
    if as_json:
        print_json({"post": post, "state": str(state)})
    else:
        lang = lang or reader_lang()
        common.out.print(lit(say("cli.post_state", lang, id=post)) + state_text(str(state), lang))


@command(app, "retry")
def retry(
    post: PostArg,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="help.retry.force",
        ),
    ] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    _act(workspace, as_json, post, "retry", lang, force=force)


@command(app, "cancel")
def cancel(
    post: PostArg,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    _act(workspace, as_json, post, "cancel", lang)


@command(app, "resolve")
def resolve(
    post: PostArg,
    published: Annotated[str | None, typer.Option("--published", help="help.resolve.published")] = None,
    not_published: Annotated[
        bool, typer.Option("--not-published", help="help.resolve.not_published")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="help.resolve.force")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    if bool(published) == not_published:
        raise UsageError(msg("usage.published_or_not"))
    _act(
        workspace,
        as_json,
        post,
        "resolve",
        lang,
        published_url=published,
        not_published=not_published,
        force=force,
    )


@command(app, "serve")
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="help.serve.port")] = 8800,
    host: Annotated[str, typer.Option(help="help.serve.host")] = "127.0.0.1",
    token: Annotated[str | None, typer.Option(envvar="PUBLISHER_WEB_TOKEN", help="help.serve.token")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.web import serve as serve_web
    from publisher.web.security import check_bind

    ws = open_workspace(workspace)
    check_bind(host, token)
    ensure_port_free(host, port)
    url = f"http://{host}:{port}/"
    if as_json:
        print_event({"event": "serving", "url": url, "token_needed": bool(token)})
    else:
        lang = lang or ws.settings.language
        line = say("cli.dashboard_on", lang, url=url) + (say("cli.dashboard_token", lang) if token else "")
        common.out.print(line, markup=False)
    serve_web(ws, host=host, port=port, token=token)


def _workspace_lang(workspace: Path | None) -> str:
    """The workspace's language for a line printed before the server opens it (Chinese if it has none)."""
    try:
        return open_workspace(workspace).settings.language
    except PublisherError:
        return reader_lang()


def _logins() -> dict[str, tuple[str, str]]:
    """Platform -> its Chinese and English labels, for each platform whose spec has an OAuth login (imports
    the adapters)."""
    from publisher.adapters import platforms

    return {
        name: (spec.label_zh, spec.label_en) for name, spec in platforms().items() if spec.login is not None
    }


class _AuthGroup(HelpGroup):
    """`publisher auth`: `status`, plus `<platform>` for each platform with a login, found only when asked
    (so `publisher --help` imports no adapter)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *sorted(_logins())]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in (logins := _logins()):
            found = _login_command(cmd_name, logins[cmd_name])
        return found


auth_app = typer.Typer(help="help.auth", no_args_is_help=True, cls=_AuthGroup)
app.add_typer(auth_app, name="auth")


@command(auth_app, "auth.status")
def auth_status(
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    setup_logging(verbose)
    from publisher.accounts.login import account_status

    ws = open_workspace(workspace)
    language = lang or ws.settings.language
    rows = account_status(ws, store_for(ws), now=utc_now(), lang=language)
    if as_json:
        print_json(rows)
        return
    table = new_table(say("auth.title", language))
    for col in ("account", "platform", "mode", "state", "credentials", "expires", "check"):
        table.add_column(say(f"auth.col.{col}", language))
    for r in rows:
        colour = {"ok": "green", "expiring": "yellow"}.get(r["state"], "red")
        table.add_row(
            lit(r["account"]),
            lit(r["platform"]),
            lit(r["mode"]),
            f"[{colour}]{escape(_auth_word(r['state'], language))}[/]",
            escape(", ".join(f"{k}: {_field_word(v, language)}" for k, v in r["fields"].items())),
            escape(r.get("expires", "")),
            escape(r.get("check", "")),
        )
    common.out.print(table)
    for r in rows:  # what to do about each account, in the reader's language
        for hint in dict.fromkeys(h for h in r.get("hints", []) if h != r.get("check")):
            common.out.print(
                "  " + say("usage.field_says", language, field=r["account"], text=hint), markup=False
            )


def _auth_word(state: str, language: str) -> str:
    """An account's state (ok, missing, expiring, expired, error) in the reader's language."""
    return say(f"auth.state.{state}", language) if f"auth.state.{state}" in CHECK else state


def _field_word(value: str, language: str) -> str:
    """A credential field's "set (SOURCE)" or "missing" (workspace/credentials.py `describe`), worded."""
    if value == "missing":
        return say("auth.field_missing", language)
    if value.startswith("set (") and value.endswith(")"):
        return say("auth.field_set", language, source=value[5:-1])
    return value


def _login_command(platform: str, labels: tuple[str, str]) -> Any:
    """`publisher auth <platform>`, for a platform whose spec has an OAuth login."""

    def login(
        account: str = platform,
        sandbox: Annotated[bool, typer.Option("--sandbox", help="help.auth.sandbox")] = False,
        redirect_uri: Annotated[
            str | None,
            typer.Option(
                "--redirect-uri",
                help="help.auth.redirect_uri",
            ),
        ] = None,
        workspace: WorkspaceOpt = None,
        lang: LangOpt = None,
        as_json: JsonOpt = False,
        verbose: VerboseOpt = False,
    ) -> None:
        setup_logging(verbose)
        from publisher.accounts.login import authorize

        ws = open_workspace(workspace)
        language = lang or ws.settings.language
        result = authorize(
            ws,
            store_for(ws),
            platform=platform,
            account=account,
            sandbox=sandbox,
            now=utc_now,
            say=lambda text: (common.err if as_json else common.out).print(text),
            redirect_uri=redirect_uri,
            ask=lambda prompt: str(typer.prompt(prompt, err=as_json)),
            lang=language,
        )
        if as_json:
            print_json({"account": account, "authorised": True, "detail": result})
        else:
            done = say("auth.authorised", language, account=account, detail=result)
            common.out.print(f"[green]✓[/] {escape(done)}")

    # a real object, not the string `from __future__` leaves: the help names this platform
    login.__annotations__["account"] = Annotated[str, typer.Option(help="help.auth.account")]
    one = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings=app.info.context_settings)
    one.command(platform, cls=HelpCommand, help="help.auth.login")(login)
    found = typer.main.get_command(one)
    found.help_args = {"zh": {"label": labels[0]}, "en": {"label": labels[1]}}  # type: ignore[attr-defined]
    return found
