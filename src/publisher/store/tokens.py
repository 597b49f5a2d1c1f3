"""Runtime tokens and account auth state in the store: the TokenCache adapters use,
and the needs-reauth flag."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from publisher.store.claims import write_tx
from publisher.store.db import Store, raw_rows
from publisher.store.tables import sync_state_t as sync_t
from publisher.store.tables import token_t

_AUTH_PREFIX = "auth:"  # sync_state key of an account's needs-reauth flag; its value never holds a secret
# Built once: the queue reads these on every step and adapters before every call (building a statement costs
# more than running it).
_TOKEN = sa.select(token_t.c.value, token_t.c.expires_at, token_t.c.meta).where(
    token_t.c.account == sa.bindparam("account"), token_t.c.kind == sa.bindparam("kind")
)
_SET_TOKEN = (
    sa.update(token_t)
    .where(token_t.c.account == sa.bindparam("k_account"), token_t.c.kind == sa.bindparam("k_kind"))
    .values(
        value=sa.bindparam("k_value"), expires_at=sa.bindparam("k_expires_at"), meta=sa.bindparam("k_meta")
    )
)
_ADD_TOKEN = sa.insert(token_t).values(
    account=sa.bindparam("k_account"),
    kind=sa.bindparam("k_kind"),
    value=sa.bindparam("k_value"),
    expires_at=sa.bindparam("k_expires_at"),
    meta=sa.bindparam("k_meta"),
)
_FLAGGED = sa.select(sync_t.c.key, sync_t.c.value).where(sync_t.c.key.startswith(_AUTH_PREFIX))
#: The names of the accounts needing re-authorisation, as a subquery: a statement that leaves them out reads
#: them itself instead of after a query of their own.
FLAGGED_ACCOUNTS = sa.select(sa.func.substr(sync_t.c.key, len(_AUTH_PREFIX) + 1)).where(
    sync_t.c.key.startswith(_AUTH_PREFIX)
)


class StoreTokenCache:
    """A TokenCache shared by every process on the database; the value column is never logged or returned
    in an error message."""

    def __init__(
        self, store: Store, *, memo_s: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        # Adapters read the token before every call; a few seconds' memo spares the database. A token another
        # process replaced meanwhile is answered by the platform with "token superseded", which refreshes it.
        self.memo_s = memo_s
        self.clock = clock
        self._memo: dict[
            tuple[str, str], tuple[float, tuple[str, datetime | None, dict[str, Any]] | None]
        ] = {}

    def get(self, account: str, kind: str) -> tuple[str, datetime | None, dict[str, Any]] | None:
        hit = self._memo.get((account, kind))
        if hit is not None and self.clock() - hit[0] < self.memo_s:
            return None if hit[1] is None else (hit[1][0], hit[1][1], dict(hit[1][2]))
        found = read_token(self.store, account, kind)
        self._memo[(account, kind)] = (self.clock(), found)
        return None if found is None else (found[0], found[1], dict(found[2]))

    def put(
        self,
        account: str,
        kind: str,
        value: str,
        expires_at: datetime | None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if not value:  # an empty token never overwrites a stored one (R20)
            return
        self._memo.pop((account, kind), None)
        put_token(self.store, account, kind, value, expires_at, meta)


def read_token(store: Store, account: str, kind: str) -> tuple[str, datetime | None, dict[str, Any]] | None:
    """The account's stored token of this kind: (value, expires_at, metadata), or None."""
    key = {"account": account, "kind": kind}
    if store.is_sqlite:  # adapters read it before their calls: on the driver connection
        rows = raw_rows(store, _TOKEN, key)
        return None if not rows else (rows[0][0], rows[0][1], dict(rows[0][2] or {}))
    with store.read() as conn:
        row = conn.execute(_TOKEN, key).one_or_none()
    return None if row is None else (row.value, row.expires_at, dict(row.meta or {}))


def put_token(
    store: Store,
    account: str,
    kind: str,
    value: str,
    expires_at: datetime | None,
    meta: dict[str, Any] | None = None,
) -> None:
    """Store the account's token of this kind, replacing the one stored before."""
    values: dict[str, Any] = {
        "k_account": account,
        "k_kind": kind,
        "k_value": value,
        "k_expires_at": expires_at,
        "k_meta": dict(meta or {}),
    }
    with write_tx(store) as tx:  # a WeChat token is put at every refresh: on SQLite's driver connection
        if not tx.count(_SET_TOKEN, values):
            tx.count(_ADD_TOKEN, values)


def token_meta(store: Store, account: str) -> dict[str, tuple[datetime | None, dict[str, Any]]]:
    """kind -> (expires_at, metadata) of the account's stored tokens; the value column is never read."""
    query = sa.select(token_t.c.kind, token_t.c.expires_at, token_t.c.meta).where(
        token_t.c.account == account
    )
    with store.session() as s:
        return {r.kind: (r.expires_at, dict(r.meta or {})) for r in s.execute(query)}


def expiring_tokens(
    store: Store, *, before: datetime, kind_contains: str = ""
) -> list[tuple[str, str, datetime]]:
    """Sorted (account, kind, expires_at) of tokens expiring before `before` whose kind holds `kind_contains`;
    the value column is never read."""
    query = sa.select(token_t.c.account, token_t.c.kind, token_t.c.expires_at).where(
        token_t.c.expires_at.is_not(None),
        token_t.c.expires_at < before,
        token_t.c.kind.like(f"%{kind_contains}%"),
    )
    with store.session() as s:
        return sorted((r.account, r.kind, r.expires_at) for r in s.execute(query))


def mark_needs_reauth(store: Store, account: str, *, reason: str, post_id: int | None, now: datetime) -> bool:
    """Flag the account: the queue skips its posts until `clear_needs_reauth`. True if newly flagged."""
    key = _AUTH_PREFIX + account
    value = {"state": "needs_reauth", "reason": reason, "since": now.isoformat(), "post_id": post_id}
    with store.begin() as conn:
        if conn.execute(sa.select(sync_t.c.key).where(sync_t.c.key == key)).first() is not None:
            return False
        conn.execute(sa.insert(sync_t).values(key=key, value=value))
    return True


def clear_needs_reauth(store: Store, account: str) -> bool:
    """Remove the account's flag (after `publisher auth`); True if it was set."""
    with store.begin() as conn:
        return conn.execute(sa.delete(sync_t).where(sync_t.c.key == _AUTH_PREFIX + account)).rowcount > 0


def accounts_needing_reauth(store: Store) -> dict[str, dict[str, Any]]:
    """Flagged accounts -> what flagged them (reason, since, post_id)."""
    if store.is_sqlite:  # the queue asks at every step: on the driver connection
        return {key[len(_AUTH_PREFIX) :]: dict(value or {}) for key, value in raw_rows(store, _FLAGGED, {})}
    with store.read() as conn:
        return {r.key[len(_AUTH_PREFIX) :]: dict(r.value or {}) for r in conn.execute(_FLAGGED)}


def token_expiries(store: Store) -> dict[str, dict[str, tuple[datetime | None, dict[str, Any]]]]:
    """account -> token kind -> (expires_at, meta) of every stored token; never a token's value."""
    query = sa.select(token_t.c.account, token_t.c.kind, token_t.c.expires_at, token_t.c.meta)
    out: dict[str, dict[str, tuple[datetime | None, dict[str, Any]]]] = {}
    with store.session() as s:
        for r in s.execute(query):
            out.setdefault(r.account, {})[r.kind] = (r.expires_at, dict(r.meta or {}))
    return out
