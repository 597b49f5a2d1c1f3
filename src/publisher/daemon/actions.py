"""The actions recurring jobs run: the credential pre-flight here; the metrics pull and the reports."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta

from publisher.daemon.jobs import Action, JobContext, notify
from publisher.errors import ConfigError
from publisher.messages import Msg, msg, say
from publisher.store.jobs import accounts_due
from publisher.store.tokens import mark_needs_reauth, token_meta

logger = logging.getLogger(__name__)
#: Modes that need credentials; dry-run and assisted send nothing themselves.
CREDENTIAL_MODES = ("sandbox", "live")


def check_account(ctx: JobContext, account: str, platform: str) -> Msg | None:
    """Why the account cannot publish in the window (missing or expired credentials), or None when it can;
    a message, worded in English for the store and in the workspace's language for the notification."""
    from publisher.workspace import credentials

    settings = ctx.ws.account(account)
    mode = settings.mode if settings else "dry-run"
    if mode not in CREDENTIAL_MODES:
        return None
    try:
        creds = credentials.load_credentials(account, platform, env=ctx.ws.env, workspace=ctx.ws.root)
    except ConfigError as exc:  # the credentials file refused: its path and why, in either language
        where = ":".join(p for p in (exc.path, exc.key) if p)
        return (
            msg("usage.field_says", field=where, text=exc.said)
            if exc.said and where
            else exc.said or msg("usage.as_said", text=str(exc))
        )
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
        if not row["said"]:
            return msg("cred.state_only", state=row["state"])
        said = tuple(m for m in map(Msg.from_json, row["said"]) if m is not None)
        return msg(f"cred.{row['state']}", msg=said)
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
        english = problem.text("en")
        failed.append(f"{account}: {english}")
        if mark_needs_reauth(ctx.store, account, reason=f"pre-flight: {english}", post_id=None, now=ctx.now):
            notify(
                ctx.notifier,
                kind="needs_reauth",
                title=say("notify.preflight_failed", ctx.ws.settings.language),
                reason=problem.text(ctx.ws.settings.language),
                now=ctx.now,
                item=say(
                    "notify.window", ctx.ws.settings.language, start=start.isoformat(timespec="minutes")
                ),
                platform=platform,
                account=account,
            )
    checked = f"{len(due)} account(s) checked for the window at {start.isoformat(timespec='minutes')}"
    return checked + (f"; {len(failed)} need attention: " + " | ".join(failed) if failed else "; all ok")


def deferred(module: str, name: str) -> Action:
    """The action `name` of `module`, imported when it first runs: a daemon whose jobs never pull metrics or
    write a report never loads the adapters' metric code, the report writers or their templates."""

    def action(ctx: JobContext) -> str | None:
        run: Action = getattr(importlib.import_module(module), name)
        return run(ctx)

    action.__name__ = action.__qualname__ = name
    return action


def default_actions() -> dict[str, Action]:
    """Every action a job may `run:` (jobs.ACTIONS), by name."""
    return {
        "accounts.preflight": preflight,
        "metrics.pull": deferred("publisher.metrics.pull", "job_pull"),
        "report.daily": deferred("publisher.reports", "job_daily"),
        "report.weekly": deferred("publisher.reports", "job_weekly"),
        "report.engagement": deferred("publisher.reports", "job_engagement"),
    }
