"""The store: SQLModel tables, the database handle (open_store), and every SQL statement of the product.

Edge layer: modules per aggregate (claims and transitions, tokens, ...); callers use named functions and never
import sqlalchemy. Imports models, states and errors only; never an adapter, the queue or a face."""

from publisher.store.db import Store, open_store, upgrade

__all__ = ["Store", "open_store", "upgrade"]
