"""The near-duplicate guard also compares items with what their platform already published (the store's
history, `[compliance] published_window`, 30 days by default): the earlier post is named with its similarity;
the text kept is the one that went out; `check` works the same without any store."""

from __future__ import annotations

from datetime import UTC, datetime

from test_near_duplicates import BODY, write
from tests.conftest import WS

from publisher.calendar.check import check_workspace
from publisher.calendar.sync import sync_calendar
from publisher.models import PostState
from publisher.store.claims import claim_due, start_attempt, transition
from publisher.store.db import Store, store_for
from publisher.store.texts import published_texts

SYNCED = datetime(2026, 11, 25, tzinfo=UTC)
SENT = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, when a.md was due
LATER = datetime(2026, 12, 5, tzinfo=UTC)


def publish_all(store: Store) -> None:
    """Send every due post as the queue does: claimed, sending, published."""
    for claimed in claim_due(store, now=SENT, owner="test", lease_s=60, limit=10):
        start_attempt(store, claimed.id, owner="test", now=SENT)
        assert transition(
            store, claimed.id, owner="test", from_states=[PostState.SENDING], to=PostState.PUBLISHED, now=SENT
        )


def published_then_gone(ws: WS) -> Store:
    """a.md synced, sent, then removed from the folder: only the store remembers it."""
    write(ws, "a.md", BODY)
    store = store_for(ws.open())
    sync_calendar(ws.open(), store, now=SYNCED)
    publish_all(store)
    (ws.root / "content" / "a.md").unlink()
    return store


def near(ws: WS) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in check_workspace(ws.open(), now=LATER).problems:
        if "near-duplicate" in p.message:
            assert p.severity == "warning" and p.field == "body"
            out.setdefault(p.path, []).append(p.message)
    return out


def test_an_item_like_a_published_post_names_it_with_its_similarity(ws: WS) -> None:
    published_then_gone(ws)
    write(ws, "b.md", BODY.replace("9 分钟", "10 分钟"), when="2026-12-10 09:00")
    found = near(ws)
    assert set(found) == {"content/b.md"}, found
    (msg,) = found["content/b.md"]
    assert (
        "content/a.md «三步搞定周报», published on xiaohongshu (account xiaohongshu) at 2026-12-01 12:00"
        in msg
    )
    score = int(msg.split("near-duplicate: ")[1].split("%")[0])
    assert 85 <= score < 100, msg


def test_another_platform_or_outside_the_published_window_says_nothing(ws: WS) -> None:
    published_then_gone(ws)
    # Repurposing for another platform is what a calendar is for.
    write(ws, "b.md", BODY, when="2026-12-10 09:00", platforms="{douyin: {video: media/a.png}}")
    assert "content/b.md" not in near(ws)
    # 40 days after the post went out: outside the default 30 days, inside a 60-day window.
    write(ws, "b.md", BODY, when="2027-01-10 12:00")
    assert near(ws) == {}
    toml = ws.root / "publisher.toml"
    toml.write_text(toml.read_text("utf-8") + '\n[compliance]\npublished_window = "60d"\n', "utf-8")
    assert set(near(ws)) == {"content/b.md"}


def test_a_published_post_keeps_the_text_that_went_out_and_is_not_its_own_duplicate(ws: WS) -> None:
    write(ws, "a.md", BODY)
    store = store_for(ws.open())
    sync_calendar(ws.open(), store, now=SYNCED)
    publish_all(store)
    (sent,) = published_texts(store, since=SENT)
    assert sent.path == "content/a.md" and "9分钟" in sent.text
    # Edited after it went out: the store keeps what was sent, and the item is not its own near-duplicate.
    write(ws, "a.md", BODY.replace("9 分钟", "8 分钟"))
    sync_calendar(ws.open(), store, now=LATER)
    (kept,) = published_texts(store, since=SENT)
    assert kept.text == sent.text
    assert near(ws) == {}


def test_check_works_without_a_store_and_creates_none(ws: WS) -> None:
    write(ws, "b.md", BODY, when="2026-12-10 09:00")
    assert near(ws) == {}
    assert not (ws.root / ".publisher" / "publisher.db").exists()
