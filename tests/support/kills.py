"""The nemesis of the kill tests and what they check afterwards.

A `Nemesis` SIGKILLs a `publisher run` process at a moment it picks at random: inside a write-ahead step (a
post in `sending` whose attempt has begun a step that writes on the platform), while any post is sending, at a
random moment after the daemon started, or during its start itself. The sandbox answers write requests slowly
half of the time, so a kill inside a step usually lands while the request is in flight.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from publisher.queue.ledger import SUBMITTED
from publisher.store.db import Store
from support.procs import Run, Sandbox, wait_for
from support.workspaces import attempts, posts, remote_objects

WAITING_FOR_A_PERSON = {"needs_attention", "awaiting_manual"}
FINAL = {"published", *WAITING_FOR_A_PERSON}
#: attempt steps (ctx.intent) that precede a request creating something on the platform
WRITE_STEPS = {"draft/add", "freepublish/submit", "create_image_text", "publish"}
SLOW_WRITES = [
    ("wechat", "/cgi-bin/material/add_material"),
    ("wechat", "/cgi-bin/draft/add"),
    ("wechat", "/cgi-bin/freepublish/submit"),
    ("douyin", "/api/douyin/v1/video/upload_image/"),
    ("douyin", "/api/douyin/v1/video/create_image_text/"),
    ("xiaohongshu", "/api/v1/publish"),
]
#: how the nemesis picks its moments, with weights
MOMENTS = {"mid-write": 4, "mid-send": 2, "after-start": 3, "during-start": 1}


def prepare_sandbox(box: Sandbox, *, skew_s: float, slow_ms: int = 300) -> None:
    """The fake's clock at the wall clock + `skew_s`; publish jobs and reviews finish at once; write endpoints
    slow half of the time. The platforms' daily limits are real (WeChat's API quotas, Douyin's 20 posts a day
    per account: docs/platforms) and have tests of their own; a hundred kills publish more than a day's worth,
    and these tests are about crashes, so the fake's day here allows them."""
    box.clock(skew_s=skew_s)
    wechat = box.client.get("/__fake/config").json()["wechat"]
    quotas = {path: 10**9 for path in wechat["quotas"]}
    box.config(
        {
            "wechat": {"publish_delay_seconds": 0, "quotas": quotas, "force_refresh_per_day": 10**9},
            "douyin": {"review_delay_seconds": 0, "daily_create_limit": 10**9},
        }
    )
    slow = [
        {"kind": "delay", "platform": p, "path": path, "method": "POST", "ms": slow_ms, "times": 0}
        for p, path in SLOW_WRITES
    ]
    box.faults([{**rule, "probability": 0.5} for rule in slow])


def _sending_owners(store: Store, *, in_write_step: bool) -> set[str]:
    """Lease owners of posts in `sending` (with `in_write_step`: whose attempt has begun a write step that has
    not finished)."""
    sending = {p["id"]: p["lease_owner"] for p in posts(store) if p["state"] == "sending"}
    if not sending or not in_write_step:
        return {o for o in sending.values() if o}
    return {
        sending[a["post_id"]]
        for a in attempts(store)
        if a["post_id"] in sending and a["finished_at"] is None and a["step"] in WRITE_STEPS
    } - {None}


def mid_write(store: Store) -> bool:
    """A post is sending and its attempt has begun a write step that has not finished."""
    return bool(_sending_owners(store, in_write_step=True))


def mid_send(store: Store) -> bool:
    return bool(_sending_owners(store, in_write_step=False))


def _pid(owner: str) -> int | None:
    """The pid in a lease owner `host:pid:nonce` (publisher.daemon.service.new_owner)."""
    parts = owner.split(":")
    return int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else None


class Nemesis:
    """Picks a moment for each kill (seeded: a failure can be replayed) and counts what the kills caught."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.moments: Counter[str] = Counter()
        self.caught_mid_write = 0
        self.caught_mid_send = 0

    def strike(self, store: Store, runs: list[Run], feed: Callable[[], None] | None = None) -> Run:
        """Kill one of `runs` at a moment picked at random; returns the one killed. Inside a write step or
        mid-send, the victim is the daemon that holds the post (when it is one of `runs`). `feed`, when given,
        adds the round's work: at once for the start moments, and for the in-flight ones only once every run
        is up and the nemesis watches, so that fast nodes have not sent it all before the watch begins."""
        moment = self.rng.choices(list(MOMENTS), weights=list(MOMENTS.values()))[0]
        victim = self.rng.choice(runs)
        in_flight = moment in ("mid-write", "mid-send")
        if feed is not None and not in_flight:
            feed()
        if moment == "during-start":
            time.sleep(self.rng.uniform(0.0, 2.0))  # the nemesis: a random moment, not a wait for an event
        else:
            for run in runs:
                wait_for(run.started, timeout=120, every=0.02, what="publisher run to start")
            if moment == "after-start":
                time.sleep(self.rng.uniform(0.0, 5.0))  # the nemesis: a random moment
            else:
                if feed is not None:
                    feed()
                # A little work first, so that kills do not always catch the first post of the batch.
                time.sleep(self.rng.uniform(0.0, 0.5))
                in_step = moment == "mid-write"

                def caught() -> set[str] | bool:
                    for run in runs:
                        assert run.alive(), f"publisher run exited with {run.proc.returncode} (see its log)"
                    return _sending_owners(store, in_write_step=in_step)

                with contextlib.suppress(AssertionError):  # nothing left to send: kill anyway
                    owners = wait_for(caught, timeout=8, every=0.005, what=moment)
                    by_pid = {run.proc.pid: run for run in runs}
                    held = [by_pid[p] for p in map(_pid, owners) if p in by_pid]
                    victim = held[0] if held else victim
        assert victim.alive(), f"publisher run exited on its own with {victim.proc.returncode} (see its log)"
        victim.kill()
        self.moments[moment] += 1
        self.caught_mid_write += mid_write(store)
        self.caught_mid_send += mid_send(store)
        return victim


def _waiting_on_platform(post: Mapping[str, Any]) -> bool:
    return (
        post["state"] == "reconcile" and post["reason"] == SUBMITTED and post["next_attempt_at"] is not None
    )


def accepted(post: Mapping[str, Any]) -> bool:
    """A publish the platform accepted and is processing (WeChat's freepublish job, its publish_id stored as
    the remote id): the queue polls it at its stored check time (15 s after the submit, then 1 min, ...), so
    it may still wait for that check when the others have settled. It is neither lost nor open:
    `check_exactly_once` requires the platform to hold it exactly once already (the fake here finishes a
    publish job at once)."""
    return _waiting_on_platform(post) and post["remote_id"] is not None


def unanswered_submit(post: Mapping[str, Any]) -> bool:
    """A WeChat submit whose answer the kill lost, while the account's count of today's submits moved (other
    posts of the account submit too, so the move does not prove it was this one) and its draft is still in
    the box: nothing can tell "never arrived" from "still publishing", so the queue checks on the job schedule
    until the draft leaves the box or `publish_settle_s` has passed (docs/platforms/wechat.md), then sends it
    again. It is neither lost nor open; the platform holds it at most once (`check_exactly_once`)."""
    return _waiting_on_platform(post) and post["remote_id"] is None


def unsettled(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Posts neither published, nor waiting for a person with a reason, nor waiting on the platform (accepted,
    or an unanswered submit) for their scheduled check, as (id, platform, state, reason)."""
    return [
        (p["id"], p["platform"], p["state"], p["reason"])
        for p in rows
        if not _waiting_on_platform(p)
        and (p["state"] not in FINAL or (p["state"] in WAITING_FOR_A_PERSON and not p["reason"]))
    ]


def check_exactly_once(
    rows: list[dict[str, Any]], state: Mapping[str, Any], titles: Mapping[str, str]
) -> None:
    """No duplicate the fake noticed; one remote object per published post, at most one for the others, and
    nothing the test did not ask for."""
    assert state["duplicates"] == [], state["duplicates"]
    objects = remote_objects(state)
    per_item = {
        "wechat": Counter(a["news_item"][0]["title"] for a in objects["wechat_articles"]),
        "douyin": Counter(i["text"].split(" #")[0] for i in objects["douyin"]),
        "xiaohongshu": Counter(n["title"] for n in objects["xiaohongshu"]),
    }
    for p in rows:
        count = per_item[p["platform"]][titles[p["item_id"]]]
        if p["state"] == "published" or accepted(p):
            assert count == 1, (p["item_id"], p["platform"], p["state"], count)
        else:
            assert count <= 1, (p["item_id"], p["platform"], count)
    for platform, counts in per_item.items():
        assert set(counts) <= set(titles.values()), (platform, counts)
