"""`set_publish_at` changes one value and nothing else; `rewrite_if_unchanged` refuses a changed file."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.content.edit import StaleFile, rewrite_if_unchanged, set_publish_at, text_digest

CASES = [
    (  # a comment on the line and around it is kept, key order too
        "---\n# plan\ntitle: 上线\npublish_at: 2026-12-01 12:00  # lunch\nstatus: ready\n---\nbody\n",
        None,
        "---\n# plan\ntitle: 上线\npublish_at: 2026-12-03 09:30  # lunch\nstatus: ready\n---\nbody\n",
    ),
    (  # a quoted value stays quoted, with the same quote
        '---\ntitle: t\npublish_at: "2026-12-01 12:00"\n---\n',
        None,
        '---\ntitle: t\npublish_at: "2026-12-03 09:30"\n---\n',
    ),
    (
        "---\ntitle: t\npublish_at: '2026-12-01 12:00'\n---\n",
        None,
        "---\ntitle: t\npublish_at: '2026-12-03 09:30'\n---\n",
    ),
    (  # CRLF line endings are kept
        "---\r\ntitle: t\r\npublish_at: 2026-12-01 12:00\r\n---\r\nbody\r\n",
        None,
        "---\r\ntitle: t\r\npublish_at: 2026-12-03 09:30\r\n---\r\nbody\r\n",
    ),
    (  # the platform's own publish_at in a flow mapping
        "---\ntitle: t\npublish_at: 2026-12-01 12:00\nplatforms:\n  xiaohongshu: {}\n"
        '  douyin: {publish_at: 2026-12-01 18:00, caption: "a, b"}\n---\n',
        "douyin",
        "---\ntitle: t\npublish_at: 2026-12-01 12:00\nplatforms:\n  xiaohongshu: {}\n"
        '  douyin: {publish_at: 2026-12-03 09:30, caption: "a, b"}\n---\n',
    ),
    (  # ... and in a block mapping, with a zone suffix replaced
        "---\ntitle: t\npublish_at: 2026-12-01 12:00\nplatforms:\n  producthunt:\n    name: W\n"
        "    publish_at: 2026-12-02 00:01 America/Los_Angeles\n---\n",
        "producthunt",
        "---\ntitle: t\npublish_at: 2026-12-01 12:00\nplatforms:\n  producthunt:\n    name: W\n"
        "    publish_at: 2026-12-03 09:30\n---\n",
    ),
    (  # a platform without its own publish_at moves the item's
        "---\ntitle: t\npublish_at: 2026-12-01 12:00\nplatforms:\n  xiaohongshu: {}\n---\n",
        "xiaohongshu",
        "---\ntitle: t\npublish_at: 2026-12-03 09:30\nplatforms:\n  xiaohongshu: {}\n---\n",
    ),
    (  # absent: inserted after the title
        "---\nid: a\ntitle: t  # note\nstatus: draft\n---\nbody\n",
        None,
        "---\nid: a\ntitle: t  # note\npublish_at: 2026-12-03 09:30\nstatus: draft\n---\nbody\n",
    ),
    (  # absent, after a multi-line title, CRLF
        "---\r\ntitle: |\r\n  two\r\n  lines\r\nstatus: draft\r\n---\r\n",
        None,
        "---\r\ntitle: |\r\n  two\r\n  lines\r\npublish_at: 2026-12-03 09:30\r\nstatus: draft\r\n---\r\n",
    ),
    (  # a byte-order mark stays
        "\ufeff---\ntitle: t\npublish_at: slot\n---\n",
        None,
        "\ufeff---\ntitle: t\npublish_at: 2026-12-03 09:30\n---\n",
    ),
]


@pytest.mark.parametrize(("before", "platform", "after"), CASES)
def test_set_publish_at_changes_that_one_value(before: str, platform: str | None, after: str) -> None:
    assert set_publish_at(before, "2026-12-03 09:30", platform) == after


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"---\ntitle: t\n---\n")
    seen = text_digest(path.read_bytes())
    rewrite_if_unchanged(path, seen, "---\ntitle: u\n---\n")
    assert path.read_text() == "---\ntitle: u\n---\n"
    with pytest.raises(StaleFile):
        rewrite_if_unchanged(path, seen, "---\ntitle: v\n---\n")
    assert path.read_text() == "---\ntitle: u\n---\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]  # no temp file left behind
