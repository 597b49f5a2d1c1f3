"""Post texts for the near-duplicate guard: sync records each post's rendered, normalised text while the post
is not yet published (so a published post keeps the text that went out), and `publisher check` reads the
texts published in a window to compare new items with them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from publisher.models import PostState
from publisher.store.db import Store
from publisher.store.metrics import aware, published_at_subquery
from publisher.store.tables import item_t, post_t, post_text_t

_FROZEN = (PostState.PUBLISHED.value,)  # a published post's text is what went out: never rewritten


@dataclass(frozen=True)
class PublishedText:
    """One published post and the text it sent."""

    post_id: int
    item_id: str
    path: str  # the item's workspace-relative path at its last sync
    title: str
    platform: str
    account: str
    published_at: datetime
    text: str


def record_texts(store: Store, texts: Iterable[tuple[str, str, str, str]], *, now: datetime) -> int:
    """Record (item id, platform, account, normalised text) for the posts that exist and are not published;
    returns how many rows changed. A text equal to the recorded one is left alone."""
    wanted = {(i, p, a): text for i, p, a, text in texts}
    if not wanted:
        return 0
    items = sorted({k[0] for k in wanted})
    changed = 0
    with store.begin() as conn:
        for start in range(0, len(items), 500):
            query = (
                sa.select(
                    post_t.c.id,
                    post_t.c.item_id,
                    post_t.c.platform,
                    post_t.c.account,
                    post_t.c.state,
                    post_text_t.c.text,
                )
                .select_from(post_t.outerjoin(post_text_t, post_text_t.c.post_id == post_t.c.id))
                .where(post_t.c.item_id.in_(items[start : start + 500]))
            )
            for row in conn.execute(query).all():
                text = wanted.get((row.item_id, row.platform, row.account))
                if text is None or row.state in _FROZEN or row.text == text:
                    continue
                if row.text is None:
                    conn.execute(sa.insert(post_text_t).values(post_id=row.id, text=text, recorded_at=now))
                else:
                    conn.execute(
                        sa.update(post_text_t)
                        .where(post_text_t.c.post_id == row.id)
                        .values(text=text, recorded_at=now)
                    )
                changed += 1
    return changed


def published_texts(store: Store, *, since: datetime) -> list[PublishedText]:
    """Posts published at or after `since` whose text was recorded, oldest first."""
    pub = published_at_subquery()
    when = sa.func.coalesce(pub.c.published_at, post_t.c.updated_at)
    query = (
        sa.select(
            post_t.c.id,
            post_t.c.item_id,
            item_t.c.path,
            item_t.c.title,
            post_t.c.platform,
            post_t.c.account,
            pub.c.published_at,
            post_t.c.updated_at,
            post_text_t.c.text,
        )
        .select_from(
            post_t.join(post_text_t, post_text_t.c.post_id == post_t.c.id)
            .outerjoin(pub, pub.c.post_id == post_t.c.id)
            .outerjoin(item_t, item_t.c.id == post_t.c.item_id)
        )
        .where(post_t.c.state == PostState.PUBLISHED.value, when >= since)
        .order_by(when, post_t.c.id)
    )
    with store.session() as s:
        rows = s.execute(query).all()
    out = []
    for r in rows:
        published = aware(r.published_at) or aware(r.updated_at)
        assert published is not None  # updated_at is never null
        out.append(
            PublishedText(
                r.id,
                r.item_id,
                r.path or r.item_id,
                r.title or r.item_id,
                r.platform,
                r.account,
                published,
                r.text,
            )
        )
    return out
