"""Write a Report as Markdown, HTML (charts drawn by the inline Apache ECharts), CSV, XLSX or JSON; formats
read the same data."""

from __future__ import annotations

import base64
import csv
import functools
import hashlib
import io
import json
import sys
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from publisher.errors import UsageError
from publisher.messages import msg
from publisher.reports import echarts
from publisher.reports.i18n import metric_name, platform_name, slot, state_name, t
from publisher.reports.model import BestTime, EngagementRow, Report
from publisher.reports.sheets import sheet_name

FORMATS = ("md", "html", "csv", "xlsx", "json")
TEMPLATES = Path(__file__).parent / "templates"


def _cell(value: Any) -> str:
    """A Markdown table cell: pipes and line breaks would break the table."""
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.2f}"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+,.0f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@functools.cache
def _env(autoescape: bool) -> jinja2.Environment:
    """One environment per escaping mode for the process: its templates are compiled once, not per report
    (a daemon or a rehearsal writes hundreds); jinja2 still reloads a template whose file changed."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cell=_cell, num=_num, pct=_pct, signed=_signed)
    return env


def report_title(report: Report) -> str:
    """The report's title; a rehearsal's says so (演练 · 运营周报, Rehearsal · Weekly operations report), and
    the summary of a whole rehearsed window is 演练总结 (Rehearsal summary): that window is not a week."""
    if report.whole_rehearsal:
        return t("rehearse.report", report.lang)
    title = t(report.kind, report.lang)
    if report.campaign is not None:
        title = f"{title}｜{report.campaign.title}"
    return f"{t('rehearsal', report.lang)} · {title}" if report.rehearsal else title


def _context(report: Report) -> dict[str, Any]:
    lang = report.lang
    return {
        "r": report,
        "lang": lang,
        "t": lambda key, **values: t(key, lang, **values),
        "pname": lambda p: platform_name(p, lang),
        "mname": lambda m, p=None: metric_name(m, lang, p),
        "sname": lambda s: state_name(s, lang),
        "slot": lambda wd, h: slot(wd, h, lang),
        "title": report_title(report),
        "h_summary": t("rehearse.h_overview" if report.whole_rehearsal else "summary", lang),
        "h_plan": t(_plan_key(report), lang),
        "top": report.engagement[:10],
    }


def _plan_key(report: Report) -> str:
    """The heading of the posts planned after the period (下周计划, or 演练之后的计划 after a rehearsal)."""
    return "rehearse.h_after" if report.whole_rehearsal else PLAN_KEY[report.kind]


def render_markdown(report: Report) -> str:
    return _env(False).get_template("report.md.j2").render(**_context(report)).rstrip() + "\n"


#: The HTML report's own script, kept constant so a page that serves the report may allow exactly it (and
#: the library) by hash (`script_hashes`) and nothing else. It draws each chart from its JSON option with
#: ECharts's SVG renderer (sharp in print), then checks itself for headless tests and for people: every
#: chart drew something, or the page says why not.
SELF_CHECK = """
(function () {
  var expected = Number(document.body.getAttribute("data-expect-charts") || "0");
  var drawn = 0;
  document.querySelectorAll(".echart[data-chart]").forEach(function (el) {
    var id = el.getAttribute("data-chart");
    var src = el.parentNode.querySelector("script.chart-option[data-for='" + id + "']");
    if (!window.echarts || !src) { return; }
    try {
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(src.textContent));
      window.addEventListener("resize", function () { chart.resize(); });
      if (el.querySelector("svg")) { drawn += 1; el.setAttribute("data-drawn", "1"); }
    } catch (err) { el.setAttribute("data-error", String(err)); }
  });
  document.body.setAttribute("data-charts", String(drawn));
  document.body.setAttribute("data-rendered", drawn === expected ? "ok" : "incomplete");
})();
"""


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


@functools.cache
def library() -> str:
    """The vendored ECharts, as the report carries it inline."""
    return echarts.LIBRARY.read_text(encoding="utf-8")


@functools.cache
def script_hashes() -> tuple[str, ...]:
    """The CSP hashes of the report's two scripts (the library, its drawing and self-check)."""
    return (_hash(library()), _hash(SELF_CHECK))


def render_html(report: Report) -> str:
    lang = report.lang
    charts = echarts.specs(report.charts, lang)
    launches = [
        echarts.ChartSpec(
            f"launch{i}",
            f"{t('launch_day', lang)} · {curve.title}",
            echarts.launch(curve, lang),
            t("none", lang),
        )
        for i, curve in enumerate(report.launches)
    ]
    shown = ([] if report.kind == "campaign" else charts) + launches
    return (
        _env(True)
        .get_template("report.html.j2")
        .render(
            **_context(report),
            charts={c.id: c for c in charts},
            launch_charts=launches,
            expect_charts=sum(1 for c in shown if c.option),
            library=Markup(library()),
            self_check=Markup(SELF_CHECK),
        )
    )


def render_json(report: Report) -> str:
    """Numbers as numbers, every timestamp ISO 8601 with its offset."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


PERCENT, COUNT, WHEN = "0.0%", "#,##0", "yyyy-mm-dd hh:mm"


@dataclass
class Table:
    """A sheet: header, typed rows (numbers stay numbers, times are datetimes) and each column's number
    format (`PERCENT` for rates); `wide` names the column that holds titles."""

    head: list[str]
    rows: list[list[Any]]
    formats: dict[int, str] = field(default_factory=dict)
    wide: int | None = None
    ratio_rows: list[bool] | None = None  # the KPI sheet: per row, target and actual are ratios or counts


def _when(at: datetime | None) -> datetime | None:
    """Local wall time without a zone: what a spreadsheet cell can hold (the sheet says the zone)."""
    return at.replace(tzinfo=None) if at is not None else None


def engagement_table(
    report: Report, rows: list[EngagementRow], names: list[str], platform: str | None
) -> Table:
    """Engagement rows with the figures `names`: a platform's own labels when `platform` is given."""
    lang = report.lang
    head = [t("platform", lang), t("account", lang), t("title", lang), t("published_at", lang)]
    head += [metric_name(n, lang, platform) for n in names]
    head += [
        t("interactions", lang),
        t("change", lang),
        t("rate", lang),
        t("views_24h", lang),
        t("taken_at", lang),
        t("link", lang),
        t("item", lang),
        "ID",
    ]
    body = [
        [platform_name(r.platform, lang), r.account, r.title, _when(r.published)]
        + [_clean(r.figures.get(n)) for n in names]
        + [
            _clean(r.interactions),
            _clean(r.interactions_change),
            _clean(r.engagement_rate),
            _clean(r.views_24h),
            _when(r.taken),
            r.url,
            r.item,
            r.post_id,
        ]
        for r in rows
    ]
    n = len(names)
    formats = {3: WHEN, 4 + n + 2: PERCENT, 4 + n + 4: WHEN}
    formats.update(
        {4 + i: COUNT for i, name in enumerate(names) if name not in ("rating", "avg_play_duration_s")}
    )
    formats.update({4 + n: COUNT, 4 + n + 1: COUNT, 4 + n + 3: COUNT})
    return Table(head, body, formats, wide=2)


def _all_names(report: Report) -> list[str]:
    """The figures of every platform's table, once each (a CSV has one header)."""
    out: list[str] = []
    for _, names, _ in report.by_platform():
        out += [n for n in names if n not in out]
    return out


def tables(report: Report) -> dict[str, Table]:
    """Every table of the report, typed: sheet name -> Table. A sheet name is its table's short title, with
    the platform's name after a · where it fits Excel's 31 characters (`sheets.sheet_name`)."""
    lang = report.lang
    out: dict[str, Table] = {}
    if report.kind not in ("engagement", "campaign"):
        out[sheet_name(t("kpi", lang), None, out)] = Table(
            t("kpi_head", lang).split(" | ") + [t("note", lang)],
            [
                [
                    k.label,
                    k.target_value,
                    k.actual_value,
                    _status(k.ok, k.status, lang),
                    k.detail,
                ]
                for k in report.kpis
            ],
            wide=0,
            ratio_rows=[k.unit == "ratio" for k in report.kpis],
        )
        post_head = [
            t("when", lang),
            t("platform", lang),
            t("account", lang),
            t("title", lang),
            t("state", lang),
            t("note", lang),
            t("link", lang),
            "ID",
        ]
        for key, lines in (("published", report.published), ("failed", report.failed), ("plan", report.plan)):
            out[sheet_name(t(key if key != "plan" else _plan_key(report), lang), None, out)] = Table(
                post_head,
                [
                    [
                        _when(p.at),
                        platform_name(p.platform, lang),
                        p.account,
                        p.title,
                        state_name(p.state, lang),
                        p.note,
                        p.url,
                        p.id,
                    ]
                    for p in lines
                ],
                {0: WHEN},
                wide=3,
            )
        out[sheet_name(t("risks", lang), None, out)] = Table(
            [t("risks", lang)], [[x] for x in report.risks], wide=0
        )
    if report.campaign is not None:
        for title, table in _campaign_tables(report).items():
            out[sheet_name(title, None, out)] = table
    for platform, names, rows in report.by_platform():
        name = sheet_name(t("engagement_sheet", lang), platform_name(platform, lang), out)
        out[name] = engagement_table(report, rows, names, platform)
    if not report.engagement:
        out[sheet_name(t("engagement_sheet", lang), None, out)] = engagement_table(report, [], [], None)
    if report.kind == "campaign":
        return out
    out[sheet_name(t("health", lang), None, out)] = Table(
        [
            t("platform", lang),
            t("account", lang),
            t("score", lang),
            t("cadence", lang),
            t("success", lang),
            t("trend_score", lang),
            t("how", lang),
        ],
        [
            [platform_name(h.platform, lang), h.account, h.score, h.cadence, h.success, h.trend, h.explain]
            for h in report.health
        ],
        {3: PERCENT, 4: PERCENT, 5: PERCENT},
        wide=6,
    )
    out[sheet_name(t("best_time", lang), None, out)] = Table(
        [
            t("platform", lang),
            t("account", lang),
            t("weekday_h", lang),
            t("hour", lang),
            t("score", lang),
            t("posts_h", lang),
            t("how", lang),
        ],
        [row for b in report.best_times for row in _best_rows(b, lang)],
        wide=6,
    )
    return out


def _best_rows(b: BestTime, lang: str) -> list[list[Any]]:
    """An account's five best slots, each with the basis; an account with no post measured at T+24 h is
    still listed, as the Markdown and HTML list it: no slot (—) and the basis that says why."""
    head = [platform_name(b.platform, lang), b.account]
    slots = [[slot(wd, hour, lang), hour, round(score, 2), n] for wd, hour, score, n in b.slots[:5]]
    return [[*head, *cells, b.basis] for cells in slots or [["—", None, None, b.posts]]]


def _campaign_tables(report: Report) -> dict[str, Table]:
    """效果追踪 (预期 beside 实际, as numbers) and 时间安排 of a campaign report."""
    lang, c = report.lang, report.campaign
    assert c is not None
    tracking = Table(
        t("c_head", lang).split(" | "),
        [[k.label, k.target_value, k.actual_value, _status(k.ok, k.status, lang)] for k in c.tracking],
        {1: COUNT, 2: COUNT},
        wide=0,
    )
    schedule = Table(
        [t("when", lang), t("platform", lang), t("account", lang), t("title", lang), t("state", lang), "ID"],
        [
            [
                _when(p.at),
                platform_name(p.platform, lang),
                p.account,
                p.title,
                state_name(p.state, lang),
                p.id,
            ]
            for p in c.schedule
        ],
        {0: WHEN},
        wide=3,
    )
    return {t("c_tracking", lang): tracking, t("c_schedule", lang): schedule}


def _status(ok: bool | None, status: str, lang: str) -> str:
    return "—" if ok is None else f"{status} {t('ok', lang) if ok else t('below', lang)}"


PLAN_KEY = {"daily": "plan_day", "weekly": "plan_week", "engagement": "plan_week", "campaign": "c_schedule"}


def _clean(value: Any) -> Any:
    """Whole numbers as integers, ratios to four places: what a spreadsheet user expects to see."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 4)
    return value


def render_csv(report: Report) -> str:
    """The report's main table: engagement rows (every platform, each figure once), or the KPI table."""
    lang = report.lang
    if report.kind == "engagement":
        table = engagement_table(report, report.engagement, _all_names(report), None)
    elif report.kind == "campaign":
        table = tables(report)[t("c_tracking", lang)]
    else:
        table = tables(report)[t("kpi", lang)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.head)
    for row in table.rows:
        writer.writerow(
            [
                "" if v is None else (v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v)
                for v in row
            ]
        )
    return buf.getvalue()


def text_width(value: Any) -> int:
    """Columns a value takes in a spreadsheet: a CJK character is two."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, float):
        return 8
    return sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(value if value is not None else "")
    )


def load_openpyxl() -> None:
    """Import openpyxl without numpy, unless something already loaded either: openpyxl imports numpy only to
    also accept numpy's number types in cells (ours are Python's), and numpy costs more to import than
    openpyxl and the whole report together. Only with no other thread running: while numpy is hidden, an
    `import numpy` anywhere fails (a math formula drawn by the daemon's queue while its job thread writes a
    report would), so a threaded process imports openpyxl as it is."""
    if "openpyxl" in sys.modules or "numpy" in sys.modules or threading.active_count() > 1:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # None in sys.modules: `import numpy` fails
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]


def write_xlsx(report: Report, out: Path) -> None:
    load_openpyxl()
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    for default in wb.worksheets:  # a new workbook comes with one empty sheet
        wb.remove(default)
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    for name, table in tables(report).items():
        sheet = wb.create_sheet(name)
        sheet.append(table.head)
        for row in table.rows:
            sheet.append(row)
        if not table.rows:  # a sheet with nothing to list says so (无 / none) rather than a bare header
            sheet.append([t("none", report.lang)])
        for cell in sheet[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(vertical="center")
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for i, head in enumerate(table.head):
            letter = get_column_letter(i + 1)
            sample = [head, *(r[i] for r in table.rows[:200])]
            low, cap = (30, 60) if i == table.wide else (8, 40)  # titles get room; the rest fit their text
            sheet.column_dimensions[letter].width = min(cap, max(low, *(text_width(v) + 2 for v in sample)))
            fmt = table.formats.get(i)
            for j, cell in enumerate(sheet[letter][1:]):
                if table.ratio_rows is not None and i in (1, 2) and j < len(table.ratio_rows):
                    cell.number_format = PERCENT if table.ratio_rows[j] else "+#,##0;-#,##0;0"
                elif isinstance(cell.value, datetime):
                    cell.number_format = WHEN
                elif fmt and isinstance(cell.value, (int, float)):
                    cell.number_format = fmt
    wb.properties.title = f"{report_title(report)} {report.period.label}"
    wb.save(out)


_TEXT: dict[str, Callable[[Report], str]] = {
    "md": render_markdown,
    "html": render_html,
    "csv": render_csv,
    "json": render_json,
}


def write(report: Report, fmt: str, out: Path) -> Path:
    """Write the report to `out` (parents created); returns the path written."""
    if fmt not in FORMATS:
        raise UsageError(msg("usage.unknown_format", fmt=repr(fmt), fmts=tuple(FORMATS)))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        write_xlsx(report, out)
    else:
        text = _TEXT[fmt](report)
        # CSV with a BOM: Excel on Chinese Windows otherwise reads UTF-8 as GBK and garbles the titles.
        out.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
    return out
