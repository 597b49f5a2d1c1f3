"""What `status`, `plan` and the faces show of the queue: posts in due order, counts,
and the evidence for posts that need a person.

Imports no SQLAlchemy of its own: `status_summary` reads through the store's query modules (loaded when
called), `summary_from` through any `PostReader`, such as the standard-library reader of `store.lite` that
`publisher status` uses to start fast."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from publisher.models import PostState
from publisher.states import ATTENTION, WAITING, aggregate_state
from publisher.store.views import AttemptView, PostView

if TYPE_CHECKING:
    from publisher.store.db import Store

__all__ = [
    "ATTENTION_STATES",
    "PostReader",
    "StoreReader",
    "PostView",
    "post_views",
    "status_summary",
    "summary_from",
]

ATTENTION_STATES = ATTENTION  # kept for callers; defined in publisher.states


class PostReader(Protocol):
    """The reads a status summary needs."""

    def post_views(self, *, now: datetime | None = None) -> list[PostView]: ...

    def platform_ids(self, post_ids: Collection[int]) -> dict[int, dict[str, Any]]: ...

    def latest_attempts(self, post_ids: Collection[int]) -> dict[int, AttemptView]: ...


class StoreReader:
    """A PostReader over the full store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def post_views(self, *, now: datetime | None = None) -> list[PostView]:
        from publisher.store.posts import post_views as read

        return read(self.store, now=now)

    def platform_ids(self, post_ids: Collection[int]) -> dict[int, dict[str, Any]]:
        from publisher.store.posts import platform_ids

        return platform_ids(self.store, post_ids)

    def latest_attempts(self, post_ids: Collection[int]) -> dict[int, AttemptView]:
        from publisher.store.attempts import latest_attempts

        return latest_attempts(self.store, post_ids)


def post_views(
    store: Store,
    *,
    states: Collection[str] | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> list[PostView]:
    """store.posts.post_views (kept here for the faces that import it from the queue)."""
    from publisher.store.posts import post_views as read

    return read(store, states=states, until=until, now=now)


def status_summary(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """Counts per state, the next due time, every post (overdue ones marked when `now` is given),
    and the evidence for every post that needs a person."""
    return summary_from(StoreReader(store), now=now)


def summary_from(reader: PostReader, now: datetime | None = None, lang: str = "en") -> dict[str, Any]:
    """status_summary, read through `reader`; each post's `reason_text` in `lang`."""
    views = reader.post_views(now=now)
    counts: dict[str, int] = {}
    for v in views:
        counts[v.state] = counts.get(v.state, 0) + 1
    waiting = [v.due_at for v in views if v.state in WAITING and v.due_at and not v.overdue]
    attention = [v for v in views if v.state in ATTENTION_STATES]
    evidence: list[dict[str, Any]] = []
    if attention:
        ids = [v.id for v in attention]
        stored_ids = reader.platform_ids(ids)
        last = reader.latest_attempts(ids)
        for v in attention:
            row = last.get(v.id)
            evidence.append(
                {
                    **v.to_dict(lang),
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
        "posts": [v.to_dict(lang) for v in views],
        "attention": evidence,
    }
