"""An import's report in the reader's language: one row per source file (what became of it, what changed,
what `check` says), and the JSON document for scripts. The words live in the catalogue (reports/i18n.py)."""

from __future__ import annotations

from typing import Any

from publisher.importer.model import FileReport, ImportReport, Note
from publisher.importer.sites import kind_label
from publisher.reports.i18n import t

MARK = {"info": "·", "warning": "⚠", "error": "✗"}


def note_text(note: Note, lang: str) -> str:
    where = t("im_line", lang, line=note.line) if note.line else ""
    return f"{MARK[note.severity]} {where}{t(note.code, lang, **note.values)}"


def outcome_text(file: FileReport, lang: str) -> str:
    return t(f"im_outcome_{file.outcome}", lang)


def check_text(file: FileReport, lang: str) -> str:
    if file.errors < 0:
        return "—"
    if not file.errors:
        return t("im_check_ok", lang, warnings=file.warnings)
    return t("im_check_errors", lang, errors=file.errors, warnings=file.warnings)


def rows(report: ImportReport, lang: str, verbose: bool = False) -> list[tuple[str, str, str, str, str]]:
    """(source, item file, outcome, changes, check) per file; without `verbose`, routine notes (·) are
    counted, not listed, so what needs a person stands out."""
    out = []
    for f in report.files:
        shown = [n for n in f.notes if verbose or n.severity != "info"]
        routine = len(f.notes) - len(shown)
        lines = [note_text(n, lang) for n in shown]
        if routine:
            lines.append(t("im_routine", lang, n=routine))
        out.append((f.source, f.path, outcome_text(f, lang), "\n".join(lines), check_text(f, lang)))
    return out


def summary(report: ImportReport, lang: str) -> str:
    counts: dict[str, int] = {}
    for f in report.files:
        counts[f.outcome] = counts.get(f.outcome, 0) + 1
    parts = [f"{t(f'im_outcome_{k}', lang)} {v}" for k, v in sorted(counts.items())]
    needs = sum(1 for f in report.files if not f.ok)
    head = t("im_summary", lang, kind=kind_label(report.kind), n=len(report.files), parts=" · ".join(parts))
    return head + (t("im_needs", lang, n=needs) if needs else "")


def to_dict(report: ImportReport, lang: str) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "kind": report.kind,
        "source": report.source,
        "dry_run": report.dry_run,
        "files": [
            {
                "source": f.source,
                "item": f.item,
                "path": f.path,
                "outcome": f.outcome,
                "ok": f.ok,
                "images": f.images,
                "check": None if f.errors < 0 else {"errors": f.errors, "warnings": f.warnings},
                "problems": [p.format(lang) for p in f.problems],
                "notes": [
                    {
                        "code": n.code,
                        "severity": n.severity,
                        "line": n.line or None,
                        "text": t(n.code, lang, **n.values),
                        **({"values": n.values} if n.values else {}),
                    }
                    for n in f.notes
                ],
            }
            for f in report.files
        ],
    }
