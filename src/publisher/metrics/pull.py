"""Engagement metrics: pull them via the adapters, import creator-centre exports, append them to the store."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from publisher.adapters.base import Adapter
from publisher.content.files import file_digest
from publisher.errors import PlatformError, RateLimited, TransientError
from publisher.models import MetricSample, PostState, RemoteRef
from publisher.redact import redact_text
from publisher.store.db import Store
from publisher.store.tables import AccountMetricRow, EventRow, ItemRow, MetricRow, PostRow
from publisher.workspace.settings import Workspace

logger = logging.getLogger(__name__)
metric_t = MetricRow.__table__  # type: ignore[attr-defined]
account_t = AccountMetricRow.__table__  # type: ignore[attr-defined]
post_t = PostRow.__table__  # type: ignore[attr-defined]
event_t = EventRow.__table__  # type: ignore[attr-defined]
item_t = ItemRow.__table__  # type: ignore[attr-defined]

#: Normalised names that count as interactions (the engagement rate's numerator), platform-own ones included.
INTERACTIONS = ("likes", "comments", "shares", "favorites", "zaikan", "votes")
IMPORT_EVENT = "metrics.import"
BATCH = 50  # refs per fetch_metrics call: small enough for every platform's list limits
READ_ATTEMPTS = 3
SAMPLE_COLUMNS = ("post_id", "platform", "account", "name", "raw_name", "value", "taken_at", "age_s")

AdapterFor = Callable[
    [str, str], Adapter | None
]  # (platform, account) -> adapter, or None to skip the account
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class PullResult:
    """What one pull asked for and appended; `errors` are one redacted line per account that failed."""

    posts: int
    accounts: int
    samples: int
    account_figures: int
    errors: tuple[str, ...] = ()

    def summary(self) -> str:
        text = f"{self.samples} sample(s) for {self.posts} post(s) on {self.accounts} account(s)"
        if self.account_figures:
            text += f", {self.account_figures} account figure(s)"
        return text + (f"; {len(self.errors)} error(s): " + " | ".join(self.errors) if self.errors else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "accounts": self.accounts,
            "samples": self.samples,
            "account_figures": self.account_figures,
            "errors": list(self.errors),
        }


@dataclass(frozen=True)
class ImportResult:
    """One CSV import: rows read, rows matched to posts, samples added, and the rows no post matched."""

    rows: int
    matched: int
    samples: int
    unmatched: tuple[str, ...] = ()
    already_imported: bool = False

    def summary(self) -> str:
        if self.already_imported:
            return "this file was imported before: nothing added"
        text = f"{self.samples} sample(s) from {self.matched} of {self.rows} row(s)"
        return text + (f"; no post found for: {', '.join(self.unmatched)}" if self.unmatched else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "matched": self.matched,
            "samples": self.samples,
            "unmatched": list(self.unmatched),
            "already_imported": self.already_imported,
        }


# -- the published time of posts ------------------------------------------------------------------------


def published_at_subquery() -> sa.Subquery:
    """post_id -> when it became published: the first `-> published` transition in the audit log."""
    return (
        sa.select(event_t.c.post_id, sa.func.min(event_t.c.at).label("published_at"))
        .where(event_t.c.kind == "transition", event_t.c.message.like("% -> published%"))
        .group_by(event_t.c.post_id)
        .subquery("pub")
    )


def published_refs(store: Store, *, since: datetime | None = None) -> list[RemoteRef]:
    """Published posts (published at or after `since`) with what an adapter needs to read their numbers."""
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
    if since is not None:
        query = query.where(when >= since)
    with store.session() as s:
        rows = s.execute(query).all()
    out = []
    for r in rows:
        published = _aware(r.published_at) or r.updated_at
        if since is not None and published < since:  # coalesce compared text on SQLite; check once more
            continue
        out.append(
            RemoteRef(
                r.id, r.platform, r.account, str(r.remote_id or ""), r.url, published, dict(r.ids or {})
            )
        )
    return out


# -- appending samples ----------------------------------------------------------------------------------


def append_samples(store: Store, rows: Sequence[dict[str, Any]], *, chunk: int = 50_000) -> int:
    """Append metric rows (dicts of MetricRow columns) in large executemany batches; returns the count.

    On SQLite the rows go straight to the driver's executemany, each value converted once by its column's own
    type (so UTC datetimes become the store's fixed-width text exactly as the ORM writes them); that skips
    the per-row statement machinery, which costs more than SQLite itself. One transaction per chunk keeps the
    write lock short enough for the daemon's publishing to interleave.
    """
    if not rows:
        return 0
    if store.dialect != "sqlite":
        for start in range(0, len(rows), chunk):
            with store.begin() as conn:
                conn.execute(sa.insert(metric_t), list(rows[start : start + chunk]))
        return len(rows)
    dialect = store.engine.dialect
    to_text = _remembering(metric_t.c.taken_at.type.dialect_impl(dialect).bind_processor(dialect))
    to_float = metric_t.c.value.type.dialect_impl(dialect).bind_processor(dialect) or float
    sql = str(
        sa.insert(metric_t).values({c: sa.bindparam(c) for c in SAMPLE_COLUMNS}).compile(dialect=dialect)
    )
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
        with store.begin() as conn:
            conn.exec_driver_sql(sql, params)
    return len(rows)


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


def sample_rows(
    samples: Iterable[MetricSample], refs: dict[int, RemoteRef], account: str
) -> list[dict[str, Any]]:
    """MetricRow dicts for samples; each post sample carries the post's age at the reading."""
    rows = []
    for s in samples:
        taken = _aware(s.taken_at) or datetime.now(UTC)
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


def record_account_figures(store: Store, rows: Iterable[dict[str, Any]], ws: Workspace) -> int:
    """Keep the latest reading of each account figure per local day in `account_metric` (for growth)."""
    latest: dict[tuple[str, str, Any, str], float] = {}
    for r in sorted((r for r in rows if r["post_id"] is None), key=lambda r: r["taken_at"]):
        day = r["taken_at"].astimezone(ws.zone).date()
        latest[(r["platform"], r["account"], day, r["name"])] = r["value"]
    if not latest:
        return 0
    with store.begin() as conn:
        for (platform, account, day, name), value in latest.items():
            where = sa.and_(
                account_t.c.platform == platform,
                account_t.c.account == account,
                account_t.c.day == day,
                account_t.c.name == name,
            )
            if not conn.execute(sa.update(account_t).where(where).values(value=value)).rowcount:
                conn.execute(
                    sa.insert(account_t).values(
                        platform=platform, account=account, day=day, name=name, value=value
                    )
                )
    return len(latest)


# -- pulling --------------------------------------------------------------------------------------------


async def _read(adapter: Adapter, refs: list[RemoteRef], sleep: Sleep) -> list[MetricSample]:
    """fetch_metrics is a read: retried on transient errors (honouring a rate limit's wait), nothing else."""
    for attempt in range(1, READ_ATTEMPTS + 1):
        try:
            return await adapter.fetch_metrics(refs)
        except TransientError as exc:
            if attempt == READ_ATTEMPTS:
                raise
            wait = (
                exc.retry_after if isinstance(exc, RateLimited) and exc.retry_after else 2.0 ** (attempt - 1)
            )
            await sleep(min(float(wait), 60.0))
    return []  # pragma: no cover - the loop returns or raises


async def pull_async(
    ws: Workspace,
    store: Store,
    *,
    now: datetime,
    since: datetime | None,
    adapter_for: AdapterFor,
    accounts: bool = True,
    sleep: Sleep = asyncio.sleep,
) -> PullResult:
    """Ask each account's adapter for its published posts' numbers (with `accounts`, the account's too)."""
    refs = published_refs(store, since=since)
    groups: dict[tuple[str, str], list[RemoteRef]] = defaultdict(list)
    for ref in refs:
        groups[(ref.platform, ref.account)].append(ref)
    if accounts:
        for name, acc in ws.settings.accounts.items():
            groups.setdefault((acc.platform, name), [])
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    asked, used = 0, 0
    for (platform, account), group in sorted(groups.items()):
        try:
            adapter = adapter_for(platform, account)
        except Exception as exc:  # one account's bad config must not stop the others
            errors.append(f"{account}: {redact_text(str(exc))}")
            continue
        if adapter is None:
            continue
        used += 1
        by_id = {r.post_id: r for r in group}
        batches = [group[i : i + BATCH] for i in range(0, len(group), BATCH)] or [[]]
        for batch in batches:
            try:
                samples = await _read(adapter, batch, sleep)
            except PlatformError as exc:
                errors.append(f"{account}: {redact_text(str(exc))}")
                break
            asked += len(batch)
            rows += sample_rows(samples, by_id, account)
    append_samples(store, rows)
    figures = record_account_figures(store, rows, ws)
    result = PullResult(asked, used, len(rows), figures, tuple(errors))
    logger.info("metrics pull: %s", result.summary())
    return result


def pull(
    ws: Workspace,
    store: Store,
    *,
    now: datetime,
    since: datetime | None,
    adapter_for: AdapterFor,
    accounts: bool = True,
    sleep: Sleep = asyncio.sleep,
) -> PullResult:
    """`publisher metrics pull`: the synchronous face of `pull_async` (call it outside an event loop)."""
    return asyncio.run(
        pull_async(ws, store, now=now, since=since, adapter_for=adapter_for, accounts=accounts, sleep=sleep)
    )


def default_adapter_for(
    ws: Workspace,
    store: Store,
    *,
    now: Callable[[], datetime],
    sandbox_url: str | None = None,
    transport: Any = None,
) -> AdapterFor:
    """Adapters as the queue builds them; dry-run and assisted accounts are skipped (they have no numbers)."""
    from publisher.accounts.context import Contexts
    from publisher.adapters import get_adapter

    contexts = Contexts(ws, store, now=now, transport=transport, sandbox_url=sandbox_url)

    def make(platform: str, account: str) -> Adapter | None:
        if contexts.mode(account) in ("dry-run", "assisted"):
            return None
        return get_adapter(platform, contexts.make(platform, account))

    return make


def job_pull(ctx: Any) -> str:
    """The `metrics.pull` recurring job (args: since_days, accounts); returns the summary it notifies."""
    args = dict(ctx.job.args or {})
    since = ctx.now - timedelta(days=int(args.get("since_days", 14)))
    adapter_for = default_adapter_for(ctx.ws, ctx.store, now=lambda: datetime.now(UTC))
    result = pull(
        ctx.ws,
        ctx.store,
        now=ctx.now,
        since=since,
        adapter_for=adapter_for,
        accounts=bool(args.get("accounts", True)),
    )
    return result.summary()


# -- importing creator-centre exports -------------------------------------------------------------------


def _norm(title: str) -> str:
    return re.sub(r"\s+", "", str(title or "")).casefold()


@dataclass
class _Candidates:
    by_id: dict[str, RemoteRef] = field(default_factory=dict)
    by_title: dict[str, list[RemoteRef]] = field(default_factory=dict)


def _candidates(store: Store, platform: str, account: str) -> _Candidates:
    refs = [r for r in published_refs(store) if r.platform == platform and r.account == account]
    with store.session() as s:
        titles = dict(
            s.execute(
                sa.select(post_t.c.id, item_t.c.title)
                .select_from(post_t.join(item_t, item_t.c.id == post_t.c.item_id))
                .where(post_t.c.id.in_([r.post_id for r in refs]))
            ).all()
        )
    found = _Candidates()
    for ref in refs:
        for key in (ref.remote_id, ref.ids.get("note_id"), ref.ids.get("item_id")):
            if key:
                found.by_id[str(key)] = ref
        found.by_title.setdefault(_norm(titles.get(ref.post_id, "")), []).append(ref)
    return found


def _match(row: dict[str, Any], found: _Candidates, ws: Workspace) -> RemoteRef | None:
    if row.get("note_id") and str(row["note_id"]) in found.by_id:
        return found.by_id[str(row["note_id"])]
    same = found.by_title.get(_norm(row.get("title", "")), [])
    when = row.get("published_at")
    if when is not None and len(same) > 1:  # two posts share a title: the publish day decides
        same = [
            r for r in same if r.published_at.astimezone(ws.zone).date() == when.astimezone(ws.zone).date()
        ]
    return same[0] if len(same) == 1 else None


def import_csv(
    ws: Workspace, store: Store, path: Path, *, platform: str, account: str | None = None, now: datetime
) -> ImportResult:
    """`publisher metrics import FILE`: a creator-centre export's figures, matched to posts by id, else title.

    Idempotent: the file's SHA-256 is recorded with the samples in one transaction, so the same file again
    adds nothing.
    """
    from publisher.adapters.xiaohongshu.csv_import import parse_creator_csv

    account = account or ws.default_account(platform)
    digest = file_digest(Path(path)).hex()
    marker = f"{digest} {platform}/{account}"
    with store.session() as s:
        if s.execute(
            sa.select(event_t.c.id).where(
                event_t.c.kind == IMPORT_EVENT, event_t.c.message.startswith(marker)
            )
        ).first():
            return ImportResult(0, 0, 0, already_imported=True)
    records = parse_creator_csv(Path(path))
    found = _candidates(store, platform, account)
    rows: list[dict[str, Any]] = []
    unmatched: list[str] = []
    matched = 0
    for rec in records:
        ref = _match(rec, found, ws)
        if ref is None:
            unmatched.append(f"{rec.get('title') or '?'} (line {rec.get('line')})")
            continue
        matched += 1
        for name, value in rec["metrics"].items():
            rows.append(
                {
                    "post_id": ref.post_id,
                    "platform": platform,
                    "account": account,
                    "name": name,
                    "raw_name": rec["raw_names"].get(name, name),
                    "value": float(value),
                    "taken_at": now,
                    "age_s": (now - ref.published_at).total_seconds(),
                }
            )
    with store.begin() as conn:
        if conn.execute(
            sa.select(event_t.c.id).where(
                event_t.c.kind == IMPORT_EVENT, event_t.c.message.startswith(marker)
            )
        ).first():
            return ImportResult(0, 0, 0, already_imported=True)  # a concurrent import of the same file won
        if rows:
            conn.execute(sa.insert(metric_t), rows)
        conn.execute(
            sa.insert(event_t).values(
                post_id=None,
                at=now,
                kind=IMPORT_EVENT,
                message=f"{marker} {Path(path).name}: {len(rows)} sample(s)",
            )
        )
    return ImportResult(len(records), matched, len(rows), tuple(unmatched))


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
