"""Recurring-job queries: claiming a (job, period) once across every node, and the queued posts jobs guard."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from publisher.models import PostState
from publisher.store.claims import write_tx
from publisher.store.db import Store, raw_rows
from publisher.store.tables import job_run_t, post_t

# Built once: the daemon asks on every step (building a statement costs more than running it).
_CLAIMED = sa.select(job_run_t.c.job).where(
    job_run_t.c.job == sa.bindparam("job"), job_run_t.c.period == sa.bindparam("period")
)
_CLAIM = sa.insert(job_run_t).values(
    job=sa.bindparam("job"), period=sa.bindparam("period"), started_at=sa.bindparam("started_at")
)
_FINISH = (
    sa.update(job_run_t)
    .where(job_run_t.c.job == sa.bindparam("k_job"), job_run_t.c.period == sa.bindparam("k_period"))
    .values(finished_at=sa.bindparam("k_finished_at"), outcome=sa.bindparam("k_outcome"))
)
_QUEUED_DUE_AFTER = (
    sa.select(post_t.c.due_at)
    .where(post_t.c.state == PostState.QUEUED.value, post_t.c.due_at > sa.bindparam("after"))
    .order_by(post_t.c.due_at)
)


def claim_period(store: Store, job: str, period: str, *, now: datetime) -> bool:
    """Take (job, period) for this runner; False if a runner, on any node, already ran it or is running it.

    No clock decides that a run was abandoned (a long run is not a dead one): a run cut short by a crash
    is reopened by `reopen_unfinished`, called only by a runner that knows the last one is dead.
    """
    # The daemon asks on every step and the period is nearly always taken already: a read says so without a
    # write transaction (and a refused insert). A period taken after this read is refused by the insert.
    if _claimed(store, job, period):
        return False
    try:
        with write_tx(store) as tx:
            tx.count(_CLAIM, {"job": job, "period": period, "started_at": now})
    except sa.exc.IntegrityError:
        return False
    return True


def reopen_unfinished(store: Store) -> int:
    """Forget runs that never finished, so their periods run again; returns how many were reopened.

    Only for a runner that knows every other runner is dead: the daemon that took the SQLite workspace lock,
    or the node that took the PostgreSQL jobs leadership (the last leader's session has ended)."""
    with store.begin() as conn:
        gone = conn.execute(sa.delete(job_run_t).where(job_run_t.c.finished_at.is_(None)))
    return gone.rowcount


def _claimed(store: Store, job: str, period: str) -> bool:
    key = {"job": job, "period": period}
    if store.is_sqlite:  # asked at every step: on the driver connection
        return bool(raw_rows(store, _CLAIMED, key))
    with store.read() as conn:
        return conn.execute(_CLAIMED, key).first() is not None


def finish_period(store: Store, job: str, period: str, *, now: datetime, outcome: str) -> None:
    """Record when the run of (job, period) ended and how (cut to 500 characters)."""
    with write_tx(store) as tx:
        tx.count(
            _FINISH, {"k_job": job, "k_period": period, "k_finished_at": now, "k_outcome": outcome[:500]}
        )


def queued_due_after(store: Store, after: datetime) -> list[datetime]:
    """Due times of queued posts due after `after`, earliest first."""
    if store.is_sqlite:  # asked at every step: on the driver connection
        return [r[0] for r in raw_rows(store, _QUEUED_DUE_AFTER, {"after": after})]
    with store.read() as conn:
        return list(conn.execute(_QUEUED_DUE_AFTER, {"after": after}).scalars())


def accounts_due(store: Store, start: datetime, end: datetime) -> dict[str, str]:
    """account -> platform of every queued post due in [start, end)."""
    query = (
        sa.select(post_t.c.account, post_t.c.platform)
        .where(post_t.c.state == PostState.QUEUED.value, post_t.c.due_at >= start, post_t.c.due_at < end)
        .distinct()
    )
    with store.session() as s:
        return {r.account: r.platform for r in s.execute(query)}
