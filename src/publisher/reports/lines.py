"""A post as a report line, and a stored reason or error as people read it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from publisher.reports import data
from publisher.reports.engagement import local
from publisher.reports.i18n import reason
from publisher.reports.model import PostLine
from publisher.workspace.settings import Workspace


def post_line(p: data.PostInfo, zone: ZoneInfo, note: str = "") -> PostLine:
    when = p.published_at or p.due_at
    return PostLine(
        p.id,
        p.item_id,
        p.title,
        p.platform,
        p.account,
        p.state,
        local(when, zone),
        p.url or "",
        note,
        when.astimezone(zone) if when is not None else None,
    )


def tidy(text: str | None, ws: Workspace, lang: str) -> str:
    """A stored reason or error as people read it: first line, their language, workspace-relative paths."""
    first = (text or "").strip().splitlines()[0][:160] if (text or "").strip() else ""
    return reason(_relative(first, ws), lang)


def why(p: data.PostInfo, ws: Workspace, lang: str) -> str:
    """A post's reason in `lang`: by its stored code and values when it has them (first line, relative
    paths), else its last error or older English reason as `tidy` words it."""
    if not p.reason_msg:
        return tidy(p.last_error or p.reason, ws, lang)
    worded = reason(p.reason, lang, p.reason_msg).strip()
    return _relative(worded.splitlines()[0][:160] if worded else "", ws)


def _relative(text: str, ws: Workspace) -> str:
    for root in {str(ws.root.resolve()), str(ws.root)}:
        text = text.replace(root + "/", "").replace(root, ".")
    return text
