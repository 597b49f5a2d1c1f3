"""The Metrics page's data: the reports module's engagement charts and every report in every format."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from publisher.errors import PublisherError, UsageError
from publisher.redact import redact_text
from publisher.rehearsal.run import open_rehearsal, rehearsal_db
from publisher.reports import build, write
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
        raise UsageError(f"unknown data {data!r}; one of {', '.join(SOURCES)}")
    return open_rehearsal(state.ws)


def report_bytes(
    state: AppState, kind: str, fmt: str, period: str | None, data: str | None = None
) -> tuple[bytes, str, str]:
    """(content, file name, media type) of one report, built from the store as `publisher report` does."""
    if kind not in KINDS:
        raise UsageError(f"unknown report {kind!r}; one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    ws, store = source(state, data)
    report = build(kind, store, ws, period=period or None, lang=None, now=state.now())
    label = _SAFE_NAME.sub("_", str(getattr(getattr(report, "period", None), "label", period or "report")))
    with tempfile.TemporaryDirectory(prefix="publisher-report-") as tmp:
        path = write(report, fmt, Path(tmp) / f"{kind}.{fmt}")
        body = Path(path).read_bytes()
    return body, f"{kind}-{label}.{fmt}", MEDIA_TYPES[fmt]


def metrics(state: AppState, period: str, data: str | None = None) -> dict[str, Any]:
    """The page: the engagement report's charts for `period`, and download links for every kind and format."""
    rehearsal = data == "rehearsal"
    ctx: dict[str, Any] = {
        "data": "rehearsal" if rehearsal else "real",
        "rehearsal_path": str(rehearsal_db(state.ws).relative_to(state.ws.root)),
        "rehearsal_exists": rehearsal_db(state.ws).is_file(),
        "period": period,
        "periods": PERIODS,
        "kinds": KINDS,
        "formats": FORMATS,
        "charts": [],
        "available": True,
        "problem": None,
        "period_error": False,
    }
    if rehearsal and not ctx["rehearsal_exists"]:
        return ctx  # the page says: run `publisher rehearse` first
    try:
        ws, store = source(state, data)
        report = build("engagement", store, ws, period=period or None, lang=state.lang, now=state.now())
    except PublisherError as exc:
        ctx.update(problem=redact_text(str(exc)), period_error=True)
        return ctx
    ctx["charts"] = charts.specs(report.charts, state.lang)
    return ctx
