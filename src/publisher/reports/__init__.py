"""Reports from the store: daily and weekly operations reports, engagement exports, health and best times.

Work layer: reads through the store and metrics; never imports the queue, the calendar, the daemon
or a face."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.errors import ConfigError
from publisher.messages import msg
from publisher.reports.besttime import BestTimeFinder, best_time, best_time_finder
from publisher.reports.build import DEFAULT_PERIOD, KINDS, build
from publisher.reports.i18n import check_lang
from publisher.reports.model import BestTime, Report
from publisher.reports.period import Period, between, parse_period
from publisher.reports.writers import FORMATS, write
from publisher.store.db import Store
from publisher.workspace.settings import Workspace

__all__ = [
    "FORMATS",
    "KINDS",
    "BestTime",
    "BestTimeFinder",
    "Period",
    "Report",
    "best_time",
    "best_time_finder",
    "between",
    "build",
    "check_lang",
    "default_out",
    "job_daily",
    "job_engagement",
    "job_weekly",
    "parse_period",
    "rehearsal_reports",
    "write",
]


def default_out(ws: Workspace, report: Report, fmt: str, pattern: str | None = None) -> Path:
    """Where a report lands: `pattern` ({date}, {week}, {month}) in the workspace, or reports/KIND/LABEL.

    A rehearsal's report lands under its own reports folder (`reports/rehearsal/`) with `rehearsal-` in
    its file name, never over a real one."""
    p = report.period
    year, week, _ = p.first.isocalendar()
    pattern = pattern or f"reports/{report.kind}/{{label}}.{fmt}"
    rel = pattern.format(
        date=p.first.isoformat(),
        week=f"{year}-W{week:02d}",
        month=p.first.strftime("%Y-%m"),
        label=report.campaign.name if report.campaign else p.label.replace("..", "_"),
        kind=report.kind,
    )
    out = (ws.root / rel).resolve()
    if ws.is_rehearsal:
        real_reports = (ws.root / "reports").resolve()
        under = out.relative_to(real_reports) if out.is_relative_to(real_reports) else Path(out.name)
        out = (ws.reports_dir / under.parent / f"rehearsal-{under.name}").resolve()
    if not out.is_relative_to(ws.root.resolve()):
        raise ConfigError(
            msg("usage.report_outside", rel=repr(rel)), path="schedules/jobs.yaml", key="args.out"
        )
    return out


def _job(kind: str, ctx: Any) -> str:
    args = dict(ctx.job.args or {})
    fmt = str(args.get("format", "md"))
    # The period follows the scheduled fire time, so a catch-up run reports the period it was meant for.
    when = getattr(ctx.period, "fires_at", None) or ctx.now
    report = build(
        kind,
        ctx.store,
        ctx.ws,
        period=args.get("period") or DEFAULT_PERIOD[kind],
        lang=args.get("lang"),
        now=when,
    )
    out = write(report, fmt, default_out(ctx.ws, report, fmt, args.get("out")))
    return f"{report.summary()} → {out.relative_to(ctx.ws.root.resolve()).as_posix()}"


def job_daily(ctx: Any) -> str:
    """The `report.daily` recurring job; returns the summary the job runner notifies."""
    return _job("daily", ctx)


def job_weekly(ctx: Any) -> str:
    """The `report.weekly` recurring job."""
    return _job("weekly", ctx)


def job_engagement(ctx: Any) -> str:
    """The `report.engagement` recurring job."""
    return _job("engagement", ctx)


def rehearsal_reports(
    ws: Workspace,
    store: Store,
    *,
    period: str | Period,
    now: datetime,
    out_dir: Path | None = None,
    lang: str | None = None,
) -> list[Path]:
    """What a rehearsal writes at its end: the rehearsal summary (演练总结: the weekly report's form over the
    whole window, md and xlsx) and the engagement export (csv, html), each titled as a rehearsal. Give the
    rehearsed window as a Period (`between(start, until, zone)`): its days are exact, so a KPI scaled by the
    period's length is judged on the days that were rehearsed."""
    out_dir = out_dir or (ws.reports_dir if ws.is_rehearsal else ws.reports_dir / "rehearsal")
    weekly = build("weekly", store, ws, period=period, lang=lang, now=now)
    engagement = build("engagement", store, ws, period=period, lang=lang, now=now)
    weekly.rehearsal = engagement.rehearsal = weekly.whole_rehearsal = True
    label = weekly.period.label.replace("..", "_")
    return [
        write(weekly, "md", out_dir / f"rehearsal-summary-{label}.md"),
        write(weekly, "xlsx", out_dir / f"rehearsal-summary-{label}.xlsx"),
        write(engagement, "csv", out_dir / f"rehearsal-engagement-{label}.csv"),
        write(engagement, "html", out_dir / f"rehearsal-engagement-{label}.html"),
    ]
