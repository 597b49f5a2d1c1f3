"""The MCP server's other tools: the schedule, a post's status, resolving a post,
metrics and report exports."""

# No `from __future__ import annotations`: the SDK reads
# the parameter descriptions from evaluated annotations.

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from mcp_types import ToolAnnotations
from pydantic import Field

from publisher.calendar.sync import sync_calendar
from publisher.content.timeparse import TimeError, parse_publish_at
from publisher.mcp.media import ToolProblem
from publisher.messages import Msg, msg
from publisher.queue.overview import post_views
from publisher.reports.build import build
from publisher.reports.writers import write
from publisher.states import UPCOMING
from publisher.store.attempts import attempts_of
from publisher.store.db import Store
from publisher.store.metrics import metric_samples
from publisher.workspace.settings import Workspace

REPORT_TEXT_LIMIT = 20_000  # report text returned inline up to this size; the file always has all of it

#: a post id as the store keeps it (a positive 32-bit integer on every database); a larger number is refused
#: with the field and the limit before it reaches the database
POST_IDS = {"ge": 1, "le": 2**31 - 1}
PostId = Annotated[int, Field(description="A post id, as a receipt or list_scheduled gives it.", **POST_IDS)]
ItemId = Annotated[str | None, Field(description="An item id (every post of the item).")]
Days = Annotated[int, Field(description="How many days ahead to list.", ge=1, le=366)]
PlatformName = Annotated[
    str | None,
    Field(description="Only this platform (xiaohongshu, douyin, wechat, producthunt) or account name."),
]


@dataclass
class Reads:
    """Tools that read the store (plus resolve_post, a person's decision an assistant may relay)."""

    ws: Workspace
    store: Store
    lock: threading.Lock
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def register(
        self, server: Any, *, tool: Callable[..., Any], reads: ToolAnnotations, changes: ToolAnnotations
    ) -> None:
        """Add the tools to `server` through `tool(annotations, description)`
        (which turns errors into tool errors)."""
        tool(reads, "Posts due in the next `days` days (queued, retrying, planned, held...), soonest first.")(
            self.list_scheduled
        )
        tool(
            reads,
            "The state of one post (or of every post of an item): state, due time, attempts, last error, "
            "URL once published.",
        )(self.get_post_status)
        tool(
            changes,
            "Tell the queue what a person found for a post waiting on one (awaiting_manual, "
            "needs_attention, reconcile): published at a URL, or not published.",
        )(self.resolve_post)
        tool(
            reads,
            "Engagement numbers (views, likes, comments, shares, favorites...) of posts: the latest sample "
            "of each metric, and its change since `since`.",
        )(self.get_metrics)
        tool(
            changes,
            "Write a report (daily 运营日报, weekly 运营周报, engagement) into reports/ and return its path "
            "(and its text for md/json/csv).",
        )(self.export_report)

    def list_scheduled(self, days: Days = 14, platform: PlatformName = None) -> dict[str, Any]:
        now = self.clock()
        with self.lock:
            self._sync(now)
        until = now + timedelta(days=days)
        views = [
            v
            for v in post_views(self.store, states=UPCOMING, until=until)
            if platform in (None, v.platform, v.account)
        ]
        return {
            "now": now.astimezone(self.ws.zone).isoformat(),
            "until": until.astimezone(self.ws.zone).isoformat(),
            "posts": [self._view(v.to_dict()) for v in views],
        }

    def get_post_status(
        self,
        post_id: Annotated[int | None, Field(description="A post id.", **POST_IDS)] = None,
        item_id: ItemId = None,
    ) -> dict[str, Any]:
        if (post_id is None) == (item_id is None):
            raise ToolProblem(msg("mcp.one_of_ids"))
        views = [
            v.to_dict()
            for v in post_views(self.store)
            if (post_id is not None and v.id == post_id) or (item_id is not None and v.item == item_id)
        ]
        if not views:
            raise ToolProblem(
                msg("mcp.no_post", id=post_id)
                if post_id is not None
                else msg("mcp.no_item_posts", item=repr(item_id))
            )
        ids = [v["id"] for v in views]
        attempts: dict[int, list[dict[str, Any]]] = {}
        for a in attempts_of(self.store, ids):
            attempts.setdefault(a.post_id, []).append(
                {
                    "number": a.number,
                    "step": a.step,
                    "outcome": a.outcome,
                    "http_status": a.http_status,
                    "error": a.error,
                    "started_at": _iso(a.started_at),
                    "finished_at": _iso(a.finished_at),
                }
            )
        return {"posts": [{**self._view(v), "attempts": attempts.get(v["id"], [])[-5:]} for v in views]}

    def resolve_post(
        self,
        post_id: PostId,
        published_url: Annotated[
            str | None, Field(description="The post's URL on the platform, if it is published.")
        ] = None,
        not_published: Annotated[
            bool, Field(description="true if a person checked and it is not on the platform.")
        ] = False,
        force: Annotated[
            bool,
            Field(
                description="With not_published, also when the platform's publish job is still processing "
                "(refused otherwise: it could post twice); only if a person checked that the job failed."
            ),
        ] = False,
    ) -> dict[str, Any]:
        from publisher.queue.actions import resolve

        state = resolve(
            self.store,
            post_id,
            published_url=published_url,
            not_published=not_published,
            force=force,
            now=self.clock(),
        )
        return {"post_id": post_id, "state": str(state)}

    def get_metrics(
        self,
        post_id: Annotated[int | None, Field(description="One post.", **POST_IDS)] = None,
        item_id: ItemId = None,
        platform: PlatformName = None,
        since: Annotated[
            str | None,
            Field(
                description="Start of the comparison, 'YYYY-MM-DD HH:MM' "
                "(workspace zone); default 7 days ago."
            ),
        ] = None,
    ) -> dict[str, Any]:
        now = self.clock()
        start = now - timedelta(days=7)
        if since:
            try:
                when = parse_publish_at(
                    since if " " in since or "T" in since else f"{since} 00:00", self.ws.zone
                )
            except TimeError as exc:
                raise ToolProblem(msg("mcp.field_says", field="since", text=_said(exc))) from None
            if isinstance(when, datetime):
                start = when
        views = {
            v.id: v
            for v in post_views(self.store)
            if (post_id is None or v.id == post_id)
            and (item_id is None or v.item == item_id)
            and platform in (None, v.platform, v.account)
        }
        if not views:
            raise ToolProblem(msg("mcp.no_match"))
        rows = metric_samples(self.store, views)
        latest: dict[int, dict[str, tuple[float, datetime]]] = {}
        before: dict[int, dict[str, float]] = {}
        for pid, name, value, taken in rows:
            taken = taken if taken.tzinfo else taken.replace(tzinfo=UTC)
            latest.setdefault(pid, {})[name] = (float(value), taken)
            if taken <= start:
                before.setdefault(pid, {})[name] = float(value)
        out = []
        for pid, v in views.items():
            figures = latest.get(pid, {})
            out.append(
                {
                    "post_id": pid,
                    "item_id": v.item,
                    "platform": v.platform,
                    "account": v.account,
                    "state": v.state,
                    "url": v.url,
                    "metrics": {n: val for n, (val, _t) in sorted(figures.items())},
                    "change": {
                        n: val - before.get(pid, {}).get(n, 0.0) for n, (val, _t) in sorted(figures.items())
                    },
                    "taken_at": _iso(max((t for _v, t in figures.values()), default=None)),
                }
            )
        return {
            "since": start.astimezone(self.ws.zone).isoformat(),
            "posts": out,
            "note": "" if rows else "no samples yet: `publisher metrics pull` (or the daemon) collects them",
        }

    def export_report(
        self,
        kind: Annotated[
            Literal["daily", "weekly", "engagement"],
            Field(description="daily 运营日报, weekly 运营周报, or engagement."),
        ],
        format: Annotated[
            Literal["md", "html", "csv", "xlsx", "json"], Field(description="File format.")
        ] = "md",
        period: Annotated[
            str | None,
            Field(
                description="'2026-12-01' (a day), '2026-W49' (a week), "
                "'2026-12' (a month), 'FROM..TO', or "
                "yesterday / last_week / last_7_days / "
                "this_month. Default: the last finished "
                "one."
            ),
        ] = None,
        lang: Annotated[
            Literal["zh", "en"] | None, Field(description="Language; default: the workspace's.")
        ] = None,
    ) -> dict[str, Any]:
        now = self.clock()
        try:
            report = build(kind, self.store, self.ws, period=period, lang=lang, now=now)
        except ValueError as exc:
            raise ToolProblem(msg("mcp.field_says", field="period", text=_said(exc))) from None
        per = report.period
        name = f"{kind}-{per.first:%Y-%m-%d}" + (f"--{per.last:%Y-%m-%d}" if per.last != per.first else "")
        path = write(report, format, self.ws.reports_dir / f"{name}.{format}")
        result: dict[str, Any] = {
            "path": str(path),
            "kind": kind,
            "format": format,
            "period": {"first": per.first.isoformat(), "last": per.last.isoformat()},
        }
        if format in ("md", "json", "csv"):
            text = path.read_text(encoding="utf-8-sig")
            result["text"] = text[:REPORT_TEXT_LIMIT]
            result["truncated"] = len(text) > REPORT_TEXT_LIMIT
        return result

    def _sync(self, now: datetime) -> None:
        """Bring the store in line with the files first, so an edit a person just saved shows."""
        sync_calendar(self.ws, self.store, now=now)

    def _view(self, v: dict[str, Any]) -> dict[str, Any]:
        due = v.get("due_at")
        if due:
            v = {**v, "due_local": datetime.fromisoformat(due).astimezone(self.ws.zone).isoformat()}
        return {"post_id": v.pop("id"), **v}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _said(exc: Exception) -> Msg | str:
    """What a refused value says: a time's catalogue message (worded later), else the error's text."""
    return exc.said if isinstance(exc, TimeError) else str(exc)
