"""Reads of attempt rows: a post's latest attempt, the evidence `status` shows, and an account's sending pace.

Attempts are written only by store.claims (start_attempt, finish_attempt, reap_expired)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields
from datetime import datetime

import sqlalchemy as sa

from publisher.store.claims import INTERRUPTED_OUTCOME
from publisher.store.db import Store
from publisher.store.tables import attempt_t, post_t
from publisher.store.views import AttemptView

_COLUMNS = [attempt_t.c[f.name] for f in fields(AttemptView)]


# Built once, run through a Core connection: the queue reads these for every post it sends or polls, and an
# ORM session plus a statement built per call cost several times what SQLite does for them.
_LAST = (
    sa.select(attempt_t.c.number, attempt_t.c.started_at, attempt_t.c.finished_at, attempt_t.c.request_hash)
    .where(attempt_t.c.post_id == sa.bindparam("pid", type_=sa.Integer))
    .order_by(attempt_t.c.number.desc())
    .limit(1)
)
_BUDGET = sa.select(
    sa.func.count(), sa.func.sum(sa.case((attempt_t.c.outcome == INTERRUPTED_OUTCOME, 1), else_=0))
).where(attempt_t.c.post_id == sa.bindparam("pid", type_=sa.Integer))


def last_attempt(store: Store, post_id: int) -> tuple[int, datetime, datetime | None, str | None] | None:
    """(number, started_at, finished_at, request_hash) of the post's latest attempt."""
    with store.read() as conn:
        row = conn.execute(_LAST, {"pid": post_id}).first()
    return None if row is None else (row.number, row.started_at, row.finished_at, row.request_hash)


def attempt_budget(store: Store, post_id: int) -> tuple[int, int]:
    """(attempts that count toward the retry limit, attempts cut short by our own worker's death) of a post.

    An attempt our process never heard the answer of because it died (outcome "interrupted", set when its
    lease is taken back) is no refusal by the platform: it is counted apart, against a much higher cap."""
    with store.read() as conn:
        total, cut_short = conn.execute(_BUDGET, {"pid": post_id}).one()
    return int(total or 0) - int(cut_short or 0), int(cut_short or 0)


def attempts_of(store: Store, post_ids: Collection[int]) -> list[AttemptView]:
    """Every attempt of the posts, by post and number."""
    query = (
        sa.select(*_COLUMNS)
        .where(attempt_t.c.post_id.in_(list(post_ids)))
        .order_by(attempt_t.c.post_id, attempt_t.c.number)
    )
    with store.session() as s:
        return [AttemptView(*r) for r in s.execute(query)]


def latest_attempts(store: Store, post_ids: Collection[int]) -> dict[int, AttemptView]:
    """post id -> its latest attempt, for the posts that have one."""
    return {a.post_id: a for a in attempts_of(store, post_ids)}


def account_pace(
    store: Store, *, platform: str, account: str, other_than: int, since: datetime, day_start: datetime
) -> tuple[int, datetime | None]:
    """(how many of the account's posts but `other_than` were attempted since `day_start`, the latest
    attempt since `since`)."""
    today = sa.case((attempt_t.c.started_at >= day_start, attempt_t.c.post_id))
    query = (
        sa.select(sa.func.count(sa.distinct(today)), sa.func.max(attempt_t.c.started_at))
        .select_from(attempt_t.join(post_t, post_t.c.id == attempt_t.c.post_id))
        .where(
            post_t.c.platform == platform,
            post_t.c.account == account,
            post_t.c.id != other_than,
            attempt_t.c.started_at >= since,
        )
    )
    with store.session() as s:
        count, last = s.execute(query).one()
    return int(count), last
