"""The workspace's own YAML files (platform.yaml, schedules/*.yaml, compliance/*.yaml) are loaded on a budget
(issue 11, criterion 4): an alias bomb inside a key the loader knows, a file too large, an alias to itself are
each a ConfigError naming the file, before anything walks the data (a `label:` that was a 463-byte bomb was
turned into one string of hundreds of millions of values)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.conftest import WS

from publisher.daemon.jobs import load_jobs
from publisher.errors import ConfigError
from publisher.safe_yaml import YAMLBudgetError, load_file
from publisher.workspace.settings import DEFAULTS_DIR


def bomb(levels: int = 9) -> str:
    """A flow sequence of nested anchors and aliases: 9**levels values once expanded, a few hundred bytes."""
    names = "abcdefghijklmnop"[:levels]
    parts = ["&a [" + ", ".join(["lol"] * 9) + "]"]
    parts += [
        f"&{cur} [" + ", ".join([f"*{prev}"] * 9) + "]" for prev, cur in zip(names, names[1:], strict=False)
    ]
    return "[" + ", ".join(parts) + "]"


@pytest.mark.parametrize(
    "text, says",
    [
        ("x: " + bomb() + "\n", "expands to more than 100,000 values"),
        ("a: &a [1, *a]\n", "expands to more than"),
        ("x: '" + "y" * 1_000_001 + "'\n", "larger than 1,000,000 bytes"),
    ],
    ids=["alias bomb", "alias to itself", "too large"],
)
def test_a_settings_file_past_the_budget_is_a_yaml_error(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(YAMLBudgetError, match=says):
        load_file(path)


def test_an_ordinary_settings_file_loads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("base: &base {max: 20}\ntitle: *base\nlist: [1, 2]\n", encoding="utf-8")
    assert load_file(path) == {"base": {"max": 20}, "title": {"max": 20}, "list": [1, 2]}
    path.write_text("", encoding="utf-8")
    assert load_file(path) is None


def test_a_bomb_in_a_workspace_platform_yaml_is_a_config_error_naming_the_file(ws: WS) -> None:
    folder = ws.root / "platforms" / "xiaohongshu"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "xiaohongshu", folder)
    rules = folder / "platform.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "label: 小红书" in text
    rules.write_text(text.replace("label: 小红书", "label: " + bomb()), encoding="utf-8")
    with pytest.raises(ConfigError, match="expands to more than") as raised:
        ws.open().rules  # noqa: B018 - loading the rules is the point
    assert "platform.yaml" in str(raised.value)


def test_a_bomb_in_schedules_is_a_config_error_naming_the_file(ws: WS) -> None:
    (ws.root / "schedules").mkdir()
    (ws.root / "schedules" / "jobs.yaml").write_text("jobs: " + bomb() + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expands to more than") as raised:
        load_jobs(ws.open())
    assert "jobs.yaml" in str(raised.value)


def test_a_bomb_in_a_compliance_list_is_a_config_error_naming_the_file(ws: WS) -> None:
    (ws.root / "compliance").mkdir(exist_ok=True)
    (ws.root / "compliance" / "promises.yaml").write_text("words: " + bomb() + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expands to more than") as raised:
        ws.open().compliance  # noqa: B018 - loading the lists is the point
    assert "promises.yaml" in str(raised.value)
