"""A person's publishes: a dry run of one item (the exact requests, nothing sent) and "publish now"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.adapters.base import AdapterContext
from publisher.adapters.dryrun import DryRunAdapter, dry_run_dir
from publisher.calendar.check import find_item
from publisher.calendar.load import Calendar, concerns
from publisher.calendar.sync import sync_calendar
from publisher.errors import ContentError, UsageError
from publisher.messages import msg
from publisher.models import Attempt, Problem
from publisher.store.claims import log_event
from publisher.store.db import Store
from publisher.store.posts import item_posts, post_id_of
from publisher.workspace.settings import Workspace


@dataclass(frozen=True)
class DryRunRecord:
    """One dry-run publish: the exact request and where it was written."""

    platform: str
    account: str
    request: dict[str, Any]
    path: Path | None


def publish_dry_run(
    ws: Workspace, store: Store, ref: str, *, platform: str | None, now: datetime
) -> tuple[list[DryRunRecord], list[Problem]]:
    """Render an item for its platforms and run the dry-run adapter: the exact requests, nothing sent.

    The post rows keep their state (a dry run is a rehearsal of one item, not a publish) and nothing is
    synced: the calendar's other items are not touched. The event log records each dry run of a synced post
    and where its request was written.
    """
    import asyncio

    calendar = Calendar(ws)
    checked = find_item(calendar, ref)
    if checked.item is None:
        return [], list(checked.problems)
    targets = [t for t in checked.item.targets if platform in (None, t.platform, t.account)]
    if not targets:
        raise UsageError(msg("usage.not_targeted", item=checked.item.id, platform=platform))
    records: list[DryRunRecord] = []
    problems: list[Problem] = []
    out_dir = dry_run_dir(ws.state_dir)
    for target in targets:
        post, found = calendar.renderer.render(checked.item, target, process_media=True)
        problems += found
        if post is None:
            continue
        ctx = AdapterContext(account=target.account, mode="dry-run", base_url="", out_dir=out_dir)
        adapter = DryRunAdapter(ctx)
        attempt = Attempt(post_id=0, number=0, started_at=now)
        result = asyncio.run(adapter.publish(post, attempt))
        path = out_dir / f"{post.item_id.replace('/', '__')}.{post.platform}.{post.account}.json"
        records.append(DryRunRecord(target.platform, target.account, dict(result.request or {}), path))
        log_event(
            store,
            post_id_of(store, checked.item.id, target.platform, target.account),
            "dry_run",
            f"dry run of {post.rendered_hash[:12]} written to {path.relative_to(ws.root)}",
            now=now,
        )
    return records, problems


def publish_now(
    ws: Workspace, store: Store, ref: str, *, platform: str | None, now: datetime
) -> list[tuple[int, str, str, str]]:
    """Make an item's posts due now (a person's override that sync keeps); returns (post, platform, account,
    state). The queue (`publisher run`, or `run --once`) sends them."""
    from publisher.queue.actions import publish_now as make_due

    calendar = Calendar(ws)
    checked = find_item(calendar, ref)
    if checked.item is None:
        raise ContentError(checked.errors or checked.problems)
    # One platform's problem never blocks the others: only the item's own errors, or the asked platform's.
    blocking = [p for p in checked.errors if concerns(p) is None or (platform and concerns(p) == platform)]
    if blocking:
        raise ContentError(blocking)
    sync_calendar(ws, store, now=now, calendar=calendar)
    rows = [
        r
        for r in item_posts(store, checked.item.id)
        if platform in (None, r.platform, r.account) and (r.platform, r.account) in checked.valid_targets
    ]
    if not rows and checked.errors:
        raise ContentError(checked.errors)
    if not rows:
        item = checked.item.id
        none = msg("usage.nothing_to_publish_on", item=item, platform=platform) if platform else None
        raise UsageError(none or msg("usage.nothing_to_publish", item=item))
    return [(r.id, r.platform, r.account, str(make_due(store, r.id, now=now))) for r in rows]
