"""Processes for crash tests: `publisher sandbox` and `publisher run` each in a process of their own, started
through the console script as a user starts them, and the sandbox's control plane (/__fake) over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx

REPO = Path(__file__).resolve().parents[2]


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: ours without PUBLISHER_*, the package on PYTHONPATH, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO)])
    env.update(extra or {})
    return env


def publisher_exe() -> str:
    """The `publisher` console script, as installed."""
    exe = shutil.which("publisher")
    assert exe, "the publisher console script is not installed (pip install -e .)"
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Any, timeout: float = 15.0, what: str = "condition", *, every: float = 0.02) -> Any:
    """Poll `check()` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)  # a poll interval, not a wait for the event itself


@dataclass
class Sandbox:
    """`python -m publisher.sandbox` in its own process, and its control plane."""

    port: int
    proc: subprocess.Popen[bytes]
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url, timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, seed: int = 0, log: Path | None = None) -> Sandbox:
        """`publisher sandbox --port P --seed S`, and wait until its control plane answers."""
        port = free_port()
        out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [publisher_exe(), "sandbox", "--port", str(port), "--seed", str(seed)],
            env=child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        box = cls(port, proc)

        def up() -> bool:
            assert proc.poll() is None, "the sandbox process exited while starting"
            try:
                return box.client.get("/__fake/health").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up, timeout=30, every=0.05, what="the sandbox to answer")
        return box

    def state(self) -> dict[str, Any]:
        return dict(self.client.get("/__fake/state").raise_for_status().json())

    def faults(self, rules: list[dict[str, Any]], *, replace: bool = True) -> None:
        self.client.post("/__fake/faults", json={"rules": rules, "replace": replace}).raise_for_status()

    def config(self, patch: dict[str, Any]) -> None:
        self.client.post("/__fake/config", json=patch).raise_for_status()

    def clock(self, now: datetime | None = None, *, skew_s: float = 0.0) -> None:
        """Set the fake's clock (it stands still between settings): `now`, or the wall clock + `skew_s`."""
        at = ((now or datetime.now(UTC)) + timedelta(seconds=skew_s)).isoformat()
        self.client.post("/__fake/clock", json={"now": at}).raise_for_status()

    def stop(self, grace: float = 10) -> None:
        """SIGTERM; killed after `grace` s (it waits for requests still held by a delay fault)."""
        self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Run:
    """`publisher run --sandbox -w DIR` as a user starts it: the console script with default settings; the
    environment names only what a user may set there (credentials, PUBLISHER_SANDBOX_URL,
    PUBLISHER_DATABASE_URL)."""

    proc: subprocess.Popen[bytes]
    workspace: Path

    @classmethod
    def start(cls, workspace: Path, env: Mapping[str, str], *, log: IO[bytes] | None = None) -> Run:
        ready = workspace / ".publisher" / READY
        ready.unlink(missing_ok=True)  # a SIGKILLed daemon leaves its ready file behind
        proc = subprocess.Popen(
            [publisher_exe(), "run", "--sandbox", "-w", str(workspace)],
            env=child_env(env),
            stdout=log if log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            cwd=workspace,
        )
        return cls(proc, workspace)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def serving(self) -> bool:
        """The daemon wrote its ready file (synced, armed, first tick done); fails if it exited."""
        assert self.alive(), f"publisher run exited with {self.proc.returncode} (see its log)"
        ready = self.workspace / ".publisher" / READY
        try:
            return ready.read_text(encoding="utf-8").strip() == str(self.proc.pid)
        except OSError:
            return False

    def started(self) -> bool:
        """The daemon is past its imports and its start (the heartbeat of this pid is written)."""
        assert self.alive(), f"publisher run exited with {self.proc.returncode} (see its log)"
        beat = self.workspace / ".publisher" / HEARTBEAT
        try:
            return bool(json.loads(beat.read_text(encoding="utf-8")).get("pid") == self.proc.pid)
        except (OSError, ValueError):  # not written yet (it is replaced atomically, never half-written)
            return False

    def wait_serving(self, timeout: float = 90) -> None:
        wait_for(self.serving, timeout=timeout, every=0.05, what="publisher run to serve")

    def kill(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait(timeout=30)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, and wait up to `timeout` s for the exit code; a daemon still running then is killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"publisher run did not stop within {timeout} s of SIGTERM") from None


READY = "daemon.ready"  # publisher.daemon.service.READY_NAME
HEARTBEAT = "daemon.heartbeat"  # publisher.daemon.heartbeat.HEARTBEAT_NAME
