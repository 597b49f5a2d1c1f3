"""The store: SQLModel tables, the database handle (open_store), and every SQL statement of the product.

Edge layer: modules per aggregate (claims and transitions, tokens, ...); callers use named functions and never
import sqlalchemy. Imports models, states and errors only; never an adapter, the queue or a face.

`Store`, `open_store` and `upgrade` load SQLAlchemy on first use, so a face that needs only `store.lite` (the
quick reads of `publisher status`) starts without it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from publisher.store.db import Store, open_store, upgrade

__all__ = ["Store", "open_store", "upgrade"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from publisher.store import db

        return getattr(db, name)
    raise AttributeError(f"module 'publisher.store' has no attribute {name!r}")
