"""A person's `resolve --not-published` while the platform still processes the post's publish job (a WeChat
freepublish job: reconcile, "submitted; waiting for the platform", its publish_id stored) is refused: the
job may still complete, and sending again would post twice. The refusal names the post, the job and what to
do; --force (a person who checked and saw the job fail) sends it again, afresh. CLI, dashboard and MCP."""

from __future__ import annotations

import json
import re
import threading

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient
from tests.conftest import WS
from tests.test_check import GOOD
from tests.test_cli import cli

from publisher.mcp.read import Reads
from publisher.queue.actions import ActionRefused
from publisher.queue.ledger import SUBMITTED
from publisher.store.db import store_for
from publisher.store.tables import EventRow, PostRow
from publisher.web import create_app

post_t = PostRow.__table__  # type: ignore[attr-defined]
event_t = EventRow.__table__  # type: ignore[attr-defined]
JOB = "2247483647"


def _a_wechat_job_processing(ws: WS) -> int:
    """The WeChat post of GOOD as the queue leaves it after freepublish/submit answered a publish_id."""
    ws.item("launch.md", GOOD)
    assert cli("sync", "--workspace", str(ws.root)).returncode == 0
    store = store_for(ws.open())
    with store.begin() as conn:
        pid: int = conn.execute(
            sa.select(post_t.c.id).where(post_t.c.item_id == "launch", post_t.c.platform == "wechat")
        ).scalar_one()
        for step in ("claimed", "sending"):  # the database lets a post reach reconcile only by these
            conn.execute(sa.update(post_t).where(post_t.c.id == pid).values(state=step))
        conn.execute(
            sa.update(post_t)
            .where(post_t.c.id == pid)
            .values(
                state="reconcile",
                reason=SUBMITTED,
                remote_id=JOB,
                ids={"draft_media_id": "MEDIA", "publish_id": JOB, "submit_at": 1.0},
            )
        )
    return pid


def _post(ws: WS, pid: int) -> dict[str, object]:
    with store_for(ws.open()).session() as s:
        return dict(s.execute(sa.select(post_t).where(post_t.c.id == pid)).mappings().one())


def test_cli_refuses_not_published_while_the_job_is_processing_and_force_sends_it_afresh(ws: WS) -> None:
    pid = _a_wechat_job_processing(ws)
    refused = cli("resolve", str(pid), "--not-published", "--workspace", str(ws.root))
    assert refused.returncode != 0
    text = refused.stderr.replace("\n", "")
    assert f"帖子 {pid}" in text and JOB in text and "mp.weixin.qq.com" in text and "--force" in text
    assert "Traceback" not in refused.stderr + refused.stdout
    english = cli("resolve", str(pid), "--not-published", "--lang", "en", "--workspace", str(ws.root))
    assert f"post {pid}" in english.stderr and "twice" in english.stderr.replace("\n", " ")
    row = _post(ws, pid)
    assert row["state"] == "reconcile" and row["reason"] == SUBMITTED  # nothing moved
    assert row["ids"] == {"draft_media_id": "MEDIA", "publish_id": JOB, "submit_at": 1.0}
    # --published URL needs no force: it is what the job turned into
    forced = cli("resolve", str(pid), "--not-published", "--force", "--json", "--workspace", str(ws.root))
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout) == {"post": pid, "state": "retrying"}
    row = _post(ws, pid)
    # ids dropped: the adapter submits afresh instead of following the failed job again
    assert row["state"] == "retrying" and not any(v is not None for v in dict(row["ids"]).values())  # type: ignore[call-overload]
    with store_for(ws.open()).session() as s:
        kinds = list(
            s.execute(
                sa.select(event_t.c.message).where(
                    event_t.c.post_id == pid, event_t.c.kind == "forced_resolve"
                )
            ).scalars()
        )
    assert len(kinds) == 1 and JOB in kinds[0]


def test_cli_published_url_needs_no_force_on_a_processing_job(ws: WS) -> None:
    pid = _a_wechat_job_processing(ws)
    done = cli(
        "resolve",
        str(pid),
        "--published",
        "https://mp.weixin.qq.com/s/x",
        "--json",
        "--workspace",
        str(ws.root),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "published"


def test_dashboard_asks_for_the_job_failed_tick_and_refuses_without_it(ws: WS) -> None:
    pid = _a_wechat_job_processing(ws)
    with TestClient(create_app(ws.open(), watch=False), base_url="http://127.0.0.1") as client:
        page = client.get("/queue").text
        assert 'name="force"' in page and "已核对：任务失败" in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        form = {"csrf": csrf[1], "next": "/queue", "not_published": "1"}
        headers = {"Origin": "http://127.0.0.1"}
        refused = client.post(f"/posts/{pid}/resolve", headers=headers, data=form).text
        assert JOB in refused and "mp.weixin.qq.com" in refused
        assert _post(ws, pid)["state"] == "reconcile"
        client.post(f"/posts/{pid}/resolve", headers=headers, data={**form, "force": "1"})
    assert _post(ws, pid)["state"] == "retrying"


def test_the_mcp_tool_refuses_the_same_way_and_takes_force(ws: WS) -> None:
    pid = _a_wechat_job_processing(ws)
    opened = ws.open()
    reads = Reads(opened, store_for(opened), threading.Lock())
    with pytest.raises(ActionRefused, match=JOB):
        reads.resolve_post(pid, not_published=True)
    assert _post(ws, pid)["state"] == "reconcile"
    assert reads.resolve_post(pid, not_published=True, force=True) == {"post_id": pid, "state": "retrying"}


def test_a_job_found_pending_after_the_person_looked_stops_their_answer(ws: WS) -> None:
    """The person saw "outcome unknown"; before their answer is written, the queue's check finds the job
    still publishing (the post stays in reconcile, its reason becomes SUBMITTED). The answer was given to a
    post that is no longer there: the move is refused, nothing is sent again."""
    from datetime import UTC, datetime

    from publisher.models import PostState
    from publisher.store.claims import transition

    pid = _a_wechat_job_processing(ws)
    store = store_for(ws.open())
    seen = "outcome unknown; checking again later (timeout)"
    kept = transition(
        store, pid, owner=None, from_states=[PostState.RECONCILE], to=PostState.RETRYING,
        now=datetime.now(UTC), reason="confirmed not published by a person", reason_was=seen,
    )  # fmt: skip
    assert kept is False
    assert _post(ws, pid)["state"] == "reconcile" and _post(ws, pid)["reason"] == SUBMITTED
    moved = transition(
        store, pid, owner=None, from_states=[PostState.RECONCILE], to=PostState.RETRYING,
        now=datetime.now(UTC), reason="confirmed not published by a person", reason_was=SUBMITTED,
    )  # fmt: skip
    assert moved is True  # the same answer to the post as it stands goes through
