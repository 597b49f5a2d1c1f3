"""Sync: the store follows the folder; idempotent; edits, drafts, removals, approval, accounts, UTM links."""

from __future__ import annotations

import logging
import multiprocessing as mp
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import WS
from tests.test_check import GOOD

from publisher.calendar.load import Calendar
from publisher.calendar.revision import GitFolder, Revision, standing
from publisher.calendar.sync import folder_revision, sync_calendar
from publisher.queue.manual import publish_now
from publisher.queue.overview import post_views
from publisher.store.db import store_for
from publisher.store.tables import PostRow
from publisher.workspace.settings import Workspace, open_workspace

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def states(ws: WS) -> dict[tuple[str, str, str], str]:
    store = store_for(ws.open())
    t = PostRow.__table__  # type: ignore[attr-defined]
    with store.session() as s:
        return {(r.item_id, r.platform, r.account): r.state for r in s.execute(sa.select(t))}


def sync(ws: WS) -> list[str]:
    w = ws.open()
    return [
        f"{c.kind}:{c.item_id}:{c.platform}:{c.account}:{c.after}"
        for c in sync_calendar(w, store_for(w), now=NOW).changes
    ]


def test_sync_twice_changes_nothing_the_second_time(ws: WS) -> None:
    ws.item("launch.md", GOOD)
    assert len(sync(ws)) == 4
    assert sync(ws) == []
    assert set(states(ws).values()) == {"queued"}


def test_a_copy_of_the_folder_elsewhere_syncs_as_the_same_items(ws: WS, tmp_path: Path) -> None:
    """Nodes on one PostgreSQL database each have their own copy of the folder, at their own path: an item and
    its media are the same content wherever the copy lives (an absolute media path in the item's hash made
    each node's sync an edit for the others, and the queue held the posts back as changed)."""
    import shutil

    ws.item("launch.md", GOOD)
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    other = tmp_path / "elsewhere" / "ws"
    shutil.copytree(ws.root, other)
    nodes = [open_workspace(root, env={"PUBLISHER_DATABASE_URL": url}) for root in (ws.root, other)]
    changes = [sync_calendar(w, store_for(w), now=NOW).changes for w in nodes]
    assert len(changes[0]) == 4 and list(changes[1]) == []


def _sync_in_process(root: str) -> int:
    w = open_workspace(Path(root), env={})
    return len(sync_calendar(w, store_for(w), now=NOW).changes)


def test_sync_from_two_processes_creates_each_post_once(ws: WS) -> None:
    for i in range(20):
        ws.item(f"i{i}.md", GOOD.replace("id: launch", f"id: launch-{i}"))
    store_for(ws.open())  # migrate first: the race is about the rows, not the schema
    with mp.get_context("spawn").Pool(2) as pool:
        pool.map(_sync_in_process, [str(ws.root)] * 2)
    assert len(states(ws)) == 80
    assert sync(ws) == []


def test_edit_before_publishing_updates_the_queued_post(ws: WS) -> None:
    ws.item("launch.md", GOOD)
    sync(ws)
    ws.item("launch.md", GOOD.replace("publish_at: 2026-12-01 12:00", "publish_at: 2026-12-03 09:30"))
    changes = sync(ws)
    assert "due:launch:xiaohongshu:xiaohongshu:2026-12-03T01:30:00+00:00" in changes
    assert any(c.startswith("edited:launch:") for c in changes)


def test_invalid_edit_holds_the_post_and_fixing_it_requeues(ws: WS) -> None:
    ws.item("launch.md", GOOD)
    sync(ws)
    ws.item("launch.md", GOOD.replace("title: 效率神器上线｜3 步搞定周报", "title: " + "长" * 40))
    sync(ws)
    assert states(ws)[("launch", "xiaohongshu", "xiaohongshu")] == "held"  # 40 > 20 for Xiaohongshu
    assert states(ws)[("launch", "wechat", "wechat")] == "held"  # 40 > 32 for WeChat
    assert states(ws)[("launch", "douyin", "douyin")] == "queued"  # Douyin's caption overrides the title
    ws.item("launch.md", GOOD)
    sync(ws)
    assert set(states(ws).values()) == {"queued"}


def test_a_node_whose_folder_reads_before_another_nodes_sync_does_not_cancel_its_new_item(
    ws: WS, tmp_path: Path
) -> None:
    """Two nodes on one database, each with its own copy of the folder. A new item reaches node A's folder,
    node B reads its folder just before the item reaches it, and A's sync writes the item's posts before B's
    sync compares: B's older reading must not call the item removed (it cancelled posts in the PostgreSQL kill
    test). A removal that B saw in its folder still cancels."""
    import shutil

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    other = tmp_path / "elsewhere" / "ws"
    shutil.copytree(ws.root, other)
    a, b = (open_workspace(root, env={"PUBLISHER_DATABASE_URL": url}) for root in (ws.root, other))
    ws.item("launch.md", GOOD)  # in A's folder only, for now

    class ReadsFirst(Calendar):
        """B's calendar: its folder is read, then A's sync lands, then B compares."""

        def scan(self) -> Any:
            result = super().scan()
            assert len(sync_calendar(a, store_for(a), now=NOW).changes) == 4
            return result

    late = sync_calendar(b, store_for(b), now=NOW, calendar=ReadsFirst(b))
    assert [c for c in late.changes if c.kind == "removed"] == []
    assert {v.state for v in post_views(store_for(a))} == {"queued"}

    (ws.root / "content" / "launch.md").unlink()  # removed where it was seen: cancelled as before
    assert {c.kind for c in sync_calendar(a, store_for(a), now=NOW).changes} == {"removed"}
    assert {v.state for v in post_views(store_for(a))} == {"cancelled"}


def test_a_copys_commit_stands_against_the_newest_synced_one_by_ancestry_else_by_commit_time() -> None:
    ancestry = {("c1", "c2"): True, ("c2", "c1"): False, ("c1", "c3"): False, ("c3", "c1"): False}
    known = lambda older, newer: ancestry.get((older, newer))  # noqa: E731 - None: a commit git lacks
    c1, c2, c3 = Revision("c1", 200), Revision("c2", 100), Revision("c3", 300)
    assert standing(c1, None, known) == "first"
    assert standing(c2, c2, known) == "same"
    assert standing(c2, c1, known) == "newer"  # c1 is c2's ancestor, whatever the clocks said
    assert standing(c1, c2, known) == "behind"
    assert standing(c3, c1, known) == "newer"  # unrelated (a rewritten history): the later commit wins
    assert standing(c1, c3, known) == "behind"
    assert standing(Revision("unfetched", 100), c1, known) == "behind"


def test_on_sqlite_the_folders_commit_is_not_consulted(ws: WS) -> None:
    """One node, one folder: a checked-out older commit, or a deleted file, syncs as it always did."""

    class NoGitHere(GitFolder):
        def head(self) -> Revision | None:
            raise AssertionError("SQLite sync asked git")

    w = ws.open()
    assert folder_revision(w, store_for(w), NoGitHere(ws.root)) is None


def test_a_checkout_git_cannot_read_is_said_once_not_silently_unguarded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "copy"
    (folder / ".git").mkdir(parents=True)  # damaged, or refused by git (another owner, no safe.directory)
    with caplog.at_level(logging.WARNING, logger="publisher.calendar.revision"):
        assert GitFolder(folder).head() is None
        assert GitFolder(folder).head() is None
    said = [r.getMessage() for r in caplog.records if "R35" in r.getMessage()]
    assert len(said) == 1 and str(folder) in said[0]
    assert GitFolder(tmp_path / "plain").head() is None  # not a checkout: nothing to say


def test_draft_and_removal_cancel_queued_posts(ws: WS) -> None:
    ws.item("launch.md", GOOD)
    ws.item("other.md", GOOD.replace("id: launch", "id: other"))
    sync(ws)
    ws.item("launch.md", GOOD.replace("status: ready", "status: draft"))
    (ws.root / "content" / "other.md").unlink()
    assert sync(ws) and set(states(ws).values()) == {"cancelled"}
    assert sync(ws) == []  # cancelled once: the next sync has nothing to change (it said "removed" again)


def test_require_approval_waits_for_approved_by(ws: WS) -> None:
    toml = (ws.root / "publisher.toml").read_text()
    (ws.root / "publisher.toml").write_text(
        toml.replace('timezone = "Asia/Shanghai"', 'timezone = "Asia/Shanghai"\nrequire_approval = true')
    )
    ws.item("launch.md", GOOD)
    sync(ws)
    assert set(states(ws).values()) == {"waiting_approval"}
    ws.item("launch.md", GOOD.replace("status: ready", "status: ready\napproved_by: 李娜"))
    sync(ws)
    assert set(states(ws).values()) == {"queued"}


def test_an_item_may_name_accounts_and_each_gets_its_own_post(ws: WS) -> None:
    ws.item(
        "two.md",
        """
        ---
        id: two
        title: 两个公众号
        publish_at: 2026-12-01 08:00
        platforms:
          wechat: {author: 小王, cover: media/cover.png}
          wechat_en: {title: Two accounts, cover: media/cover.png}
        ---
        正文
        """,
    )
    sync(ws)
    assert set(states(ws)) == {("two", "wechat", "wechat"), ("two", "wechat", "wechat_en")}


def test_outbound_links_get_utm_only_where_clickable_unless_turned_off(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace("  douyin:", "  weibo: {}\n  douyin:"))
    calendar = Calendar(ws.open())
    (checked,), _ = calendar.scan()
    texts = {t.platform: calendar.renderer.render_text(checked.item, t)[0] for t in checked.item.targets}
    assert (
        "https://example.com/page?utm_source=weibo&utm_medium=social&utm_campaign=launch"
        in texts["weibo"]["text"]
    )
    assert "介绍 我们的网站。" in texts["xiaohongshu"]["body"]  # not clickable there: the text, no address
    assert "utm_source" not in texts["wechat"]["content"]  # footnotes are plain text
    ws.item(
        "launch.md",
        GOOD.replace("status: ready", "status: ready\nutm: false").replace(
            "  douyin:", "  weibo: {}\n  douyin:"
        ),
    )
    calendar = Calendar(ws.open())
    (checked,), _ = calendar.scan()
    weibo = next(t for t in checked.item.targets if t.platform == "weibo")
    assert "utm_source" not in calendar.renderer.render_text(checked.item, weibo)[0]["text"]


def test_publish_now_survives_the_next_sync_and_goes_out(ws: WS) -> None:
    from publisher.daemon.service import run_once
    from publisher.queue import actions as queue_actions

    ws.item("launch.md", GOOD)
    sync(ws)
    w = ws.open()
    store = store_for(w)
    made = publish_now(w, store, "launch", platform="wechat", now=NOW)
    assert [(p, s) for _id, p, _a, s in made] == [("wechat", "queued")]
    assert sync(ws) == []  # the file still says 2026-12-01: the person's "now" wins until it is sent
    outcomes = run_once(w, store, now=NOW)
    assert {(o.platform, o.state) for o in outcomes} == {("wechat", "dry_run")}  # dry-run account
    assert states(ws)[("launch", "xiaohongshu", "xiaohongshu")] == "queued"  # the others keep their time
    held = GOOD.replace("title: 效率神器上线｜3 步搞定周报", "title: " + "长" * 40)
    ws.item("launch.md", held)
    sync(ws)
    xhs = next(v for v in post_views(store) if v.platform == "xiaohongshu")
    import pytest

    with pytest.raises(queue_actions.ActionRefused, match="fix the item"):
        queue_actions.publish_now(store, xhs.id, now=NOW)


@pytest.mark.parametrize(
    ("when", "edit"),
    [
        ("after the overrides are read", None),  # the daemon's sync of a save as `publish` makes the post due
        ("before the write", ("正文第一段", "正文第一段（改）")),  # an edit synced as the person publishes
        ("before the write", ("publish_at: 2026-12-01 12:00\n", "")),  # the time taken out: planned
    ],
)
def test_a_sync_never_undoes_a_publish_now_it_did_not_see(
    ws: WS, monkeypatch: pytest.MonkeyPatch, when: str, edit: tuple[str, str] | None
) -> None:
    """A person's "publish now" (another process: `publisher publish` while `publisher run` syncs a save) that
    commits while a sync is under way, after that sync read the store: the post stays due now and is claimed,
    instead of taking the file's time again and waiting for the next save (publish waited out its 120 s)."""
    from publisher.calendar import sync as calendar_sync
    from publisher.queue import actions as queue_actions
    from publisher.store import claims
    from publisher.store.posts import item_posts

    ws.item("launch.md", GOOD)
    sync(ws)
    w = ws.open()
    store = store_for(w)
    xhs = next(p.id for p in item_posts(store, "launch") if p.platform == "xiaohongshu")
    if edit is not None:
        ws.item("launch.md", GOOD.replace(*edit, 1))
    made: list[object] = []

    def person_publishes_now() -> None:
        if not made:  # once: the person's command, committed in the middle of this sync
            made.append(queue_actions.publish_now(store, xhs, now=NOW))

    if when == "after the overrides are read":
        read = calendar_sync.due_overrides

        def overrides(s: Any) -> Any:
            seen = read(s)
            person_publishes_now()
            return seen

        monkeypatch.setattr(calendar_sync, "due_overrides", overrides)
    else:
        write = calendar_sync.write_sync

        def write_after(*args: Any, **kw: Any) -> None:
            person_publishes_now()
            write(*args, **kw)

        monkeypatch.setattr(calendar_sync, "write_sync", write_after)
    changes = sync_calendar(w, store, now=NOW).changes
    assert made and changes, "the sync ran with the person's publish now in its middle"
    claimed = claims.claim_due(store, now=NOW, owner="w", lease_s=60, limit=10)
    assert [c.id for c in claimed] == [xhs], "the post made due now is taken up at once"
    assert claimed[0].due_at == NOW


@pytest.mark.parametrize(
    ("edit", "state", "due"),
    [
        (None, "queued", datetime(2026, 12, 1, 4, 0, tzinfo=UTC)),  # the file's time (12:00 in Shanghai)
        (("publish_at: 2026-12-01 12:00\n", ""), "dry_run", NOW),  # no time in the file: the dry run stands
    ],
)
def test_a_sync_never_writes_back_a_publish_now_cleared_while_it_ran(
    ws: WS, monkeypatch: pytest.MonkeyPatch, edit: tuple[str, str] | None, state: str, due: datetime
) -> None:
    """A person's "publish now" that the queue sent as a dry run (which clears the override: the file's time
    holds again) after a sync read the overrides, while the account went live: that sync takes the file's
    time and state, as a sync after the send does, not the cleared "now" it read (it handed the post to a
    person as a dry run whose time had passed, its file's time still ahead or none at all)."""
    from publisher.calendar import sync as calendar_sync
    from publisher.daemon.service import run_once
    from publisher.queue import actions as queue_actions
    from publisher.store.posts import item_posts

    ws.item("launch.md", GOOD if edit is None else GOOD.replace(*edit, 1))
    sync(ws)
    dry = ws.open()  # the daemon's settings: a dry-run account
    store = store_for(dry)
    xhs = next(p.id for p in item_posts(store, "launch") if p.platform == "xiaohongshu")
    queue_actions.publish_now(store, xhs, now=NOW)
    toml = ws.root / "publisher.toml"
    live = 'platform = "xiaohongshu"\nmode = "live"\n'
    toml.write_text(toml.read_text(encoding="utf-8").replace('platform = "xiaohongshu"\n', live, 1))
    sent: list[Any] = []
    read = calendar_sync.due_overrides

    def overrides(s: Any) -> Any:
        seen = read(s)
        if not sent:  # once (not again in the queue's own sync): the queue sends the post made due now
            sent.append(None)
            sent[0] = run_once(dry, store, now=NOW)
        return seen

    monkeypatch.setattr(calendar_sync, "due_overrides", overrides)
    sync_calendar(ws.open(), store, now=NOW)  # the account is live now
    assert sent and [(o.platform, o.state) for o in sent[0]] == [("xiaohongshu", "dry_run")]
    post = next(v for v in post_views(store) if v.id == xhs)
    assert (post.state, post.due_at) == (state, due), post.reason


def test_a_sync_never_brings_back_a_post_a_person_cancelled_while_it_ran(
    ws: WS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person saves an edit and cancels a post while the sync of their previous save is under way (after it
    read the store): the post stays cancelled through the sync of the last save, as a cancel after the syncs
    does. That sync wrote its version over the cancel's, and the last save then looked like an edit made
    after the cancel, which brings a cancelled post back."""
    from publisher.calendar import sync as calendar_sync
    from publisher.queue import actions as queue_actions
    from publisher.store.posts import item_posts

    ws.item("launch.md", GOOD)
    sync(ws)
    w = ws.open()
    store = store_for(w)
    xhs = next(p.id for p in item_posts(store, "launch") if p.platform == "xiaohongshu")
    ws.item("launch.md", GOOD.replace("正文第一段", "正文第一段（改）", 1))
    cancelled: list[object] = []
    write = calendar_sync.write_sync

    def write_after(*args: Any, **kw: Any) -> None:
        if not cancelled:  # once: the person saves again and cancels, in the middle of this sync
            ws.item("launch.md", GOOD.replace("正文第一段", "正文第一段（再改）", 1))
            cancelled.append(queue_actions.cancel(store, xhs, now=NOW))
        write(*args, **kw)

    monkeypatch.setattr(calendar_sync, "write_sync", write_after)
    assert sync_calendar(w, store, now=NOW).changes and cancelled
    monkeypatch.undo()
    sync(ws)  # the last save's sync
    assert states(ws)[("launch", "xiaohongshu", "xiaohongshu")] == "cancelled"
    assert sync(ws) == []


def _rows(
    w: Workspace,
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
    store = store_for(w)
    with store.session() as s:
        items = [
            tuple(r) for r in s.execute(sa.text("select id, path, hash, fields, status, title from item"))
        ]
        posts = [
            tuple(r)
            for r in s.execute(
                sa.text("select item_id, platform, account, state, due_at, content_hash from post")
            )
        ]
        texts = [tuple(r) for r in s.execute(sa.text("select * from post_text"))]
    return sorted(items), sorted(posts), sorted(texts)


def test_a_lean_calendar_holds_no_body_and_syncs_the_same_rows(ws: WS, tmp_path: Path) -> None:
    """The daemon's calendar keeps a lean record per file (no body, front matter or rendered text); what the
    store gets is the same as from a full calendar, on the first sync and after an edit (what sync writes is
    kept packed until it is written: no file is parsed again to write them)."""
    import shutil

    ws.item("launch.md", GOOD)
    ws.item("other.md", GOOD.replace("id: launch", "id: other"))
    other = tmp_path / "copy"
    shutil.copytree(ws.root, other)
    lean_ws, full_ws = ws.open(), open_workspace(other)
    lean, full = Calendar(lean_ws, lean=True), Calendar(full_ws)
    for w, cal in ((lean_ws, lean), (full_ws, full)):
        sync_calendar(w, store_for(w), now=NOW, calendar=cal)
    checked, _ = lean.scan()
    assert all(c.lean and c.item is not None and c.item.body == "" and not c.item.fields for c in checked)
    assert all(not c.texts and c.settled for c in checked)  # written: the packed copy is gone
    fields, texts = lean.stored(checked[0])  # the file read again
    assert fields["id"] in ("launch", "other") and texts and all(t for _p, _a, t in texts)
    assert lean.cached(lean_ws.root / checked[0].path, checked[0].digest) is None  # a send reads the file
    assert _rows(lean_ws) == _rows(full_ws)
    edited = GOOD.replace("publish_at: 2026-12-01 12:00", "publish_at: 2026-12-03 09:30")
    for root in (ws.root, other):
        (root / "content" / "launch.md").write_text(textwrap.dedent(edited).lstrip("\n"), encoding="utf-8")
    for w, cal in ((lean_ws, lean), (full_ws, full)):
        assert sync_calendar(w, store_for(w), now=NOW, calendar=cal).changes
    assert _rows(lean_ws) == _rows(full_ws)


def test_a_settled_lean_record_touched_by_a_change_the_file_did_not_make_writes_its_front_matter(
    ws: WS, tmp_path: Path
) -> None:
    """Once written, a lean record drops its packed front matter and texts; a later sync that must write the
    item again without an edit (here its posts were deleted from the store) reads them from the file, so
    the store gets what a full calendar writes, never an empty front matter."""
    import shutil

    ws.item("launch.md", GOOD)
    other = tmp_path / "copy"
    shutil.copytree(ws.root, other)
    lean_ws, full_ws = ws.open(), open_workspace(other)
    lean, full = Calendar(lean_ws, lean=True), Calendar(full_ws)
    for w, cal in ((lean_ws, lean), (full_ws, full)):
        sync_calendar(w, store_for(w), now=NOW, calendar=cal)
        with store_for(w).engine.begin() as conn:
            conn.execute(sa.text("delete from post_text"))
            conn.execute(sa.text("update item set fields = '{}'"))
            conn.execute(sa.text("delete from post"))
    assert all(c.settled for c in lean.scan()[0])
    for w, cal in ((lean_ws, lean), (full_ws, full)):
        assert sync_calendar(w, store_for(w), now=NOW, calendar=cal).changes
    items, _posts, texts = _rows(lean_ws)
    assert items == _rows(full_ws)[0] and texts == _rows(full_ws)[2]
    assert items and all(fields not in ("{}", None) for _id, _path, _hash, fields, _status, _title in items)
    assert texts
