"""Metric rollups: `metric_hour` (per post, metric and UTC hour: the newest reading, the highest, the
newest at a post age of at most 24 h) and `metric_latest` (per post and metric: the newest reading), kept at
ingest by store.rollups so reports read each figure once instead of scanning the samples. Existing samples are
folded in here, in id order, by the same rules.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

Frozen copy: the fold below is this revision's own, not an import of store.rollups.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DAY_S = 86400.0
CHUNK = 50_000


def _when(name: str, *, nullable: bool = True, primary_key: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, primary_key=primary_key)


def upgrade() -> None:
    hour_t = op.create_table(
        "metric_hour",
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), primary_key=True),
        sa.Column("name", sa.String(), primary_key=True),
        _when("hour", nullable=False, primary_key=True),
        sa.Column("last_value", sa.Float(), nullable=False),
        _when("last_taken_at", nullable=False),
        sa.Column("max_value", sa.Float(), nullable=False),
        sa.Column("day1_age_s", sa.Float(), nullable=True),
        sa.Column("day1_value", sa.Float(), nullable=True),
        _when("day1_taken_at"),
    )
    op.create_index("ix_metric_hour_hour", "metric_hour", ["hour"])
    latest_t = op.create_table(
        "metric_latest",
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), primary_key=True),
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        _when("taken_at", nullable=False),
    )
    hours: dict[tuple[int, str, datetime], list[Any]] = {}
    latest: dict[tuple[int, str], list[Any]] = {}
    for post_id, name, platform, value, taken, age in _samples():
        hour = taken.replace(minute=0, second=0, microsecond=0)
        h = hours.get((post_id, name, hour))
        if h is None:
            h = hours[(post_id, name, hour)] = [value, taken, value, None, None, None]
        else:
            if taken >= h[1]:
                h[0], h[1] = value, taken
            h[2] = max(h[2], value)
        if age is not None and age <= DAY_S and (h[3] is None or (age, taken) >= (h[3], h[5])):
            h[3], h[4], h[5] = age, value, taken
        last = latest.get((post_id, name))
        if last is None or taken >= last[2]:
            latest[(post_id, name)] = [platform, value, taken]
    bind = op.get_bind()
    hour_rows = [
        {
            "post_id": p,
            "name": n,
            "hour": _out(hour),
            "last_value": h[0],
            "last_taken_at": _out(h[1]),
            "max_value": h[2],
            "day1_age_s": h[3],
            "day1_value": h[4],
            "day1_taken_at": None if h[5] is None else _out(h[5]),
        }
        for (p, n, hour), h in hours.items()
    ]
    for start in range(0, len(hour_rows), CHUNK):
        bind.execute(sa.insert(hour_t), hour_rows[start : start + CHUNK])
    latest_rows = [
        {"post_id": p, "name": n, "platform": v[0], "value": v[1], "taken_at": _out(v[2])}
        for (p, n), v in latest.items()
    ]
    for start in range(0, len(latest_rows), CHUNK):
        bind.execute(sa.insert(latest_t), latest_rows[start : start + CHUNK])


def _samples() -> Iterator[tuple[int, str, str, float, datetime, float | None]]:
    """Every sample of a post, oldest id first, with its instant as an aware UTC datetime."""
    bind = op.get_bind()
    after = 0
    query = sa.text(
        "SELECT id, post_id, name, platform, value, taken_at, age_s FROM metric "
        "WHERE post_id IS NOT NULL AND id > :after ORDER BY id LIMIT :n"
    )
    while True:
        rows = bind.execute(query, {"after": after, "n": CHUNK}).all()
        if not rows:
            return
        for _id, post_id, name, platform, value, taken, age in rows:
            yield int(post_id), str(name), str(platform), float(value), _in(taken), age
        after = rows[-1][0]


def _in(value: Any) -> datetime:
    """A stored instant (SQLite: naive UTC text; PostgreSQL: an aware datetime) as an aware UTC datetime."""
    when: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _out(value: datetime) -> Any:
    """An aware UTC datetime as the column takes it (SQLite stores naive UTC)."""
    return value.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else value


def downgrade() -> None:
    op.drop_table("metric_latest")
    op.drop_index("ix_metric_hour_hour", table_name="metric_hour")
    op.drop_table("metric_hour")
