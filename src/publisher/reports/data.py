"""What reports read from the store: posts of a period, latest figures at an instant, followers, the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from publisher.models import PostState
from publisher.store.db import Store
from publisher.store.reports import (
    Key,
    PostInfo,
    campaign_post_ids,
    daily_maxima,
    followers,
    latest,
    report_posts,
)
from publisher.store.tokens import accounts_needing_reauth, expiring_tokens

__all__ = [
    "PLAN_STATES",
    "Key",
    "PostInfo",
    "all_posts",
    "campaign_post_ids",
    "daily_maxima",
    "followers",
    "in_window",
    "latest",
    "planned",
    "reauth_flags",
    "token_risks",
]

PLAN_STATES = (
    PostState.QUEUED,
    PostState.RETRYING,
    PostState.WAITING_APPROVAL,
    PostState.HELD,
    PostState.NEEDS_REAUTH,
)


def all_posts(store: Store) -> list[PostInfo]:
    return report_posts(store)


def in_window(p: PostInfo, start: datetime, end: datetime) -> bool:
    """A post belongs to a period when it was published in it, or (not published) was due in it."""
    when = p.published_at or p.due_at
    return when is not None and start <= when < end


def planned(store: Store, start: datetime, end: datetime, *, now: datetime) -> list[PostInfo]:
    """The plan for [start, end): while it is still ahead, the posts left to send from `now` on; once it is
    over (the report of a past day or week), every post that was due in it, whatever became of it (its state
    says), except the cancelled: a plan of the past is what was planned, not "none"."""
    if now >= end:
        every = report_posts(store, due_from=start, due_before=end)
        return [p for p in every if p.state != PostState.CANCELLED.value]
    return report_posts(
        store, states=[s.value for s in PLAN_STATES], due_from=max(start, now), due_before=end
    )


def token_risks(store: Store, *, now: datetime, within: timedelta) -> list[tuple[str, str, datetime]]:
    """(account, token kind, expires_at) of tokens a person must renew (refresh tokens) expiring soon."""
    return expiring_tokens(store, before=now + within, kind_contains="refresh")


def reauth_flags(store: Store, *, before: datetime | None = None) -> dict[str, str]:
    """account -> why it needs re-authorisation (the queue's flags); with `before`, only the flags raised
    before it (a flag that does not say when it was raised counts as raised before)."""
    return {
        a: str(v.get("reason") or "")
        for a, v in accounts_needing_reauth(store).items()
        if before is None or _since(v.get("since")) < before
    }


def _since(value: object) -> datetime:
    """When a flag was raised, from its ISO 8601 `since`; the earliest time when it does not say."""
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
