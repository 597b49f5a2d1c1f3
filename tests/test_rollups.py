"""Metric rollups (store.rollups) equal the aggregation of the raw samples, however the samples arrive: in
batches, late (older than what is stored), re-imported (the same instant again, with a corrected value),
through the pull path or the CSV import path; and the migration that builds them from existing samples folds
them the same way."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import examples
from support.pg import fresh_schema

from publisher.store import metrics as metric_store
from publisher.store import reports as report_store
from publisher.store import rollups
from publisher.store.db import Store, _alembic_config, open_store
from publisher.store.tables import metric_hour_t, metric_latest_t, metric_t

T0 = datetime(2027, 1, 4, 0, 0, tzinfo=UTC)
POSTS = (1, 2, 3)
NAMES = ("views", "likes")
PUBLISHED = {p: T0 + timedelta(minutes=17 * p) for p in POSTS}
DAY_S = 86400.0


def _history(store: Store) -> None:
    report_store.insert_history(
        store,
        items=[
            {
                "id": f"i{p}",
                "path": f"c/{p}.md",
                "hash": "h",
                "fields": {},
                "status": "ready",
                "synced_at": T0,
            }
            for p in POSTS
        ],
        posts=[
            {
                "id": p,
                "item_id": f"i{p}",
                "platform": "wechat" if p % 2 else "douyin",
                "account": "a",
                "state": "published",
                "ids": {},
                "due_at": PUBLISHED[p],
                "created_at": T0,
                "updated_at": T0,
            }
            for p in POSTS
        ],
    )


@pytest.fixture
def pg_urls() -> Iterator[list[str]]:
    """Two fresh PostgreSQL schemas, dropped afterwards (an unreachable server makes the test error)."""
    with fresh_schema() as first, fresh_schema() as second:
        yield [first, second]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path_factory.mktemp('rollups') / 'p.db'}")
    _history(opened)
    yield opened
    opened.close()


def _sample(post: int, name: str, minute: int, value: int) -> dict[str, Any]:
    taken = PUBLISHED[post] + timedelta(minutes=minute)
    return {
        "post_id": post,
        "platform": "wechat" if post % 2 else "douyin",
        "account": "a",
        "name": name,
        "raw_name": name,
        "value": float(value),
        "taken_at": taken,
        "age_s": (taken - PUBLISHED[post]).total_seconds(),
    }


# minutes after publishing over three days, on a coarse grid so that instants repeat (re-imports)
samples = st.builds(
    _sample,
    st.sampled_from(POSTS),
    st.sampled_from(NAMES),
    st.integers(0, 72 * 4).map(lambda q: q * 15),
    st.integers(0, 50),
)
batches = st.lists(st.lists(samples, min_size=1, max_size=12), min_size=1, max_size=6)


def _raw(store: Store) -> list[tuple[int, int, str, float, datetime, float | None]]:
    """Every stored sample (id, post, name, value, taken_at, age_s), in the order stored."""
    cols = metric_t.c
    with store.session() as s:
        rows = s.execute(
            sa.select(cols.id, cols.post_id, cols.name, cols.value, cols.taken_at, cols.age_s).order_by(
                cols.id
            )
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _expected_latest(raw: list[Any], before: datetime) -> dict[tuple[int, str], tuple[float, datetime]]:
    best: dict[tuple[int, str], tuple[tuple[datetime, int], float]] = {}
    for sid, post, name, value, taken, _age in raw:
        if taken < before and ((post, name) not in best or (taken, sid) > best[(post, name)][0]):
            best[(post, name)] = ((taken, sid), value)
    return {k: (v, order[0]) for k, (order, v) in best.items()}


def _expected_at24(raw: list[Any], before: datetime) -> dict[tuple[int, str], tuple[float, datetime]]:
    best: dict[tuple[int, str], tuple[tuple[float, datetime, int], float]] = {}
    for sid, post, name, value, taken, age in raw:
        if taken < before and age is not None and age <= DAY_S:
            order = (age, taken, sid)
            if (post, name) not in best or order > best[(post, name)][0]:
                best[(post, name)] = (order, value)
    return {k: (v, order[1]) for k, (order, v) in best.items()}


def _expected_daily(
    raw: list[Any], days: list[tuple[str, datetime]], end: datetime
) -> dict[tuple[int, str, str], float]:
    out: dict[tuple[int, str, str], float] = {}
    for _sid, post, name, value, taken, _age in raw:
        if not days[0][1] <= taken < end:
            continue
        label = [d for d, start in days if start <= taken][-1]
        key = (post, name, label)
        out[key] = max(out.get(key, value), value)
    return out


def _clear(store: Store) -> None:
    with store.begin() as conn:
        for table in (metric_hour_t, metric_latest_t, metric_t):
            conn.execute(table.delete())


BEFORES = [T0 + timedelta(hours=h) for h in (1, 5, 24, 30, 49, 80)]
DAYS = [(f"d{d}", T0 + timedelta(hours=8 + 24 * d)) for d in range(3)]  # local days of UTC+16 h, say


def _check(store: Store) -> None:
    raw = _raw(store)
    for before in BEFORES:
        assert report_store.latest(store, before=before) == _expected_latest(raw, before)
        assert report_store.latest(store, before=before, by_age=DAY_S) == _expected_at24(raw, before)
        assert report_store.latest(store, before=before, names=["likes"], post_ids=[2]) == {
            k: v for k, v in _expected_latest(raw, before).items() if k == (2, "likes")
        }
    end = T0 + timedelta(hours=80)
    assert report_store.daily_maxima(store, days=DAYS, end=end, names=NAMES) == _expected_daily(
        raw, DAYS, end
    )
    totals: dict[str, dict[str, float]] = {}
    for (post, name), (value, _) in _expected_latest(raw, T0 + timedelta(days=30)).items():
        platform = "wechat" if post % 2 else "douyin"
        totals.setdefault(platform, {})[name] = totals.get(platform, {}).get(name, 0.0) + value
    assert metric_store.latest_totals(store) == totals


@settings(
    max_examples=examples(60),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=batches, imported=st.lists(st.booleans(), min_size=6, max_size=6))
def test_rollups_equal_the_aggregation_of_the_raw_samples(
    store: Store, batches: list[list[dict[str, Any]]], imported: list[bool]
) -> None:
    _clear(store)
    for n, (batch, by_import) in enumerate(zip(batches, imported, strict=False)):
        if by_import:  # a creator-centre export: its own transaction and event
            assert metric_store.record_import(
                store, batch, marker=f"m{n}-{id(batch)}", kind="import", message="csv", now=T0
            )
        else:
            metric_store.append_samples(store, batch, chunk=5)
        _check(store)


def test_a_late_sample_and_a_reimported_correction(store: Store) -> None:
    _clear(store)
    metric_store.append_samples(store, [_sample(1, "views", 60, 10), _sample(1, "views", 120, 20)])
    metric_store.append_samples(store, [_sample(1, "views", 90, 99)])  # late: older than the newest
    before = T0 + timedelta(hours=5)
    assert report_store.latest(store, before=before)[(1, "views")][0] == 20.0
    metric_store.append_samples(store, [_sample(1, "views", 120, 25)])  # the same instant again, corrected
    assert report_store.latest(store, before=before)[(1, "views")][0] == 25.0
    days = [("d", T0)]
    assert report_store.daily_maxima(store, days=days, end=before, names=["views"]) == {
        (1, "views", "d"): 99.0
    }
    _check(store)


def test_reads_between_whole_hours_use_the_samples(store: Store) -> None:
    _clear(store)
    metric_store.append_samples(store, [_sample(1, "views", 60, 10), _sample(1, "views", 75, 20)])
    half = PUBLISHED[1] + timedelta(minutes=70)  # not a whole hour: the rollups cannot say
    assert not rollups.on_the_hour(half)
    assert report_store.latest(store, before=half)[(1, "views")][0] == 10.0


def test_the_migration_folds_existing_samples_as_ingest_does(tmp_path: Path) -> None:
    _migration_folds_as_ingest(f"sqlite:///{tmp_path / 'old.db'}", f"sqlite:///{tmp_path / 'new.db'}")


@pytest.mark.postgres
def test_the_migration_and_ingest_on_postgresql(pg_urls: list[str]) -> None:
    _migration_folds_as_ingest(*pg_urls)
    store = open_store(pg_urls[1])
    _clear(store)
    rng = random.Random(7)
    for n in range(8):
        batch = [
            _sample(rng.choice(POSTS), rng.choice(NAMES), rng.randrange(0, 72 * 4) * 15, rng.randrange(50))
            for _ in range(rng.randrange(1, 40))
        ]
        if n % 2:
            metric_store.record_import(store, batch, marker=f"m{n}", kind="import", message="csv", now=T0)
        else:
            metric_store.append_samples(store, batch, chunk=7)
        _check(store)
    store.close()


def _migration_folds_as_ingest(url: str, new_url: str) -> None:
    rows = [_sample(p, n, m, (p * m * 7) % 31) for p in POSTS for n in NAMES for m in range(0, 3000, 45)]
    rows += [_sample(1, "views", 600, 3), _sample(2, "likes", 45, 1)]  # a late one and a re-import

    new = open_store(new_url)
    _history(new)
    metric_store.append_samples(new, rows, chunk=50)

    old = open_store(url, migrate=False)
    config = _alembic_config()
    with old.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
    _history(old)
    with old.begin() as conn:  # samples stored before the rollups existed
        conn.execute(sa.insert(metric_t), rows)
    with old.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")

    for table in (metric_hour_t, metric_latest_t):
        with old.session() as a, new.session() as b:
            order = list(table.primary_key.columns)
            assert (
                a.execute(sa.select(table).order_by(*order)).all()
                == b.execute(sa.select(table).order_by(*order)).all()
            )
    old.close()
    new.close()
