"""Reads of the audit log (event rows); store.claims appends them (log_event and every transition)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from publisher.store.db import Store
from publisher.store.tables import event_t

#: A person (or a login) decided a post goes out again: its late window restarts from this event.
RETRY_EVENT = "retry"


def last_event_at(store: Store, post_id: int, kind: str) -> datetime | None:
    """When the post's latest event of `kind` was written, or None."""
    query = sa.select(sa.func.max(event_t.c.at)).where(event_t.c.post_id == post_id, event_t.c.kind == kind)
    with store.session() as s:
        found: datetime | None = s.execute(query).scalar()
    return found


def has_event(store: Store, post_id: int, kind: str, *, message_prefix: str = "") -> bool:
    """Whether the post has an event of `kind` whose message starts with `message_prefix` (literally)."""
    query = (
        sa.select(event_t.c.id)
        .where(
            event_t.c.post_id == post_id,
            event_t.c.kind == kind,
            event_t.c.message.startswith(message_prefix, autoescape=True),
        )
        .limit(1)
    )
    with store.session() as s:
        return s.execute(query).first() is not None
