"""Reads of item rows (each content file as last synced); sync writes them (store.sync)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from publisher.store.db import Store
from publisher.store.tables import item_t


def item_path(store: Store, item_id: str) -> str | None:
    """The workspace-relative path the item's file had at the last sync."""
    with store.session() as s:
        found: str | None = s.execute(sa.select(item_t.c.path).where(item_t.c.id == item_id)).scalar()
    return found


def item_fields(store: Store, item_ids: Collection[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """item id -> (its workspace-relative path, its front matter) as last synced, for the ids asked for."""
    ids = sorted(set(item_ids))
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    with store.session() as s:
        for start in range(0, len(ids), 500):  # stay under every database's bound-parameter limit
            query = sa.select(item_t.c.id, item_t.c.path, item_t.c.fields).where(
                item_t.c.id.in_(ids[start : start + 500])
            )
            for row in s.execute(query):
                out[row.id] = (row.path, dict(row.fields or {}))
    return out
