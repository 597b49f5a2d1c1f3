"""Processes for crash tests: the sandbox and the daemon each in a process of their own, and the sandbox's
control plane (/__fake) over HTTP."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx

REPO = Path(__file__).resolve().parents[2]
DAEMON = Path(__file__).with_name("daemon_proc.py")


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: ours without PUBLISHER_*, the package on PYTHONPATH, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO)])
    env.update(extra or {})
    return env


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


class Lines:
    """Reads a child's stdout on a thread, so the test can wait for a line with a deadline."""

    def __init__(self, stream: IO[str]) -> None:
        self._q: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._q.put(line.rstrip("\n"))
        self._q.put(None)

    def wait_line(self, text: str, timeout: float) -> bool:
        """True once a line equal to `text` arrived; False at EOF; AssertionError at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {text!r} line within {timeout} s; saw {self.seen[-5:]}")
            try:
                line = self._q.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                return False
            self.seen.append(line)
            if line == text:
                return True


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
        port = free_port()
        out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "publisher.sandbox", "--port", str(port), "--seed", str(seed)],
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

    def clock(self, now: datetime | None = None) -> None:
        at = (now or datetime.now(UTC)).isoformat()
        self.client.post("/__fake/clock", json={"now": at}).raise_for_status()

    def stop(self) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class DaemonProc:
    """One run of tests/support/daemon_proc.py (the real Daemon with test timings)."""

    proc: subprocess.Popen[str]
    lines: Lines

    @classmethod
    def start(
        cls,
        workspace: Path,
        sandbox_url: str,
        env: Mapping[str, str],
        *,
        lease_s: float = 2.0,
        once: bool = False,
        log: IO[bytes] | None = None,
    ) -> DaemonProc:
        args = [sys.executable, str(DAEMON), "--workspace", str(workspace), "--sandbox-url", sandbox_url]
        args += ["--lease-s", str(lease_s)] + (["--once"] if once else [])
        proc = subprocess.Popen(
            args,
            env=child_env(env),
            stdout=subprocess.PIPE,
            stderr=log if log is not None else subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        return cls(proc, Lines(proc.stdout))

    def wait_ready(self, timeout: float = 30) -> bool:
        return self.lines.wait_line("ready", timeout)

    def kill(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait(timeout=10)

    def stop(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return self.kill()
