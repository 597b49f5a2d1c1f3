"""Send-ready payloads: sync renders the posts due soon and keeps them on disk; a send reads the kept payload
only while everything its render reads is unchanged (the item, its cover, the templates, the settings, the
processed media), and renders again otherwise."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import WS, make_image

from publisher.calendar import ready
from publisher.calendar.load import Calendar
from publisher.calendar.ready import RECHECK_S, SendReady
from publisher.calendar.sync import sync_calendar
from publisher.models import RenderedPost
from publisher.queue.content import Revalidator
from publisher.store.db import Store, open_store
from publisher.workspace.settings import DEFAULTS_DIR, Workspace

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
ITEM = """
---
id: {id}
title: 标题 {id}
publish_at: {when}
status: ready
platforms:
  wechat: {{author: 运营, digest: "摘要", cover: media/cover.png}}
---
正文：{body}，见 [博客](https://example.com/blog)。
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'q.sqlite'}", clock=lambda: NOW)
    yield s
    s.close()


def write(ws: WS, id: str, *, body: str = "一", when: str = "2026-12-01 12:00") -> None:
    ws.item(f"{id}.md", ITEM.format(id=id, body=body, when=when))


def synced(ws: WS, store: Store, *, prepare: bool = True) -> tuple[Workspace, Calendar]:
    """The workspace opened as a daemon opens it, synced (with or without the sends prepared)."""
    w = ws.open()
    calendar = Calendar(w, lean=True)
    if prepare:
        sync_calendar(w, store, now=NOW, calendar=calendar)
    else:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("publisher.calendar.sync.prepare", lambda *a, **k: 0)
            sync_calendar(w, store, now=NOW, calendar=calendar)
    return w, calendar


def send(w: Workspace, store: Store, calendar: Calendar, id: str) -> tuple[RenderedPost, int]:
    """The payload a send of the item's WeChat post would send, and how many kept payloads it read."""
    checker = Revalidator(w, store, calendar)
    assert checker.ready is ready.kept(calendar)  # one per calendar, shared with its syncs
    hits = checker.ready.hits
    checked = checker._find(id)
    assert checked is not None and checked.item is not None
    verdict = checker.check(id, "wechat", "wechat", checked.item.hash)
    assert verdict.action == "send" and verdict.post is not None, verdict
    return verdict.post, checker.ready.hits - hits


def fresh(ws: WS, id: str) -> RenderedPost:
    """The item rendered from scratch by a full calendar of a newly opened workspace."""
    calendar = Calendar(ws.open())
    found = next(c for c in calendar.scan()[0] if c.item is not None and c.item.id == id)
    assert found.item is not None
    target = next(t for t in found.item.targets if t.account == "wechat")
    post, _ = calendar.renderer.render(found.item, target, process_media=True)
    assert post is not None
    return post


def own_rules(ws: WS) -> Path:
    """The workspace's own copy of WeChat's rules folder (platform.yaml and the templates), to edit."""
    folder = ws.root / "platforms" / "wechat"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "wechat", folder)
    return folder


def add_to_template(folder: Path, html: str) -> None:
    """Save the article template with `html` added at its end."""
    template = folder / "article.html.j2"
    template.write_text(template.read_text(encoding="utf-8") + html + "\n", encoding="utf-8")


def entries(w: Workspace) -> list[Path]:
    folder = w.cache_dir / ready.FOLDER
    return sorted(folder.glob("*.json")) if folder.exists() else []


def no_render(calendar: Calendar, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("rendered at the send although the payload was kept")

    monkeypatch.setattr(calendar.renderer, "render", refuse)


def test_sync_keeps_the_payload_of_a_post_due_soon_and_the_send_sends_exactly_it(
    ws: WS, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(ws, "soon")
    write(ws, "later", when="2026-12-03 12:00")  # beyond the horizon: rendered at its send
    w, calendar = synced(ws, store)
    assert len(entries(w)) == 1
    no_render(calendar, monkeypatch)
    post, hits = send(w, store, calendar, "soon")
    assert hits == 1
    expected = fresh(ws, "soon")
    assert post == expected and post.rendered_hash == expected.rendered_hash
    assert post.media and Path(post.media[0].path).is_file()


def test_a_post_due_later_is_rendered_at_its_send(ws: WS, store: Store) -> None:
    write(ws, "later", when="2026-12-03 12:00")
    w, calendar = synced(ws, store)
    assert entries(w) == []
    post, hits = send(w, store, calendar, "later")
    assert hits == 0
    assert post == fresh(ws, "later")


def test_a_changed_item_is_rendered_again(ws: WS, store: Store) -> None:
    write(ws, "a", body="旧的正文")
    w, calendar = synced(ws, store)
    old = entries(w)
    assert len(old) == 1
    write(ws, "a", body="新的正文")
    w, calendar = synced(ws, store, prepare=False)  # the old entry is all there is
    post, hits = send(w, store, calendar, "a")
    assert hits == 0
    assert "新的正文" in str(post.fields["content"]) and "旧的正文" not in str(post.fields["content"])
    assert post == fresh(ws, "a")


def test_a_changed_cover_is_rendered_again(ws: WS, store: Store) -> None:
    write(ws, "a")
    w, calendar = synced(ws, store)
    before, _ = send(w, store, calendar, "a")
    make_image(ws.root / "content" / "media" / "cover.png", (1800, 766), "#aa3300")  # same name, new picture
    w, calendar = synced(ws, store, prepare=False)
    after, hits = send(w, store, calendar, "a")
    assert hits == 0
    assert after.media[0].sha256 != before.media[0].sha256
    assert after == fresh(ws, "a")


def test_a_changed_template_is_rendered_again(ws: WS, store: Store) -> None:
    write(ws, "a")
    w, calendar = synced(ws, store)
    folder = own_rules(ws)
    add_to_template(folder, "<p>模板改过了</p>")
    w, calendar = synced(ws, store, prepare=False)  # opened again, as the daemon does after the change
    post, hits = send(w, store, calendar, "a")
    assert hits == 0
    assert "模板改过了" in str(post.fields["content"])
    assert post == fresh(ws, "a")


def test_a_template_saved_while_the_workspace_stays_open_is_rendered_again(ws: WS, store: Store) -> None:
    folder = own_rules(ws)
    write(ws, "a")
    w = ws.open()
    calendar = Calendar(w, lean=True)
    clock = [100.0]
    ready.kept(calendar).clock = lambda: clock[0]
    sync_calendar(w, store, now=NOW, calendar=calendar)
    assert len(entries(w)) == 1
    checker = Revalidator(w, store, calendar)
    found = checker._find("a")
    assert found is not None and found.item is not None
    add_to_template(folder, "<p>刚保存的模板</p>")
    clock[0] += RECHECK_S  # the stamps are compared at most once a second (a burst of sends shares a look)
    verdict = checker.check("a", "wechat", "wechat", found.item.hash)
    assert verdict.post is not None and checker.ready.hits == 0
    assert "刚保存的模板" in str(verdict.post.fields["content"])


def test_a_burst_of_sends_compares_the_rules_stamps_once_a_second(ws: WS, store: Store) -> None:
    folder = own_rules(ws)
    w, calendar = synced(ws, store)
    clock = [100.0]
    keeper = SendReady(w, calendar.renderer, clock=lambda: clock[0])
    before = keeper.name(("key",))
    assert before is not None
    add_to_template(folder, "<p>改</p>")
    clock[0] += RECHECK_S / 2
    assert keeper.name(("key",)) == before  # within the second: the stamps are not looked at again
    clock[0] += RECHECK_S / 2
    assert keeper.name(("key",)) is None  # the rules in memory are not the files': no entry until reopened
    clock[0] += RECHECK_S
    assert keeper.name(("key",)) is None


def test_a_rules_file_saved_during_a_render_keeps_nothing(ws: WS, store: Store) -> None:
    folder = own_rules(ws)
    write(ws, "a", when="2026-12-03 12:00")
    w, calendar = synced(ws, store)
    post, _ = send(w, store, calendar, "a")
    keeper = SendReady(w, calendar.renderer, clock=lambda: 100.0)
    name = keeper.name(("key",))
    assert name is not None
    add_to_template(folder, "<p>改</p>")  # saved while the post rendered: it may have read either version
    assert keeper.put(name, post) is False  # the stamps are compared at every write, not once a second
    assert entries(w) == [] and keeper.name(("key",)) is None


def test_a_payload_is_never_kept_under_rules_it_was_not_rendered_with(ws: WS, store: Store) -> None:
    """platform.yaml saved after the workspace read its rules (a daemon that has not reloaded them yet): the
    render uses the rules in memory, so its payload must not be kept under the file's new contents, where a
    restart (the rules read from the files) would find and send it."""
    folder = own_rules(ws)
    tagged = ITEM.format(id="a", body="一", when="2026-12-01 12:00").replace(
        "status:", "tags: [新品]\nstatus:"
    )
    ws.item("a.md", tagged)
    w = ws.open()
    calendar = Calendar(w, lean=True)  # the rules are read here
    rules = folder / "platform.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace('"#{tag}"', '"【{tag}】"'), encoding="utf-8")
    sync_calendar(w, store, now=NOW, calendar=calendar)  # prepares the post due soon, with the rules read
    w, calendar = synced(ws, store, prepare=False)  # a restart: the rules read from the files
    post, hits = send(w, store, calendar, "a")
    assert hits == 0
    assert "【新品】" in str(post.fields["content"])
    assert post == fresh(ws, "a")


def test_once_the_rules_are_read_again_payloads_are_kept_and_read(ws: WS, store: Store) -> None:
    folder = own_rules(ws)
    write(ws, "a")
    w = ws.open()
    calendar = Calendar(w, lean=True)
    add_to_template(folder, "<p>新模板</p>")
    sync_calendar(w, store, now=NOW, calendar=calendar)
    assert entries(w) == []  # the rules in memory are not the files': nothing kept
    w, calendar = synced(ws, store)  # opened again, as the daemon does on the save
    assert len(entries(w)) == 1
    post, hits = send(w, store, calendar, "a")
    assert hits == 1 and "新模板" in str(post.fields["content"])


def test_a_changed_setting_is_rendered_again(ws: WS, store: Store) -> None:
    write(ws, "a")
    w, calendar = synced(ws, store)
    toml = ws.root / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[workspace]", "[workspace]\nutm = false"))
    w, calendar = synced(ws, store, prepare=False)
    post, hits = send(w, store, calendar, "a")
    assert hits == 0
    assert post == fresh(ws, "a")


def test_a_processed_file_gone_or_changed_is_a_miss(ws: WS, store: Store) -> None:
    write(ws, "a")
    w, calendar = synced(ws, store)
    kept, _ = send(w, store, calendar, "a")
    processed = Path(kept.media[0].path)
    processed.unlink()
    post, hits = send(w, store, calendar, "a")
    assert hits == 0 and processed.is_file()  # rendered again: the file processed again
    assert post == kept
    with processed.open("ab") as f:
        f.write(b"\0")
    _, hits = send(w, store, calendar, "a")
    assert hits == 0


def test_a_payload_json_cannot_carry_exactly_is_not_kept(ws: WS, store: Store) -> None:
    write(ws, "a")
    w, calendar = synced(ws, store)
    post, _ = send(w, store, calendar, "a")
    keeper = SendReady(w, calendar.renderer)
    odd = replace(post, fields={**post.fields, "tags": ("a", "b")})
    assert keeper.put("odd.json", odd) is False
    dated = replace(post, fields={**post.fields, "at": NOW})
    assert keeper.put("dated.json", dated) is False
    assert keeper.put("same.json", post) is True
    assert keeper.get("same.json", "wechat") == post


def test_old_entries_are_pruned(ws: WS, store: Store) -> None:
    write(ws, "a")
    w, calendar = synced(ws, store)
    (entry,) = entries(w)
    old = (NOW - timedelta(days=3)).timestamp()
    os.utime(entry, (old, old))
    keeper = SendReady(w, calendar.renderer)
    assert keeper.prune(every_s=0) == 1
    assert entries(w) == []


def test_a_later_sync_does_not_parse_a_prepared_item_again_and_writes_a_lost_entry_again(
    ws: WS, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(ws, "a")
    w = ws.open()
    calendar = Calendar(w, lean=True)
    parsed: list[Path] = []
    reread = calendar.reread

    def counting(path: Path, raw: bytes) -> Any:
        parsed.append(path)
        return reread(path, raw)

    monkeypatch.setattr(calendar, "reread", counting)
    sync_calendar(w, store, now=NOW, calendar=calendar)
    assert len(parsed) == 1 and len(entries(w)) == 1
    sync_calendar(w, store, now=NOW, calendar=calendar)
    assert len(parsed) == 1  # named from the first sync's memo: the file is not parsed again
    entries(w)[0].unlink()
    sync_calendar(w, store, now=NOW, calendar=calendar)
    assert len(parsed) == 2 and len(entries(w)) == 1
