"""A fresh PostgreSQL schema per test on the machine's server (127.0.0.1:5432/test, trust auth).

An unreachable server makes the test error, never skip: CI has PostgreSQL, and a silent skip would hide it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import psycopg

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def fresh_schema(prefix: str = "t") -> Iterator[str]:
    """The SQLAlchemy URL of a new schema (as its search_path), dropped with everything in it afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
