"""R24 (docs/reliability.md#storage), with the real entry point (issue 11, item 8): SIGKILL `publisher run` at
random moments while it publishes to a separate `publisher sandbox`, restart, again and again: no post is sent
twice, none is lost, every post settles within 30 s of the last restart, and the SQLite file stays intact.

`publisher run --sandbox` starts as a user starts it: the console script with default settings (the 60 s
lease, the default retry timings); the environment holds only what a user sets there (credentials, the
sandbox's address in PUBLISHER_SANDBOX_URL). A restart takes the dead daemon's leases over at once (the
workspace lock proves it dead), so no kill waits for a lease to run out. The fake's clock runs five minutes
behind ours for the first half of the kills and five minutes ahead for the rest: reconcile must find a post
by its identity, never by our clock. The nemesis (support/kills.py) kills inside write-ahead steps, mid-send,
at random moments after the start and during the start; write endpoints answer slowly half of the time, so
kills land mid-request. Each round adds an item while the backlog is small, so the daemon always has work
when it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from pathlib import Path

import pytest
from support.kills import Nemesis, accepted, check_exactly_once, prepare_sandbox, unsettled
from support.procs import Run, Sandbox, wait_for
from support.workspaces import (
    Layout,
    attempts,
    authorize_douyin,
    credential_env,
    due_now,
    item_text,
    open_ws,
    posts,
    remote_objects,
    write_workspace,
)

from publisher.store.db import open_store

KILLS = 76  # of publisher run here; 24 more in tests/test_reliability_kill_pg.py (docs/reliability.md R24)
#: the platform's clock 5 min behind ours for the first half of the kills, then 5 min ahead
SKEWS = (-300, 300)
BACKLOG = 3  # a round adds an item (three posts) only while fewer posts than this are unsettled
SEED = 20261201
SETTLE_S = 30  # the promise: every post settled this long after the last restart


@pytest.mark.slow
def test_sigkill_publisher_run_at_random_moments_sends_nothing_twice_and_loses_nothing(
    tmp_path: Path,
) -> None:
    began = time.monotonic()
    root = write_workspace(tmp_path / "ws", Layout(items=1, when=due_now()))
    box = Sandbox.start(seed=SEED, log=tmp_path / "sandbox.log")
    env = {**credential_env(root), "PUBLISHER_SANDBOX_URL": box.url}
    store = open_store(open_ws(root, env).database_url)
    log = (tmp_path / "daemon.log").open("ab")
    nemesis = Nemesis(SEED)
    items, skew = 1, SKEWS[0]
    try:
        prepare_sandbox(box, skew_s=skew)
        asyncio.run(authorize_douyin(store, box.url))
        for n in range(KILLS):
            skew = SKEWS[n * len(SKEWS) // KILLS]
            if len(unsettled(posts(store))) < BACKLOG:
                text = item_text(items, Layout(when=due_now(1)))
                (root / "content" / f"item-{items:04d}.md").write_text(text, encoding="utf-8")
                items += 1
            box.clock(skew_s=skew)  # the fake's clock stands still between settings: keep it near ours
            nemesis.strike(store, [Run.start(root, env, log=log)])

        box.clock(skew_s=skew)
        spawned = time.monotonic()
        final = Run.start(root, env, log=log)
        # The promise is about recovery: it counts from the daemon's start (its heartbeat), not from the
        # interpreter's, whose imports alone take seconds on a loaded machine.
        wait_for(final.started, timeout=120, every=0.05, what="the last restart")
        restarted = time.monotonic()

        def settled() -> bool:
            box.clock(skew_s=skew)
            rows = posts(store)
            return len(rows) == items * 3 and not unsettled(rows)

        try:
            wait_for(settled, timeout=SETTLE_S, every=0.25, what="every post to settle")
        except AssertionError:
            stuck = unsettled(posts(store))
            raise AssertionError(
                f"{len(stuck)} post(s) not settled {SETTLE_S} s after the last restart: {stuck[:10]}"
            ) from None
        took, booted = time.monotonic() - restarted, restarted - spawned
        assert final.stop() == 0
        rows = posts(store)
        state = box.state()
    finally:
        box.stop()
        log.close()

    assert len(rows) == items * 3  # nothing lost: every item has its post on every platform
    assert all(p["lease_owner"] is None for p in rows)
    # Published, or (a post interrupted at every one of its attempts) waiting for a person: most go out.
    published = sum(p["state"] == "published" for p in rows)
    assert published >= len(rows) / 2, [(p["id"], p["state"], p["reason"]) for p in rows]
    check_exactly_once(rows, state, {f"item-{n:04d}": f"周报第{n}期" for n in range(items)})

    # The nemesis did its job, and the file survived it.
    assert nemesis.caught_mid_write >= KILLS // 8, (nemesis.caught_mid_write, dict(nemesis.moments))
    check = store.self_check(integrity=True)
    store.close()
    assert check["integrity_check"] == "ok" and not check["problems"], check
    print(
        f"\nkill test: {KILLS} kills {dict(nemesis.moments)} (platform clock {SKEWS[0]:+d} s, then "
        f"{SKEWS[-1]:+d} s), {nemesis.caught_mid_write} inside a write step, {nemesis.caught_mid_send} "
        f"mid-send; {items} items, {published}/{len(rows)} published; the last restart took {booted:.1f} s "
        f"to start and settled everything {took:.1f} s later; {time.monotonic() - began:.0f} s in all"
    )


# -- a restart takes over a dead daemon's leases at once ----------------------------------------------------

WRITE_PATHS = {
    "draft/add": "/cgi-bin/draft/add",
    "create_image_text": "/api/douyin/v1/video/create_image_text/",
}


@pytest.mark.slow
def test_a_restarted_daemon_settles_every_post_a_sigkill_left_claimed_or_sending_within_30_s(
    tmp_path: Path,
) -> None:
    """The real `publisher run` against a real `publisher sandbox`: SIGKILL while one post is mid-write and
    the rest are claimed, restart: the daemon lock proves the old owner dead, so its leases are taken back at
    once (a lease would otherwise hold them until it expires), and every post settles within 30 s, none
    twice."""
    root = write_workspace(tmp_path / "ws", Layout(items=2, when=due_now()))
    box = Sandbox.start(seed=SEED, log=tmp_path / "sandbox.log")
    env = {**credential_env(root), "PUBLISHER_SANDBOX_URL": box.url}
    store = open_store(open_ws(root, env).database_url)
    log = (tmp_path / "daemon.log").open("ab")
    runs: list[Run] = []
    try:
        box.clock()
        box.config({"wechat": {"publish_delay_seconds": 0}, "douyin": {"review_delay_seconds": 0}})
        slow = [
            {"kind": "delay", "path": path, "method": "POST", "ms": 1500, "times": 0}
            for path in (*WRITE_PATHS.values(), "/api/v1/publish")
        ]
        box.faults(slow)
        asyncio.run(authorize_douyin(store, box.url))

        runs.append(Run.start(root, env, log=log))

        def in_write_step() -> str | None:
            assert runs[0].alive(), "the daemon exited (see daemon.log)"
            sending = {p["id"] for p in posts(store) if p["state"] == "sending"}
            open_steps = [
                a["step"] for a in attempts(store) if a["finished_at"] is None and a["post_id"] in sending
            ]
            return next((s for s in open_steps if s in WRITE_PATHS), None)

        step = wait_for(in_write_step, timeout=90, every=0.02, what="a post mid-write")
        runs[0].kill()
        states = Counter(p["state"] for p in posts(store))
        # A lease of each kind is left: posts of different accounts go out together, the rest wait claimed.
        assert states["sending"] >= 1 and states["claimed"] >= 1, states

        def landed() -> bool:  # the platform commits the write whose answer nobody waits for any more
            return any(
                c["path"].startswith(("/wx", "/dy")) and WRITE_PATHS[step] in c["path"]
                for c in box.state()["calls"]
            )

        # The kill may also fall between the step's intent and its request: then nothing is in flight and
        # nothing lands. Either way, wait (with a deadline) until an in-flight write had its 1.5 s to land.
        with contextlib.suppress(AssertionError):
            wait_for(landed, timeout=5, every=0.05, what="the write in flight to land")
        box.faults([])

        runs.append(Run.start(root, env, log=log))
        # As in the kill loop, the 30 s count from the daemon's start, not its interpreter's.
        wait_for(runs[1].started, timeout=120, every=0.05, what="the restart")
        restarted = time.monotonic()

        def settled() -> bool:
            assert runs[1].alive(), "the restarted daemon exited (see daemon.log)"
            rows = posts(store)
            return len(rows) == 6 and not unsettled(rows)

        wait_for(settled, timeout=SETTLE_S, every=0.1, what="every post to settle after the restart")
        took = time.monotonic() - restarted
        assert runs[1].stop() == 0
        rows = posts(store)
        state = box.state()
    finally:
        for run in runs:
            if run.alive():
                run.kill()
        box.stop()
        log.close()

    check_exactly_once(rows, state, {f"item-{n:04d}": f"周报第{n}期" for n in range(2)})
    assert all(p["state"] == "published" or accepted(p) for p in rows), [
        (p["state"], p["reason"]) for p in rows
    ]
    got = remote_objects(state)
    assert len(got["wechat_articles"]) == 2 and len(got["douyin"]) == 2 and len(got["xiaohongshu"]) == 2, got
    assert all(p["lease_owner"] is None for p in rows)
    store.close()
    print(f"\nrestart: settled {took:.1f} s after the restart")
