"""What every command shares: the Typer app, consoles, common options, time and sandbox helpers.

Rich and logging load when a command first prints or logs (`out`, `err`, `setup_logging`), not when the
program starts: `--help` is Click's and needs neither."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from publisher import __version__
from publisher.cli.lang import heard
from publisher.cli.lazy import RootGroup
from publisher.errors import UsageError
from publisher.messages import CHECK, msg, reason, say, state_name

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from publisher.cli.screen import PlainConsole
    from publisher.store.db import Store
    from publisher.workspace.settings import Workspace

    out: PlainConsole  # standard output (made on first use: see `__getattr__`)
    err: PlainConsole  # standard error

app = typer.Typer(
    name="publisher",
    help="help.root",
    cls=RootGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


def _console(name: str) -> PlainConsole:
    """The console `out` (standard output) or `err` (standard error), made on first use."""
    found: PlainConsole | None = globals().get(name)
    if found is None:
        from publisher.cli.screen import PlainConsole

        found = globals()[name] = PlainConsole(stderr=name == "err", highlight=False, soft_wrap=True)
    return found


def __getattr__(name: str) -> Any:
    """`out` and `err`, the consoles every command prints to: made (and rich loaded) on first use."""
    if name in ("out", "err"):
        return _console(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def escape(text: str) -> str:
    """`text` as rich markup that shows it as it is (rich's escape)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def new_table(title: str | None = None, *columns: str) -> Table:
    """A table: boxed on a terminal, plain columns (no box drawing) in a pipe or a file."""
    from rich import box
    from rich.table import Table

    table = Table(
        title=title, box=box.HEAVY_HEAD if _console("out").is_terminal else None, title_justify="left"
    )
    for col in columns:
        table.add_column(col)
    return table


def _version(value: bool) -> None:
    if value:
        print(f"publisher {__version__}")
        raise typer.Exit(0)


def lang_option(value: str | None) -> str | None:
    checked: str | None = choice("zh", "en")(value)
    if checked is not None:
        heard("flag", checked)
    return checked


LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="help.opt.lang", callback=lang_option),
]


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="help.opt.version"),
    ] = False,
    lang: LangOpt = None,
) -> None:
    """The options before any command (`--version`, `--lang`); the program's help is `help.root`."""


WorkspaceOpt = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="help.opt.workspace"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="help.opt.json")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="help.opt.verbose")]
SandboxOpt = Annotated[bool, typer.Option("--sandbox", help="help.opt.sandbox")]


def setup_logging(verbose: bool) -> None:
    import logging

    from publisher.redact import install_logging_redaction

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    install_logging_redaction(verbose=verbose)


def print_json(data: Any) -> None:
    """One JSON document on stdout: coloured on a terminal, plain (never cut) in a pipe or a file."""
    if sys.stdout.isatty():
        _console("out").print_json(
            json.dumps(data, ensure_ascii=False, default=str), ensure_ascii=False, highlight=False
        )
    else:
        print(json.dumps(data, ensure_ascii=False, default=str, indent=2))


def choice(*values: str) -> Any:
    """An option callback accepting only `values` (else a usage error, exit 2, naming the option)."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in values:
            # Click's words, in English like its own (cli/usage_errors.py words them for the reader)
            raise typer.BadParameter(
                say("help.click.one_of", "en", value=repr(value), choices=", ".join(values))
            )
        return value

    return check


def print_event(data: Any) -> None:
    """One JSON object on one line (streaming commands with --json), flushed at once."""
    print(json.dumps(data, ensure_ascii=False, default=str), flush=True)


def ensure_port_free(host: str, port: int, option: str = "--port") -> None:
    """A port already in use is a usage error naming the option (exit 2), not a server crash."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except (OSError, OverflowError) as exc:
            why = getattr(exc, "strerror", None) or exc
            raise UsageError(msg("usage.port_busy", option=option, host=host, port=port, why=why)) from None


STATE_STYLE = {
    "published": "green",
    "queued": "cyan",
    "planned": "white",
    "held": "yellow",
    "waiting_approval": "yellow",
    "retrying": "yellow",
    "failed": "red",
    "needs_attention": "red",
    "needs_reauth": "red",
    "missed": "red",
    "awaiting_manual": "magenta",
    "cancelled": "dim",
    "claimed": "blue",
    "sending": "blue",
    "reconcile": "red",
    "overdue": "bold yellow",
}


def open_workspace(path: Path | None) -> Workspace:
    """The workspace at `path` (else the nearest with publisher.toml); its modules load on first use."""
    from publisher.workspace.settings import open_workspace as open_ws

    ws = open_ws(path)
    heard("workspace", ws.settings.language)
    return ws


def store_for(ws: Workspace) -> Store:
    """The workspace's store; the database layer loads only for the commands that use it."""
    from publisher.store.db import store_for as open_store_for

    return open_store_for(ws)


def local_time(ws: Any, when: datetime | None) -> str:
    return when.astimezone(ws.zone).strftime("%Y-%m-%d %a %H:%M") if when else "—"


def overdue_note(ws: Any, missed_at: datetime | None, now: datetime, lang: str = "zh") -> str:
    """What happens to a queued post past due: sent late by the daemon until `missed_at`, then missed."""
    if missed_at is None:
        return ""
    key = "cli.overdue_late" if missed_at > now else "cli.overdue_missed"
    return say(key, lang, ends=local_time(ws, missed_at))


def daemon_line(ws: Any, now: datetime, lang: str = "zh") -> tuple[dict[str, Any], str]:
    """Whether a daemon runs on the workspace, and since when (its heartbeat), as data and as a line."""
    from publisher.daemon import heartbeat

    status = heartbeat.daemon_status(ws.state_dir, now)
    return status, heartbeat.describe(status, lambda when: local_time(ws, when), lang)


def utc_now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def sandbox_url_for(enabled: bool) -> Iterator[str | None]:
    """`--sandbox`: the sandbox at PUBLISHER_SANDBOX_URL when set,
    else one started in-process for this command."""
    from publisher.daemon.entry import local_sandbox

    env_url = os.environ.get("PUBLISHER_SANDBOX_URL") if enabled else None
    with local_sandbox(enabled and not env_url) as local_url:
        yield env_url or local_url


def lit(value: object) -> Text:
    """User text (ids, titles, paths, platform and account names) as it is: never read as rich markup."""
    from rich.text import Text

    return Text(str(value))


def state_text(state: object, lang: str = "en") -> Text:
    """A post state in its colour, named in `lang` (the catalogue's state names)."""
    from rich.text import Text

    if lang == "en":
        name = str(state)  # English keeps the store's word (what --json and the docs say)
    else:
        name = say("state.overdue", lang) if state == "overdue" else state_name(str(state), lang)
    return Text(name, style=STATE_STYLE.get(str(state), "white"))


#: The kinds of change whose before and after are post states (a `due` has times, an `edited` content hashes).
STATE_CHANGES = ("new", "state", "removed", "changed_after_publish")


def change_words(ch: Any, lang: str = "en") -> tuple[str, str, str]:
    """A sync change's kind, before and after in `lang`: states by their catalogue names; English keeps the
    store's words (what --json says)."""
    kind = say(f"change.{ch.kind}", lang) if f"change.{ch.kind}" in CHECK else str(ch.kind)
    if lang == "en" or ch.kind not in STATE_CHANGES:
        return kind, ch.before, ch.after
    return (
        kind,
        state_name(ch.before, lang) if ch.before else "",
        state_name(ch.after, lang) if ch.after else "",
    )


def changes_table(changes: Any, ws: Any = None, lang: str = "en") -> Table:
    """What sync changes (or would); times in the workspace zone when `ws` is given."""
    heads = ("change", "item", "platform", "account", "before", "after", "detail")
    table = new_table(say("cli.changes", lang), *(say(f"col.{h}", lang) for h in heads))

    def when(text: str) -> str:
        if ws is None or not text:
            return text
        try:
            return local_time(ws, datetime.fromisoformat(text))
        except ValueError:
            return text

    for ch in changes:
        timed = ch.kind in ("new", "due")
        kind, before, after = change_words(ch, lang)
        if ch.kind == "due":
            before, after = when(before), when(after)
        table.add_row(
            kind,
            lit(ch.item_id),
            lit(ch.platform),
            lit(ch.account),
            before,
            after,
            lit(
                when(ch.detail)
                if timed
                else ch.detail
                if ch.kind == "edited"
                else reason(ch.detail, lang, ch.said)
            ),
        )
    return table


#: what a day given on the command line looks like (the example its error gives)
DAY_EXAMPLE = "2026-12-07"


def parse_day(ws: Any, text: str, field: str) -> datetime:
    """A day (`2026-12-07`, its midnight in the workspace's zone) or a time (`2026-12-07 09:30`) given to the
    option `field`; a value that is no date is a usage error naming the option, the value and the form."""
    from publisher.content.timeparse import TimeError, parse_publish_at

    value = text if " " in text or "T" in text else f"{text} 00:00"
    try:
        parsed = parse_publish_at(value, ws.zone)
    except TimeError as exc:
        if exc.said.code not in ("time_not_real", "time_unreadable", "time_no_time"):
            raise UsageError(msg("usage.field_says", field=field, text=exc.said)) from None  # e.g. a DST gap
        parsed = None
    if not isinstance(parsed, datetime):
        raise UsageError(msg("usage.date_value", option=field, value=text, example=DAY_EXAMPLE))
    return parsed
