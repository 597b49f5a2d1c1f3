"""The CLI in-process (as `publisher` runs it: exit codes, --json, --help everywhere, clear errors), and the
installed entry point itself once."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.procs import Run, Sandbox
from tests.conftest import WS
from tests.test_check import GOOD

from publisher.cli.main import app, run


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, cwd: Path | None = None) -> Ran:
    """`publisher ARGS` in this process, through the same `run()` the console script calls."""
    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(list(args))
    finally:
        os.chdir(before)
    return Ran(code, out.getvalue(), err.getvalue())


def test_the_installed_console_script_runs_the_same_cli(tmp_path: Path) -> None:
    script = shutil.which("publisher", path=str(Path(sys.executable).parent)) or shutil.which("publisher")
    assert script, "the `publisher` console script is installed with the package"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [script, "check"], capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env
    )
    assert result.returncode == 1 and "publisher init" in result.stderr
    assert "Traceback" not in result.stderr
    module = subprocess.run(
        [sys.executable, "-m", "publisher", "--help"], capture_output=True, text=True, timeout=120, env=env
    )
    assert module.returncode == 0 and "用法：" in module.stdout  # Chinese unless asked otherwise


def test_cli_init_check_sync_plan_publish_status(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert cli("init", str(ws)).returncode == 0
    assert (ws / "publisher.toml").is_file() and (ws / "platforms" / "wechat" / "platform.yaml").is_file()
    first = cli("check", "--workspace", str(ws), "--json")
    assert first.returncode == 0, first.stdout + first.stderr
    assert json.loads(first.stdout)["ok"] is True
    assert json.loads(first.stdout)["warnings"] == []  # a new workspace checks clean
    synced = cli("sync", "--workspace", str(ws), "--json")
    assert synced.returncode == 0, synced.stderr
    assert cli("sync", "--workspace", str(ws), "--json").stdout.count('"kind"') == 0  # idempotent
    drafted = cli("plan", "--workspace", str(ws))  # the first item is a draft: said, not an empty table alone
    assert "另有 1 条草稿不在计划中" in drafted.stdout and "hello" in drafted.stdout, drafted.stdout
    assert json.loads(cli("plan", "--workspace", str(ws), "--json").stdout)["drafts"] == ["hello"]
    (ws / "content" / "hello.md").write_text(
        (ws / "content" / "hello.md").read_text().replace("status: draft", "status: ready")
    )
    planned = json.loads(cli("plan", "--workspace", str(ws), "--json").stdout)
    assert {c["kind"] for c in planned["changes"]} == {"new"}
    published = cli("publish", "hello", "--dry-run", "--json", cwd=ws)
    assert published.returncode == 0, published.stderr
    requests = json.loads(published.stdout)["requests"]
    assert {r["platform"] for r in requests} == {"xiaohongshu", "wechat"}
    xhs = next(r for r in requests if r["platform"] == "xiaohongshu")["request"]
    assert xhs["fields"]["title"] == "你好，publisher｜第一篇笔记" and xhs["media"][0]["mime"] == "image/jpeg"
    assert Path(next(r for r in requests if r["platform"] == "wechat")["file"]).is_file()
    # A dry run of one item syncs nothing: the calendar's posts are written by `sync` (or `run`) only.
    assert json.loads(cli("status", "--json", cwd=ws).stdout)["posts"] == []
    assert cli("sync", cwd=ws).returncode == 0
    status = json.loads(cli("status", "--json", cwd=ws).stdout)
    keys = {"counts", "posts", "next_due", "overdue", "attention", "items", "daemon", "now"}
    assert keys == set(status) and status["next_due"]
    assert status["items"] == {"hello": "queued"}
    assert sum(status["counts"].values()) == len(status["posts"]) == 2
    # `publish_at: slot`: init copies the default schedules/slots.yaml, so each platform gets its next free
    # slot
    assert {p["state"] for p in status["posts"]} == {"queued"} and all(p["due_at"] for p in status["posts"])


def test_cli_check_exits_1_and_prints_path_line_field(ws: WS) -> None:
    ws.item("bad.md", "---\ntitle: x\nplatforms: [wechatt]\n---\nbody\n")
    result = cli("check", "--workspace", str(ws.root), "--lang", "en")
    assert result.returncode == 1
    assert (
        "content/bad.md:3: platforms.wechatt: unknown platform or account `wechatt` (hint: did you mean "
        "`wechat`?)" in result.stderr.replace("\n", "")
    )
    assert "Traceback" not in result.stderr + result.stdout
    chinese = cli("check", "--workspace", str(ws.root))  # Chinese unless --lang en or language = "en"
    assert chinese.returncode == 1
    assert (
        "content/bad.md:3: platforms.wechatt: 未知的平台或账号 `wechatt`；是不是想写 `wechat`？"
        in chinese.stderr.replace("\n", "")
    )
    assert "1 个错误" in chinese.stdout and "error(s)" in result.stdout


def test_cli_bad_setting_names_the_file_and_key(ws: WS) -> None:
    (ws.root / "publisher.toml").write_text('[workspace]\ntimezone = "Mars/Olympus"\n')
    result = cli("check", "--workspace", str(ws.root))
    assert result.returncode == 1
    assert (
        "publisher.toml:timezone: 未知的 IANA 时区 'Mars/Olympus'（例如 Asia/Shanghai、Europe/Berlin）"
        in result.stderr.replace("\n", "")
    )  # Chinese unless asked otherwise
    english = cli("check", "--lang", "en", "--workspace", str(ws.root)).stderr.replace("\n", "")
    assert "publisher.toml:timezone: unknown IANA time zone 'Mars/Olympus' (e.g. Asia/Shanghai" in english
    (ws.root / "publisher.toml").write_text('[workspace]\ntimezon = "Asia/Shanghai"\n')
    result = cli("check", "--workspace", str(ws.root))
    assert "publisher.toml:timezon: 未知的设置；请检查拼写" in result.stderr.replace("\n", "")
    (ws.root / "publisher.toml").write_text('[workspace]\nlanguage = "fr"\n')
    english = cli("check", "--lang", "en", "--workspace", str(ws.root)).stderr.replace("\n", "")
    assert "publisher.toml:language: expected 'zh' or 'en'" in english
    assert "publisher.toml:language: 应为 'zh'或'en'" in cli("check", "--workspace", str(ws.root)).stderr


def test_cli_env_overrides_a_setting(ws: WS, monkeypatch: pytest.MonkeyPatch) -> None:
    ws.item("launch.md", GOOD)
    monkeypatch.setenv("PUBLISHER_TIMEZONE", "Europe/Berlin")  # the process environment is the input here
    result = cli("plan", "--workspace", str(ws.root), "--json")
    changes = json.loads(result.stdout)["changes"]  # plan shows what a sync would do, before it is applied
    due = next(c for c in changes if c["platform"] == "xiaohongshu")["detail"]
    assert due == "2026-12-01T11:00:00+00:00"  # 12:00 in Berlin, not in Shanghai


def test_cli_usage_error_exits_2(ws: WS) -> None:
    assert cli("check", "--no-such-flag", "--workspace", str(ws.root)).returncode == 2
    result = cli("publish", "nope", "--dry-run", "--workspace", str(ws.root))
    assert result.returncode == 2 and "没有内容 'nope'" in result.stderr


def test_cli_outside_a_workspace_says_how_to_start(tmp_path: Path) -> None:
    result = cli("check", cwd=tmp_path)
    assert result.returncode == 1 and "publisher init" in result.stderr


@pytest.mark.parametrize("command", sorted(c.name or c.callback.__name__ for c in app.registered_commands))
def test_cli_every_command_has_help(command: str) -> None:
    result = cli(command, "--help")
    assert result.returncode == 0 and "用法：" in result.stdout and "Usage:" not in result.stdout
    assert "--workspace" in result.stdout or command in ("init", "sandbox", "mcp")


def test_user_text_is_never_read_as_markup(ws: WS) -> None:
    """Ids, file names and reasons are shown as written: `[/bold]` is text, `[final]` is not swallowed."""
    ws.item("launch plan [final].md", GOOD.replace("id: launch", "id: x[/bold]y", 1))
    for command in ("sync", "plan", "status"):
        result = cli(command, "--workspace", str(ws.root))
        assert result.returncode == 0, (command, result.stderr)
        assert "internal error" not in result.stderr
        assert "x[/bold]y" in result.stdout.replace("\n", "").replace("│", "").replace(" ", "") or (
            command == "sync"
        )


def test_publish_one_platform_is_not_blocked_by_another_platforms_error(ws: WS) -> None:
    """An error for Product Hunt does not refuse `publish ITEM --platform xiaohongshu`; the exit code says
    whether the post asked for left the queue's hands."""
    ws.item("launch.md", GOOD.replace("producthunt: {name: WeeklyPilot, ", "producthunt: {"))
    assert "Product Hunt需要产品名" in cli("check", "--workspace", str(ws.root)).stderr
    result = cli("publish", "launch", "--platform", "xiaohongshu", "--workspace", str(ws.root), "--json")
    assert "Traceback" not in result.stderr and "需要产品名" not in result.stderr, result.stderr
    posts = json.loads(result.stdout)["posts"]
    assert [p["platform"] for p in posts] == ["xiaohongshu"]
    delivered = ("published", "awaiting_manual", "dry_run")
    assert result.returncode == (0 if posts[0]["state"] in delivered else 1), posts


def test_publisher_sandbox_logs_each_request_as_one_line_without_a_traceback_or_a_secret(
    tmp_path: Path,
) -> None:
    """Issue 11, D8: the redaction filter once set `record.args = None`, and uvicorn's access log, which
    formats its args itself, printed a logging traceback for every request. The real `publisher sandbox`."""
    log = tmp_path / "sandbox.log"
    box = Sandbox.start(log=log)
    try:
        canary = "CANARY-sandbox-secret-7f3a"
        box.client.get(f"/dy/oauth/access_token/?client_secret={canary}&code={canary}")
        box.client.post("/wx/cgi-bin/stable_token", json={"appid": "x", "secret": canary})
        assert box.client.get("/no/such/path").status_code == 404
    finally:
        box.stop()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert '"GET /no/such/path HTTP/1.1" 404' in text, text
    assert "client_secret=***" in text, text
    assert "Traceback" not in text and "Logging error" not in text, text
    assert canary not in text


@pytest.mark.slow
def test_publish_while_publisher_run_holds_the_workspace_hands_the_post_to_it(ws: WS) -> None:
    """Issue 11 (smaller): `publish` while the daemon runs said "stop it first" after it had already made the
    post due. Now the running `publisher run` (the real console script) sends it and `publish` reports the
    outcome it waited for, with exit 0 when the post left the queue's hands."""
    # Times ahead: the daemon must not sweep the post as missed (2026-12-01 has passed) before publish asks.
    ahead = GOOD.replace("publish_at: 2026-12-01 12:00", "publish_at: 2030-01-01 12:00", 1)
    ws.item("launch.md", ahead)
    daemon = Run.start(ws.root, {})
    try:
        daemon.wait_serving()
        result = cli("publish", "launch", "--platform", "xiaohongshu", "--workspace", str(ws.root), "--json")
        assert "正在运行的守护进程" in result.stderr and "stop it" not in result.stderr, result.stderr
        posts = json.loads(result.stdout)["posts"]
        assert [(p["platform"], p["state"]) for p in posts] == [("xiaohongshu", "awaiting_manual")], posts
        assert result.returncode == 0
        # A second note right after: the account keeps 30 min between notes, so the daemon defers it. publish
        # reports that reason as soon as the daemon gave it (it waited out its 120 s before) and exits 1.
        ws.item(
            "second.md", ahead.replace("id: launch", "id: second", 1).replace("效率神器上线", "第二篇上线", 1)
        )
        result = cli("publish", "second", "--platform", "xiaohongshu", "--workspace", str(ws.root), "--json")
        posts = json.loads(result.stdout)["posts"]
        assert [(p["state"], "between posts" in p["reason"]) for p in posts] == [("queued", True)], posts
        assert result.returncode == 1
        assert daemon.stop() == 0
    finally:
        if daemon.alive():
            daemon.kill()
