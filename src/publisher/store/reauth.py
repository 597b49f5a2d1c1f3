"""After a login: the account's needs-reauth flag cleared and its waiting posts queued again, in the store."""

from __future__ import annotations

from datetime import datetime

from publisher.models import PostState
from publisher.store.claims import log_event, transition
from publisher.store.db import Store
from publisher.store.events import RETRY_EVENT
from publisher.store.posts import account_posts_in
from publisher.store.tokens import clear_needs_reauth

S = PostState


def reauthorized(store: Store, account: str, now: datetime) -> list[int]:
    """After `publisher auth`: clear the account's flag and queue its needs_reauth posts again (a retry:
    their late window restarts)."""
    clear_needs_reauth(store, account)
    ids = account_posts_in(store, account, S.NEEDS_REAUTH)
    moved = [
        i
        for i in ids
        if transition(
            store,
            i,
            owner=None,
            from_states=[S.NEEDS_REAUTH],
            to=S.QUEUED,
            now=now,
            reason=f"account {account} re-authorised",
            next_attempt_at=None,
        )
    ]
    for i in moved:
        log_event(store, i, RETRY_EVENT, f"account {account} re-authorised", now=now)
    return moved
