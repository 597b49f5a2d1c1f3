"""The calendar's commands: init, check, sync, plan, status, publish, preview."""

from __future__ import annotations

import dataclasses
import json
import time
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
    change_words,
    changes_table,
    daemon_line,
    escape,
    lit,
    local_time,
    new_table,
    overdue_note,
    print_event,
    print_json,
    sandbox_url_for,
    setup_logging,
    state_text,
    utc_now,
)
from publisher.cli.lang import command
from publisher.errors import UsageError
from publisher.messages import msg, say

if TYPE_CHECKING:
    from rich.console import Group
    from rich.text import Text

    from publisher.calendar.sync import FolderRevision
    from publisher.queue.overview import PostView

# Each command imports the layers it uses when it runs, so `--help` and light commands start fast
# (tests/test_cli_imports.py).

__all__ = ["check", "init", "plan", "preview", "publish", "status", "sync"]


#: How long `publish` waits for a running daemon to send what it made due.
PUBLISH_WAIT_S = 120.0


@command(app, "init")
def init(
    directory: Annotated[Path, typer.Argument(help="help.init.directory")] = Path("."),
    force: Annotated[bool, typer.Option(help="help.init.force")] = False,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w", help="help.init.workspace")] = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.workspace.scaffold import init_workspace

    if workspace is not None and directory != Path(".") and workspace.resolve() != directory.resolve():
        raise UsageError(msg("usage.two_workspaces"))
    directory = workspace or directory
    created = init_workspace(directory, force=force)
    if as_json:
        print_json({"workspace": str(directory.resolve()), "created": [str(p) for p in created]})
        return
    language = lang or "zh"  # the new workspace's default language
    common.out.print(f"[green]✓[/] {escape(say('cli.init_ready', language, path=directory.resolve()))}")
    for path in created:
        common.out.print(f"  {path}", markup=False)
    common.out.print(say("cli.init_next", language), markup=False)


@command(app, "check")
def check(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.calendar.check import check_workspace
    from publisher.messages import say
    from publisher.workspace.settings import open_workspace

    ws = open_workspace(workspace)
    language = lang or ws.settings.language
    result = check_workspace(ws, now=utc_now())
    if as_json:
        print_json(result.to_dict(language))
    else:
        for problem in result.problems:
            colour = {"error": "red", "warning": "yellow"}.get(problem.severity, "cyan")
            common.err.print(f"[{colour}]{escape(problem.format(language))}[/]")
        table = new_table("publisher check")
        for col in ("ck_platform", "ck_valid", "ck_invalid"):
            table.add_column(say(col, language))
        for platform, (ok, bad) in sorted(result.per_platform().items()):
            table.add_row(lit(platform), str(ok), f"[red]{bad}[/]" if bad else "0")
        common.out.print(table)
        status = (
            f"[green]{say('ck_all_ok', language)}[/]"
            if not result.errors
            else f"[red]{say('ck_errors', language, n=len(result.errors))}[/]"
        )
        counts = say("ck_counts", language, items=result.item_count, warnings=len(result.warnings))
        common.out.print(f"{status} · {counts}")
    raise typer.Exit(1 if result.errors else 0)


@command(app, "sync")
def sync(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.calendar.sync import sync_calendar
    from publisher.store.db import store_for
    from publisher.workspace.settings import open_workspace

    ws = open_workspace(workspace)
    result = sync_calendar(ws, store_for(ws), now=utc_now())
    rev = result.revision
    behind = rev if rev is not None and rev.behind and rev.newest is not None else None
    if as_json:
        found = {"changes": [c.to_dict() for c in result.changes], "errors": len(result.check.errors)}
        if behind is not None and behind.newest is not None:
            found["behind"] = {"commit": behind.local.commit, "newest": behind.newest.commit}
        print_json(found)
        return
    language = lang or ws.settings.language
    if behind is not None and behind.newest is not None:
        common.out.print(
            say("cli.sync_behind", language, commit=behind.local.short, newest=behind.newest.short)
        )
    if result.changes:
        common.out.print(changes_table(result.changes, ws, language))
    common.out.print(
        say("cli.synced", language, changes=len(result.changes), errors=len(result.check.errors))
        + (say("cli.see_check", language) if result.check.errors else ""),
        markup=False,
    )


@command(app, "plan")
def plan(
    days: Annotated[int, typer.Option(min=1, max=36500, help="help.plan.days")] = 14,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.calendar.sync import sync_calendar
    from publisher.queue.overview import post_views
    from publisher.states import DONE
    from publisher.store.db import store_for
    from publisher.workspace.settings import open_workspace

    ws = open_workspace(workspace)
    store = store_for(ws)
    now = utc_now()
    # The plan is the folder's: what sync would write is applied to the rows in memory (nothing is written).
    preview = sync_calendar(ws, store, now=now, apply_changes=False)
    until = now + timedelta(days=days)
    language = lang or ws.settings.language
    planned = _planned(post_views(store, now=now), preview.changes, now, language)
    rows = [r for r in planned if r["state"] not in DONE]
    rows = [r for r in rows if r["due_at"] is None or datetime.fromisoformat(r["due_at"]) <= until]
    # A copy behind the newest synced commit does not sync (R35): the plan shows the store, and says why.
    behind = _copy_behind(preview.revision, language)
    drafts = sorted(
        c.item.id for c in preview.check.checked if c.item is not None and c.item.status == "draft"
    )
    if as_json:
        found: dict[str, Any] = {
            "changes": [c.to_dict() for c in preview.changes],
            "posts": rows,
            "drafts": drafts,
        }
        if behind is not None:
            found["behind"] = behind
        print_json(found)
        return
    if behind is not None:
        common.out.print(_behind_line(behind))
    if preview.changes:
        common.out.print(changes_table(preview.changes, ws, language))
        common.out.print(say("cli.plan_applies", language), markup=False)
    table = new_table(say("cli.plan_title", language, days=days, zone=ws.settings.timezone))
    for col in ("when", "platform", "account", "item", "state", "note"):
        table.add_column(say(f"col.{col}", language))
    for r in rows:
        due = datetime.fromisoformat(r["due_at"]) if r["due_at"] else None
        missed_at = datetime.fromisoformat(r["missed_at"]) if r["missed_at"] else None
        note = (
            (overdue_note(ws, missed_at, now, language) if r["overdue"] else "")
            or r["pending"]
            or r["reason_text"]
        )
        table.add_row(
            local_time(ws, due),
            lit(r["platform"]),
            lit(r["account"]),
            lit(r["item"]),
            state_text("overdue" if r["overdue"] else r["state"], language),
            lit(note[:80]),
        )
    common.out.print(table)
    if drafts:  # not in the plan, and a newcomer's first item is one: say so rather than show nothing
        shown = tuple(drafts[:5]) + (("…",) if len(drafts) > 5 else ())  # a list, worded per language
        common.out.print(say("cli.plan_drafts", language, n=len(drafts), items=shown), markup=False)


def _planned(views: list[Any], changes: Any, now: datetime, lang: str) -> list[dict[str, Any]]:
    """The store's posts with the folder's pending changes applied, plus the posts sync would create."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {
        (v.item, v.platform, v.account): {**v.to_dict(lang), "pending": ""} for v in views
    }
    for ch in changes:
        key = (ch.item_id, ch.platform, ch.account)
        if ch.kind == "new":
            rows[key] = {
                "id": None,
                "item": ch.item_id,
                "platform": ch.platform,
                "account": ch.account,
                "state": ch.after,
                "due_at": ch.detail or None,
                "reason": "",
                "reason_code": None,
                "reason_text": "",
                "attempts": 0,
                "url": None,
                "last_error": None,
                "overdue": False,
                "missed_at": None,
                "pending": say("cli.pending_new", lang),
            }
        elif key in rows and ch.kind in ("state", "removed"):
            kind, before, after = change_words(ch, lang)
            pending = say("cli.pending_change", lang, kind=kind, before=before, after=after)
            rows[key].update(state=ch.after, pending=pending)
        elif key in rows and ch.kind == "due":
            rows[key].update(due_at=ch.after or None, pending=say("cli.pending_due", lang))
    out = list(rows.values())
    for r in out:
        if r["due_at"] is None or r["state"] != "queued":
            r.update(overdue=False, missed_at=None)
        elif r["id"] is None and datetime.fromisoformat(r["due_at"]) < now:
            r["overdue"] = True  # its late window is known once synced
    return sorted(out, key=lambda r: (r["due_at"] is None, r["due_at"] or "", r["item"], r["platform"]))


@command(app, "status")
def status(
    watch: Annotated[bool, typer.Option("--watch", help="help.status.watch")] = False,
    every: Annotated[float, typer.Option(min=0.1, help="help.status.every")] = 2.0,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.workspace.settings import open_workspace

    ws = open_workspace(workspace)
    language = lang or ws.settings.language
    store = _status_reader(ws)
    if as_json and watch:  # one JSON object per line and refresh, until Ctrl-C
        while True:
            print_event(_status_data(ws, store, language))
            time.sleep(every)
    if as_json:
        print_json(_status_data(ws, store, language))
        return
    if not watch:
        common.out.print(_status_view(ws, _status_data(ws, store, language), language))
        return
    from rich.live import Live  # only `status --watch` (the CLI imports what the command needs)

    view = _status_view(ws, _status_data(ws, store, language), language)
    with Live(view, console=common.out, auto_refresh=False) as live:
        while True:  # a display refresh, until the person presses Ctrl-C
            time.sleep(every)
            live.update(_status_view(ws, _status_data(ws, store, language), language), refresh=True)


def _status_reader(ws: Any) -> Any:
    """What status reads through: the standard-library reader of a SQLite store at head (no SQLAlchemy to
    load), else the full store (which creates or migrates the database first)."""
    from publisher.store.lite import open_reader

    reader = open_reader(ws.database_url)
    if reader is not None:
        return reader
    from publisher.queue.overview import StoreReader
    from publisher.store.db import store_for

    return StoreReader(store_for(ws))


def _status_data(ws: Any, reader: Any, lang: str) -> dict[str, Any]:
    """The status summary at this instant, with whether a daemon runs (its heartbeat)."""
    from publisher.queue.overview import summary_from

    now = utc_now()
    data = summary_from(reader, now=now, lang=lang)
    data["now"] = now.isoformat()
    data["daemon"], _line = daemon_line(ws, now)
    behind = _copy_behind(_folder_revision(ws, reader), lang)
    if behind is not None:
        data["behind"] = behind
    return data


def _folder_revision(ws: Any, reader: Any) -> FolderRevision | None:
    """On a shared (PostgreSQL) store, how this node's copy of the folder stands against the newest synced
    commit (the check sync makes, R35), else None. The SQLite reader has no such thing to say."""
    store = getattr(reader, "store", None)  # the full store's reader has one; the SQLite reader does not
    if store is None or store.is_sqlite:
        return None
    from publisher.calendar.sync import folder_revision

    return folder_revision(ws, store)


def _copy_behind(revision: FolderRevision | None, lang: str) -> dict[str, str] | None:
    """What `plan` and `status` say when this node's copy of the folder is behind the newest synced commit
    (R35: such a node does not sync): its commit, the newest one and the one line saying so with `git pull`
    as the fix, in the reader's language (their --json "behind"); None when it is not behind."""
    notice = revision.notice() if revision is not None else None
    if notice is None or revision is None:
        return None
    return {**revision.to_json(), "message": str(notice.text(lang))}


def _behind_line(behind: dict[str, str]) -> Text:
    """The "behind" line as `plan` and `status` show it: above the rest, in yellow."""
    from rich.text import Text

    return Text(behind["message"], style="yellow")


def _why(p: dict[str, Any]) -> str:
    """A post's reason in the reader's language; the platform's last error where no coded reason says more."""
    return str(p["reason_text"] if p.get("reason_code") else (p["last_error"] or p["reason_text"] or ""))


def _status_view(ws: Any, data: dict[str, Any], lang: str) -> Group:
    from rich.console import Group
    from rich.text import Text

    counts = new_table(say("cli.by_state", lang))
    counts.add_column(say("col.state", lang))
    counts.add_column(say("col.posts", lang), justify="right")
    for state, n in sorted(data["counts"].items()):
        counts.add_row(state_text(state, lang), str(n))
    next_due = datetime.fromisoformat(data["next_due"]) if data["next_due"] else None
    table = new_table(say("cli.next_due", lang, when=local_time(ws, next_due)))
    for col in ("id", "when", "platform", "account", "item", "state", "why"):
        table.add_column(say(f"col.{col}", lang))
    now = datetime.fromisoformat(data["now"])
    for p in data["posts"]:
        when = datetime.fromisoformat(p["due_at"]) if p["due_at"] else None
        missed_at = datetime.fromisoformat(p["missed_at"]) if p.get("missed_at") else None
        table.add_row(
            str(p["id"]),
            local_time(ws, when),
            lit(p["platform"]),
            lit(p["account"]),
            lit(p["item"]),
            state_text("overdue" if p.get("overdue") else p["state"], lang),
            lit(overdue_note(ws, missed_at, now, lang) if p.get("overdue") else _why(p)[:90]),
        )
    _status, line = daemon_line(ws, now, lang)
    running = Text(line, style="green" if data["daemon"]["running"] else "yellow")
    parts: list[Any] = [running, counts, table]
    if data.get("behind"):
        parts.insert(0, _behind_line(data["behind"]))
    if data["attention"]:
        needs = new_table(say("cli.needs_person", lang))
        for col in ("id", "item", "platform", "state", "reason", "evidence"):
            needs.add_column(say(f"col.{col}", lang))
        for p in data["attention"]:
            attempt = p["last_attempt"] or {}
            evidence = ", ".join(f"{k}={v}" for k, v in p["platform_ids"].items())
            if attempt:
                outcome = attempt["outcome"] or say("cli.in_flight", lang)
                evidence += "; " + say(
                    "cli.attempt", lang, number=attempt["number"], step=attempt["step"], outcome=outcome
                )
            needs.add_row(
                str(p["id"]),
                lit(p["item"]),
                lit(f"{p['platform']}:{p['account']}"),
                state_text(p["state"], lang),
                lit(_why(p)[:80]),
                lit(evidence[:80]),
            )
        parts.append(needs)
    return Group(*parts)


@command(app, "publish")
def publish(
    item: Annotated[str, typer.Argument(help="help.opt.item")],
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="help.publish.platform")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="help.publish.dry_run")] = False,
    sandbox: SandboxOpt = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.queue.manual import publish_dry_run
    from publisher.states import DELIVERED
    from publisher.store.db import store_for
    from publisher.workspace.settings import open_workspace

    ws = open_workspace(workspace)
    language = lang or ws.settings.language
    store = store_for(ws)
    if not dry_run:
        rows = _publish_now(ws, store, item, platform=platform, sandbox=sandbox, lang=language)
        if as_json:
            print_json({"posts": [v.to_dict(language) for v in rows]})
        else:
            for v in rows:
                why = v.reason_text(language) if v.reason_msg else (v.last_error or v.reason_text(language))
                line = lit(say("cli.post_line", language, id=v.id, target=f"{v.platform}:{v.account}"))
                common.out.print(line + state_text(v.state, language) + lit(f" {why}"))
        # 0 only when every post asked for is out of the queue's hands (published, or a pack with a person).
        raise typer.Exit(0 if rows and all(v.state in DELIVERED for v in rows) else 1)
    records, problems = publish_dry_run(ws, store, item, platform=platform, now=utc_now())
    if as_json:
        print_json(
            {
                "requests": [
                    {"platform": r.platform, "account": r.account, "file": str(r.path), "request": r.request}
                    for r in records
                ],
                "problems": [p.to_dict(language) for p in problems],
            }
        )
    else:
        for r in records:
            text = json.dumps(r.request, ensure_ascii=False, indent=2)
            if common.out.is_terminal:
                common.out.rule(escape(f"{r.platform} · {r.account}{say('cli.dry_run', language)}"))
                from rich.syntax import Syntax  # Pygments: only for a request shown on a terminal

                common.out.print(Syntax(text, "json", word_wrap=True))
            else:  # a pipe or a file gets the request whole, never wrapped or cut
                print(f"== {r.platform} · {r.account}{say('cli.dry_run', language)}\n{text}")
            common.out.print(say("cli.written_to", language, path=r.path), markup=False)
        for p in problems:
            common.err.print(
                f"[{'red' if p.severity == 'error' else 'yellow'}]{escape(p.format(language))}[/]"
            )
    if any(p.severity == "error" for p in problems):
        raise typer.Exit(1)


def _publish_now(
    ws: Any, store: Any, item: str, *, platform: str | None, sandbox: bool, lang: str
) -> list[PostView]:
    """Make the item's posts due now, then send them: here (run --once), or, when `publisher run` holds the
    workspace, let that daemon send them and wait for their outcome with a deadline."""
    from publisher.daemon.entry import notifier_for
    from publisher.daemon.lock import describe, running_holder
    from publisher.daemon.service import run_once
    from publisher.queue.manual import publish_now
    from publisher.queue.overview import post_views
    from publisher.states import IN_FLIGHT, PUBLISH_NOW_REASON

    holder = running_holder(ws.state_dir) if store.is_sqlite else None
    made_due = publish_now(ws, store, item, platform=platform, now=utc_now())
    ids = {post for post, *_ in made_due}
    if holder is None:
        with sandbox_url_for(sandbox) as url:
            run_once(ws, store, sandbox_url=url, notifier=notifier_for(ws))
    else:
        common.err.print(say("cli.daemon_sends", lang, holder=describe(holder)), markup=False)
        deadline = time.monotonic() + PUBLISH_WAIT_S
        while time.monotonic() < deadline:
            # Done when each post is out of the queue's hands, or queued with a reason the daemon gave (it
            # looked and deferred it: spacing, a daily cap, an edit to sync first), not the one given here.
            if all(
                v.state not in IN_FLIGHT or (v.state == "queued" and v.reason != PUBLISH_NOW_REASON)
                for v in post_views(store)
                if v.id in ids
            ):
                break
            time.sleep(0.5)  # the daemon works; this command only reads the store until the deadline
    return [v for v in post_views(store) if v.id in ids]


@command(app, "preview")
def preview(
    item: Annotated[str, typer.Argument(help="help.opt.item")],
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="help.opt.only_platform")] = None,
    open_browser: Annotated[bool, typer.Option("--open", help="help.preview.open")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = None,
) -> None:
    setup_logging(verbose)
    from publisher.calendar.check import find_item
    from publisher.calendar.load import Calendar
    from publisher.calendar.preview import write_previews
    from publisher.workspace.settings import open_workspace

    ws = open_workspace(workspace)
    if lang:  # this command's pages and lines in `lang`, whatever publisher.toml says
        ws.settings = dataclasses.replace(ws.settings, language="en" if lang == "en" else "zh")
    calendar = Calendar(ws)
    checked = find_item(calendar, item)
    result = write_previews(ws, checked, calendar.renderer, platforms={platform} if platform else None)
    if as_json:
        print_json(
            {
                "index": str(result.index),
                "pages": {k: str(v) for k, v in result.pages.items()},
                "problems": [p.to_dict(ws.settings.language) for p in result.problems],
            }
        )
    else:
        for key, page in result.pages.items():
            common.out.print(f"[green]✓[/] {escape(key)}: {escape(str(page))}")
        for p in result.problems:
            common.err.print(f"[red]{escape(p.format(ws.settings.language))}[/]")
        common.out.print(say("cli.index", ws.settings.language, path=result.index), markup=False)
    if open_browser:
        import webbrowser

        webbrowser.open(result.index.as_uri())
    if any(p.severity == "error" for p in result.problems):
        raise typer.Exit(1)
