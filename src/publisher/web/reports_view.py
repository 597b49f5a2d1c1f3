"""The Metrics page's data: the reports module's engagement charts and every report in every format."""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from publisher.errors import PublisherError, UsageError
from publisher.messages import msg
from publisher.redact import redact_text
from publisher.rehearsal.run import open_rehearsal, rehearsal_db
from publisher.reports import Period, build, parse_period, write
from publisher.reports.i18n import ui
from publisher.store.db import Store
from publisher.web import charts
from publisher.web.state import AppState
from publisher.workspace.settings import Workspace

KINDS = ("engagement", "weekly", "daily")
FORMATS = ("html", "md", "csv", "xlsx", "json")
PERIODS = ("last_7_days", "this_week", "last_week", "this_month", "last_month", "today", "yesterday")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SOURCES = ("real", "rehearsal")
_SAFE_NAME = re.compile(r"[^\w.\-]+")


def source(state: AppState, data: str | None) -> tuple[Workspace, Store]:
    """The store a page reads: the real one, or with data=rehearsal the last `publisher rehearse`'s."""
    if data in (None, "", "real"):
        return state.ws, state.store
    if data != "rehearsal":
        raise UsageError(msg("usage.unknown_data", data=repr(data), sources=tuple(SOURCES)))
    return open_rehearsal(state.ws)


def report_period(state: AppState, kind: str, period: str | None) -> Period:
    """The period a report of `kind` covers: a daily report exactly one day (today unless a day is given), a
    weekly report exactly one ISO week, Monday to Sunday (this week unless given; a day names its week); the
    engagement export any period (the last 7 days unless given)."""
    zone, now = state.ws.zone, state.now()
    if kind == "daily":
        chosen = parse_period(period or "today", zone=zone, now=now)
        if chosen.kind != "day":
            raise UsageError(ui("daily_needs_day", state.lang, period=period))
        return chosen
    if kind == "weekly":
        chosen = parse_period(period or "this_week", zone=zone, now=now)
        if chosen.kind == "day":
            chosen = parse_period(iso_week(chosen.first), zone=zone, now=now)
        if chosen.kind != "week":
            raise UsageError(ui("weekly_needs_week", state.lang, period=period))
        return chosen
    return parse_period(period or "last_7_days", zone=zone, now=now)


def iso_week(day: date) -> str:
    """`2027-W01`: the ISO week `day` falls in (what an <input type=week> holds)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def report_bytes(
    state: AppState,
    kind: str,
    fmt: str,
    period: str | None,
    data: str | None = None,
    campaign: str | None = None,
) -> tuple[bytes, str, str]:
    """(content, file name, media type) of one report, built from the store as `publisher report` does,
    over the period its kind covers (`report_period`); a campaign report (kind `campaign`) covers its
    campaign's posts, whatever the period."""
    if kind not in (*KINDS, "campaign"):
        raise UsageError(msg("usage.unknown_report", kind=repr(kind), kinds=(*KINDS, "campaign")))
    if fmt not in FORMATS:
        raise UsageError(msg("usage.unknown_format", fmt=repr(fmt), fmts=tuple(FORMATS)))
    if kind == "campaign":
        if not campaign:
            raise UsageError(ui("campaign_needs_name", state.lang))
        ws, store = source(state, data)
        report = build("campaign", store, ws, lang=None, now=state.now(), campaign=campaign)
        label = _SAFE_NAME.sub("_", campaign)
    else:
        per = report_period(state, kind, period)
        ws, store = source(state, data)
        report = build(kind, store, ws, period=per, lang=None, now=state.now())
        label = _SAFE_NAME.sub("_", report.period.label)
    with tempfile.TemporaryDirectory(prefix="publisher-report-") as tmp:
        path = write(report, fmt, Path(tmp) / f"{kind}.{fmt}")
        body = Path(path).read_bytes()
    return body, f"{kind}-{label}.{fmt}", MEDIA_TYPES[fmt]


def report_days(state: AppState, period: str, day: str | None, week: str | None) -> tuple[str, str]:
    """(day, week) the page's daily and weekly reports cover: the ones chosen, else derived from the page's
    period: its day when it is one; today when it holds today (or is the last 7 days); else its last day.
    The week is the period when it is a week, else the week of that day."""
    zone, now = state.ws.zone, state.now()
    today = now.astimezone(zone).date()
    try:
        shown: Period | None = parse_period(period, zone=zone, now=now)
    except PublisherError:
        shown = None  # the page reports the bad period; the reports keep today and this week
    if not day:
        if shown is None or period == "last_7_days" or shown.first <= today <= shown.last:
            day = today.isoformat()
        else:
            day = shown.last.isoformat()
    if not week:
        if shown is not None and shown.kind == "week":
            week = shown.label
        else:
            try:
                week = iso_week(date.fromisoformat(day))
            except ValueError:
                week = iso_week(today)
    return day, week


def report_rows(state: AppState, asked: dict[str, str]) -> list[dict[str, str]]:
    """Each kind's row of the page's report table: the period its links ask for and the days it covers."""
    rows = []
    for kind in KINDS:
        query = asked[kind]
        try:
            per = report_period(state, kind, query)
            covers = per.label if per.kind == "day" else f"{per.label}（{per.first} – {per.last}）"
        except PublisherError as exc:
            covers = redact_text(exc.text(state.lang))
        rows.append({"kind": kind, "period": query, "covers": covers})
    return rows


def metrics(
    state: AppState, period: str, data: str | None = None, day: str | None = None, week: str | None = None
) -> dict[str, Any]:
    """The page: the engagement report's charts for `period`, and download links for every kind and format;
    the daily report for one day (`day`) and the weekly one for one ISO week (`week`)."""
    rehearsal = data == "rehearsal"
    day, week = report_days(state, period, day, week)
    ctx: dict[str, Any] = {
        "data": "rehearsal" if rehearsal else "real",
        "rehearsal_path": str(rehearsal_db(state.ws).relative_to(state.ws.root)),
        "rehearsal_exists": rehearsal_db(state.ws).is_file(),
        "period": period,
        "day": day,
        "week": week,
        "reports": report_rows(state, {"daily": day, "weekly": week, "engagement": period}),
        "campaigns": [
            {"name": name, "title": plan.title or name} for name, plan in state.ws.settings.campaigns.items()
        ],
        "periods": PERIODS,
        "kinds": KINDS,
        "formats": FORMATS,
        "charts": [],
        "problem": None,
        "period_error": False,
    }
    if rehearsal and not ctx["rehearsal_exists"]:
        return ctx  # the page says: run `publisher rehearse` first
    try:
        ws, store = source(state, data)
        report = build("engagement", store, ws, period=period or None, lang=state.lang, now=state.now())
    except PublisherError as exc:
        ctx.update(problem=redact_text(exc.text(state.lang)), period_error=True)
        return ctx
    ctx["charts"] = charts.specs(report.charts, state.lang)
    return ctx
