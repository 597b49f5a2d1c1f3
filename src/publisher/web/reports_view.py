"""The Metrics page's data: the reports module's engagement charts and every report in every format."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from markupsafe import Markup

from publisher.errors import PublisherError, UsageError
from publisher.redact import redact_text
from publisher.reports import build, write
from publisher.web.state import AppState

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
# The charts are SVG the reports module drew from store figures (text escaped there); the page's CSP
# forbids inline script, so even a slipped-through attribute could not run.
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL | re.IGNORECASE)
_SAFE_NAME = re.compile(r"[^\w.\-]+")


def report_bytes(state: AppState, kind: str, fmt: str, period: str | None) -> tuple[bytes, str, str]:
    """(content, file name, media type) of one report, built from the store as `publisher report` does."""
    if kind not in KINDS:
        raise UsageError(f"unknown report {kind!r}; one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    report = build(kind, state.store, state.ws, period=period or None, lang=None, now=state.now())
    label = _SAFE_NAME.sub("_", str(getattr(getattr(report, "period", None), "label", period or "report")))
    with tempfile.TemporaryDirectory(prefix="publisher-report-") as tmp:
        path = write(report, fmt, Path(tmp) / f"{kind}.{fmt}")
        body = Path(path).read_bytes()
    return body, f"{kind}-{label}.{fmt}", MEDIA_TYPES[fmt]


def metrics(state: AppState, period: str) -> dict[str, Any]:
    """The page: the engagement report's charts for `period`, and download links for every kind and format."""
    ctx: dict[str, Any] = {
        "period": period,
        "periods": PERIODS,
        "kinds": KINDS,
        "formats": FORMATS,
        "charts": [],
        "available": True,
        "problem": None,
        "period_error": False,
    }
    try:
        html, _, _ = report_bytes(state, "engagement", "html", period)
    except PublisherError as exc:
        ctx.update(problem=redact_text(str(exc)), period_error=True)
        return ctx
    ctx["charts"] = [Markup(svg) for svg in _SVG.findall(html.decode("utf-8"))]
    return ctx
