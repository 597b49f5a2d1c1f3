"""`publisher metrics pull`: ask each account's adapter for its published posts' numbers and append them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from publisher.adapters.base import Adapter
from publisher.adapters.http import ClientPool, client_pool, pooled
from publisher.errors import Interrupted, PlatformError, RateLimited, TransientError
from publisher.messages import say
from publisher.metrics.samples import new_points, record_account_figures, sample_rows
from publisher.models import MetricSample, RemoteRef
from publisher.redact import redact_text
from publisher.store.db import Store
from publisher.store.metrics import append_samples, published_refs
from publisher.workspace.settings import Workspace

logger = logging.getLogger(__name__)
BATCH = 50  # refs per fetch_metrics call: small enough for every platform's list limits
READ_ATTEMPTS = 3
STOP_CHECK_S = 0.05  # how often a pull looks whether it was asked to stop (a poll interval)

AdapterFor = Callable[
    [str, str], Adapter | None
]  # (platform, account) -> adapter, or None to skip the account
Sleep = Callable[[float], Awaitable[None]]


@runtime_checkable
class HourlySeries(Protocol):
    """An adapter that also reads hourly curves (Product Hunt: the launch day's votes from their timestamps).
    Its points are dated at each hour's end; the pull stores each point once however often it reads them."""

    async def hourly_series(self, refs: list[RemoteRef]) -> list[MetricSample]: ...


@dataclass(frozen=True)
class PullResult:
    """What one pull asked for and appended; `errors` are one redacted line per account that failed."""

    posts: int
    accounts: int
    samples: int
    account_figures: int
    errors: tuple[str, ...] = ()

    def summary(self, lang: str = "en") -> str:
        text = say("cli.metrics_pulled", lang, samples=self.samples, posts=self.posts, accounts=self.accounts)
        if self.account_figures:
            text += say("cli.metrics_account_figures", lang, n=self.account_figures)
        if self.errors:
            text += say("cli.metrics_errors", lang, n=len(self.errors), errors=" | ".join(self.errors))
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "accounts": self.accounts,
            "samples": self.samples,
            "account_figures": self.account_figures,
            "errors": list(self.errors),
        }


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
    platforms: Collection[str] | None = None,
    clients: ClientPool | None = None,
) -> PullResult:
    """Ask each account's adapter for its published posts' numbers (with `accounts`, the account's too);
    `platforms` limits the pull to those platforms' accounts. `clients`: the accounts' clients kept by the
    caller from pull to pull (on this event loop), else one per account for this pull, closed at its end."""
    refs = [r for r in published_refs(store, since=since) if platforms is None or r.platform in platforms]
    groups: dict[tuple[str, str], list[RemoteRef]] = defaultdict(list)
    for ref in refs:
        groups[(ref.platform, ref.account)].append(ref)
    if accounts:
        for name, acc in ws.settings.accounts.items():
            if platforms is None or acc.platform in platforms:
                groups.setdefault((acc.platform, name), [])
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    asked, used = 0, 0
    # One client per account for all its batches (a connection kept, not one per call).
    async with _clients(clients):
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
                if batch and isinstance(adapter, HourlySeries):
                    try:
                        rows += sample_rows(await adapter.hourly_series(batch), by_id, account)
                    except PlatformError as exc:
                        errors.append(f"{account}: {redact_text(str(exc))}")
                        break
    rows = new_points(store, rows)
    append_samples(store, rows)
    figures = record_account_figures(store, rows, ws)
    result = PullResult(asked, used, len(rows), figures, tuple(errors))
    logger.info("metrics pull: %s", result.summary())
    return result


@contextlib.asynccontextmanager
async def _clients(kept: ClientPool | None) -> AsyncIterator[None]:
    """`kept`'s clients (left open), else a pool of this pull's own, closed at its end."""
    if kept is not None:
        with pooled(kept):
            yield
        return
    async with client_pool():
        yield


def pull(
    ws: Workspace,
    store: Store,
    *,
    now: datetime,
    since: datetime | None,
    adapter_for: AdapterFor,
    accounts: bool = True,
    sleep: Sleep = asyncio.sleep,
    stop: threading.Event | None = None,
    platforms: Collection[str] | None = None,
) -> PullResult:
    """`publisher metrics pull`: the synchronous face of `pull_async` (call it outside an event loop).

    `stop` (the daemon is stopping): the pull is cancelled mid-request or mid-wait and raises Interrupted;
    nothing of it is stored (samples are appended only at the end)."""
    work = pull_async(
        ws,
        store,
        now=now,
        since=since,
        adapter_for=adapter_for,
        accounts=accounts,
        sleep=sleep,
        platforms=platforms,
    )
    return asyncio.run(_unless_stopped(work, stop))


async def _unless_stopped(work: Coroutine[Any, Any, PullResult], stop: threading.Event | None) -> PullResult:
    task = asyncio.ensure_future(work)
    if stop is None:
        return await task
    while not task.done():
        if stop.is_set():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise Interrupted("the metrics pull was cancelled because the daemon is stopping")
        await asyncio.wait({task}, timeout=STOP_CHECK_S)
    return task.result()


def default_adapter_for(
    ws: Workspace,
    store: Store,
    *,
    now: Callable[[], datetime],
    sandbox_url: str | None = None,
    transport: Any = None,
    credentials: Callable[[str, str], Mapping[str, str]] | None = None,
) -> AdapterFor:
    """Adapters as the queue builds them; dry-run and assisted accounts are skipped (they have no numbers).
    `credentials` (account, platform) -> fields: as `Contexts` takes it (default: the workspace's)."""
    from publisher.accounts.context import Contexts
    from publisher.adapters import get_adapter

    contexts = Contexts(
        ws, store, now=now, transport=transport, sandbox_url=sandbox_url, credentials=credentials
    )

    def make(platform: str, account: str) -> Adapter | None:
        if contexts.mode(account) in ("dry-run", "assisted"):
            return None
        return get_adapter(platform, contexts.make(platform, account))

    return make


def job_pull(ctx: Any) -> str:
    """The `metrics.pull` recurring job (args: since_days, accounts, platforms); returns its summary."""
    args = dict(ctx.job.args or {})
    since = ctx.now - timedelta(days=int(args.get("since_days", 14)))
    # The same accounts, modes and sandbox as the daemon's queue (`run --sandbox`, rehearsals): never another
    # address than the one the posts went to.
    adapter_for = default_adapter_for(
        ctx.ws, ctx.store, now=lambda: datetime.now(UTC), sandbox_url=ctx.sandbox_url
    )
    result = pull(
        ctx.ws,
        ctx.store,
        now=ctx.now,
        since=since,
        adapter_for=adapter_for,
        accounts=bool(args.get("accounts", True)),
        stop=getattr(ctx, "stop", None),
        platforms=[str(p) for p in args["platforms"]] if args.get("platforms") else None,
    )
    return result.summary()
