"""The actions recurring jobs run: the credential pre-flight here; metrics and reports when installed."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from publisher.daemon.jobs import Action, JobContext, notify
from publisher.errors import ConfigError
from publisher.models import PostState
from publisher.store.db import Store
from publisher.store.tables import PostRow, TokenRow

logger = logging.getLogger(__name__)
post_t = PostRow.__table__  # type: ignore[attr-defined]
token_t = TokenRow.__table__  # type: ignore[attr-defined]
#: Modes that need credentials; dry-run and assisted send nothing themselves.
CREDENTIAL_MODES = ("sandbox", "live")


def accounts_due(store: Store, start: datetime, end: datetime) -> dict[str, str]:
    """account -> platform of every queued post due in [start, end)."""
    query = (
        sa.select(post_t.c.account, post_t.c.platform)
        .where(post_t.c.state == PostState.QUEUED.value, post_t.c.due_at >= start, post_t.c.due_at < end)
        .distinct()
    )
    with store.session() as s:
        return {r.account: r.platform for r in s.execute(query)}


def _tokens_meta(store: Store, account: str) -> dict[str, tuple[datetime | None, Mapping[str, Any]]]:
    """Expiry and metadata of the account's stored tokens; the value column is never read."""
    query = sa.select(token_t.c.kind, token_t.c.expires_at, token_t.c.meta).where(
        token_t.c.account == account
    )
    with store.session() as s:
        return {r.kind: (r.expires_at, dict(r.meta or {})) for r in s.execute(query)}


def check_account(ctx: JobContext, account: str, platform: str) -> str | None:
    """Why the account cannot publish in the window (missing or expired credentials), or None when it can."""
    from publisher.workspace import credentials

    settings = ctx.ws.account(account)
    mode = settings.mode if settings else "dry-run"
    if mode not in CREDENTIAL_MODES:
        return None
    try:
        creds = credentials.load_credentials(account, platform, env=ctx.ws.env, workspace=ctx.ws.root)
    except ConfigError as exc:
        return str(exc)
    meta = _tokens_meta(ctx.store, account)
    # A sandbox account gets its tokens on first use; only a live account must already hold an OAuth grant.
    row = credentials.describe(
        account,
        platform,
        creds,
        meta or (None if mode == "sandbox" else {}),
        now=ctx.now,
        expiring_within=timedelta(hours=1),
    )
    if row["state"] in ("missing", "expired"):
        return f"credentials {row['state']}" + (f": {'; '.join(row['hints'])}" if row["hints"] else "")
    return None


def preflight(ctx: JobContext) -> str:
    """accounts.preflight: every account with a post in the coming window has usable credentials, else the
    account is flagged needs_reauth (the queue holds its posts; they do not fail) and a person is told."""
    from publisher.store.tokens import mark_needs_reauth

    start, end = ctx.period.window or (ctx.now, ctx.now + timedelta(hours=1))
    due = accounts_due(ctx.store, start, end)
    failed: list[str] = []
    for account, platform in sorted(due.items()):
        problem = check_account(ctx, account, platform)
        if problem is None:
            continue
        failed.append(f"{account}: {problem}")
        if mark_needs_reauth(ctx.store, account, reason=f"pre-flight: {problem}", post_id=None, now=ctx.now):
            notify(
                ctx.notifier,
                kind="needs_reauth",
                title="发布前凭证检查未通过",
                reason=problem,
                now=ctx.now,
                item=f"window {start.isoformat(timespec='minutes')}",
                platform=platform,
                account=account,
            )
    checked = f"{len(due)} account(s) checked for the window at {start.isoformat(timespec='minutes')}"
    return checked + (f"; {len(failed)} need attention: " + " | ".join(failed) if failed else "; all ok")


def _optional(module: str, attr: str) -> Action | None:
    """An action another module provides as `attr(ctx: JobContext) -> str | None`, if installed."""
    try:
        found = getattr(importlib.import_module(module), attr, None)
    except ImportError:
        return None
    return found if callable(found) else None


def default_actions() -> dict[str, Action]:
    """The actions this installation has; a missing one is reported "not available" and recorded skipped."""
    actions: dict[str, Action] = {"accounts.preflight": preflight}
    wanted = {
        "metrics.pull": ("publisher.metrics.pull", "job_pull"),
        "report.daily": ("publisher.reports", "job_daily"),
        "report.weekly": ("publisher.reports", "job_weekly"),
        "report.engagement": ("publisher.reports", "job_engagement"),
    }
    for name, (module, attr) in wanted.items():
        action = _optional(module, attr)
        if action is not None:
            actions[name] = action
    return actions
