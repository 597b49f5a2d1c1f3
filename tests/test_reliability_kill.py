"""DESIGN.md 12, first promise: SIGKILL the daemon at random moments while it publishes to the sandbox,
restart, a hundred times: no post is sent twice, none is lost, and the SQLite file stays intact.

The sandbox and the daemon each run in a process of their own (the daemon is the real Daemon + Queue +
adapters, with a 2 s lease so reaped leases come back within the test). Write endpoints answer slowly half of
the time, so kills land mid-request often; the test counts how many kills caught a post in `sending`.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path

import pytest
from support.procs import DaemonProc, Sandbox, wait_for
from support.workspaces import (
    Layout,
    authorize_douyin,
    credential_env,
    due_now,
    open_ws,
    posts,
    remote_objects,
    write_workspace,
)

from publisher.store.db import open_store

pytestmark = pytest.mark.slow

KILLS = 100
ITEMS = 16
SEED = 20261201
WAITING_FOR_A_PERSON = {"needs_attention", "awaiting_manual"}
FINAL = {"published", *WAITING_FOR_A_PERSON}
SLOW_WRITES = [
    ("wechat", "/cgi-bin/material/add_material"),
    ("wechat", "/cgi-bin/draft/add"),
    ("wechat", "/cgi-bin/freepublish/submit"),
    ("douyin", "/api/douyin/v1/video/upload_image/"),
    ("douyin", "/api/douyin/v1/video/create_image_text/"),
    ("xiaohongshu", "/api/v1/publish"),
]


def _slow_write_rules() -> list[dict[str, object]]:
    return [
        {
            "kind": "delay",
            "platform": p,
            "path": path,
            "method": "POST",
            "ms": 250,
            "times": 0,
            "probability": 0.5,
        }
        for p, path in SLOW_WRITES
    ]


def test_sigkill_a_hundred_times_sends_nothing_twice_and_loses_nothing(tmp_path: Path) -> None:
    began = time.monotonic()
    rng = random.Random(SEED)
    root = write_workspace(tmp_path / "ws", Layout(items=ITEMS, when=due_now()))
    env = credential_env(root)
    ws = open_ws(root, env)
    box = Sandbox.start(seed=SEED, log=tmp_path / "sandbox.log")
    stderr = (tmp_path / "daemon.log").open("ab")
    try:
        box.clock()
        box.config({"wechat": {"publish_delay_seconds": 0}, "douyin": {"review_delay_seconds": 0}})
        box.faults(_slow_write_rules())
        store = open_store(ws.database_url)
        asyncio.run(authorize_douyin(store, box.url))

        mid_send = 0
        for _ in range(KILLS):
            box.clock()  # the fake's clock follows the wall clock: reconcile windows compare both
            daemon = DaemonProc.start(root, box.url, env, log=stderr)
            assert daemon.wait_ready(), "the daemon exited before it was ready (see daemon.log)"
            time.sleep(rng.uniform(0.0, 0.6))  # the nemesis: a random moment, not a wait for an event
            daemon.kill()
            mid_send += any(p["state"] == "sending" for p in posts(store))

        box.clock()
        final = DaemonProc.start(root, box.url, env, log=stderr)
        assert final.wait_ready()

        def drained() -> bool:
            box.clock()
            rows = posts(store)
            return len(rows) == ITEMS * 3 and all(p["state"] in FINAL for p in rows)

        try:
            wait_for(drained, timeout=120, every=0.25, what="every post to reach a final state")
        finally:
            final.stop()
        rows = posts(store)
        state = box.state()
    finally:
        box.stop()
        stderr.close()

    # Every due post ended published, or waits for a person and says why; none is stuck mid-flight.
    by_state = Counter(p["state"] for p in rows)
    assert set(by_state) <= FINAL, by_state
    assert all(p["reason"] for p in rows if p["state"] in WAITING_FOR_A_PERSON)
    assert by_state["published"] >= len(rows) * 0.8, by_state
    assert all(p["lease_owner"] is None for p in rows)

    # Nothing was sent twice: no duplicate the fake noticed, at most one remote object per item and platform.
    assert state["duplicates"] == []
    objects = remote_objects(state)
    per_item = {
        "wechat": Counter(a["news_item"][0]["title"] for a in objects["wechat_articles"]),
        "douyin": Counter(i["text"].split(" #")[0] for i in objects["douyin"]),
        "xiaohongshu": Counter(n["title"] for n in objects["xiaohongshu"]),
    }
    titles = {f"item-{n:04d}": f"周报第{n}期" for n in range(ITEMS)}
    for p in rows:
        count = per_item[p["platform"]][titles[p["item_id"]]]
        if p["state"] == "published":
            assert count == 1, (p["item_id"], p["platform"], count)
        else:
            assert count <= 1, (p["item_id"], p["platform"], count)
    for platform, counts in per_item.items():  # and nothing the test did not ask for
        assert set(counts) <= set(titles.values()), (platform, counts)

    # The nemesis did its job, and the file survived it.
    assert mid_send >= 10, f"only {mid_send} of {KILLS} kills caught a post mid-send"
    check = store.self_check(integrity=True)
    store.close()
    assert check["integrity_check"] == "ok" and not check["problems"], check
    print(
        f"\nkill test: {KILLS} kills, {mid_send} mid-send, final {dict(by_state)}, "
        f"{time.monotonic() - began:.0f} s"
    )
