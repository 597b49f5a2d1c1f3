"""The real daemon in a process of its own, with test timings (a short lease, fast retries), for crash tests.

`python tests/support/daemon_proc.py --workspace DIR --sandbox-url URL [--lease-s S] [--once]` builds exactly
what `publisher run` builds (Daemon + Queue + the registry's adapters) but with DaemonSettings and
RetrySettings shortened: `publisher run` has no switch for them, and a 300 s lease would make a test that
SIGKILLs the daemon a hundred times wait five minutes for every post it interrupted. It prints "ready" on
stdout once the daemon has synced and is about to tick.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--sandbox-url", default=None)
    parser.add_argument("--lease-s", type=float, default=2.0)
    parser.add_argument("--max-attempts", type=int, default=10)
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from publisher.daemon.service import Daemon, DaemonSettings
    from publisher.queue.policy import RetrySettings
    from publisher.queue.runner import Queue
    from publisher.store.db import open_store
    from publisher.workspace.settings import open_workspace

    retry = RetrySettings(max_attempts=args.max_attempts, base_s=0.3, cap_s=1.0, poll_s=0.3)

    def queue_factory(ws: Any, store: Any, **kw: Any) -> Queue:
        return Queue(ws, store, retry=retry, **kw)

    ws = open_workspace(args.workspace)
    store = open_store(ws.database_url)
    settings = DaemonSettings(
        lease_s=args.lease_s, reap_every_s=0.25, stop_deadline_s=5.0, leader_retry_s=0.5
    )
    daemon = Daemon(
        ws, store=store, sandbox_url=args.sandbox_url, settings=settings, queue_factory=queue_factory
    )
    try:
        daemon.start()
        print("ready", flush=True)
        if args.once:
            outcomes = asyncio.run(daemon.tick()).outcomes
            print(f"handled {len(outcomes)}", flush=True)
        else:
            asyncio.run(daemon.serve())
    finally:
        daemon.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
