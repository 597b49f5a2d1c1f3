"""Proof of life per worker on PostgreSQL: a session advisory lock keyed by the worker's owner id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from publisher.errors import StoreError

__all__ = ["OWNER_KEY", "Liveness"]


#: First key of the per-owner liveness locks (ASCII "pubo"); the second is the hash of the owner id.
OWNER_KEY = 0x7075626F


class Liveness:
    """PostgreSQL: proof of life per worker. Each worker holds a session advisory lock keyed by its owner id
    on a dedicated connection for as long as it runs; the database drops it when the session ends (process
    death, a cut connection). A lease whose owner's lock is free belongs to a dead worker: any node may take
    it back at once (`dead`, then `store.claims.take_over`), without waiting for the lease to expire.
    """

    def __init__(self, engine: sa.Engine, owner: str) -> None:
        self.engine = engine
        self.owner = owner
        self._conn: Any = None

    def hold(self) -> None:
        """Take (or take again, after a lost session) this worker's lock; raises StoreError if it cannot."""
        if self._conn is not None and self._alive():
            return
        self._drop()
        try:
            self._conn = self.engine.connect()
            got = self._conn.execute(
                sa.text("SELECT pg_try_advisory_lock(:k, hashtext(:owner))"),
                {"k": OWNER_KEY, "owner": self.owner},
            ).scalar()
            self._conn.commit()  # the session lock outlives the transaction; keep no transaction open
        except sa.exc.DBAPIError as exc:
            self._drop()
            raise StoreError(f"cannot take the liveness lock of {self.owner}: {exc}") from None
        if not got:
            self._drop()
            raise StoreError(f"the liveness lock of {self.owner} is held by another session")

    def dead(self, owners: Iterable[str]) -> set[str]:
        """Those of `owners` (other than this worker) whose liveness lock nobody holds: they are dead."""
        found: set[str] = set()
        others = sorted(set(owners) - {self.owner})
        if not others:
            return found
        try:
            with self.engine.begin() as conn:
                for owner in others:
                    # A transaction-level try: granted only if no live session holds it; released at commit.
                    free = conn.execute(
                        sa.text("SELECT pg_try_advisory_xact_lock(:k, hashtext(:owner))"),
                        {"k": OWNER_KEY, "owner": owner},
                    ).scalar()
                    if free:
                        found.add(owner)
        except sa.exc.DBAPIError as exc:
            raise StoreError(f"cannot tell which workers are alive: {type(exc.orig).__name__}") from None
        return found

    def _alive(self) -> bool:
        try:
            held = self._conn.execute(
                sa.text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND classid = CAST(:k AS oid) "
                    "AND objid = CAST(CAST(hashtext(:owner) AS bigint) & 4294967295 AS oid) AND objsubid = 2)"
                ),
                {"k": OWNER_KEY, "owner": self.owner},
            ).scalar()
            self._conn.commit()
            return bool(held)
        except sa.exc.DBAPIError:
            return False

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()  # never return a session holding the lock to the pool
                self._conn.close()
            except sa.exc.DBAPIError:
                pass
            self._conn = None

    def release(self) -> None:
        """Stop proving life (graceful stop): the session ends, so the lock goes with it."""
        self._drop()
