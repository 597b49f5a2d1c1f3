"""One worker process of a scale-out test: the real Queue on a shared database, run until nothing is due.

`python tests/support/queue_worker.py --workspace DIR --owner NAME [--sandbox-url URL] [--go FILE]` waits
for FILE to exist (so every worker starts claiming at the same moment), runs `Queue.run_due` and
`Queue.poll_submitted` until two passes in a row find nothing and no post waits in reconcile, and prints
one JSON line: {"owner", "outcomes": {state: count}, "posts": [ids]}.
The database is the workspace's (`PUBLISHER_DATABASE_URL` in the environment selects PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

WAITING = ("reconcile",)  # posts a worker still owes a check


async def work(args: argparse.Namespace) -> dict[str, object]:
    from publisher.queue.policy import RetrySettings
    from publisher.queue.runner import Queue
    from publisher.store.db import open_store
    from publisher.store.posts import post_views
    from publisher.workspace.settings import open_workspace

    ws = open_workspace(args.workspace)
    store = open_store(ws.database_url, migrate=False)
    queue = Queue(
        ws,
        store,
        owner=args.owner,
        now=store.clock,
        sandbox_url=args.sandbox_url,
        retry=RetrySettings(base_s=0.2, cap_s=0.5, poll_s=0.2),
        lease_s=60,
    )
    states: Counter[str] = Counter()
    mine: list[int] = []
    if args.go:
        deadline = time.monotonic() + 60
        while not Path(args.go).exists():  # the start line: all workers claim together
            if time.monotonic() > deadline:
                raise SystemExit("no start signal within 60 s")
            await asyncio.sleep(0.01)
    idle = 0
    deadline = time.monotonic() + args.max_s
    while idle < 2 and time.monotonic() < deadline:
        # Due posts, then submitted jobs whose next check is due (WeChat checks 15 s after the submit).
        outcomes = await queue.run_due(limit=20) + await queue.poll_submitted()
        for o in outcomes:
            states[o.state] += 1
            if o.state in ("published", "dry_run"):  # sent, or recorded by a dry-run account
                mine.append(o.post_id)
        waiting = bool(post_views(store, states=WAITING))  # a submitted job not yet checked is work to come
        idle = idle + 1 if not outcomes and not waiting else 0
        if not outcomes:
            await asyncio.sleep(0.3)  # a poll interval: retries and polls fall due on the wall clock
    store.close()
    return {"owner": args.owner, "outcomes": dict(states), "posts": mine}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--owner", required=True)
    parser.add_argument("--sandbox-url", default=None)
    parser.add_argument("--go", default=None)
    parser.add_argument("--max-s", type=float, default=240.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(work(args))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
