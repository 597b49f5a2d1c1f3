"""A person's actions on a post from the dashboard, through the same functions as the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from publisher.errors import UsageError
from publisher.messages import msg
from publisher.models import PostState
from publisher.queue import actions as queue_actions
from publisher.reports.i18n import state_name, ui
from publisher.states import CANCELLABLE, RESOLVABLE, RETRYABLE, WAITING
from publisher.store.db import Store

S = PostState
ACTIONS = ("publish-now", "retry", "cancel", "resolve")
PUBLISHABLE_NOW = WAITING


def job_pending(state: str, reason: str | None) -> bool:
    """Whether "not published" needs the person's "the job failed" tick
    (queue.actions.platform_job_pending)."""
    return queue_actions.platform_job_pending(state, reason or "")


def available(state: str) -> list[str]:
    """The actions that apply to a post in `state` (the buttons a page shows); the functions re-check."""
    try:
        s = S(state)
    except ValueError:  # "draft" and other calendar-only labels have no actions
        return []
    out = []
    if s in PUBLISHABLE_NOW:
        out.append("publish-now")
    if s in RETRYABLE or s == S.NEEDS_ATTENTION:
        out.append("retry")
    if s in RESOLVABLE:
        out.append("resolve")
    if s in CANCELLABLE:
        out.append("cancel")
    return out


def publish_now(store: Store, post_id: int, now: datetime) -> PostState:
    """Make a post due now: the queue's "publish now" (a compare-and-set transition, logged), as the CLI."""
    return queue_actions.publish_now(store, post_id, now=now)


def run(
    store: Store, post_id: int, action: str, form: Mapping[str, str], now: datetime, lang: str = "en"
) -> str:
    """Do one action; returns what to tell the person (in `lang`). Refusals raise UsageError and say why."""
    if action == "publish-now":
        publish_now(store, post_id, now)
        return ui("action_due_now", lang, id=post_id)
    new = _act(store, post_id, action, form, now)
    return ui("action_moved", lang, id=post_id, state=state_name(new, lang))


def _act(store: Store, post_id: int, action: str, form: Mapping[str, str], now: datetime) -> str:
    if action == "retry":
        return str(queue_actions.retry(store, post_id, force=form.get("force") == "1", now=now).value)
    if action == "cancel":
        return str(queue_actions.cancel(store, post_id, now=now).value)
    if action == "resolve":
        url = (form.get("url") or "").strip()
        not_published = form.get("not_published") == "1"
        force = form.get("force") == "1"
        new = queue_actions.resolve(
            store, post_id, published_url=url or None, not_published=not_published, force=force, now=now
        )
        return str(new.value)
    raise UsageError(msg("usage.unknown_action", action=repr(action), actions=tuple(ACTIONS)))
