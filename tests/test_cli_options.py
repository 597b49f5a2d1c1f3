"""Every command takes the same things the same way: --workspace, --json and -v; bad option values are
usage errors (exit 2) naming the option; output to a pipe or a file is never cut to a terminal's width."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from tests.conftest import WS
from tests.test_check import GOOD
from tests.test_cli import cli

from publisher import __version__
from publisher.cli.main import app


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):  # a group such as `auth` or `metrics`
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


COMMANDS = list(_commands(typer.main.get_group(app)))


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_every_command_takes_workspace_json_and_verbose(path: tuple[str, ...]) -> None:
    command = dict(COMMANDS)[path]
    flags = {flag for param in command.params for flag in getattr(param, "opts", [])}
    assert {"--workspace", "--json", "-v", "--verbose"} <= flags, (path, sorted(flags))
    shown = cli(*path, "--help")
    assert shown.returncode == 0 and "--workspace" in shown.stdout and "--json" in shown.stdout


def test_version() -> None:
    shown = cli("--version")
    assert shown.returncode == 0 and shown.stdout.strip() == f"publisher {__version__}"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("plan", "--days", "-3"), "--days"),
        (("report", "daily", "--lang", "fr"), "--lang"),
        (("report", "daily", "--format", "docx"), "--format"),
        (("report", "monthly"), "KIND"),
        (("rehearse", "--from", "2026-12-05", "--until", "2026-12-01"), "--until"),
        (("rehearse", "--from", "not a date"), "--from"),
        (("status", "--every", "0"), "--every"),
        (("serve", "--port", "70000"), "--port"),
    ],
)
def test_a_bad_option_value_is_a_usage_error_naming_it(ws: WS, args: tuple[str, ...], option: str) -> None:
    ws.item("launch.md", GOOD)
    result = cli(*args, "--workspace", str(ws.root))
    assert result.returncode == 2, (args, result.stdout, result.stderr)
    assert option in result.stderr and "internal error" not in result.stderr


def test_a_port_in_use_is_a_usage_error(ws: WS) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        for args in (
            ("serve", "--port", port),
            ("sandbox", "--port", port),
            ("mcp", "--http", "--port", port),
        ):
            result = cli(*args, "--workspace", str(ws.root))
            assert result.returncode == 2 and "--port" in result.stderr, (args, result.stderr)


def test_output_to_a_file_is_never_cut_or_boxed(ws: WS) -> None:
    long_id = "a-rather-long-item-id-that-would-never-fit-in-eighty-columns-" + "x" * 60
    ws.item("launch.md", GOOD.replace("id: launch", f"id: {long_id}", 1))
    assert cli("sync", "--workspace", str(ws.root)).returncode == 0
    shown = cli("plan", "--workspace", str(ws.root))
    assert long_id in shown.stdout, shown.stdout
    assert not set("│─┃━┏┡") & set(shown.stdout)
    dry = cli("publish", long_id, "--dry-run", "--workspace", str(ws.root))
    body = json.loads(dry.stdout.split("\n", 1)[1].split("\n== ")[0].rsplit("\n已写入", 1)[0])
    assert body["item"] == long_id and "…" not in json.dumps(body, ensure_ascii=False)


def test_streaming_json_is_one_object_per_line(ws: WS) -> None:
    ws.item("launch.md", GOOD)
    result = cli("run", "--once", "--json", "--workspace", str(ws.root))
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events and events[-1]["event"] == "done"
    made = cli("init", "--workspace", str(ws.root / "new"), "--json")
    assert json.loads(made.stdout)["created"]


def test_plan_reads_the_folder_in_local_time_and_a_dry_run_syncs_nothing(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00"))
    ws.item(
        "other.md", GOOD.replace("id: launch", "id: other").replace("2026-12-01 12:00", "2030-01-03 12:00")
    )
    root = str(ws.root)
    assert cli("publish", "launch", "--dry-run", "--workspace", root).returncode == 0
    assert json.loads(cli("status", "--json", "--workspace", root).stdout)["posts"] == []  # nothing synced
    planned = json.loads(cli("plan", "--days", "36500", "--json", "--workspace", root).stdout)
    assert {(p["item"], p["state"]) for p in planned["posts"] if p["platform"] == "wechat"} == {
        ("launch", "queued"),
        ("other", "queued"),
    }
    shown = cli("plan", "--days", "36500", "--workspace", root).stdout
    assert "2030-01-01 Tue 12:00" in shown and "2030-01-01T04:00" not in shown  # the workspace zone
    assert "文件夹中新增（尚未同步）" in shown and "计划：未来 36500 天" in shown  # Chinese by default
    english = cli("plan", "--days", "36500", "--lang", "en", "--workspace", root).stdout
    assert "new in the folder" in english and "plan: the next 36500 days" in english
