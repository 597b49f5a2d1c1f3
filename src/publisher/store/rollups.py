"""Metric rollups, kept at ingest so a report reads each figure once instead of scanning the samples.

`metric_latest` holds the newest sample of every (post, metric); `metric_hour` holds, per (post, metric, UTC
hour), the hour's newest reading, its highest, and its newest at a post age of at most 24 h. Every sample a
post gets goes through `roll_up` in the transaction that appends it, so the rollups equal an aggregation of
the raw samples at every commit, whatever order the samples arrive in (late ones, re-imported ones):

- the newest reading is the one with the latest `taken_at`; of two taken at the same instant, the one stored
  last (a re-import's correction wins, as the PostgreSQL reads of the raw samples decide);
- the highest is the maximum; the newest at age <= 24 h is the one with the greatest `age_s`, of equal ages
  the latest taken, then the one stored last.

Reads answer from the rollups when their time bounds fall on whole hours (every day boundary of a whole-hour
time zone does; the weekly report's do), and the caller reads the raw samples otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from publisher.store.db import Prepared, Store
from publisher.store.tables import metric_hour_t, metric_latest_t

DAY_S = 86400.0
Key = tuple[int, str]  # (post id, metric name)
_CHUNK = 20_000


@dataclass
class Hour:
    """One (post, metric, hour) bucket as `fold` builds it."""

    last_value: float
    last_taken_at: datetime
    max_value: float
    day1_age_s: float | None = None
    day1_value: float | None = None
    day1_taken_at: datetime | None = None


@dataclass
class Latest:
    """One (post, metric)'s newest sample as `fold` builds it."""

    platform: str
    value: float
    taken_at: datetime


def hour_of(when: datetime) -> datetime:
    """The UTC hour `when` falls in."""
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def on_the_hour(when: datetime) -> bool:
    """Whether `when` is a whole UTC hour (then the rollups answer reads bounded by it exactly)."""
    return hour_of(when) == when


def fold(
    rows: Sequence[Mapping[str, Any]],
) -> tuple[dict[tuple[int, str, datetime], Hour], dict[Key, Latest]]:
    """The rollups of `rows` (samples in the order they are stored) on their own. Samples without a post
    (account figures) have no rollup."""
    hours: dict[tuple[int, str, datetime], Hour] = {}
    latest: dict[Key, Latest] = {}
    for r in rows:
        post_id = r["post_id"]
        if post_id is None:
            continue
        name, value, taken = r["name"], float(r["value"]), r["taken_at"].astimezone(UTC)
        key = (post_id, name, taken.replace(minute=0, second=0, microsecond=0))
        h = hours.get(key)
        if h is None:
            h = hours[key] = Hour(value, taken, value)
        else:
            if taken >= h.last_taken_at:
                h.last_value, h.last_taken_at = value, taken
            if value > h.max_value:
                h.max_value = value
        age = r.get("age_s")
        if age is not None and age <= DAY_S and _older((age, taken), h.day1_age_s, h.day1_taken_at):
            h.day1_age_s, h.day1_value, h.day1_taken_at = float(age), value, taken
        last = latest.get((post_id, name))
        if last is None or taken >= last.taken_at:
            latest[(post_id, name)] = Latest(r["platform"], value, taken)
    return hours, latest


def _older(sample: tuple[float, datetime], age: float | None, taken: datetime | None) -> bool:
    """Whether a sample (age, taken_at) replaces the bucket's newest at age <= 24 h: a greater age, or the
    same age taken later or at the same instant (stored later)."""
    if age is None or taken is None:
        return True
    return sample[0] > age or (sample[0] == age and sample[1] >= taken)


def roll_up(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Fold `rows` (samples just appended on `conn`, in the order stored) into the rollups, in the same
    transaction."""
    hour_rows, latest_rows = _bucket_rows(rows)
    if conn.dialect.name == "sqlite":
        # Straight to the driver's executemany, each value through its column's own type (as Core would):
        # Core's per-call execution machinery costs more than SQLite's work for a metrics pull's few rows.
        hour_prepared, latest_prepared = _prepared_upserts(conn.dialect)
        for prepared, rows_of in ((hour_prepared, hour_rows), (latest_prepared, latest_rows)):
            if rows_of:
                conn.exec_driver_sql(prepared.sql, prepared.params_many(rows_of))
        return
    hour_sql, latest_sql = _upserts(conn.dialect.name)
    for start in range(0, len(hour_rows), _CHUNK):
        conn.execute(hour_sql, hour_rows[start : start + _CHUNK])
    for start in range(0, len(latest_rows), _CHUNK):
        conn.execute(latest_sql, latest_rows[start : start + _CHUNK])


def roll_up_sqlite(driver: Any, dialect: sa.Dialect, rows: Sequence[Mapping[str, Any]]) -> None:
    """`roll_up` on SQLite's driver connection, in its write transaction (`Store.begin_raw`)."""
    hour_rows, latest_rows = _bucket_rows(rows)
    hour_prepared, latest_prepared = _prepared_upserts(dialect)
    for prepared, rows_of in ((hour_prepared, hour_rows), (latest_prepared, latest_rows)):
        if rows_of:
            driver.executemany(prepared.sql, prepared.params_many(rows_of))


def _bucket_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of `fold(rows)` for `metric_hour` and `metric_latest`."""
    hours, latest = fold(rows)
    hour_rows = [
        {
            "post_id": p,
            "name": n,
            "hour": hour,
            "last_value": h.last_value,
            "last_taken_at": h.last_taken_at,
            "max_value": h.max_value,
            "day1_age_s": h.day1_age_s,
            "day1_value": h.day1_value,
            "day1_taken_at": h.day1_taken_at,
        }
        for (p, n, hour), h in hours.items()
    ]
    latest_rows = [
        {"post_id": p, "name": n, "platform": v.platform, "value": v.value, "taken_at": v.taken_at}
        for (p, n), v in latest.items()
    ]
    return hour_rows, latest_rows


@functools.cache
def _prepared_upserts(dialect: sa.Dialect) -> tuple[Prepared, Prepared]:
    """SQLite: both upserts with a named parameter per column, compiled once (`Prepared`)."""
    hour_sql, latest_sql = _upserts(dialect.name)
    hour = hour_sql.values({c.name: sa.bindparam(c.name) for c in metric_hour_t.c})
    latest = latest_sql.values({c.name: sa.bindparam(c.name) for c in metric_latest_t.c})
    return Prepared(hour, dialect), Prepared(latest, dialect)


@functools.cache
def _upserts(dialect: str) -> tuple[Any, Any]:
    """INSERT ... ON CONFLICT DO UPDATE for both tables: a bucket keeps whichever reading the rules prefer;
    on a tie the incoming one wins (it was stored later). Built once per dialect: building them cost more than
    running them for a metrics pull's few rows."""
    # the dialect's own INSERT, imported for the dialect in use: SQLAlchemy's PostgreSQL dialect costs a
    # process on SQLite (the daemon's, for one) about 2 MB
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]  # same shape as SQLite's
    else:
        raise NotImplementedError(f"metric rollups need SQLite or PostgreSQL, not {dialect}")
    h = insert(metric_hour_t)
    old, new = metric_hour_t.c, h.excluded
    newer = new.last_taken_at >= old.last_taken_at
    older_day1 = sa.and_(
        new.day1_age_s.is_not(None),
        sa.or_(
            old.day1_age_s.is_(None),
            new.day1_age_s > old.day1_age_s,
            sa.and_(new.day1_age_s == old.day1_age_s, new.day1_taken_at >= old.day1_taken_at),
        ),
    )
    hour_sql = h.on_conflict_do_update(
        index_elements=["post_id", "name", "hour"],
        set_={
            "last_value": sa.case((newer, new.last_value), else_=old.last_value),
            "last_taken_at": sa.case((newer, new.last_taken_at), else_=old.last_taken_at),
            "max_value": sa.case((new.max_value > old.max_value, new.max_value), else_=old.max_value),
            "day1_age_s": sa.case((older_day1, new.day1_age_s), else_=old.day1_age_s),
            "day1_value": sa.case((older_day1, new.day1_value), else_=old.day1_value),
            "day1_taken_at": sa.case((older_day1, new.day1_taken_at), else_=old.day1_taken_at),
        },
    )
    lt = insert(metric_latest_t)
    lold, lnew = metric_latest_t.c, lt.excluded
    lnewer = lnew.taken_at >= lold.taken_at
    latest_sql = lt.on_conflict_do_update(
        index_elements=["post_id", "name"],
        set_={
            "platform": sa.case((lnewer, lnew.platform), else_=lold.platform),
            "value": sa.case((lnewer, lnew.value), else_=lold.value),
            "taken_at": sa.case((lnewer, lnew.taken_at), else_=lold.taken_at),
        },
    )
    return hour_sql, latest_sql


# -- reads -------------------------------------------------------------------------------------------------


def _filters(cols: Any, names: Collection[str] | None, post_ids: Collection[int] | None) -> list[Any]:
    conds: list[Any] = []
    if names is not None:
        conds.append(cols.name.in_(sorted(names)))
    if post_ids is not None:
        conds.append(cols.post_id.in_(sorted(post_ids)))
    return conds


def latest_before(
    store: Store,
    *,
    before: datetime,
    names: Collection[str] | None = None,
    post_ids: Collection[int] | None = None,
) -> dict[Key, tuple[float, datetime]]:
    """(post, name) -> (value, taken_at) of the newest sample taken before `before`, a whole hour: from
    `metric_latest` where the newest of all is older, else from the newest bucket before it."""
    if not on_the_hour(before):
        raise ValueError("latest_before reads rollups at whole hours only")
    lc, hc = metric_latest_t.c, metric_hour_t.c
    settled = sa.select(lc.post_id, lc.name, lc.value, lc.taken_at).where(
        lc.taken_at < before, *_filters(lc, names, post_ids)
    )
    newest = (
        sa.select(hc.post_id, hc.name, sa.func.max(hc.hour).label("hour"))
        .select_from(
            metric_hour_t.join(metric_latest_t, sa.and_(lc.post_id == hc.post_id, lc.name == hc.name))
        )
        .where(lc.taken_at >= before, hc.hour < before, *_filters(hc, names, post_ids))
        .group_by(hc.post_id, hc.name)
        .subquery()
    )
    moving = sa.select(hc.post_id, hc.name, hc.last_value, hc.last_taken_at).join(
        newest, sa.and_(hc.post_id == newest.c.post_id, hc.name == newest.c.name, hc.hour == newest.c.hour)
    )
    out: dict[Key, tuple[float, datetime]] = {}
    with store.session() as s:
        for query in (settled, moving):
            for post_id, name, value, taken in s.execute(query):
                out[(post_id, name)] = (float(value), taken)
    return dict(sorted(out.items()))  # in (post, name) order, as a grouped read of the samples gives them


def latest_by_age(
    store: Store,
    *,
    before: datetime,
    max_age_s: float,
    names: Collection[str] | None = None,
    post_ids: Collection[int] | None = None,
) -> dict[Key, tuple[float, datetime]]:
    """(post, name) -> (value, taken_at) of the sample with the greatest post age, at most `max_age_s` (24 h),
    taken before `before` (a whole hour); of equal ages, the latest taken."""
    if not on_the_hour(before) or max_age_s != DAY_S:
        raise ValueError("latest_by_age reads rollups at whole hours and an age of 24 h only")
    hc = metric_hour_t.c
    conds = [hc.hour < before, hc.day1_age_s.is_not(None), *_filters(hc, names, post_ids)]
    oldest = (
        sa.select(hc.post_id, hc.name, sa.func.max(hc.day1_age_s).label("age"))
        .where(*conds)
        .group_by(hc.post_id, hc.name)
        .subquery()
    )
    query = (
        sa.select(hc.post_id, hc.name, hc.day1_value, hc.day1_taken_at)
        .join(
            oldest,
            sa.and_(hc.post_id == oldest.c.post_id, hc.name == oldest.c.name, hc.day1_age_s == oldest.c.age),
        )
        .where(*conds)
    )
    out: dict[Key, tuple[float, datetime]] = {}
    with store.session() as s:
        for post_id, name, value, taken in s.execute(query):
            seen = out.get((post_id, name))
            if seen is None or taken > seen[1]:
                out[(post_id, name)] = (float(value), taken)
    return dict(sorted(out.items()))


def daily_maxima(
    store: Store, *, days: Sequence[tuple[str, datetime]], end: datetime, names: Collection[str]
) -> dict[tuple[int, str, str], float]:
    """(post, name, day label) -> the day's highest reading, from the hour buckets; `days` (label, start)
    and `end` are whole hours."""
    if not days:
        return {}
    if not all(on_the_hour(start) for _, start in days) or not on_the_hour(end):
        raise ValueError("daily_maxima reads rollups at whole hours only")
    hc = metric_hour_t.c
    bucket: Any = sa.literal(days[0][0])
    if len(days) > 1:
        bucket = sa.case(
            *[(hc.hour < nxt[1], day[0]) for day, nxt in zip(days, days[1:], strict=False)],
            else_=days[-1][0],
        )
    query = (
        sa.select(hc.post_id, hc.name, bucket.label("d"), sa.func.max(hc.max_value))
        .where(hc.hour >= days[0][1], hc.hour < end, hc.name.in_(sorted(names)))
        .group_by(hc.post_id, hc.name, bucket)
    )
    with store.session() as s:
        return {(r[0], r[1], str(r[2])): float(r[3]) for r in s.execute(query)}


def latest_totals(store: Store) -> dict[str, dict[str, float]]:
    """Per platform and metric, the sum over posts of each post's newest sample."""
    lc = metric_latest_t.c
    query = sa.select(lc.platform, lc.name, sa.func.sum(lc.value)).group_by(lc.platform, lc.name)
    out: dict[str, dict[str, float]] = {}
    with store.session() as s:
        for platform, name, total in s.execute(query):
            out.setdefault(platform, {})[name] = float(total or 0)
    return out
