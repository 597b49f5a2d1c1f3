"""The rehearsal's pictures processed ahead on a thread of their own: the cache it fills, the same outcome,
and no thread left behind."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from tests.test_rehearse import START, UNTIL, reference_copy

from publisher.rehearsal import prefetch as prefetch_module
from publisher.rehearsal import run
from publisher.rehearsal.prefetch import MediaPrefetch
from publisher.rehearsal.run import RehearsalResult, rehearsal_workspace, rehearse
from publisher.workspace.settings import Workspace

THREAD = "rehearsal-media"


def _pictures(ws: Workspace) -> dict[str, str]:
    """The processed pictures in the media cache, by name: their sha256."""
    cache = rehearsal_workspace(ws).cache_dir
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in cache.iterdir()
        if p.suffix in (".jpg", ".png") and not p.name.startswith(".tmp-")
    }


def _no_prefetch_thread() -> bool:
    return not any(t.name == THREAD for t in threading.enumerate())


def _outcome(ws: Workspace, result: RehearsalResult) -> tuple[object, ...]:
    """What a rehearsal came to, with the workspace's own folder (in the pack paths) taken out."""
    root = str(ws.root)
    timeline = [
        (e.at, e.platform, e.account, e.item, e.state, e.reason.replace(root, "ROOT"), e.url)
        for e in result.timeline
    ]
    jobs = [(j.job, j.period, j.outcome) for j in result.jobs]
    return result.final_states, result.metrics, timeline, jobs, result.errors, result.steps


def test_the_prefetch_fills_the_cache_with_every_picture_the_rehearsal_processes(tmp_path: Path) -> None:
    ws = reference_copy(tmp_path / "ws")
    with MediaPrefetch(rehearsal_workspace(ws), UNTIL) as media:
        assert media.wait(timeout=120)
    made = _pictures(ws)
    assert made and media.stats.encodes > 0 and media.done >= len(made)
    # The rehearsal, without a prefetch of its own, finds every picture it sends there: it makes none.
    result = rehearse(ws, start=START, until=UNTIL, seed=7, prefetch=False)
    assert result.published > 0 and not result.errors
    assert _pictures(ws) == made
    assert _no_prefetch_thread()


def test_a_rehearsal_comes_to_the_same_with_or_without_the_prefetch(tmp_path: Path) -> None:
    plain_ws = reference_copy(tmp_path / "plain")
    ahead_ws = reference_copy(tmp_path / "ahead")
    plain = rehearse(plain_ws, start=START, until=UNTIL, seed=7, prefetch=False)
    ahead = rehearse(ahead_ws, start=START, until=UNTIL, seed=7)
    assert _no_prefetch_thread()
    assert _outcome(ahead_ws, ahead) == _outcome(plain_ws, plain)
    assert ahead.summary().split(": ", 1)[1] == plain.summary().split(": ", 1)[1]
    # byte for byte the same processed pictures, under the same names
    assert _pictures(ahead_ws) == _pictures(plain_ws) != {}


def test_a_failing_prefetch_never_fails_the_rehearsal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain_ws = reference_copy(tmp_path / "plain")
    plain = rehearse(plain_ws, start=START, until=UNTIL, seed=7, prefetch=False)
    tried: list[Path] = []

    def broken(path: Path, *args: object, **kw: object) -> None:
        tried.append(path)
        raise OSError("disk on fire")

    monkeypatch.setattr(prefetch_module, "process_image", broken)
    ws = reference_copy(tmp_path / "ws")
    result = rehearse(ws, start=START, until=UNTIL, seed=7)
    assert tried  # it did run, and fail
    assert _outcome(ws, result) == _outcome(plain_ws, plain)
    assert _no_prefetch_thread()


def test_the_prefetch_thread_is_stopped_when_the_rehearsal_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    began: list[MediaPrefetch] = []

    class Watched(MediaPrefetch):
        def start(self) -> MediaPrefetch:
            began.append(self)
            return super().start()

    def until_stopped(path: Path, *args: object, **kw: object) -> None:
        assert began[0]._stop.wait(timeout=60)  # busy for as long as nobody stops it

    async def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "MediaPrefetch", Watched)
    monkeypatch.setattr(prefetch_module, "process_image", until_stopped)
    monkeypatch.setattr(run, "_set_up_accounts", interrupted)
    ws = reference_copy(tmp_path / "ws")
    with pytest.raises(KeyboardInterrupt):
        rehearse(ws, start=START, until=UNTIL, seed=7)
    assert began and _no_prefetch_thread()


def test_stopping_ends_the_prefetch_between_two_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = reference_copy(tmp_path / "ws")
    started, release = threading.Event(), threading.Event()
    done: list[Path] = []

    def slow(path: Path, *args: object, **kw: object) -> None:
        started.set()
        assert release.wait(timeout=60)
        done.append(path)

    monkeypatch.setattr(prefetch_module, "process_image", slow)
    media = MediaPrefetch(rehearsal_workspace(ws), UNTIL).start()
    assert started.wait(timeout=60)
    media.stop()
    release.set()  # the picture in hand finishes; no other is begun
    media.close()
    assert _no_prefetch_thread()
    assert len(done) == 1
