"""Alembic environment: runs on the connection open_store hands over, or on `sqlalchemy.url` by hand."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, compare_type=True)
    # Inside open_store the connection is already in a (locked) transaction; alembic then joins it.
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", hide_parameters=True)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
