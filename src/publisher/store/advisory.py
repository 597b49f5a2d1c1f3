"""PostgreSQL session advisory locks on a dedicated connection (the recurring-jobs leader uses one).

The lock's second key is the schema's hash, so two schemas on one server do not collide. Database errors
leave as `AdvisoryUnavailable` (taking the lock) or as a plain False (checking it); the caller decides.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from publisher.errors import StoreError

__all__ = ["AdvisoryUnavailable", "Connection", "Engine", "discard", "holds", "try_lock", "unlock"]

_SCHEMA = "hashtext(coalesce(current_schema(), 'public'))"


class AdvisoryUnavailable(StoreError):
    """The database could not be reached to take the lock."""


def try_lock(engine: Engine, conn: Connection | None, key: int) -> tuple[Connection, bool]:
    """Try the lock on `conn` (a new connection when None): (the connection, whether this session holds it).

    No transaction is left open: the session lock outlives it.
    """
    try:
        if conn is None:
            conn = engine.connect()
        got = conn.execute(sa.text(f"SELECT pg_try_advisory_lock(:k, {_SCHEMA})"), {"k": key}).scalar()
        conn.commit()
    except sa.exc.DBAPIError as exc:
        if conn is not None:
            discard(conn)
        raise AdvisoryUnavailable(f"cannot take the advisory lock: {type(exc.orig).__name__}") from exc
    return conn, bool(got)


def holds(conn: Connection, key: int) -> bool:
    """This session still holds the lock (a reconnected session would not); False when it cannot tell."""
    try:
        held = conn.execute(
            sa.text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND classid = CAST(:k AS oid) AND objsubid = 2)"
            ),
            {"k": key},
        ).scalar()
        conn.commit()
        return bool(held)
    except sa.exc.DBAPIError:
        return False


def unlock(conn: Connection, key: int) -> None:
    """Give the lock up now; a session that is already gone has nothing to give up."""
    try:
        conn.execute(sa.text(f"SELECT pg_advisory_unlock(:k, {_SCHEMA})"), {"k": key})
        conn.commit()
    except sa.exc.DBAPIError:
        pass


def discard(conn: Connection) -> None:
    """Close the connection without returning it to the pool (it must never hand a held lock on)."""
    try:
        conn.invalidate()
        conn.close()
    except sa.exc.DBAPIError:
        pass
