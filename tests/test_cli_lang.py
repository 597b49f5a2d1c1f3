"""The CLI's summary lines speak the workspace's language (Chinese by default) and English with `--lang en`;
every line comes from the one catalogue (`publisher.messages`)."""

from __future__ import annotations

import re

from tests.conftest import WS
from tests.test_check import GOOD
from tests.test_cli import cli


def test_sync_and_run_once_summaries_in_chinese_by_default_and_english_on_request(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00"))
    root = str(ws.root)
    zh = cli("sync", "--workspace", root)
    assert zh.returncode == 0, zh.stderr
    assert "上次同步以来的变更" in zh.stdout and "已同步：" in zh.stdout and "synced:" not in zh.stdout
    en = cli("sync", "--lang", "en", "--workspace", root)
    assert "synced: 0 change(s); 0 content error(s)" in en.stdout
    once = cli("run", "--once", "--workspace", root)
    assert once.returncode == 0, once.stderr
    assert re.search(r"publisher run --once：处理了 \d+ 条内容", once.stderr), once.stderr
    once_en = cli("run", "--once", "--lang", "en", "--workspace", root)
    assert re.search(r"publisher run --once: \d+ post\(s\) handled", once_en.stderr), once_en.stderr


def test_status_names_states_in_chinese_and_keeps_the_store_word_in_english(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00"))
    root = str(ws.root)
    assert cli("sync", "--workspace", root).returncode == 0
    zh = cli("status", "--workspace", root).stdout
    assert "排队中" in zh and "各状态内容数" in zh and "queued" not in zh
    en = cli("status", "--lang", "en", "--workspace", root).stdout
    assert "queued" in en and "posts by state" in en and "排队中" not in en
    assert cli("status", "--lang", "fr", "--workspace", root).returncode == 2
