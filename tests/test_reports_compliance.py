"""The weekly report's 问题与风险 lists the compliance hits items acknowledged (`allow:` with a reason) for
the posts of its week: the word, the item's workspace-relative path and the reason, in the report's
language."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from test_web import copy_example

from publisher import reports
from publisher.calendar.sync import sync_calendar
from publisher.store.db import open_store
from publisher.workspace.settings import open_workspace

NOW = datetime(2026, 11, 25, tzinfo=UTC)
LATER = datetime(2026, 12, 15, 2, 0, tzinfo=UTC)


def test_weekly_risks_list_the_weeks_acknowledged_hits(tmp_path: Path) -> None:
    ws = open_workspace(copy_example(tmp_path / "ws"))
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    sync_calendar(ws, store, now=NOW)

    week = reports.build("weekly", store, ws, period="2026-W50", lang="zh", now=LATER)
    line = (
        "合规已说明：「最受欢迎」（content/2026-12-07-weekly-recap.md），"
        "理由：本周模板使用量排名（后台数据），不是商品宣传"
    )
    assert line in week.risks, week.risks
    assert week.risks.count(line) == 1  # one line per item and word, however many platforms it goes to
    english = reports.build("weekly", store, ws, period="2026-W50", lang="en", now=LATER)
    assert (
        "compliance acknowledged: “最受欢迎” (content/2026-12-07-weekly-recap.md), because: "
        "本周模板使用量排名（后台数据），不是商品宣传" in english.risks
    )
    # Written into the Markdown report's 问题与风险 section, never with the absolute path.
    text = reports.write(week, "md", tmp_path / "w.md").read_text("utf-8")
    risks = text.split("## 问题与风险", 1)[1].split("\n## ", 1)[0]
    assert "「最受欢迎」" in risks and str(tmp_path) not in text

    # Another week, without that item's posts, lists no acknowledgement.
    other = reports.build("weekly", store, ws, period="2026-W48", lang="zh", now=LATER)
    assert not [r for r in other.risks if r.startswith("合规已说明")], other.risks

    # An item that takes its acknowledgement away is no longer listed.
    recap = ws.content_dir / "2026-12-07-weekly-recap.md"
    recap.write_text(
        "\n".join(ln for ln in recap.read_text("utf-8").splitlines() if not ln.startswith("allow:")) + "\n",
        "utf-8",
    )
    sync_calendar(ws, store, now=NOW)
    again = reports.build("weekly", store, ws, period="2026-W50", lang="zh", now=LATER)
    assert not [r for r in again.risks if r.startswith("合规已说明")], again.risks
