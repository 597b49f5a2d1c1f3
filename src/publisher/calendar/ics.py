"""The calendar as iCalendar (RFC 5545): one event per scheduled post, to subscribe to in any calendar app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from publisher.models import PostState
from publisher.store.db import Store
from publisher.store.posts import calendar_entries
from publisher.workspace.settings import Workspace

DURATION = timedelta(minutes=15)
HIDDEN = (PostState.CANCELLED.value,)
#: Only a post on the platform is CONFIRMED; everything else (planned, missed, failed: a person may still send
#: it) is TENTATIVE. Cancelled posts are left out; nothing is exported as CANCELLED unless it was cancelled.
STATUS = {PostState.PUBLISHED.value: "CONFIRMED"}
#: States named in the event's title, so a subscriber sees what went wrong or what is only a dry run.
FLAGGED = {
    PostState.MISSED.value: "missed",
    PostState.FAILED.value: "failed",
    PostState.NEEDS_ATTENTION.value: "needs a person",
    PostState.NEEDS_REAUTH.value: "needs re-auth",
    PostState.HELD.value: "held",
    PostState.DRY_RUN.value: "dry run",
}


def uid(ws: Workspace, item_id: str, account: str) -> str:
    """A UID that is the same on every machine and every export: item id, account, workspace name."""
    host = "".join(c if c.isalnum() or c in "-." else "-" for c in ws.settings.name) or "workspace"
    return f"{item_id}/{account}@{host}.publisher"


def _escape(text: str) -> str:
    """TEXT values: backslash, semicolon, comma and line breaks are escaped (RFC 5545 3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines over 75 octets continue on the next line after CRLF and a space, never inside a character."""
    out: list[str] = []
    current = b""
    for ch in line:
        enc = ch.encode("utf-8")
        if len(current) + len(enc) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += enc
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_ics(ws: Workspace, store: Store, *, now: datetime, platform: str | None = None) -> str:
    """Every post with a due time (not cancelled), optionally of one platform; times in UTC, stable UIDs."""
    rows = calendar_entries(store, hidden=HIDDEN, platform=platform)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//publisher//content calendar//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(ws.settings.name + (f' · {platform}' if platform else ''))}",
        f"X-WR-TIMEZONE:{ws.settings.timezone}",
    ]
    for r in rows:
        title = (r.title or r.item_id) + (f" ({FLAGGED[r.state]})" if r.state in FLAGGED else "")
        desc = f"{r.platform}/{r.account} · {r.state} · {r.item_id}" + (f"\n{r.url}" if r.url else "")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_escape(uid(ws, r.item_id, r.account))}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(r.due_at)}",
            f"DTEND:{_stamp(r.due_at + DURATION)}",
            f"SUMMARY:{_escape(f'[{r.platform}] {title}')}",
            f"DESCRIPTION:{_escape(desc)}",
            f"CATEGORIES:{_escape(r.platform)}",
            f"STATUS:{STATUS.get(r.state, 'TENTATIVE')}",
            f"LAST-MODIFIED:{_stamp(r.updated_at)}",
        ]
        if r.url:
            lines.append(f"URL:{r.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def write_ics(ws: Workspace, store: Store, out: Path, *, now: datetime, platform: str | None = None) -> Path:
    """`publisher calendar --ics FILE [--platform P]`: bring the store in line with the folder, then write the
    calendar; returns the path."""
    from publisher.calendar.sync import sync_calendar

    sync_calendar(ws, store, now=now)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(calendar_ics(ws, store, now=now, platform=platform).encode("utf-8"))
    return out
