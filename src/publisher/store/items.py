"""Reads of item rows (each content file as last synced); sync writes them (store.sync)."""

from __future__ import annotations

import sqlalchemy as sa

from publisher.store.db import Store
from publisher.store.tables import item_t


def item_path(store: Store, item_id: str) -> str | None:
    """The workspace-relative path the item's file had at the last sync."""
    with store.session() as s:
        found: str | None = s.execute(sa.select(item_t.c.path).where(item_t.c.id == item_id)).scalar()
    return found
