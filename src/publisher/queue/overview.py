"""What `status`, `plan` and the faces show of the queue: posts in due order, counts,
and the evidence for posts that need a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from publisher.models import PostState
from publisher.states import ATTENTION, WAITING
from publisher.store.attempts import latest_attempts
from publisher.store.db import Store
from publisher.store.posts import PostView, platform_ids, post_views

__all__ = ["ATTENTION_STATES", "PostView", "post_views", "status_summary"]

ATTENTION_STATES = ATTENTION  # kept for callers; defined in publisher.states


def status_summary(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """Counts per state, the next due time, every post (overdue ones marked when `now` is given),
    and the evidence for every post that needs a person."""
    from publisher.queue.actions import aggregate_state

    views = post_views(store, now=now)
    counts: dict[str, int] = {}
    for v in views:
        counts[v.state] = counts.get(v.state, 0) + 1
    waiting = [v.due_at for v in views if v.state in WAITING and v.due_at and not v.overdue]
    attention = [v for v in views if v.state in ATTENTION_STATES]
    evidence: list[dict[str, Any]] = []
    if attention:
        ids = [v.id for v in attention]
        stored_ids = platform_ids(store, ids)
        last = latest_attempts(store, ids)
        for v in attention:
            row = last.get(v.id)
            evidence.append(
                {
                    **v.to_dict(),
                    "platform_ids": {
                        k: val for k, val in stored_ids.get(v.id, {}).items() if val is not None
                    },
                    "last_attempt": None
                    if row is None
                    else {
                        "number": row.number,
                        "started_at": row.started_at.isoformat() if row.started_at else None,
                        "step": row.step,
                        "outcome": row.outcome,
                        "http_status": row.http_status,
                        "platform_code": row.platform_code,
                        "error": row.error,
                    },
                }
            )
    by_item: dict[str, list[PostState]] = {}
    for v in views:
        by_item.setdefault(v.item, []).append(PostState(v.state))
    return {
        "counts": counts,
        "next_due": min(waiting).isoformat() if waiting else None,
        "overdue": [v.id for v in views if v.overdue],
        "items": {item: aggregate_state(states) for item, states in sorted(by_item.items())},
        "posts": [v.to_dict() for v in views],
        "attention": evidence,
    }
