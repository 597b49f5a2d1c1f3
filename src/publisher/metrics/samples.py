"""Metric samples as the store keeps them: rows from adapters' readings, each post's age, account figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from publisher.models import MetricSample, RemoteRef
from publisher.store import metrics as metric_store
from publisher.store.db import Store
from publisher.workspace.settings import Workspace

#: A figure named with this ending is a point of an hourly curve (a launch day's votes), dated at the
#: end of its hour and computed again by later pulls: the store keeps each (post, name, hour) once.
HOURLY = "_by_hour"
#: Normalised names that count as interactions (the engagement rate's numerator), platform-own ones included.
INTERACTIONS = ("likes", "comments", "shares", "favorites", "zaikan", "votes")


def sample_rows(
    samples: Iterable[MetricSample], refs: Mapping[int, RemoteRef], account: str
) -> list[dict[str, Any]]:
    """MetricRow dicts for samples; each post sample carries the post's age at the reading."""
    rows = []
    for s in samples:
        taken = metric_store.aware(s.taken_at) or datetime.now(UTC)
        ref = refs.get(s.post_id) if s.post_id is not None else None
        if s.post_id is not None and ref is None:
            continue  # an adapter answered for a post it was not asked about: not ours to record
        age = (taken - ref.published_at).total_seconds() if ref is not None else None
        rows.append(
            {
                "post_id": s.post_id,
                "platform": s.platform,
                "account": ref.account if ref else account,
                "name": s.name,
                "raw_name": s.raw_name or s.name,
                "value": float(s.value),
                "taken_at": taken,
                "age_s": age,
            }
        )
    return rows


def account_figures(rows: Iterable[Mapping[str, Any]], ws: Workspace) -> dict[metric_store.FigureKey, float]:
    """The latest reading of each account figure (rows without a post) per local day."""
    latest: dict[metric_store.FigureKey, float] = {}
    for r in sorted((r for r in rows if r["post_id"] is None), key=lambda r: r["taken_at"]):
        day = r["taken_at"].astimezone(ws.zone).date()
        latest[(r["platform"], r["account"], day, r["name"])] = r["value"]
    return latest


def record_account_figures(store: Store, rows: Iterable[Mapping[str, Any]], ws: Workspace) -> int:
    """Keep the latest reading of each account figure per local day in `account_metric` (for growth)."""
    return metric_store.put_account_figures(store, account_figures(rows, ws))


def new_points(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` without the hourly-curve points the store already keeps (and without repeats among them)."""
    points = [r for r in rows if r["post_id"] is not None and str(r["name"]).endswith(HOURLY)]
    if not points:
        return rows
    seen = metric_store.stored_points(store, {r["post_id"] for r in points}, {r["name"] for r in points})
    out = []
    for r in rows:
        if r["post_id"] is not None and str(r["name"]).endswith(HOURLY):
            key = (r["post_id"], r["name"], metric_store.aware(r["taken_at"]))
            if key in seen:
                continue
            seen.add(key)
        out.append(r)
    return out
