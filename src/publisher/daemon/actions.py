"""The actions recurring jobs run: the credential pre-flight here; the metrics pull and the reports."""

from __future__ import annotations

import logging
from datetime import timedelta

from publisher.daemon.jobs import Action, JobContext, notify
from publisher.errors import ConfigError
from publisher.messages import say
from publisher.store.jobs import accounts_due
from publisher.store.tokens import mark_needs_reauth, token_meta

logger = logging.getLogger(__name__)
#: Modes that need credentials; dry-run and assisted send nothing themselves.
CREDENTIAL_MODES = ("sandbox", "live")


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
    meta = token_meta(ctx.store, account)
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
                title=say("notify.preflight_failed", ctx.ws.settings.language),
                reason=problem,
                now=ctx.now,
                item=say(
                    "notify.window", ctx.ws.settings.language, start=start.isoformat(timespec="minutes")
                ),
                platform=platform,
                account=account,
            )
    checked = f"{len(due)} account(s) checked for the window at {start.isoformat(timespec='minutes')}"
    return checked + (f"; {len(failed)} need attention: " + " | ".join(failed) if failed else "; all ok")


def default_actions() -> dict[str, Action]:
    """Every action a job may `run:` (jobs.ACTIONS), by name."""
    # Imported here: the metrics pull and the reports load their adapters and templates only when a daemon
    # starts, not whenever the job runner is imported.
    from publisher import reports
    from publisher.metrics.pull import job_pull

    return {
        "accounts.preflight": preflight,
        "metrics.pull": job_pull,
        "report.daily": reports.job_daily,
        "report.weekly": reports.job_weekly,
        "report.engagement": reports.job_engagement,
    }
