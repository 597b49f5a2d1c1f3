"""Recurring-job queries: claiming a (job, period) once across every node, and the queued posts jobs guard."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from publisher.models import PostState
from publisher.store.db import Store
from publisher.store.tables import job_run_t, post_t

#: A run neither finished nor heard of for this long was cut short by a crash: another runner may take it.
ABANDONED_AFTER = timedelta(minutes=15)


def claim_period(store: Store, job: str, period: str, *, now: datetime) -> bool:
    """Take (job, period) for this runner; False if a runner, on any node, already ran it or is running it.

    A run started more than ABANDONED_AFTER ago and never finished was cut short (a crash): it is taken
    over, so a restart never drops that period's report.
    """
    try:
        with store.begin() as conn:
            conn.execute(sa.insert(job_run_t).values(job=job, period=period, started_at=now))
    except sa.exc.IntegrityError:
        with store.begin() as conn:
            taken = conn.execute(
                sa.update(job_run_t)
                .where(
                    job_run_t.c.job == job,
                    job_run_t.c.period == period,
                    job_run_t.c.finished_at.is_(None),
                    job_run_t.c.started_at < now - ABANDONED_AFTER,
                )
                .values(started_at=now)
            )
        return taken.rowcount == 1
    return True


def reopen_unfinished(store: Store) -> int:
    """Forget runs that never finished, so their periods run again. Only for a runner that knows every other
    runner is dead (the single daemon holding the SQLite workspace lock); returns how many were reopened."""
    with store.begin() as conn:
        gone = conn.execute(sa.delete(job_run_t).where(job_run_t.c.finished_at.is_(None)))
    return gone.rowcount


def finish_period(store: Store, job: str, period: str, *, now: datetime, outcome: str) -> None:
    """Record when the run of (job, period) ended and how (cut to 500 characters)."""
    with store.begin() as conn:
        conn.execute(
            sa.update(job_run_t)
            .where(job_run_t.c.job == job, job_run_t.c.period == period)
            .values(finished_at=now, outcome=outcome[:500])
        )


def queued_due_after(store: Store, after: datetime) -> list[datetime]:
    """Due times of queued posts due after `after`, earliest first."""
    query = (
        sa.select(post_t.c.due_at)
        .where(post_t.c.state == PostState.QUEUED.value, post_t.c.due_at > after)
        .order_by(post_t.c.due_at)
    )
    with store.session() as s:
        return list(s.execute(query).scalars())


def accounts_due(store: Store, start: datetime, end: datetime) -> dict[str, str]:
    """account -> platform of every queued post due in [start, end)."""
    query = (
        sa.select(post_t.c.account, post_t.c.platform)
        .where(post_t.c.state == PostState.QUEUED.value, post_t.c.due_at >= start, post_t.c.due_at < end)
        .distinct()
    )
    with store.session() as s:
        return {r.account: r.platform for r in s.execute(query)}
