"""Write a Report as Markdown, HTML (inline SVG charts), CSV, XLSX or JSON; formats read the same data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from publisher.errors import UsageError
from publisher.reports.charts import bar_chart, heat_chart, trend_chart
from publisher.reports.i18n import metric_name, platform_name, t, weekday
from publisher.reports.model import Report

FORMATS = ("md", "html", "csv", "xlsx", "json")
TEMPLATES = Path(__file__).parent / "templates"


def _cell(value: Any) -> str:
    """A Markdown table cell: pipes and line breaks would break the table."""
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _slot(wd: int, hour: int, lang: str) -> str:
    return f"周{weekday(wd, lang)} {hour:02d}:00" if lang == "zh" else f"{weekday(wd, lang)} {hour:02d}:00"


def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cell=_cell, num=_num, pct=_pct)
    return env


def report_title(report: Report) -> str:
    """The report's title; a rehearsal's says so (演练 · 运营周报, Rehearsal · Weekly operations report)."""
    title = t(report.kind, report.lang)
    return f"{t('rehearsal', report.lang)} · {title}" if report.rehearsal else title


def _context(report: Report) -> dict[str, Any]:
    lang = report.lang
    return {
        "r": report,
        "lang": lang,
        "t": lambda key: t(key, lang),
        "pname": lambda p: platform_name(p, lang),
        "mname": lambda m: metric_name(m, lang),
        "slot": lambda wd, h: _slot(wd, h, lang),
        "names": report.metric_names(),
        "title": report_title(report),
        "top": report.engagement[:10],
    }


def render_markdown(report: Report) -> str:
    return _env(False).get_template("report.md.j2").render(**_context(report))


def render_html(report: Report) -> str:
    lang = report.lang
    c = report.charts
    charts = {
        "trend": Markup(trend_chart(c.days, c.trend, t("trend", lang), lang)),
        "top": Markup(bar_chart(c.top, t("top", lang), lang)),
        "heat": Markup(heat_chart(c.heat, c.heat_posts, t("heat", lang), lang)),
    }
    return _env(True).get_template("report.html.j2").render(**_context(report), charts=charts)


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n"


def tables(report: Report) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Every table of the report with typed values (numbers stay numbers): sheet name -> (header, rows)."""
    lang, names = report.lang, report.metric_names()
    eng_head = [
        "post_id",
        t("platform", lang),
        t("account", lang),
        t("title", lang),
        "item",
        "published_at",
        "url",
    ]
    eng_head += [metric_name(n, lang) for n in names]
    eng_head += [f"{metric_name(n, lang)} {t('change', lang)}" for n in names]
    eng_head += [
        t("interactions", lang),
        f"{t('interactions', lang)} {t('change', lang)}",
        t("rate", lang),
        t("views_24h", lang),
        t("taken_at", lang),
    ]
    eng_rows = [
        [r.post_id, r.platform, r.account, r.title, r.item, _dt(r.published_at), r.url]
        + [r.figures.get(n) for n in names]
        + [r.change.get(n) for n in names]
        + [r.interactions, r.interactions_change, r.engagement_rate, r.views_24h, _dt(r.taken_at)]
        for r in report.engagement
    ]
    eng_rows = [[_clean(v) for v in row] for row in eng_rows]
    out: dict[str, tuple[list[str], list[list[Any]]]] = {}
    if report.kind != "engagement":
        out["KPI"] = (
            t("kpi_head", lang).split(" | ") + [t("note", lang)],
            [[k.label, k.target, k.actual, k.status, k.detail] for k in report.kpis],
        )
        post_head = [
            "post_id",
            t("when", lang),
            t("platform", lang),
            t("account", lang),
            t("title", lang),
            t("state", lang),
            "url",
            t("note", lang),
        ]
        for key, lines in (("published", report.published), ("failed", report.failed), ("plan", report.plan)):
            out[t(key, lang)] = (
                post_head,
                [[p.id, _dt(p.when), p.platform, p.account, p.title, p.state, p.url, p.note] for p in lines],
            )
        out[t("risks", lang)] = ([t("risks", lang)], [[x] for x in report.risks])
    out[t("engagement_table", lang)] = (eng_head, eng_rows)
    out[t("health", lang)] = (
        [
            t("platform", lang),
            t("account", lang),
            t("score", lang),
            "cadence",
            "success",
            "trend",
            t("how", lang),
        ],
        [[h.platform, h.account, h.score, h.cadence, h.success, h.trend, h.explain] for h in report.health],
    )
    out[t("best_time", lang)] = (
        [t("platform", lang), t("account", lang), "weekday", "hour", "score", "posts"],
        [
            [b.platform, b.account, wd, hour, round(score, 2), n]
            for b in report.best_times
            for wd, hour, score, n in b.slots[:5]
        ],
    )
    return out


def _clean(value: Any) -> Any:
    """Whole numbers as integers, ratios to four places: what a spreadsheet user expects to see."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 4)
    return value


def _dt(text: str) -> datetime | str:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return text


def render_csv(report: Report) -> str:
    """The report's main table: engagement rows, or the KPI table for daily and weekly reports."""
    all_tables = tables(report)
    head, rows = (
        all_tables["KPI"] if report.kind != "engagement" else all_tables[t("engagement_table", report.lang)]
    )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow(
            [
                "" if v is None else (v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v)
                for v in row
            ]
        )
    return buf.getvalue()


def write_xlsx(report: Report, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    for default in wb.worksheets:  # a new workbook comes with one empty sheet
        wb.remove(default)
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    for name, (head, rows) in tables(report).items():
        sheet = wb.create_sheet(name[:31])
        sheet.append(head)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font, cell.fill = header_font, header_fill
        sheet.freeze_panes = "A2"
        for i, title in enumerate(head, start=1):
            letter = get_column_letter(i)
            sample = [title, *(r[i - 1] for r in rows[:50])]
            sheet.column_dimensions[letter].width = min(
                48, max(8, *(len(str(v or "")) * 1.3 for v in sample))
            )
            for cell in sheet[letter][1:]:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, float) and (
                    title in (t("rate", report.lang), "cadence", "success")
                ):
                    cell.number_format = "0.0%"
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
        raise UsageError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        write_xlsx(report, out)
    else:
        text = _TEXT[fmt](report)
        # CSV with a BOM: Excel on Chinese Windows otherwise reads UTF-8 as GBK and garbles the titles.
        out.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
    return out
