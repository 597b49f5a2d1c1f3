"""`python -m publisher.daemon.service --workspace DIR [--once] [--sandbox | --sandbox-url URL]`:
start the daemon."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from publisher.errors import PublisherError
from publisher.messages import say as words
from publisher.store.db import open_store
from publisher.workspace.settings import Workspace, open_workspace

logger = logging.getLogger("publisher.daemon.service")
#: each store connection's SQLite page cache (KiB): the daemon keeps a connection per thread that touches the
#: store and its reads are a few rows each; with SQLite's own 2 MB a connection, filled by a sync's read of
#: every post, SQLite held 4.6 MB at 10,000 posts, 0.8 MB with this (the system caches the file anyway)
STORE_CACHE_KIB = 512


def notifier_for(ws: Workspace) -> Any:
    """The workspace's notification channels, or None when none is configured."""
    from publisher.notify import Notifier, channels_from_settings

    channels = channels_from_settings(ws.settings.notify, ws.env)
    if not channels:
        return None
    return Notifier(channels, zone=ws.settings.timezone, lang=ws.settings.language)


@contextmanager
def local_sandbox(enabled: bool) -> Iterator[str | None]:
    """`--sandbox`: a local fake of every platform for the accounts in sandbox mode, for this run only."""
    if not enabled:
        yield None
        return
    from publisher.sandbox import running

    with running() as url:
        yield url


def run(
    workspace: Path | None,
    *,
    once: bool = False,
    sandbox: bool = False,
    sandbox_url: str | None = None,
    out: Any = None,
    events: Callable[[dict[str, Any]], None] | None = None,
    lang: str | None = None,
) -> int:
    """What `publisher run [--once] [--sandbox]` does; returns the exit code.

    `events` (`publisher run --json`): called with one dict per event (started, post, done, stopped, error)
    instead of the human lines on `out`, worded in `lang` (default: the workspace's language)."""
    from publisher.daemon.service import Daemon, run_once

    language = lang or "zh"

    def say(code: str, event: dict[str, Any], **values: Any) -> None:
        if events is not None:
            events(event)
        else:
            print(words(code, language, **values), file=out or sys.stderr, flush=True)  # stderr at call time

    try:
        ws = open_workspace(workspace)
        store = open_store(ws.database_url, cache_kib=STORE_CACHE_KIB)
    except PublisherError as exc:
        say("run.error", {"event": "error", "error": str(exc)}, error=exc.text(language))
        return 1
    language = lang or ws.settings.language
    try:
        with local_sandbox(sandbox) if not sandbox_url else nullcontext(sandbox_url) as url:
            notifier = notifier_for(ws)
            if once:
                outcomes = run_once(ws, store, sandbox_url=url, notifier=notifier)
                for o in outcomes:
                    if events is not None:
                        events({"event": "post", **_outcome(o)})
                say("run.once", {"event": "done", "handled": len(outcomes)}, n=len(outcomes))
                return 0
            daemon = Daemon(ws, store=store, sandbox_url=url, notifier=notifier)
            daemon.start(defer_sync=True)  # serving at once; the calendar is synced in the background
            say(
                "run.started",
                {"event": "started", "workspace": str(ws.root), "owner": daemon.owner},
                root=ws.root,
                owner=daemon.owner,
            )
            asyncio.run(daemon.serve())
            say("run.stopped", {"event": "stopped", "owner": daemon.owner})
            return 0
    except PublisherError as exc:
        say("run.error", {"event": "error", "error": str(exc)}, error=exc.text(language))
        return 1
    finally:
        store.close()


def _outcome(o: Any) -> dict[str, Any]:
    """A queue outcome as plain data for --json."""
    keys = ("post_id", "item", "platform", "account", "state", "reason")
    return {k: str(getattr(o, k)) if k == "state" else getattr(o, k, None) for k in keys}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publisher.daemon.service", description=__doc__)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--once", action="store_true", help="do what is due now, then exit")
    parser.add_argument(
        "--sandbox", action="store_true", help="start a local sandbox for sandbox-mode accounts"
    )
    parser.add_argument("--sandbox-url", default=None, help="use a running `publisher sandbox` at this URL")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from publisher.redact import install_logging_redaction

    # As the CLI does: without it httpx's own INFO line logs every URL, query-string tokens and all (R26).
    install_logging_redaction(verbose=args.verbose)
    return run(args.workspace, once=args.once, sandbox=args.sandbox, sandbox_url=args.sandbox_url)


if __name__ == "__main__":
    raise SystemExit(main())
