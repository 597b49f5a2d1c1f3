"""Small key/value facts in sync_state (the last sync, receipts remembered under an idempotency key)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from publisher.store.db import Store
from publisher.store.tables import sync_state_t


def get_value(store: Store, key: str) -> Any:
    """The value stored under `key`, or None."""
    with store.session() as s:
        return s.execute(sa.select(sync_state_t.c.value).where(sync_state_t.c.key == key)).scalar()


def put_new(store: Store, key: str, value: Any) -> None:
    """Store `value` under a key that must be new; raises (an integrity error) if another process got there
    first."""
    with store.begin() as conn:
        conn.execute(sa.insert(sync_state_t).values(key=key, value=value))
