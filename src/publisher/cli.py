"""The command line: parse arguments, call the layers below, present results (rich for people, --json for scripts).

Exit codes: 0 ok, 1 a problem the user must fix (content, config, a failed post), 2 a usage error.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.syntax import Syntax
from rich.table import Table

from publisher import commands
from publisher.calendar import Calendar
from publisher.errors import PublisherError, UsageError
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


STATE_STYLE = {
    "published": "green", "queued": "cyan", "planned": "white", "held": "yellow", "waiting_approval": "yellow",
    "retrying": "yellow", "failed": "red", "needs_attention": "red", "needs_reauth": "red", "missed": "red",
    "awaiting_manual": "magenta", "cancelled": "dim", "claimed": "blue", "sending": "blue", "reconcile": "red",
}


def _local(ws: Any, when: datetime | None) -> str:
    return when.astimezone(ws.zone).strftime("%Y-%m-%d %a %H:%M") if when else "—"


def _now() -> datetime:
    return datetime.now(UTC)


def _changes_table(changes: Any) -> Table:
    table = Table(title="changes since the last sync")
    for col in ("change", "item", "platform", "account", "before", "after", "detail"):
        table.add_column(col)
    for ch in changes:
        table.add_row(ch.kind, ch.item_id, ch.platform, ch.account, ch.before, ch.after, escape(ch.detail))
    return table


@app.command()
def sync(workspace: WorkspaceOpt = None, as_json: JsonOpt = False, verbose: VerboseOpt = False) -> None:
    """Bring the store in line with the content folder (idempotent: a second run changes nothing)."""
    _setup(verbose)
    ws = commands.workspace(workspace)
    result = commands.sync(ws, commands.store_for(ws), now=_now())
    if as_json:
        _json({"changes": [c.to_dict() for c in result.changes], "errors": len(result.check.errors)})
        return
    if result.changes:
        out.print(_changes_table(result.changes))
    out.print(f"synced: {len(result.changes)} change(s); {len(result.check.errors)} content error(s)"
              + (" — run `publisher check` for details" if result.check.errors else ""))


@app.command()
def plan(
    days: Annotated[int, typer.Option(help="How many days ahead to show.")] = 14,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """What will go out when: when, platform, item, state; and what changed since the last sync."""
    _setup(verbose)
    ws = commands.workspace(workspace)
    store = commands.store_for(ws)
    now = _now()
    preview = commands.sync(ws, store, now=now, apply_changes=False)
    views = commands.posts(store, until=now + timedelta(days=days))
    if as_json:
        _json({"changes": [c.to_dict() for c in preview.changes], "posts": [v.to_dict() for v in views]})
        return
    if preview.changes:
        out.print(_changes_table(preview.changes))
        out.print("run [bold]publisher sync[/] (or keep [bold]publisher run[/] going) to apply them")
    table = Table(title=f"plan: the next {days} days ({ws.settings.timezone})")
    for col in ("when", "platform", "account", "item", "state", "note"):
        table.add_column(col)
    for v in views:
        style = STATE_STYLE.get(v.state, "white")
        table.add_row(_local(ws, v.due_at), v.platform, v.account, v.item, f"[{style}]{v.state}[/]",
                      escape(v.reason[:80]))
    out.print(table)


@app.command()
def status(workspace: WorkspaceOpt = None, as_json: JsonOpt = False, verbose: VerboseOpt = False) -> None:
    """Posts by state: counts, and every post with its last error or reason."""
    _setup(verbose)
    ws = commands.workspace(workspace)
    data = commands.status(commands.store_for(ws))
    if as_json:
        _json(data)
        return
    counts = Table(title="posts by state")
    counts.add_column("state")
    counts.add_column("posts", justify="right")
    for state, n in sorted(data["counts"].items()):
        counts.add_row(f"[{STATE_STYLE.get(state, 'white')}]{state}[/]", str(n))
    out.print(counts)
    table = Table(title="posts")
    for col in ("id", "when", "platform", "account", "item", "state", "reason / last error"):
        table.add_column(col)
    for p in data["posts"]:
        when = datetime.fromisoformat(p["due_at"]) if p["due_at"] else None
        table.add_row(str(p["id"]), _local(ws, when), p["platform"], p["account"], p["item"],
                      f"[{STATE_STYLE.get(p['state'], 'white')}]{p['state']}[/]",
                      escape((p["last_error"] or p["reason"] or "")[:90]))
    out.print(table)


@app.command()
def publish(
    item: Annotated[str, typer.Argument(help="Item id or file path.")],
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="Only this platform or account.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Record the exact request; send nothing.")] = False,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Every account talks to the sandbox "
                                          "(PUBLISHER_SANDBOX_URL, else one started in-process).")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Publish one item now (through the queue: never twice), or with --dry-run show the exact requests."""
    _setup(verbose)
    ws = commands.workspace(workspace)
    store = commands.store_for(ws)
    if not dry_run:
        from publisher.daemon import run_once
        from publisher.daemon_main import local_sandbox, notifier_for

        made_due = commands.publish_now(ws, store, item, platform=platform, now=_now())
        env_url = os.environ.get("PUBLISHER_SANDBOX_URL") if sandbox else None
        with local_sandbox(sandbox and not env_url) as local_url:
            outcomes = run_once(ws, store, sandbox_url=env_url or local_url, notifier=notifier_for(ws))
        mine = {post for post, *_ in made_due}
        rows = [o for o in outcomes if o.post_id in mine]
        if as_json:
            _json({"posts": [{"id": o.post_id, "platform": o.platform, "account": o.account, "state": o.state,
                              "reason": o.reason} for o in rows]})
        else:
            for o in rows:
                out.print(f"post {o.post_id} {o.platform}:{o.account}: [{STATE_STYLE.get(o.state, 'white')}]"
                          f"{o.state}[/] {escape(o.reason or '')}")
        bad = {"failed", "needs_attention", "needs_reauth", "missed", "held"}
        raise typer.Exit(1 if any(o.state in bad for o in rows) else 0)
    records, problems = commands.publish_dry_run(ws, store, item, platform=platform, now=_now())
    if as_json:
        _json({"requests": [{"platform": r.platform, "account": r.account, "file": str(r.path),
                             "request": r.request} for r in records],
               "problems": [p.to_dict() for p in problems]})
    else:
        for r in records:
            out.rule(f"{r.platform} · {r.account} (dry run: nothing sent)")
            out.print(Syntax(json.dumps(r.request, ensure_ascii=False, indent=2), "json", word_wrap=True))
            out.print(f"written to {r.path}")
        for p in problems:
            err.print(f"[{'red' if p.severity == 'error' else 'yellow'}]{escape(p.format())}[/]")
    if any(p.severity == "error" for p in problems):
        raise typer.Exit(1)


@app.command()
def preview(
    item: Annotated[str, typer.Argument(help="Item id or file path.")],
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="Only this platform.")] = None,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the index page in a browser.")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write HTML previews that look like each platform, with the media exactly as it would be sent."""
    _setup(verbose)
    from publisher.preview import write_previews

    ws = commands.workspace(workspace)
    calendar = Calendar(ws)
    checked = commands.find_item(calendar, item)
    result = write_previews(ws, checked, calendar.renderer, platforms={platform} if platform else None)
    if as_json:
        _json({"index": str(result.index), "pages": {k: str(v) for k, v in result.pages.items()},
               "problems": [p.to_dict() for p in result.problems]})
    else:
        for key, page in result.pages.items():
            out.print(f"[green]✓[/] {key}: {page}")
        for p in result.problems:
            err.print(f"[red]{escape(p.format())}[/]")
        out.print(f"index: {result.index}")
    if open_browser:
        import webbrowser

        webbrowser.open(result.index.as_uri())
    if any(p.severity == "error" for p in result.problems):
        raise typer.Exit(1)


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8900,
    seed: Annotated[int, typer.Option(help="Seed for ids and engagement growth (same seed, same numbers).")] = 0,
    verbose: VerboseOpt = False,
) -> None:
    """Serve fake WeChat (/wx), Douyin (/dy), Product Hunt (/ph) and xiaohongshu-mcp (/xhs) APIs locally."""
    _setup(verbose)
    from publisher.sandbox import serve

    out.print(f"sandbox on http://127.0.0.1:{port} (control plane: /__fake/state, /__fake/clock, /__fake/faults);"
              f" accounts in mode `sandbox` use it via PUBLISHER_SANDBOX_URL=http://127.0.0.1:{port}")
    serve(host="127.0.0.1", port=port, seed=seed)


@app.command()
def mcp(
    workspace: WorkspaceOpt = None,
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP on 127.0.0.1 instead of stdio.")] = False,
    port: Annotated[int, typer.Option(help="Port for --http.")] = 8765,
    no_urls: Annotated[bool, typer.Option("--no-urls", help="Refuse media given as https URLs.")] = False,
    url_host: Annotated[list[str] | None, typer.Option("--url-host", help="Only download media from this host "
                                                       "(repeatable).")] = None,
) -> None:
    """Serve the MCP server `social-media-publisher` (stdio) so an AI assistant can drive the calendar."""
    from publisher.mcp_server import main as mcp_main

    mcp_main(workspace, http=http, port=port, allow_urls=not no_urls, url_hosts=tuple(url_host or ()))


@app.command("run")
def run_daemon(
    once: Annotated[bool, typer.Option("--once", help="Do what is due now, then exit (for cron and CI).")] = False,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Every account talks to the sandbox "
                                          "(PUBLISHER_SANDBOX_URL, else one started in-process).")] = False,
    workspace: WorkspaceOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """The daemon: watch the folder, publish on time, pull metrics, run scheduled jobs (Ctrl-C stops cleanly)."""
    _setup(verbose)
    from publisher.daemon_main import run as daemon_run

    url = os.environ.get("PUBLISHER_SANDBOX_URL") if sandbox else None
    raise typer.Exit(daemon_run(workspace, once=once, sandbox=sandbox and not url, sandbox_url=url))


def _day(ws: Any, text: str, field: str) -> datetime:
    from publisher.timeparse import TimeError, parse_publish_at

    value = text if " " in text or "T" in text else f"{text} 00:00"
    try:
        parsed = parse_publish_at(value, ws.zone)
    except TimeError as exc:
        raise UsageError(f"{field}: {exc}") from None
    if not isinstance(parsed, datetime):
        raise UsageError(f"{field}: expected a date such as 2026-12-01")
    return parsed


@app.command()
def rehearse(
    start: Annotated[str | None, typer.Option("--from", help="Start (YYYY-MM-DD[ HH:MM], workspace zone); "
                                              "default: the day of the first scheduled post.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="End; default: 14 days after the start.")] = None,
    seed: Annotated[int, typer.Option(help="Sandbox seed (same seed, same numbers).")] = 0,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Play the calendar against the sandbox on a virtual clock: two weeks in seconds, on its own store."""
    _setup(verbose)
    from publisher.rehearse import first_due, rehearse as play

    ws = commands.workspace(workspace)
    begin = _day(ws, start, "--from") if start else first_due(ws)
    end = _day(ws, until, "--until") if until else begin + timedelta(days=14)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as progress:
        progress.add_task(f"rehearsing {_local(ws, begin)} .. {_local(ws, end)} against the sandbox")
        result = play(ws, start=begin, until=end, seed=seed)
    if as_json:
        _json({"summary": result.summary(), "final_states": result.final_states,
               "timeline": [e.to_dict() for e in result.timeline], "files": [str(f) for f in result.files],
               "errors": result.errors})
    else:
        table = Table(title="rehearsal timeline")
        for col in ("when", "platform", "account", "item", "state", "note"):
            table.add_column(col)
        for e in result.timeline:
            table.add_row(_local(ws, e.at), e.platform, e.account, e.item,
                          f"[{STATE_STYLE.get(e.state, 'white')}]{e.state}[/]", escape((e.reason or e.url or "")[:70]))
        out.print(table)
        out.print(result.summary())
        for f in result.files:
            out.print(f"  {f}")
    raise typer.Exit(1 if result.errors else 0)


PostArg = Annotated[int, typer.Argument(help="Post id, as `publisher status` prints it.")]


def _act(workspace: Path | None, as_json: bool, post: int, action: str, **kw: Any) -> None:
    from publisher import queue_actions

    ws = commands.workspace(workspace)
    state = getattr(queue_actions, action)(commands.store_for(ws), post, now=_now(), **kw)
    if as_json:
        _json({"post": post, "state": str(state)})
    else:
        out.print(f"post {post}: [{STATE_STYLE.get(str(state), 'white')}]{state}[/]")


@app.command()
def retry(
    post: PostArg,
    force: Annotated[bool, typer.Option("--force", help="Also re-send a post whose outcome is unknown "
                                        "(needs_attention): only after checking the platform yourself.")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Queue a failed, missed or re-authorised post again (needs_attention only with --force)."""
    _setup(verbose)
    _act(workspace, as_json, post, "retry", force=force)


@app.command()
def cancel(post: PostArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False, verbose: VerboseOpt = False
           ) -> None:
    """Cancel a post that has not been published."""
    _setup(verbose)
    _act(workspace, as_json, post, "cancel")


@app.command()
def resolve(
    post: PostArg,
    published: Annotated[str | None, typer.Option("--published", help="The post's URL on the platform.")] = None,
    not_published: Annotated[bool, typer.Option("--not-published", help="It did not go out.")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """A person's answer for a post waiting on one: --published URL, or --not-published."""
    _setup(verbose)
    if bool(published) == not_published:
        raise UsageError("give exactly one of --published URL or --not-published")
    _act(workspace, as_json, post, "resolve", published_url=published, not_published=not_published)


metrics_app = typer.Typer(help="Engagement figures: pull them from the platforms, or import a CSV export.",
                          no_args_is_help=True)
app.add_typer(metrics_app, name="metrics")


@metrics_app.command("pull")
def metrics_pull(
    since: Annotated[str | None, typer.Option(help="Posts published since this date (default: 14 days ago).")] = None,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Read from the sandbox instead of the platforms.")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Append the latest likes, reads, plays, votes... of recently published posts and the accounts' followers."""
    _setup(verbose)
    from publisher import metrics
    from publisher.daemon_main import local_sandbox

    ws = commands.workspace(workspace)
    store = commands.store_for(ws)
    now = _now()
    start = _day(ws, since, "--since") if since else now - timedelta(days=14)
    env_url = os.environ.get("PUBLISHER_SANDBOX_URL") if sandbox else None
    with local_sandbox(sandbox and not env_url) as local_url:
        url = env_url or (local_url if sandbox else None)
        result = metrics.pull(ws, store, now=now, since=start,
                              adapter_for=metrics.default_adapter_for(ws, store, now=_now, sandbox_url=url))
    if as_json:
        _json(result.to_dict())
    else:
        out.print(result.summary())
        for e in result.errors:
            err.print(f"[red]{escape(str(e))}[/]")
    raise typer.Exit(1 if result.errors else 0)


@metrics_app.command("import")
def metrics_import(
    file: Annotated[Path, typer.Argument(help="A CSV exported from the creator centre (UTF-8 or GBK).")],
    platform: Annotated[str, typer.Option("--platform", "-p", help="Whose export it is.")] = "xiaohongshu",
    account: Annotated[str | None, typer.Option(help="Account (default: the platform's default).")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Import a creator-centre CSV (importing the same file twice adds nothing)."""
    _setup(verbose)
    from publisher import metrics

    ws = commands.workspace(workspace)
    result = metrics.import_csv(ws, commands.store_for(ws), file, platform=platform,
                                account=account or ws.default_account(platform), now=_now())
    if as_json:
        _json(result.to_dict() if hasattr(result, "to_dict") else result.__dict__)
    else:
        out.print(result.summary() if hasattr(result, "summary") else str(result))


@app.command()
def report(
    kind: Annotated[str, typer.Argument(help="daily (运营日报) | weekly (运营周报) | engagement")],
    period: Annotated[str | None, typer.Option(help="2027-01-04 | 2027-W01 | 2027-01 | FROM..TO | yesterday | "
                                               "last_week | last_7_days | this_month")] = None,
    fmt: Annotated[str, typer.Option("--format", help="md | html | csv | xlsx | json")] = "md",
    lang: Annotated[str | None, typer.Option(help="zh | en (default: the workspace's language)")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Where to write (default: under reports/).")] = None,
    rehearsal: Annotated[bool, typer.Option("--rehearsal", help="Read the last rehearsal's store.")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write a report: what went out, KPIs against targets (✅/⚠️), problems and risks, the plan, charts."""
    _setup(verbose)
    from publisher import reports
    from publisher.store.db import open_store

    ws = commands.workspace(workspace)
    if rehearsal:
        db = ws.state_dir / "rehearsal.db"
        if not db.is_file():
            raise UsageError("no rehearsal yet: run `publisher rehearse` first")
        store = open_store(f"sqlite:///{db}")
    else:
        store = commands.store_for(ws)
    result = reports.build(kind, store, ws, period=period, lang=lang, now=_now())
    path = reports.write(result, fmt, out_file or reports.default_out(ws, result, fmt))
    if as_json:
        _json({"file": str(path), "summary": result.summary()})
    else:
        out.print(result.summary())
        out.print(f"written to {path}")


@app.command()
def calendar(
    ics: Annotated[Path, typer.Option("--ics", help="The .ics file to write (subscribe to it in any calendar app).")],
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="Only this platform.")] = None,
    workspace: WorkspaceOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Export the calendar as iCalendar."""
    _setup(verbose)
    from publisher.ics import write_ics

    ws = commands.workspace(workspace)
    path = write_ics(ws, commands.store_for(ws), ics, now=_now(), platform=platform)
    out.print(f"written to {path}")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port.")] = 8800,
    host: Annotated[str, typer.Option(help="Address; anything but loopback needs --token.")] = "127.0.0.1",
    token: Annotated[str | None, typer.Option(envvar="PUBLISHER_WEB_TOKEN", help="Access token.")] = None,
    workspace: WorkspaceOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """The local dashboard: calendar, queue, previews, metrics (live: edits show up without a reload)."""
    _setup(verbose)
    from publisher.web import serve as serve_web

    ws = commands.workspace(workspace)
    out.print(f"dashboard on http://{host}:{port}/" + (" (open /?token=<your token> once)" if token else ""))
    serve_web(ws, host=host, port=port, token=token)


auth_app = typer.Typer(help="Account credentials and authorisation.", no_args_is_help=True)
app.add_typer(auth_app, name="auth")


@auth_app.command("status")
def auth_status(workspace: WorkspaceOpt = None, as_json: JsonOpt = False, verbose: VerboseOpt = False) -> None:
    """Each account's credentials and token expiry (never a secret)."""
    _setup(verbose)
    from publisher.auth import account_status

    ws = commands.workspace(workspace)
    rows = account_status(ws, commands.store_for(ws), now=_now())
    if as_json:
        _json(rows)
        return
    table = Table(title="accounts")
    for col in ("account", "platform", "mode", "state", "credentials", "expires"):
        table.add_column(col)
    for r in rows:
        colour = {"ok": "green", "expiring": "yellow"}.get(r["state"], "red")
        table.add_row(r["account"], r["platform"], r["mode"], f"[{colour}]{r['state']}[/]",
                      escape(", ".join(f"{k}: {v}" for k, v in r["fields"].items())), escape(r.get("expires", "")))
    out.print(table)


@auth_app.command("douyin")
def auth_douyin(
    account: Annotated[str, typer.Option(help="The Douyin account in publisher.toml.")] = "douyin",
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Authorise against the sandbox.")] = False,
    workspace: WorkspaceOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Authorise a Douyin account in the browser (a callback on 127.0.0.1 receives the code)."""
    _setup(verbose)
    from publisher.auth import authorize_douyin

    ws = commands.workspace(workspace)
    result = authorize_douyin(ws, commands.store_for(ws), account=account, sandbox=sandbox, now=_now,
                              say=lambda text: out.print(text))
    out.print(f"[green]✓[/] {account} authorised; {result}")


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
