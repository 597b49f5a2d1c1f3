"""Headless Chromium for the browser tests: Debian's chromium + chromedriver, driven over W3C WebDriver with
httpx. The browser's console is recorded (`goog:loggingPrefs`), so a test can say a page logged no error."""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.procs import wait_for

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference


def tools() -> tuple[str, str]:
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if chromium and driver:
        return chromium, driver
    missing = "chromium" if not chromium else "chromedriver"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} is missing: apt-get install -y chromium chromium-driver")
    pytest.skip(f"{missing} not installed (apt-get install -y chromium chromium-driver)")


class Browser:
    """Just enough of W3C WebDriver: navigate, find, click, type, read, run a script, screenshot, console."""

    def __init__(self, base: str, session: str) -> None:
        self.session = f"{base}/session/{session}"
        self.http = httpx.Client(timeout=30)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, self.session + path, json=body)
        value = response.json().get("value")
        if response.status_code != 200:
            raise AssertionError(f"webdriver {method} {path}: {value}")
        return value

    def go(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    @property
    def url(self) -> str:
        return str(self._call("GET", "/url"))

    def find(self, css: str, within: str | None = None) -> str:
        path = f"/element/{within}/element" if within else "/element"
        return str(self._call("POST", path, {"using": "css selector", "value": css})[ELEMENT])

    def find_all(self, css: str) -> list[str]:
        return [e[ELEMENT] for e in self._call("POST", "/elements", {"using": "css selector", "value": css})]

    def click(self, element: str) -> None:
        self._call("POST", f"/element/{element}/click", {})

    def type(self, element: str, text: str) -> None:
        self._call("POST", f"/element/{element}/value", {"text": text})

    def clear(self, element: str) -> None:
        self._call("POST", f"/element/{element}/clear", {})

    def text(self, element: str) -> str:
        return str(self._call("GET", f"/element/{element}/text"))

    def run(self, script: str, *args: Any) -> Any:
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def size(self, width: int, height: int) -> None:
        self._call("POST", "/window/rect", {"width": width, "height": height})

    def console(self) -> list[dict[str, Any]]:
        """What the browser logged since the last call (console messages, script errors, blocked loads, CSP
        refusals), each with its level, source and message. Reading empties chromedriver's buffer."""
        return list(self._call("POST", "/se/log", {"type": "browser"}))

    def console_errors(self) -> list[str]:
        return [f"{e['source']}: {e['message']}" for e in self.console() if e.get("level") == "SEVERE"]

    def screenshot(self, name: str, folder: Path = ARTIFACTS, element: str | None = None) -> Path:
        """The window (or one element, scrolled into view) as a PNG file in `folder`."""
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shot = self._call("GET", f"/element/{element}/screenshot" if element else "/screenshot")
        path.write_bytes(base64.b64decode(shot))
        return path


@contextlib.contextmanager
def open_browser(profile: Path) -> Iterator[Browser]:
    """chromedriver in its own process group (the browser it starts goes with it, even if a test fails
    midway) and one headless session at 1280x900."""
    chromium, driver = tools()
    port = _free_port()
    proc = subprocess.Popen(
        [driver, f"--port={port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(base), timeout=20, what="chromedriver to start")
        options = {
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-extensions",
                "--window-size=1280,900",
                "--force-device-scale-factor=1",
                f"--user-data-dir={profile}",
            ],
        }
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "goog:loggingPrefs": {"browser": "ALL"},
        }
        created = httpx.post(
            f"{base}/session", timeout=60, json={"capabilities": {"alwaysMatch": capabilities}}
        ).json()["value"]
        assert "sessionId" in created, created
        b = Browser(base, created["sessionId"])
        try:
            yield b
        finally:
            b.http.delete(b.session)  # closes the browser
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(base: str) -> bool:
    try:
        return bool(httpx.get(f"{base}/status", timeout=2).json()["value"]["ready"])
    except (httpx.HTTPError, ValueError, KeyError):
        return False
