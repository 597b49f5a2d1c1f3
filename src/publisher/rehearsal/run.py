"""`publisher rehearse`: play the calendar through the real daemon, queue and adapters against the sandbox,
on a virtual clock and a throw-away store, and write the timeline (what went out when, what failed, why)."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import gc
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from publisher import reports
from publisher.adapters import spec_for
from publisher.adapters.http import ClientPool
from publisher.daemon.actions import default_actions
from publisher.daemon.jobs import Action, Job, JobContext, JobRun
from publisher.daemon.service import Daemon, DaemonSettings, QueueLike, real_queue
from publisher.messages import msg, reason, say, state_name
from publisher.metrics import pull as metrics
from publisher.redact import redact_text
from publisher.rehearsal.prefetch import MediaPrefetch
from publisher.rehearsal.superseded import remove_old_summaries
from publisher.reports.writers import load_openpyxl
from publisher.store.db import Store, open_store
from publisher.store.metrics import latest_totals
from publisher.store.reports import post_urls, state_counts
from publisher.store.revision import MIGRATIONS
from publisher.workspace.credentials import env_var, fields_of, load_credentials
from publisher.workspace.settings import AccountSettings, Workspace

logger = logging.getLogger(__name__)
T = TypeVar("T")
REHEARSAL_DB = "rehearsal.db"
EMPTY_PREFIX = "empty-store-"  # the migrated empty store each rehearsal starts from a copy of
#: every file a rehearsal writes under reports/rehearsal/ starts with this (never mistaken for a real one)
PREFIX = "rehearsal-"
MAX_STEPS = 50_000
#: The in-process sandbox's address: the discard port, where nothing listens, so a request that would leave
#: through a socket instead of the in-process transport fails at once rather than reaching anything.
NO_SOCKET = "http://127.0.0.1:9"
#: told the virtual clock after every step (the CLI's progress bar)
Progress = Callable[[datetime], None]


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to one post at one virtual instant."""

    at: datetime
    platform: str
    account: str
    item: str
    state: str
    reason: str = ""
    url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "at": self.at.isoformat()}

    def reason_text(self, lang: str) -> str:
        """The reason in the reader's language (the timeline keeps the queue's English, as the store does)."""
        return reason(self.reason, lang) if self.reason else ""


@dataclass
class RehearsalResult:
    """The rehearsal's timeline, final post states, recurring job runs, metrics grown, files written."""

    start: datetime
    until: datetime
    timeline: list[TimelineEntry] = field(default_factory=list)
    final_states: dict[str, int] = field(default_factory=dict)
    jobs: list[JobRun] = field(default_factory=list)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # platform -> metric -> latest total
    files: list[Path] = field(default_factory=list)
    #: files an older rehearsal wrote under names no longer used (rehearsal-weekly-*), removed (superseded)
    removed: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # steps that raised (redacted messages)
    steps: int = 0
    elapsed_s: float = 0.0

    @property
    def published(self) -> int:
        return self.final_states.get("published", 0)

    def summary(self, lang: str = "en") -> str:
        """One line: the window, the time it took, the posts by state, the job runs (in `lang`)."""
        sep = "，" if lang == "zh" else ", "
        states = sep.join(f"{state_name(k, lang)} {v}" for k, v in sorted(self.final_states.items()))
        line = say(
            "rehearse.summary",
            lang,
            start=f"{self.start:%Y-%m-%d %H:%M}",
            until=f"{self.until:%Y-%m-%d %H:%M}",
            elapsed=f"{self.elapsed_s:.1f}",
            steps=self.steps,
            states=states or say("rehearse.no_posts", lang),
            jobs=len(self.jobs),
        )
        return line + (say("rehearse.failed_steps", lang, n=len(self.errors)) if self.errors else "")


def rehearsal_workspace(ws: Workspace) -> Workspace:
    """The same workspace with every account in sandbox mode and fake credentials, in memory only.

    The sandbox trusts the first secret it sees; real credentials are never used (nor read) in a rehearsal.
    """
    settings = copy.deepcopy(ws.settings)
    for name in ws.rules:
        if not any(a.platform == name for a in settings.accounts.values()):
            settings.accounts.setdefault(name, AccountSettings(platform=name))
    env = {k: v for k, v in ws.env.items() if not k.startswith("PUBLISHER_")}
    env.update(
        PUBLISHER_NO_KEYRING="1", PUBLISHER_CREDENTIALS_FILE=str(ws.state_dir / "rehearsal-no-such-file")
    )
    for name, account in settings.accounts.items():
        account.mode = "sandbox"
        spec = spec_for(account.platform)
        for key in fields_of(account.platform):
            # Some values have a shape the sandbox checks, as the real API does
            # (a WeChat app id starts "wx").
            shape = spec.credential_prefixes.get(key, "") if spec else ""
            env[env_var(name, key)] = shape + f"rehearsal-{name}-{key}"
    rehearsal = RehearsalWorkspace(root=ws.root, settings=settings, env=env)
    # Platform rules and word lists come from the folder alone (never the settings): read once, shared.
    for derived in ("rules", "compliance"):
        if derived in vars(ws):
            vars(rehearsal)[derived] = vars(ws)[derived]
    return rehearsal


@dataclasses.dataclass
class RehearsalWorkspace(Workspace):
    """The workspace as a rehearsal sees it: store, packs, previews and records under `.publisher/rehearsal/`,
    reports under `reports/rehearsal/`, never beside the real ones; the media cache (content-addressed) is
    shared, so nothing is processed twice."""

    @property
    def state_dir(self) -> Path:
        return self.root / ".publisher" / "rehearsal"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports" / "rehearsal"

    @property
    def is_rehearsal(self) -> bool:
        return True

    @property
    def database_url(self) -> str:
        return f"sqlite:///{rehearsal_db(self)}"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".publisher" / "cache"


def prepare() -> None:
    """Call while this is the process's only thread (before a progress bar or the sandbox starts one): loads
    the spreadsheet writer the rehearsal's last step uses without numpy, which it would otherwise import
    beside the other threads (numpy costs more to import than the whole final report).

    Then moves what the process holds so far (its modules, the libraries' tables and classes, some 100,000
    objects) to the collector's permanent generation: it lives as long as the process, and each full
    collection during the rehearsal walked all of it again (0.15 s of a 4 s rehearsal). Frozen objects are
    still freed by their reference counts."""
    load_openpyxl()
    gc.freeze()


def rehearsal_db(ws: Workspace) -> Path:
    """The rehearsal's own SQLite store: `.publisher/rehearsal/rehearsal.db`, whatever the real store is."""
    return ws.root / ".publisher" / "rehearsal" / REHEARSAL_DB


def open_rehearsal(ws: Workspace) -> tuple[Workspace, Store]:
    """The last rehearsal's workspace view and store (`publisher report --rehearsal`), or a UsageError."""
    from publisher.errors import UsageError

    db = rehearsal_db(ws)
    if not db.is_file():
        raise UsageError(msg("usage.no_rehearsal"))
    return rehearsal_workspace(ws), open_store(f"sqlite:///{db}")


def _fresh_store(ws: Workspace) -> Store:
    db = rehearsal_db(ws)
    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(_empty_store(db.parent), db)
    # Thrown away by the next rehearsal: its commits need not reach the disk (the real store's always do).
    return open_store(f"sqlite:///{db}", durable=False)


def _empty_store(folder: Path) -> Path:
    """An empty store at the schema's head, made once per set of migrations and copied by every rehearsal:
    running the migrations (and loading the migration tool) costs more than a whole rehearsal step."""
    versions = sorted((MIGRATIONS / "versions").glob("*.py"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in versions)).hexdigest()[:16]
    template = folder / f"{EMPTY_PREFIX}{digest}.db"
    if template.is_file():
        return template
    for old in folder.glob(f"{EMPTY_PREFIX}*"):
        old.unlink(missing_ok=True)
    building = folder / f"{EMPTY_PREFIX}{digest}.{os.getpid()}.tmp"
    open_store(f"sqlite:///{building}", durable=False).close()  # the last connection folds the WAL in
    building.replace(template)  # whole or absent, whoever else builds it at the same time
    return template


class PullLoop:
    """The event loop the rehearsal's metrics pulls run on, one after another, and the accounts' clients they
    keep from pull to pull (as the queue keeps its own from run to run): a new loop and a client per account
    for each of some 170 pulls cost more than the pulls' own bookkeeping. Pulls run in the jobs thread (the
    daemon's `asyncio.to_thread`), never two at once; `close` from outside any running loop."""

    def __init__(self) -> None:
        self._runner: asyncio.Runner | None = None
        self._clients: ClientPool | None = None

    def run(self, work: Callable[[ClientPool], Coroutine[Any, Any, T]]) -> T:
        """`work(clients)` to its end on the pulls' loop."""

        async def on_loop() -> T:
            clients = self._clients
            if clients is None or not clients.fits():
                clients = self._clients = ClientPool()
                await clients.bind()  # closed with the loop, if `close` does not come first
            return await work(clients)

        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(on_loop())

    def close(self) -> None:
        """Close the clients, then the loop."""
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.close()  # its async generators' shutdown closes the clients on their loop


def _metrics_action(
    clock: VirtualClock, transport: httpx.AsyncBaseTransport | None = None, loop: PullLoop | None = None
) -> Action:
    """metrics.pull on the virtual clock, from the rehearsal's sandbox (through `transport` when given:
    the in-process sandbox app called directly, the same requests without a socket); on `loop` when given
    (else each pull on a loop of its own, as `publisher metrics pull` runs)."""

    # The rehearsal's credentials are made up once (rehearsal_workspace) and never change: read once, not on
    # every pull of every account.
    known: dict[tuple[str, str], Mapping[str, str]] = {}

    def pull(ctx: JobContext) -> str:
        def credentials(account: str, platform: str) -> Mapping[str, str]:
            if (account, platform) not in known:
                known[account, platform] = load_credentials(
                    account, platform, env=ctx.ws.env, workspace=ctx.ws.root
                )
            return known[account, platform]

        since = ctx.now - timedelta(days=int(ctx.job.args.get("since_days", 14)))
        adapter_for = metrics.default_adapter_for(
            ctx.ws,
            ctx.store,
            now=clock,
            sandbox_url=ctx.sandbox_url,
            transport=transport,
            credentials=credentials,
        )
        accounts = bool(ctx.job.args.get("accounts", True))
        if loop is None:
            result = metrics.pull(
                ctx.ws, ctx.store, now=ctx.now, since=since, adapter_for=adapter_for, accounts=accounts
            )
        else:
            result = loop.run(
                lambda clients: metrics.pull_async(
                    ctx.ws,
                    ctx.store,
                    now=ctx.now,
                    since=since,
                    adapter_for=adapter_for,
                    accounts=accounts,
                    clients=clients,
                )
            )
        return str(result.summary())

    return pull


class VirtualClock:
    """The rehearsal's now(); only the rehearsal loop moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def rehearse(
    ws: Workspace,
    *,
    start: datetime,
    until: datetime,
    out_dir: Path | None = None,
    seed: int = 0,
    actions: Mapping[str, Action] | None = None,
    sandbox_url: str | None = None,
    progress: Progress | None = None,
    prefetch: bool = True,
) -> RehearsalResult:
    """Play [start, until] against a sandbox (a fresh in-process one unless `sandbox_url` is given);
    `progress` hears the virtual clock after every step. `prefetch`: process the posts' pictures ahead, on a
    thread of their own (the outcome is the same either way)."""
    if until <= start:
        raise ValueError("--until must be after --from")
    own = out_dir is None  # the rehearsal's own folder: its superseded files are removed there, nowhere else
    out_dir = out_dir or ws.reports_dir / "rehearsal"
    if sandbox_url:
        return asyncio.run(
            _rehearse(ws, start, until, out_dir, sandbox_url, actions, progress, tidy=own, prefetch=prefetch)
        )
    from publisher.sandbox import create_app
    from publisher.sandbox.inprocess import InProcessTransport

    # Every request (the queue's, the metrics pulls', the accounts' set-up and OAuth grants) goes to the app
    # in-process: the same requests, answers and refusals without a server, a socket, an HTTP parser and a
    # thread hop on each side.
    app = create_app(seed=seed, now=start)
    transport = InProcessTransport(app)
    return asyncio.run(
        _rehearse(
            ws,
            start,
            until,
            out_dir,
            NO_SOCKET,
            actions,
            progress,
            transport,
            app.state.world,
            tidy=own,
            prefetch=prefetch,
        )
    )


def _one_lane_queue(ws: Workspace, store: Store, **kw: Any) -> QueueLike:
    """The real queue, sending one post at a time: the same seed plays the same timeline (side-by-side
    accounts would make the order of the sandbox's minted ids depend on timing)."""
    return real_queue(ws, store, lanes=1, **kw)


async def _rehearse(
    ws: Workspace,
    start: datetime,
    until: datetime,
    out_dir: Path,
    base: str,
    actions: Mapping[str, Action] | None,
    progress: Progress | None = None,
    in_process: httpx.AsyncBaseTransport | None = None,
    world: Any = None,
    *,
    tidy: bool = False,
    prefetch: bool = True,
) -> RehearsalResult:
    """`in_process`: the sandbox app called directly, for the queue's requests and the rehearsal's own;
    `world`: its state (`sandbox.core.World`), whose clock is then set directly, as its /__fake/clock route
    would set it, without a request per step. `tidy`: `out_dir` is the rehearsal's own folder, where the
    files older rehearsals wrote under names no longer used are removed (rehearsal.superseded). `prefetch`:
    the posts' pictures are processed ahead on a thread of their own (`MediaPrefetch`), stopped at the end."""
    began = time.monotonic()
    began_at = time.time()  # files written before this instant are an earlier rehearsal's
    rws = rehearsal_workspace(ws)
    media = MediaPrefetch(rws, until.astimezone(UTC)).start() if prefetch else None
    try:
        return await _play(
            ws, rws, start, until, out_dir, base, actions, progress, in_process, world, tidy, began, began_at
        )
    finally:
        if media is not None:
            media.close()


async def _play(
    ws: Workspace,
    rws: Workspace,
    start: datetime,
    until: datetime,
    out_dir: Path,
    base: str,
    actions: Mapping[str, Action] | None,
    progress: Progress | None,
    in_process: httpx.AsyncBaseTransport | None,
    world: Any,
    tidy: bool,
    began: float,
    began_at: float,
) -> RehearsalResult:
    """The rehearsal itself (`_rehearse`'s arguments; `rws`: its workspace view)."""
    clock = VirtualClock(start.astimezone(UTC))
    store = _fresh_store(ws)
    pulls = PullLoop()
    if actions is None:
        actions = {**default_actions(), "metrics.pull": _metrics_action(clock, in_process, pulls)}
    daemon = Daemon(
        rws,
        store=store,
        owner="rehearsal",
        clock=clock,
        sandbox_url=base,
        actions=actions,
        single=False,
        settings=DaemonSettings(lease_s=300),
        queue_factory=_one_lane_queue,
        transport=in_process,
    )
    result = RehearsalResult(start=clock.now, until=until.astimezone(UTC))
    try:
        async with httpx.AsyncClient(timeout=10, transport=in_process) as client:
            await _set_sandbox_clock(client, base, clock.now, world)
            await _set_up_accounts(client, rws, base)
            await _authorize_oauth_accounts(client, rws, store, base, clock)
            daemon.start()
            while clock.now <= result.until and result.steps < MAX_STEPS:
                result.steps += 1
                try:
                    tick = await daemon.tick()
                except Exception as exc:  # a bug or a missing adapter shows in the timeline; the play goes on
                    logger.warning("rehearsal step at %s failed", clock.now, exc_info=True)
                    result.errors.append(redact_text(f"{clock.now.isoformat()}: {type(exc).__name__}: {exc}"))
                else:
                    result.jobs += tick.jobs
                    result.timeline += _entries(store, clock.now, tick.outcomes)
                if progress is not None:
                    progress(clock.now)
                step_to = _next_step(clock.now, daemon.next_wake(), daemon.jobs)
                if step_to is None or step_to > result.until:
                    break
                clock.now = step_to
                await _set_sandbox_clock(client, base, clock.now, world)
        result.final_states = state_counts(store)
        result.metrics = latest_totals(store)
        result.elapsed_s = time.monotonic() - began
        result.files = write_outputs(result, out_dir, ws.settings.language)
        result.files += _reports(rws, store, out_dir, clock.now, result.start, result.until)
        if tidy:
            jobs = [(j.run, j.args) for j in daemon.jobs]
            result.removed = remove_old_summaries(out_dir, began_at=began_at, jobs=jobs)
    finally:
        await asyncio.to_thread(pulls.close)  # its loop is not this one, which is running
        daemon.close()
        store.close()
    result.elapsed_s = time.monotonic() - began
    return result


async def _set_up_accounts(client: httpx.AsyncClient, ws: Workspace, base: str) -> None:
    """Set each platform's fake up as a person sets the real account up (WeChat: the IP whitelist starts
    empty and gets the address the first refusal names)."""
    for name, account in ws.settings.accounts.items():
        spec = spec_for(account.platform)
        if spec is None or spec.sandbox_setup is None:
            continue
        prefix = ws.rules[account.platform].extra.get("sandbox_prefix", f"/{account.platform}")
        creds = {f: ws.env[env_var(name, f)] for f in fields_of(account.platform)}
        await spec.sandbox_setup(client, base, str(prefix), creds)


async def _authorize_oauth_accounts(
    client: httpx.AsyncClient, ws: Workspace, store: Store, base: str, clock: VirtualClock
) -> None:
    """Accounts whose API needs a user's OAuth grant get one from the sandbox,
    as a person would in the app."""
    from publisher.store.tokens import StoreTokenCache

    for name, account in ws.settings.accounts.items():
        spec = spec_for(account.platform)
        grant = spec.sandbox_grant if spec else None
        if grant is None:
            continue
        prefix = ws.rules[account.platform].extra.get("sandbox_prefix", f"/{account.platform}")
        creds = {f: ws.env[env_var(name, f)] for f in fields_of(account.platform)}
        await grant(client, f"{base}{prefix}", creds, StoreTokenCache(store), name, clock)


def _next_step(now: datetime, wake: datetime | None, jobs: Iterable[Job]) -> datetime | None:
    """The next moment something is due, at least one second on: the daemon's own wake-up (a post, a
    retry, a poll, a lease, a before-due window) or a recurring job's next run by its cron. The clock
    jumps there: no step is spent on an instant when nothing is due. None when nothing ever is."""
    times = [wake] + [j.cron.next_fire(now, j.zone) for j in jobs if j.enabled and j.cron is not None]
    found = [t for t in times if t is not None]
    return max(min(found), now + timedelta(seconds=1)) if found else None


async def _set_sandbox_clock(client: httpx.AsyncClient, base: str, now: datetime, world: Any = None) -> None:
    if world is not None:  # on this loop, as the route would run: its clock, then every platform catches up
        world.set_now(now)
        world.settle()
        return
    response = await client.post(f"{base}/__fake/clock", json={"now": now.isoformat()})
    response.raise_for_status()


def _entries(store: Store, at: datetime, outcomes: list[Any]) -> list[TimelineEntry]:
    if not outcomes:
        return []
    urls = post_urls(store, [o.post_id for o in outcomes])
    return [
        TimelineEntry(at, o.platform, o.account, o.item, o.state, o.reason, urls.get(o.post_id) or "")
        for o in outcomes
    ]


def changes(timeline: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    """The timeline as people read it: a post's entry that changes nothing since its previous one (a poll of
    a submitted post still waiting, 15 s after the submit) is left out; --json and the .json keep them all."""
    last: dict[tuple[str, str, str], tuple[str, str]] = {}
    kept: list[TimelineEntry] = []
    for e in timeline:
        key, now = (e.item, e.platform, e.account), (e.state, e.reason)
        if last.get(key) != now or e.url:
            kept.append(e)
        last[key] = now
    return kept


def write_outputs(result: RehearsalResult, out_dir: Path, lang: str = "zh") -> list[Path]:
    """`rehearsal-timeline.json` (for scripts, its summary in English) and `rehearsal-timeline.md` (for
    people, in `lang`) in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "start": result.start.isoformat(),
        "until": result.until.isoformat(),
        "summary": result.summary(),
        "final_states": result.final_states,
        "metrics": result.metrics,
        "jobs": [dataclasses.asdict(j) for j in result.jobs],
        "errors": result.errors,
        "timeline": [e.to_dict() for e in result.timeline],
    }
    json_path = out_dir / f"{PREFIX}timeline.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    md_path = out_dir / f"{PREFIX}timeline.md"
    md_path.write_text(_markdown(result, lang), encoding="utf-8")
    return [md_path, json_path]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(result: RehearsalResult, lang: str) -> str:
    def row(*cells: str) -> str:
        return "| " + " | ".join(cells) + " |"

    def head(*codes: str) -> list[str]:
        return [row(*(say(f"col.{c}", lang) for c in codes)), row(*("---" for _ in codes))]

    lines = ["# 演练时间线 · Rehearsal timeline", "", result.summary(lang), ""]
    lines += head("when_utc", "platform", "account", "item", "state", "reason", "url")
    for e in changes(result.timeline):
        state = e.state if lang == "en" else state_name(e.state, lang)
        lines.append(
            row(
                f"{e.at:%Y-%m-%d %H:%M}",
                e.platform,
                e.account,
                _cell(e.item),
                state,
                _cell(e.reason_text(lang)),
                e.url,
            )
        )
    if result.metrics:
        lines += ["", f"## {say('rehearse.h_metrics', lang)}", ""] + head("platform", "metric", "total")
        for platform, figures in sorted(result.metrics.items()):
            lines += [row(platform, name, f"{value:g}") for name, value in sorted(figures.items())]
    if result.errors:
        lines += ["", f"## {say('rehearse.h_failed', lang)}", ""] + [f"- {_cell(e)}" for e in result.errors]
    if result.jobs:
        lines += ["", f"## {say('rehearse.h_jobs', lang)}", ""] + head("job", "period", "outcome", "detail")
        lines += [row(j.job, j.period, j.outcome, _cell(j.detail)) for j in result.jobs]
    return "\n".join(lines) + "\n"


def _reports(
    ws: Workspace, store: Store, out_dir: Path, now: datetime, start: datetime, until: datetime
) -> list[Path]:
    """The rehearsal summary (演练总结) and engagement export of the rehearsed period."""
    try:
        period = reports.between(start, until, ws.zone)  # [start, until): 14 days are 14, not 15
        return list(reports.rehearsal_reports(ws, store, period=period, out_dir=out_dir, now=now))
    except Exception:  # a report bug must not hide the rehearsal's own result
        logger.warning("writing the rehearsal reports failed", exc_info=True)
        return []


def first_due(ws: Workspace) -> datetime:
    """Local midnight of the day of the calendar's first scheduled post (now, when nothing is scheduled)."""
    from publisher.calendar.load import Calendar

    checked, _ = Calendar(ws).scan()
    times = [
        t.publish_at
        for c in checked
        if c.item and c.item.status == "ready"
        for t in c.item.targets
        if isinstance(t.publish_at, datetime)
    ]
    if not times:
        return datetime.now(UTC)
    local = min(times).astimezone(ws.zone).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)
