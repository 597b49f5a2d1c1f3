"""Shared fixtures: a temporary workspace built like a user's, with images made on the fly."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from PIL import Image

from publisher.workspace.settings import Workspace, open_workspace

REPO = Path(__file__).resolve().parents[1]

TOML = """
[workspace]
name = "test"
timezone = "Asia/Shanghai"

[accounts.xiaohongshu]
platform = "xiaohongshu"

[accounts.douyin]
platform = "douyin"

[accounts.wechat]
platform = "wechat"

[accounts.wechat_en]
platform = "wechat"

[accounts.producthunt]
platform = "producthunt"
"""


# Hypothesis profiles. `repeatable` (the default, what CI runs): the same examples on every run, chosen
# from each test's name, and no example database, so a run fails only on what the code does, never on a new
# random draw. `fuzz` (`HYPOTHESIS_PROFILE=fuzz`; `FUZZ_SCALE` times the examples, 50 unless set): fresh
# random examples each run, remembered in `.hypothesis/` so a failure found replays first next time. Keep
# each failure fuzzing finds as an `@example` on its test. Neither profile has a deadline (timing: `bench/`).
settings.register_profile(
    "repeatable",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=100 * int(os.environ.get("FUZZ_SCALE", "50")),
    derandomize=False,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/ from the current renders"
    )


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("PUBLISHER_"):
            monkeypatch.delenv(key)


def make_image(path: Path, size: tuple[int, int] = (1080, 1440), color: str = "#ff2442") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


class WS:
    """A workspace under tmp_path: write items, then open it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "content" / "media").mkdir(parents=True)
        (root / "publisher.toml").write_text(TOML, encoding="utf-8")
        make_image(root / "content" / "media" / "a.png")
        make_image(root / "content" / "media" / "b.png", (1600, 1200), "#3366ff")
        make_image(root / "content" / "media" / "cover.png", (1800, 766), "#222222")

    def item(self, name: str, text: str) -> Path:
        path = self.root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def open(self) -> Workspace:
        return open_workspace(self.root)


@pytest.fixture
def ws(tmp_path: Path) -> WS:
    return WS(tmp_path / "ws")


@pytest.fixture
def image() -> Callable[..., Path]:
    return make_image
