"""Recurring jobs from `schedules/jobs.yaml`: validate them, find their periods, run each once per period."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from publisher.daemon.cron import Cron, parse_cron
from publisher.errors import ConfigError, Interrupted
from publisher.messages import msg
from publisher.messages import say as words
from publisher.platforms.durations import duration as _duration
from publisher.store.db import Store
from publisher.store.jobs import claim_period, finish_period, queued_due_after
from publisher.workspace.files import read_schedule_file
from publisher.workspace.settings import Workspace

logger = logging.getLogger(__name__)
JOBS_FILE = "schedules/jobs.yaml"
ACTIONS = ("metrics.pull", "report.daily", "report.weekly", "report.engagement", "accounts.preflight")
CATCH_UP_GRACE = timedelta(minutes=5)  # catch_up: false still runs a period this soon after its fire time


@dataclass(frozen=True)
class Job:
    """One recurring job."""

    name: str
    run: str
    zone: ZoneInfo
    cron: Cron | None = None
    before_due_s: float | None = None
    merge_within_s: float = 600.0
    args: Mapping[str, Any] = field(default_factory=dict)
    notify: bool = False
    catch_up: bool = True
    enabled: bool = True
    description: str = ""


_JOB_KEYS = {
    "run",
    "cron",
    "before_due",
    "merge_within",
    "args",
    "notify",
    "catch_up",
    "enabled",
    "description",
}


def load_jobs(ws: Workspace) -> list[Job]:
    """Read `schedules/jobs.yaml` (none: no jobs). Errors name the file and the key."""
    path = ws.root / JOBS_FILE
    return parse_jobs(path, ws.settings.timezone) if path.is_file() else []


def parse_jobs(path: Path, default_zone: str) -> list[Job]:
    where = JOBS_FILE
    data, zone = read_schedule_file(path, where, {"timezone", "jobs"}, default_zone)
    raw = data.get("jobs") or {}
    if not isinstance(raw, dict):
        raise ConfigError(msg("usage.jobs_mapping"), path=where, key="jobs")
    return [_job(str(name), spec, zone, where) for name, spec in raw.items()]


def _job(name: str, spec: Any, zone: ZoneInfo, where: str) -> Job:
    key = f"jobs.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(msg("usage.mapping"), path=where, key=key)
    for k in spec:
        if k not in _JOB_KEYS:
            raise ConfigError(
                msg("usage.unknown_key", known=tuple(sorted(_JOB_KEYS))), path=where, key=f"{key}.{k}"
            )
    if spec.get("run") not in ACTIONS:
        unknown = msg("usage.unknown_job_action", action=repr(spec.get("run")), actions=tuple(ACTIONS))
        raise ConfigError(unknown, path=where, key=f"{key}.run")
    if ("cron" in spec) == ("before_due" in spec):
        raise ConfigError(msg("usage.cron_or_before"), path=where, key=key)
    for flag in ("notify", "catch_up", "enabled"):
        if flag in spec and not isinstance(spec[flag], bool):
            raise ConfigError(msg("usage.bool"), path=where, key=f"{key}.{flag}")
    args = spec.get("args") or {}
    if not isinstance(args, dict):
        raise ConfigError(msg("usage.mapping"), path=where, key=f"{key}.args")
    cron = parse_cron(spec["cron"], where=where, key=f"{key}.cron") if "cron" in spec else None
    before = (
        _duration(spec["before_due"], where=where, key=f"{key}.before_due") if "before_due" in spec else None
    )
    if "merge_within" in spec and before is None:
        raise ConfigError(msg("usage.merge_before_due"), path=where, key=f"{key}.merge_within")
    merge = _duration(spec.get("merge_within", "10m"), where=where, key=f"{key}.merge_within")
    return Job(
        name,
        spec["run"],
        zone,
        cron,
        before,
        merge,
        dict(args),
        spec.get("notify", False),
        spec.get("catch_up", True),
        spec.get("enabled", True),
        str(spec.get("description") or ""),
    )


# -- periods ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One period of a job: its key in `job_run`, when it fires, and (before_due) the due window it guards."""

    key: str
    fires_at: datetime
    window: tuple[datetime, datetime] | None = None


def due_windows(store: Store, job: Job, *, after: datetime) -> list[tuple[datetime, datetime]]:
    """Due windows of queued posts due after `after`: distinct minutes, merged when within merge_within."""
    dues = sorted({d.replace(second=0, microsecond=0) for d in queued_due_after(store, after)})
    windows: list[tuple[datetime, datetime]] = []
    merge = timedelta(seconds=job.merge_within_s)
    for d in dues:
        if windows and d - windows[-1][0] <= merge:
            windows[-1] = (windows[-1][0], d)
        else:
            windows.append((d, d))
    return windows


def current_period(store: Store, job: Job, now: datetime) -> Period | None:
    """The period that should have run by `now`, or None when nothing is due."""
    if job.cron is not None:
        fired = job.cron.last_fire(now, job.zone)
        if fired is None or (not job.catch_up and now - fired > CATCH_UP_GRACE):
            return None
        return Period(fired.astimezone(job.zone).isoformat(timespec="minutes"), fired)
    before = timedelta(seconds=job.before_due_s or 0)
    for start, end in due_windows(store, job, after=now):
        if start - before <= now:
            return Period(
                "window " + start.astimezone(job.zone).isoformat(timespec="minutes"),
                start - before,
                (start, end + timedelta(minutes=1)),
            )
        break
    return None


def next_fire(store: Store, job: Job, after: datetime) -> datetime | None:
    """When the job next needs a wake-up after `after` (for the daemon's clock)."""
    if not job.enabled:
        return None
    if job.cron is not None:
        return job.cron.next_fire(after, job.zone)
    before = timedelta(seconds=job.before_due_s or 0)
    for start, _end in due_windows(store, job, after=after):
        if start - before > after:
            return start - before
    return None


# -- running ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobContext:
    """What an action gets: the workspace, the store, the clock reading, the job and its period."""

    ws: Workspace
    store: Store
    now: datetime
    job: Job
    period: Period
    notifier: Any = None
    sandbox_url: str | None = None  # set under `run --sandbox` and `rehearse`: adapters talk to this fake
    #: set when the daemon stops: a long action gives up (raising Interrupted) and its period runs again later
    stop: threading.Event = field(default_factory=threading.Event)


Action = Callable[[JobContext], str | None]


@dataclass(frozen=True)
class JobRun:
    """One run of one job: outcome ok | failed | skipped, and a one-line, secret-free detail."""

    job: str
    period: str
    outcome: str
    detail: str = ""


def notify(
    notifier: Any,
    *,
    kind: str,
    title: str,
    reason: str,
    now: datetime,
    item: str = "",
    platform: str = "",
    account: str = "",
) -> None:
    """Send one notification through `publisher.notify.Notifier` (or any object with `.send`); never raise."""
    if notifier is None:
        return
    from publisher.notify import Notification

    try:
        notifier.send(
            Notification(
                kind=kind,
                post_id=None,
                item=item,
                platform=platform,
                account=account,
                title=title,
                when=now,
                reason=reason,
            )
        )
    except Exception:  # a broken channel must not stop the daemon; the run's outcome is still recorded
        logger.warning("notification %r could not be sent", title, exc_info=True)


def run_due_jobs(
    ws: Workspace,
    store: Store,
    jobs: list[Job],
    *,
    now: datetime,
    actions: Mapping[str, Action],
    notifier: Any = None,
    sandbox_url: str | None = None,
    stop: threading.Event | None = None,
    taken: set[tuple[str, str]] | None = None,
) -> list[JobRun]:
    """Run every enabled job whose current period is due and not yet run (by anyone).

    `stop` (the daemon is stopping): no further job starts, and an action that gives up raises Interrupted,
    which leaves its `job_run` row unfinished (reopened by the next start or leader) and ends this call.
    `taken`: the (job, period) pairs this runner already knows are taken, kept between calls (a taken period
    stays taken until `reopen_unfinished`, after which the caller empties it), so the job runner does not ask
    the store about them on every step; each pair found taken or run here is added."""
    stop = stop or threading.Event()
    runs: list[JobRun] = []
    for job in jobs:
        if stop.is_set():
            break
        if not job.enabled:
            continue
        period = current_period(store, job, now)
        if period is None or (taken is not None and (job.name, period.key) in taken):
            continue
        if not claim_period(store, job.name, period.key, now=now):
            if taken is not None:
                taken.add((job.name, period.key))
            continue
        action = actions.get(job.run)
        if action is None:
            run = JobRun(job.name, period.key, "skipped", f"{job.run} is not available in this installation")
            logger.info("job %s (%s): %s", job.name, period.key, run.detail)
        else:
            try:
                run = JobRun(
                    job.name,
                    period.key,
                    "ok",
                    action(JobContext(ws, store, now, job, period, notifier, sandbox_url, stop)) or "",
                )
            except Interrupted:
                logger.info(
                    "job %s (%s) stopped with the daemon; it runs again at the next start",
                    job.name,
                    period.key,
                )
                raise
            except Exception as exc:
                logger.warning("job %s (%s) failed", job.name, period.key, exc_info=True)
                run = JobRun(job.name, period.key, "failed", f"{type(exc).__name__}: {exc}")
                notify(
                    notifier,
                    kind="job_failed",
                    title=words("notify.job_failed", ws.settings.language, name=job.name),
                    reason=run.detail,
                    now=now,
                    item=words("notify.job_item", ws.settings.language, name=job.name, period=period.key),
                )
            else:
                # A routine result needs nobody: it goes to the log (and the job_run row), never to a person.
                logger.info("job %s (%s) done: %s", job.name, period.key, run.detail)
        finish_period(
            store, job.name, period.key, now=now, outcome=f"{run.outcome}: {run.detail}".strip(": ")
        )
        if taken is not None:
            taken.add((job.name, period.key))
        runs.append(run)
    return runs
