"""What `status`, `plan` and the faces show of the queue: posts in due order, counts,
and the evidence for posts that need a person."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from publisher.states import ATTENTION, WAITING
from publisher.store.db import Store
from publisher.store.tables import PostRow


@dataclass(frozen=True)
class PostView:
    """One post as `status` and `plan` show it."""

    id: int
    item: str
    platform: str
    account: str
    state: str
    due_at: datetime | None
    reason: str
    attempts: int
    url: str | None
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item": self.item,
            "platform": self.platform,
            "account": self.account,
            "state": self.state,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "reason": self.reason,
            "attempts": self.attempts,
            "url": self.url,
            "last_error": self.last_error,
        }


def post_views(
    store: Store, *, states: Collection[str] | None = None, until: datetime | None = None
) -> list[PostView]:
    """Posts ordered by due time (unscheduled last)."""
    import sqlalchemy as sa

    t = PostRow.__table__  # type: ignore[attr-defined]
    query = sa.select(t)
    if states:
        query = query.where(t.c.state.in_(sorted(states)))
    if until is not None:
        query = query.where(sa.or_(t.c.due_at.is_(None), t.c.due_at <= until))
    with store.session() as s:
        rows = s.execute(query).mappings().all()
    views = [
        PostView(
            r["id"],
            r["item_id"],
            r["platform"],
            r["account"],
            r["state"],
            r["due_at"],
            r["reason"] or "",
            r["attempt_count"],
            r["url"],
            r["last_error"],
        )
        for r in rows
    ]
    return sorted(views, key=lambda v: (v.due_at is None, v.due_at or datetime.min.replace(tzinfo=UTC), v.id))


ATTENTION_STATES = ATTENTION  # kept for callers; defined in publisher.states


def status_summary(store: Store) -> dict[str, Any]:
    """Counts per state, the next due time, every post,
    and the evidence for every post that needs a person."""
    import sqlalchemy as sa

    from publisher.store.tables import AttemptRow

    views = post_views(store)
    counts: dict[str, int] = {}
    for v in views:
        counts[v.state] = counts.get(v.state, 0) + 1
    waiting = [v.due_at for v in views if v.state in WAITING and v.due_at]
    attention = [v for v in views if v.state in ATTENTION_STATES]
    t, a = PostRow.__table__, AttemptRow.__table__  # type: ignore[attr-defined]
    evidence: list[dict[str, Any]] = []
    if attention:
        ids = [v.id for v in attention]
        with store.session() as s:
            platform_ids = dict(s.execute(sa.select(t.c.id, t.c.ids).where(t.c.id.in_(ids))).all())
            last = {
                r.post_id: r
                for r in s.execute(
                    sa.select(
                        a.c.post_id,
                        a.c.number,
                        a.c.started_at,
                        a.c.step,
                        a.c.outcome,
                        a.c.http_status,
                        a.c.platform_code,
                        a.c.error,
                    )
                    .where(a.c.post_id.in_(ids))
                    .order_by(a.c.number)
                )
            }
        for v in attention:
            row = last.get(v.id)
            evidence.append(
                {
                    **v.to_dict(),
                    "platform_ids": {
                        k: val for k, val in (platform_ids.get(v.id) or {}).items() if val is not None
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
    from publisher.models import PostState
    from publisher.queue.actions import aggregate_state

    by_item: dict[str, list[PostState]] = {}
    for v in views:
        by_item.setdefault(v.item, []).append(PostState(v.state))
    return {
        "counts": counts,
        "next_due": min(waiting).isoformat() if waiting else None,
        "items": {item: aggregate_state(states) for item, states in sorted(by_item.items())},
        "posts": [v.to_dict() for v in views],
        "attention": evidence,
    }
