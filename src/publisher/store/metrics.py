"""Metric queries: published posts to read numbers for, appending samples, account figures, CSV import marks.

The metric table is a time series: rows are appended, never updated. Nothing outside store/ builds SQL.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, overload

import sqlalchemy as sa

from publisher.models import PostState, RemoteRef
from publisher.store import rollups
from publisher.store.db import Store, raw_rows
from publisher.store.rollups import roll_up, roll_up_sqlite
from publisher.store.tables import account_metric_t, event_t, item_t, metric_t, post_t

SAMPLE_COLUMNS = ("post_id", "platform", "account", "name", "raw_name", "value", "taken_at", "age_s")
#: (platform, account, local day, figure name) of one account figure
FigureKey = tuple[str, str, date, str]


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    """A datetime as UTC-aware (naive values are UTC); None stays None."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# -- the published time of posts ------------------------------------------------------------------------


def published_at_subquery() -> sa.Subquery:
    """post_id -> when it became published: the first `-> published` transition in the audit log."""
    return (
        sa.select(event_t.c.post_id, sa.func.min(event_t.c.at).label("published_at"))
        .where(event_t.c.kind == "transition", event_t.c.message.like("% -> published%"))
        .group_by(event_t.c.post_id)
        .subquery("pub")
    )


def _published_refs_queries() -> tuple[sa.Select[Any], sa.Select[Any]]:
    """(every published post, those published at or after :since): built once, read by every metrics pull."""
    pub = published_at_subquery()
    when = sa.func.coalesce(pub.c.published_at, post_t.c.updated_at)
    query = (
        sa.select(
            post_t.c.id,
            post_t.c.platform,
            post_t.c.account,
            post_t.c.remote_id,
            post_t.c.url,
            post_t.c.ids,
            pub.c.published_at,
            post_t.c.updated_at,
        )
        .select_from(post_t.outerjoin(pub, pub.c.post_id == post_t.c.id))
        .where(post_t.c.state == PostState.PUBLISHED.value)
        .order_by(post_t.c.id)
    )
    return query, query.where(when >= sa.bindparam("since"))


_PUBLISHED_REFS = _published_refs_queries()


def published_refs(store: Store, *, since: datetime | None = None) -> list[RemoteRef]:
    """Published posts (published at or after `since`) with what an adapter needs to read their numbers."""
    every, recent = _PUBLISHED_REFS
    query, values = (every, {}) if since is None else (recent, {"since": since})
    rows: Sequence[Sequence[Any]]
    if store.is_sqlite:  # every metrics pull asks: on the driver connection
        rows = raw_rows(store, query, values)
    else:
        with store.read() as conn:
            rows = conn.execute(query, values).all()
    out = []
    for post_id, platform, account, remote_id, url, ids, published_at, updated_at in rows:
        published = aware(published_at) or updated_at
        if since is not None and published < since:  # coalesce compared text on SQLite; check once more
            continue
        out.append(
            RemoteRef(post_id, platform, account, str(remote_id or ""), url, published, dict(ids or {}))
        )
    return out


def post_titles(store: Store, post_ids: Sequence[int]) -> dict[int, str]:
    """post id -> its item's title (posts without an item are left out)."""
    query = (
        sa.select(post_t.c.id, item_t.c.title)
        .select_from(post_t.join(item_t, item_t.c.id == post_t.c.item_id))
        .where(post_t.c.id.in_(list(post_ids)))
    )
    with store.session() as s:
        return {int(r[0]): str(r[1] or "") for r in s.execute(query)}


# -- appending samples ----------------------------------------------------------------------------------


def append_samples(store: Store, rows: Sequence[Mapping[str, Any]], *, chunk: int = 50_000) -> int:
    """Append metric rows (mappings of MetricRow columns) in large executemany batches; returns the count.

    On SQLite the rows go straight to the driver's executemany on its own connection (`Store.begin_raw`), each
    value converted once by its column's own type (so UTC datetimes become the store's fixed-width text
    exactly as the ORM writes them); that skips the per-row statement machinery, which costs more than SQLite
    itself. One transaction per chunk keeps the
    write lock short enough for the daemon's publishing to interleave.
    """
    if not rows:
        return 0
    if store.dialect != "sqlite":
        for start in range(0, len(rows), chunk):
            with store.begin() as conn:
                conn.execute(sa.insert(metric_t), [dict(r) for r in rows[start : start + chunk]])
                roll_up(conn, rows[start : start + chunk])
        return len(rows)
    dialect = store.engine.dialect
    to_text = _remembering(metric_t.c.taken_at.type.dialect_impl(dialect).bind_processor(dialect))
    to_float = metric_t.c.value.type.dialect_impl(dialect).bind_processor(dialect) or float
    sql = _insert_sql(dialect)
    for start in range(0, len(rows), chunk):
        params = [
            (
                r["post_id"],
                r["platform"],
                r["account"],
                r["name"],
                r.get("raw_name", ""),
                to_float(r["value"]),
                to_text(r["taken_at"]),
                None if r.get("age_s") is None else to_float(r["age_s"]),
            )
            for r in rows[start : start + chunk]
        ]
        with store.begin_raw() as driver:
            driver.executemany(sql, params)
            roll_up_sqlite(driver, dialect, rows[start : start + chunk])
    return len(rows)


@functools.cache
def _insert_sql(dialect: sa.Dialect) -> str:
    """The samples' INSERT for the driver's executemany, compiled once per dialect (compiling it cost more
    than a metrics pull's insert)."""
    return str(
        sa.insert(metric_t).values({c: sa.bindparam(c) for c in SAMPLE_COLUMNS}).compile(dialect=dialect)
    )


def stored_points(
    store: Store, post_ids: Collection[int], names: Collection[str]
) -> set[tuple[int, str, datetime]]:
    """(post, name, taken_at) of the samples already kept under `names`: the points of a curve dated at fixed
    marks (an hour's end), which a later pull reads again and must not append twice."""
    if not post_ids or not names:
        return set()
    query = sa.select(metric_t.c.post_id, metric_t.c.name, metric_t.c.taken_at).where(
        metric_t.c.post_id.in_(sorted(post_ids)), metric_t.c.name.in_(sorted(names))
    )
    with store.session() as s:
        return {(int(r[0]), str(r[1]), aware(r[2])) for r in s.execute(query)}


def _remembering(convert: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """The column type's converter, remembering its last answer: a pull's samples share one reading time."""
    if convert is None:
        return lambda v: v
    last: list[Any] = [object(), None]

    def run(value: Any) -> Any:
        if value != last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return run


# Built once: every metrics pull sets its account figures (building a statement costs more than running it).
_SET_FIGURE = (
    sa.update(account_metric_t)
    .where(
        account_metric_t.c.platform == sa.bindparam("k_platform"),
        account_metric_t.c.account == sa.bindparam("k_account"),
        account_metric_t.c.day == sa.bindparam("k_day"),
        account_metric_t.c.name == sa.bindparam("k_name"),
    )
    .values(value=sa.bindparam("k_value"))
)
_ADD_FIGURE = sa.insert(account_metric_t)


def put_account_figures(store: Store, figures: Mapping[FigureKey, float]) -> int:
    """Set each (platform, account, day, name) figure in `account_metric`, replacing that day's value."""
    if not figures:
        return 0
    with store.begin() as conn:
        for (platform, account, day, name), value in figures.items():
            key = {"k_platform": platform, "k_account": account, "k_day": day, "k_name": name}
            if not conn.execute(_SET_FIGURE, {**key, "k_value": value}).rowcount:
                conn.execute(
                    _ADD_FIGURE,
                    {"platform": platform, "account": account, "day": day, "name": name, "value": value},
                )
    return len(figures)


# -- imports of exported files ---------------------------------------------------------------------------


def _marked(marker: str, kind: str) -> sa.Select[Any]:
    return sa.select(event_t.c.id).where(event_t.c.kind == kind, event_t.c.message.startswith(marker))


def import_recorded(store: Store, marker: str, *, kind: str) -> bool:
    """True when an import whose event message starts with `marker` was recorded."""
    with store.session() as s:
        return s.execute(_marked(marker, kind)).first() is not None


def record_import(
    store: Store,
    rows: Sequence[Mapping[str, Any]],
    *,
    marker: str,
    kind: str,
    message: str,
    now: datetime,
) -> bool:
    """Append the samples and the import's event in one transaction; False (nothing written) when an import
    with the same `marker` was recorded meanwhile."""
    with store.begin() as conn:
        if conn.execute(_marked(marker, kind)).first() is not None:
            return False
        if rows:
            conn.execute(sa.insert(metric_t), [dict(r) for r in rows])
            roll_up(conn, rows)
        conn.execute(sa.insert(event_t).values(post_id=None, at=now, kind=kind, message=message))
    return True


def latest_totals(store: Store) -> dict[str, dict[str, float]]:
    """Per platform and metric, the sum over posts of each post's latest sample (from the rollups)."""
    return rollups.latest_totals(store)


def metric_samples(store: Store, post_ids: Collection[int]) -> list[tuple[int, str, float, datetime]]:
    """(post id, metric name, value, taken_at) of every sample of the posts, oldest first."""
    query = (
        sa.select(metric_t.c.post_id, metric_t.c.name, metric_t.c.value, metric_t.c.taken_at)
        .where(metric_t.c.post_id.in_(sorted(post_ids)))
        .order_by(metric_t.c.taken_at, metric_t.c.id)
    )
    with store.session() as s:
        return [(r.post_id, r.name, r.value, r.taken_at) for r in s.execute(query)]


def points_ending(
    store: Store, suffix: str, *, after: datetime, until: datetime
) -> list[tuple[int, str, float, datetime]]:
    """(post, name, value, taken_at) of the samples whose name ends with `suffix` (the hourly-curve points),
    taken in (after, until], oldest first."""
    query = (
        sa.select(metric_t.c.post_id, metric_t.c.name, metric_t.c.value, metric_t.c.taken_at)
        .where(
            metric_t.c.post_id.is_not(None),
            metric_t.c.name.endswith(suffix, autoescape=True),
            metric_t.c.taken_at > after,
            metric_t.c.taken_at <= until,
        )
        .order_by(metric_t.c.taken_at, metric_t.c.id)
    )
    with store.session() as s:
        return [(int(r[0]), str(r[1]), float(r[2]), aware(r[3])) for r in s.execute(query)]
