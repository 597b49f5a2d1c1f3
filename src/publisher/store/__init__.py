"""The store: SQLModel tables, the database handle (open_store), and the claim/lease primitives in claims."""

from publisher.store.db import Store, open_store, upgrade

__all__ = ["Store", "open_store", "upgrade"]
