"""Several `publisher run` nodes on one PostgreSQL database, each with its own git checkout of the folder.

A node whose copy lags (not pulled yet) must neither cancel a post its copy lacks nor send (or sync) an older
text: its sync writes nothing, and at send time it releases the post for a node whose copy has it (or for
itself after its next pull). A file the newest synced revision really removed still cancels its posts.
Two real clones of one git repository, a fresh PostgreSQL schema per test, the real daemon and queue
(dry-run accounts record each send in their own node's folder).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from support.clock import ManualClock
from support.pg import fresh_schema
from tests.conftest import WS
from tests.test_daemon import no_spacing

from publisher.adapters.dryrun import dry_run_dir
from publisher.calendar.load import Calendar
from publisher.calendar.revision import GitFolder
from publisher.calendar.sync import sync_calendar
from publisher.daemon.service import Daemon, DaemonSettings
from publisher.messages import Msg
from publisher.store.db import Store, open_store
from publisher.store.tables import AttemptRow, PostRow
from publisher.workspace.settings import open_workspace

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
post_t = PostRow.__table__  # type: ignore[attr-defined]
attempt_t = AttemptRow.__table__  # type: ignore[attr-defined]


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def item(root: Path, name: str, when: str, body: str) -> None:
    (root / "content" / f"{name}.md").write_text(
        f"---\ntitle: {name}\npublish_at: {when}\nplatforms: [xiaohongshu]\nimages: [media/a.png]\n---\n"
        f"{body}\n",
        encoding="utf-8",
    )


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Path, Path, str]]:
    """Node A's checkout (where editors commit) and node B's clone of it, and the shared database's URL."""
    ws = WS(tmp_path / "a" / "ws")
    no_spacing(ws)  # two posts of one account at one time
    a = ws.root
    (a / ".gitignore").write_text(".publisher/\n", encoding="utf-8")
    item(a, "launch", "2026-12-01 12:00", "launch, first version")
    item(a, "later", "2026-12-02 12:00", "tomorrow's post")
    git(a, "init", "-q", "-b", "main")
    commit(a, "first calendar")
    b = tmp_path / "b" / "ws"
    b.parent.mkdir()
    git(b.parent, "clone", "-q", str(a), str(b))
    with fresh_schema("nodes") as url:
        yield a, b, url


def daemon(root: Path, store: Store, clock: ManualClock) -> Daemon:
    return Daemon(
        open_workspace(root), store=store, clock=clock, actions={}, settings=DaemonSettings(leader_retry_s=0)
    )


@contextmanager
def two_daemons(
    a_root: Path, b_root: Path, url: str, clock: ManualClock
) -> Iterator[tuple[Daemon, Daemon, list[Store]]]:
    """Nodes A and B: a daemon each, on its own copy of the folder and its own connection to the one database;
    both closed afterwards."""
    stores = [open_store(url), open_store(url)]
    a, b = daemon(a_root, stores[0], clock), daemon(b_root, stores[1], clock)
    try:
        yield a, b, stores
    finally:
        for node in (a, b):
            node.close()
        for s in stores:
            s.close()


def rows(store: Store) -> dict[str, tuple[str, str | None, str | None]]:
    """item -> (state, reason code, content hash)"""
    with store.session() as s:
        found = s.execute(
            sa.select(post_t.c.item_id, post_t.c.state, post_t.c.reason_msg, post_t.c.content_hash)
        )
        return {
            r.item_id: (r.state, (Msg.from_json(r.reason_msg or "") or Msg("")).code or None, r.content_hash)
            for r in found
        }


def attempt_count(store: Store) -> int:
    with store.session() as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(attempt_t)).scalar() or 0)


def sent(root: Path) -> dict[str, str]:
    """item -> the request this node's dry run recorded (its JSON)"""
    found: dict[str, str] = {}
    for log in sorted(dry_run_dir(root / ".publisher").glob("*.jsonl")):
        for line in log.read_text(encoding="utf-8").splitlines():
            item_id = json.loads(line)["item"]
            assert item_id not in found, f"{item_id} sent twice"
            found[item_id] = line
    return found


def test_a_lagging_node_neither_cancels_nor_sends_stale_content_and_catches_up_after_a_pull(
    nodes: tuple[Path, Path, str],
) -> None:
    a_root, b_root, url = nodes
    clock = ManualClock(T0 - timedelta(hours=1))
    with two_daemons(a_root, b_root, url, clock) as (a, b, stores):
        a.start()
        b.start()  # the same commit: nothing to change
        assert b.last_sync is not None and b.last_sync.changes == () and not b.last_sync.behind

        # An editor commits on A: a new item due at 11:30 and a new text for launch. A syncs it; B has not
        # pulled yet.
        item(a_root, "news", "2026-12-01 11:30", "breaking news")
        item(a_root, "launch", "2026-12-01 12:00", "launch, second version")
        commit(a_root, "news, and launch reworded")
        assert {(c.kind, c.item_id) for c in a.resync().changes} == {("new", "news"), ("edited", "launch")}
        synced = rows(stores[0])

        # B's sync from its older copy: the news item is not "removed", launch's text is not set back.
        lagging = b.resync()
        assert lagging.behind and lagging.changes == ()
        assert rows(stores[0]) == synced
        assert {k: v[0] for k, v in synced.items()} == dict.fromkeys(("launch", "later", "news"), "queued")
        # The store knew better: an unguarded sync of B's copy would have cancelled news and reverted launch.
        unguarded = sync_calendar(b.ws, stores[1], now=clock(), apply_changes=False, git=NoGit(b_root))
        assert {(c.kind, c.item_id) for c in unguarded.changes} == {("removed", "news"), ("edited", "launch")}

        # Both are due; B claims them first. It has no news file and an older launch: it releases both.
        clock.now = T0
        outcomes = asyncio.run(b.tick()).outcomes
        assert sorted(o.state for o in outcomes) == ["queued", "queued"]
        now = rows(stores[0])
        assert now["news"][:2] == ("queued", "reason.not_in_copy")
        assert now["launch"][:2] == ("queued", "reason.copy_differs")
        assert attempt_count(stores[0]) == 0 and sent(b_root) == {}
        # ...and does not take them again while its copy lacks them (nor wakes up for them).
        assert asyncio.run(b.tick()).outcomes == []
        assert b.next_wake() == datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # only tomorrow's post

        # B pulls: its copy has the synced commit now, so it sends both, with the text the store holds.
        git(b_root, "pull", "-q", "--ff-only")
        caught_up = b.resync()
        assert not caught_up.behind and caught_up.changes == ()
        outcomes = asyncio.run(b.tick()).outcomes
        assert sorted((o.item, o.state) for o in outcomes) == [("launch", "dry_run"), ("news", "dry_run")]
        assert "second version" in sent(b_root)["launch"] and "breaking news" in sent(b_root)["news"]
        assert attempt_count(stores[0]) == 2
        assert asyncio.run(a.tick()).outcomes == []  # nothing twice


def test_the_node_with_the_file_sends_what_a_lagging_node_released_and_a_real_removal_still_cancels(
    nodes: tuple[Path, Path, str],
) -> None:
    a_root, b_root, url = nodes
    clock = ManualClock(T0 - timedelta(hours=1))
    with two_daemons(a_root, b_root, url, clock) as (a, b, stores):
        a.start()
        b.start()
        item(a_root, "news", "2026-12-01 11:30", "breaking news")
        (a_root / "content" / "later.md").unlink()  # removed in the newest commit: its post really goes
        commit(a_root, "news; tomorrow's post dropped")
        assert {(c.kind, c.item_id) for c in a.resync().changes} == {("new", "news"), ("removed", "later")}
        assert rows(stores[0])["later"][:2] == ("cancelled", "reason.item_removed")

        assert b.resync().behind  # B's copy still has later.md and lacks news.md: it changes nothing
        assert rows(stores[0])["later"][0] == "cancelled" and rows(stores[0])["news"][0] == "queued"

        clock.now = T0 + timedelta(minutes=1)
        released = asyncio.run(b.tick()).outcomes  # B first: it releases news, and sends launch (unchanged)
        assert sorted((o.item, o.state) for o in released) == [("launch", "dry_run"), ("news", "queued")]
        assert asyncio.run(a.tick()).outcomes[0].state == "dry_run"  # A's copy has news: A sends it
        assert sorted(sent(a_root)) == ["news"] and sorted(sent(b_root)) == ["launch"]
        assert attempt_count(stores[0]) == 2

        git(b_root, "pull", "-q", "--ff-only")
        caught_up = b.resync()
        assert not caught_up.behind and caught_up.changes == ()
        assert {k: v[0] for k, v in rows(stores[0]).items()} == {
            "launch": "dry_run",
            "later": "cancelled",
            "news": "dry_run",
        }


def test_on_postgresql_a_file_missing_on_every_node_is_cancelled_by_the_sync_of_the_newest_commit(
    nodes: tuple[Path, Path, str],
) -> None:
    """The one node (at the newest commit) had the file deleted and committed while it was down: its start's
    sync cancels the post with the reason, and the queue never sends it."""
    a_root, _, url = nodes
    store = open_store(url)
    clock = ManualClock(T0 - timedelta(hours=1))
    a = daemon(a_root, store, clock)
    try:
        a.start()
        a.close()
        (a_root / "content" / "launch.md").unlink()
        commit(a_root, "launch dropped")
        a = daemon(a_root, store, clock)
        a.start()
        assert rows(store)["launch"][:2] == ("cancelled", "reason.item_removed")
        clock.now = T0
        assert asyncio.run(a.tick()).outcomes == [] and attempt_count(store) == 0
    finally:
        a.close()
        store.close()


def test_a_sync_that_read_its_copy_before_a_newer_commit_was_synced_writes_nothing(
    nodes: tuple[Path, Path, str],
) -> None:
    """B judged its copy against the newest commit, then A synced a newer one while B read its files: B's
    write finds the newest commit moved and writes nothing (it would have set launch's text back), then judges
    its copy again: behind."""
    a_root, b_root, url = nodes
    store = open_store(url)
    try:
        wa, wb = open_workspace(a_root), open_workspace(b_root)
        now = T0 - timedelta(hours=1)
        sync_calendar(wa, store, now=now)
        item(a_root, "launch", "2026-12-01 12:00", "launch, second version")
        commit(a_root, "launch reworded")
        landed: list[int] = []

        class ReadsFirst(Calendar):
            """B's folder is read; A's sync of the newer commit lands before B writes."""

            def scan(self) -> Any:
                result = super().scan()
                if not landed:
                    landed.append(len(sync_calendar(wa, store, now=now).changes))
                return result

        late = sync_calendar(wb, store, now=now, calendar=ReadsFirst(wb))
        assert landed == [1] and late.behind and late.changes == ()
        texts = {c.item.id: c.item.hash for c in Calendar(wa).scan()[0] if c.item is not None}
        assert rows(store)["launch"][2] == texts["launch"]  # A's text stands
    finally:
        store.close()


def test_a_lagging_node_leaves_an_unknown_outcome_to_a_node_whose_copy_has_the_version_sent(
    nodes: tuple[Path, Path, str],
) -> None:
    """Reconcile asks the platform with the post's text (Douyin and Weibo search by it): a copy that lags
    would ask about an older text, miss the post and have it sent again. B leaves it; A asks."""
    a_root, b_root, url = nodes
    clock = ManualClock(T0 - timedelta(hours=2))
    with two_daemons(a_root, b_root, url, clock) as (a, b, stores):
        a.start()
        b.start()
        item(a_root, "later", "2026-12-02 12:00", "tomorrow's post, second version")
        commit(a_root, "later reworded")
        a.resync()
        with stores[0].begin() as conn:  # sent from A's copy, then the answer was lost
            for state in ("claimed", "sending", "reconcile"):
                conn.execute(sa.update(post_t).where(post_t.c.item_id == "later").values(state=state))

        outcomes = asyncio.run(b.tick()).outcomes
        assert [(o.item, o.state) for o in outcomes] == [("later", "reconcile")]
        assert "left to a node" in outcomes[0].reason
        assert rows(stores[0])["later"][0] == "reconcile"
        assert asyncio.run(b.tick()).outcomes == [] and b.next_wake() == T0  # launch's time, not "now"
        # A's copy has the version sent: it asks (the dry run cannot tell, so a person decides).
        assert [o.state for o in asyncio.run(a.tick()).outcomes if o.item == "later"] == ["needs_attention"]


class NoGit(GitFolder):
    """A folder read as if it were not a git checkout (the sync is then not guarded)."""

    def head(self) -> None:  # type: ignore[override]
        return None


def test_plan_status_and_the_dashboard_say_a_node_whose_copy_is_behind_does_not_sync_and_to_git_pull(
    nodes: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`publisher sync` says a lagging copy synced nothing; `plan`, `status` and the dashboard's header say
    the same (one line, Chinese first, `git pull`), by the same check, and stop saying it after the pull."""
    from starlette.testclient import TestClient
    from tests.test_cli import cli

    from publisher.web import create_app

    a_root, b_root, url = nodes
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
    item(a_root, "news", "2026-12-01 11:30", "breaking news")
    commit(a_root, "news")
    assert cli("sync", "--workspace", str(a_root)).returncode == 0
    newest = git(a_root, "rev-parse", "HEAD")
    mine = git(b_root, "rev-parse", "HEAD")

    def said(*args: str) -> str:
        ran = cli(*args, "--workspace", str(b_root))
        assert ran.returncode == 0, ran.stderr
        return " ".join(ran.stdout.split())  # rich wraps long lines

    line = f"本节点的内容文件夹（提交 {mine[:10]}）落后于数据库已同步的最新版本（{newest[:10]}）"
    for command in ("plan", "status"):
        assert line in said(command) and "git pull" in said(command), command
    assert "git pull here" in said("plan", "--lang", "en") and "git pull here" in said(
        "status", "--lang", "en"
    )
    # One helper says it for both: the same "behind" in --json (commits and line), the same line on screen.
    behind = json.loads(said("plan", "--json"))["behind"]
    assert behind == json.loads(said("status", "--json"))["behind"]
    assert behind["commit"] == mine and behind["newest"] == newest and behind["message"].startswith(line)
    for command in ("plan", "status"):
        assert " ".join(behind["message"].split()) in said(command), command

    def header() -> str:
        app = create_app(open_workspace(b_root), watch=False)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            return " ".join(client.get("/queue").text.split())

    assert line in header() and "git pull" in header()
    git(b_root, "pull", "-q", "--ff-only")
    for command in ("plan", "status"):
        assert "落后于" not in said(command), command
    assert "behind" not in json.loads(said("plan", "--json"))
    assert "落后于" not in header()
