"""The CLI's summary lines speak the workspace's language (Chinese by default) and English with `--lang en`;
every line comes from the one catalogue (`publisher.messages`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import WS
from tests.test_check import GOOD
from tests.test_cli import Ran, cli


def test_sync_and_run_once_summaries_in_chinese_by_default_and_english_on_request(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00"))
    root = str(ws.root)
    zh = cli("sync", "--workspace", root)
    assert zh.returncode == 0, zh.stderr
    assert "上次同步以来的变更" in zh.stdout and "已同步：" in zh.stdout and "synced:" not in zh.stdout
    en = cli("sync", "--lang", "en", "--workspace", root)
    assert "synced: 0 change(s); 0 content error(s)" in en.stdout
    once = cli("run", "--once", "--workspace", root)
    assert once.returncode == 0, once.stderr
    assert re.search(r"publisher run --once：处理了 \d+ 条帖子", once.stderr), once.stderr
    once_en = cli("run", "--once", "--lang", "en", "--workspace", root)
    assert re.search(r"publisher run --once: \d+ post\(s\) handled", once_en.stderr), once_en.stderr


def test_sync_names_its_changes_and_states_in_chinese_by_default_and_english_on_request(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00"))
    root = str(ws.root)
    zh = cli("sync", "--workspace", root).stdout
    assert "新增" in zh and "排队中" in zh and "queued" not in zh, zh
    ws.item(
        "second.md", GOOD.replace("2026-12-01 12:00", "2030-01-02 12:00").replace("id: launch", "id: second")
    )
    en = cli("sync", "--lang", "en", "--workspace", root).stdout
    assert "new" in en and "queued" in en and "新增" not in en and "排队中" not in en, en
    (ws.root / "content" / "launch.md").unlink()
    removed = cli("sync", "--workspace", root).stdout
    assert "已移除" in removed and "已取消" in removed and "cancelled" not in removed, removed
    assert "内容文件已删除" in removed and "item removed" not in removed, removed  # the detail column too
    status = cli(
        "status", "--workspace", root
    ).stdout  # the cancel's reason, stored by code: worded when shown
    assert "内容文件已删除" in status and "item removed" not in status, status
    status_en = cli("status", "--lang", "en", "--workspace", root).stdout
    assert "item removed" in status_en and "内容文件已删除" not in status_en, status_en


def test_status_names_states_in_chinese_and_keeps_the_store_word_in_english(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00"))
    root = str(ws.root)
    assert cli("sync", "--workspace", root).returncode == 0
    zh = cli("status", "--workspace", root).stdout
    assert "排队中" in zh and "各状态帖子数" in zh and "queued" not in zh
    en = cli("status", "--lang", "en", "--workspace", root).stdout
    assert "queued" in en and "posts by state" in en and "排队中" not in en
    assert cli("status", "--lang", "fr", "--workspace", root).returncode == 2


def test_a_post_held_by_check_errors_shows_the_finding_in_the_readers_language(ws: WS) -> None:
    text = GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00").replace(
        "title: 效率神器上线｜3 步搞定周报", "title: " + "长" * 40
    )
    ws.item("launch.md", text)
    root = str(ws.root)
    assert cli("sync", "--workspace", root).returncode == 0
    data = json.loads(cli("status", "--json", "--workspace", root).stdout)
    held = [p for p in data["posts"] if p["state"] == "held"]
    assert held and {p["reason_code"] for p in held} == {"reason.held"}
    assert all(p["reason"].startswith("1 problem(s): content/launch.md:") for p in held)  # stored English
    assert all(p["reason_text"].startswith("1 个问题：content/launch.md:") for p in held), held
    assert "标题" in held[0]["reason_text"]  # the finding itself in Chinese
    english = cli("status", "--lang", "en", "--workspace", root).stdout
    assert "1 problem(s): content/launch.md:" in english and "个问题" not in english
    assert "1 个问题：content/launch.md:" in cli("status", "--workspace", root).stdout


def test_init_says_what_it_made_in_chinese_by_default_and_english_on_request(tmp_path: Path) -> None:
    zh = cli("init", str(tmp_path / "zh"))
    assert zh.returncode == 0 and "工作区已就绪：" in zh.stdout and "下一步：" in zh.stdout, zh.stdout
    en = cli("init", str(tmp_path / "en"), "--lang", "en")
    assert "workspace ready in" in en.stdout and "next: `publisher check`" in en.stdout


def test_a_persons_action_answers_in_the_workspaces_language(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00"))
    root = str(ws.root)
    assert cli("sync", "--workspace", root).returncode == 0
    post = json.loads(cli("status", "--json", "--workspace", root).stdout)["posts"][0]["id"]
    done = cli("cancel", str(post), "--workspace", root)
    assert done.returncode == 0 and f"帖子 {post}：已取消" in done.stdout, done.stdout + done.stderr


def test_report_says_where_it_wrote_in_chinese_by_default_and_english_on_request(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00"))
    root = str(ws.root)
    zh = cli("report", "daily", "--period", "2030-01-01", "--workspace", root)
    assert zh.returncode == 0 and "已写入 " in zh.stdout and "written to" not in zh.stdout, zh.stderr
    out = str(ws.root / "daily-en.md")
    en = cli("report", "daily", "--period", "2030-01-01", "--lang", "en", "--out", out, "--workspace", root)
    assert en.returncode == 0 and f"written to {out}" in en.stdout and "已写入" not in en.stdout, en.stdout


def test_auth_status_in_chinese_by_default_and_english_on_request(ws: WS) -> None:
    root = str(ws.root)
    zh = cli("auth", "status", "--workspace", root)
    assert zh.returncode == 0, zh.stderr
    assert "账号" in zh.stdout and "凭据" in zh.stdout and "缺少凭据" in zh.stdout, zh.stdout
    assert "credentials" not in zh.stdout and "missing" not in zh.stdout
    en = cli("auth", "status", "--lang", "en", "--workspace", root)
    assert "credentials" in en.stdout and "missing" in en.stdout and "缺少" not in en.stdout, en.stdout


def test_the_calendar_export_says_where_it_wrote_in_the_readers_language(ws: WS) -> None:
    root, ics = str(ws.root), str(ws.root / "cal.ics")
    zh = cli("calendar", "--ics", ics, "--workspace", root)
    assert zh.returncode == 0 and f"已写入 {ics}" in zh.stdout and "written to" not in zh.stdout, zh.stderr
    en = cli("calendar", "--ics", ics, "--lang", "en", "--workspace", root)
    assert en.returncode == 0 and f"written to {ics}" in en.stdout, en.stderr


def test_a_coded_reasons_english_without_its_code_is_worded_from_the_catalogue() -> None:
    """An older row (stored before its reason had a code) or a sync detail: the English finds its code."""
    from publisher.messages import reason

    assert reason("item removed", "zh") == "内容文件已删除"
    edited = "edited after it was published; it will not be re-posted"
    assert reason(edited, "zh") == "发布后被修改；不会重新发布"
    assert reason("item removed", "en") == "item removed"
    assert reason("something the platform said", "zh") == "something the platform said"


def test_help_is_chinese_by_default_and_english_with_lang_en(tmp_path: Path) -> None:
    """`--help` is worded before any option is handled: the command line, the environment and publisher.toml
    choose its language, and every word of it (Click's frame too) comes from the catalogue."""
    zh = cli("--help", cwd=tmp_path)
    assert zh.returncode == 0 and "用法：publisher" in zh.stdout and "选项：" in zh.stdout, zh.stdout
    assert (
        "命令：" in zh.stdout
        and "检查、渲染、排期并发布内容日历" in zh.stdout
        and "显示此帮助并退出" in zh.stdout
    )
    assert "Usage:" not in zh.stdout and "Show this message" not in zh.stdout
    en = cli("--help", "--lang", "en", cwd=tmp_path)
    assert en.returncode == 0 and "Usage: publisher" in en.stdout and "Options:" in en.stdout, en.stdout
    assert "Check, render, schedule and publish a content calendar" in en.stdout and "用法" not in en.stdout
    assert "Bring the store in line with the content folder" in en.stdout  # the command list too
    sub = cli("status", "--help", cwd=tmp_path)
    assert sub.returncode == 0 and "各状态的帖子数" in sub.stdout and "持续刷新" in sub.stdout, sub.stdout
    assert "[默认：2.0" in sub.stdout and "工作区文件夹" in sub.stdout and "Posts by state" not in sub.stdout
    sub_en = cli("status", "--help", "--lang", "en", cwd=tmp_path)
    sub_en = Ran(sub_en.returncode, " ".join(sub_en.stdout.split()), sub_en.stderr)  # as read, not as wrapped
    assert "Posts by state, the next due time" in sub_en.stdout and "[default: 2.0" in sub_en.stdout
    assert "Keep the view up to date until Ctrl-C." in sub_en.stdout and "持续" not in sub_en.stdout


def test_help_follows_the_workspaces_language_and_the_environment(
    ws: WS, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = ws.root / "publisher.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "[workspace]\n", '[workspace]\nlanguage = "en"  # zh | en\n'
        ),
        encoding="utf-8",
    )
    assert "Usage: publisher sync" in cli("sync", "--help", cwd=ws.root).stdout
    assert "Usage: publisher sync" in cli("sync", "--help", "-w", str(ws.root)).stdout
    assert "用法：publisher sync" in cli("sync", "--help", "--lang", "zh", cwd=ws.root).stdout
    monkeypatch.setenv("PUBLISHER_LANGUAGE", "zh")  # overrides publisher.toml, as for every other line
    assert "用法：publisher sync" in cli("sync", "--help", cwd=ws.root).stdout
    monkeypatch.setenv("PUBLISHER_LANGUAGE", "en")
    assert "Bring the store in line" in cli("sync", "--help", cwd=ws.root.parent).stdout


def test_every_help_text_is_a_catalogue_entry_in_both_languages() -> None:
    """No command or option shows text that is not in the catalogue (a code left unworded, or English
    written beside a command); each code it uses has its Chinese."""
    import typer

    from publisher.cli.main import app
    from publisher.messages import CHECK

    def walk(command: object) -> Iterator[str]:
        yield getattr(command, "help", None) or ""
        for param in getattr(command, "params", []):
            if getattr(param, "help", None):
                yield param.help
        for sub in getattr(command, "commands", {}).values():
            yield from walk(sub)

    codes = [text for text in walk(typer.main.get_command(app)) if text]
    plain = [text for text in codes if not text.startswith("help.")]
    assert plain == [
        "Install completion for the current shell.",
        "Show completion for the current shell, to copy it or customize the installation.",
    ]  # Typer's own, worded by their English (help.click.*)
    assert all(code in CHECK and CHECK[code]["zh"] for code in codes if code.startswith("help.")), codes


def test_the_mcp_server_that_cannot_start_says_why_in_the_readers_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher.mcp.server import _cli

    monkeypatch.chdir(tmp_path)  # no workspace here or above
    monkeypatch.delenv("PUBLISHER_LANGUAGE", raising=False)
    monkeypatch.delenv("PUBLISHER_WORKSPACE", raising=False)
    assert _cli([]) == 1
    assert capsys.readouterr().err.startswith("错误：当前文件夹及其上级都没有 publisher.toml")
    monkeypatch.setenv("PUBLISHER_LANGUAGE", "en")
    assert _cli([]) == 1
    assert capsys.readouterr().err.startswith("error: no publisher.toml here or in any parent folder")


def test_the_mcp_servers_help_and_usage_errors_speak_the_readers_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m publisher.mcp.server --help` words argparse's frame from the catalogue as `publisher mcp`
    does (用法：, 选项：, 显示此帮助并退出。); English with --lang en or PUBLISHER_LANGUAGE=en; a usage error
    says what was wrong in the same language and exits 2."""
    from publisher.mcp.options import wrap_cells
    from publisher.mcp.server import _cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PUBLISHER_LANGUAGE", raising=False)
    monkeypatch.delenv("PUBLISHER_WORKSPACE", raising=False)
    monkeypatch.setenv("COLUMNS", "100")

    def said(*argv: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as stopped:
            _cli(list(argv))
        out = capsys.readouterr()
        return int(stopped.value.code or 0), out.out + out.err

    code, zh = said("--help")
    assert code == 0 and zh.startswith("用法：python -m publisher.mcp.server")
    assert "\n选项：\n" in zh and "-h, --help            显示此帮助并退出。" in zh and "--port <int>" in zh
    english = ("usage:", "options:", "show this help message and exit", "Usage:", "Options:")
    assert not [w for w in english if w in zh], zh
    for argv, env in (
        (("--lang", "en", "--help"), None),
        (("--help",), "en"),
        (("--help", "--lang=en"), "zh"),
    ):
        if env:
            monkeypatch.setenv("PUBLISHER_LANGUAGE", env)
        code, en = said(*argv)
        assert code == 0 and en.startswith("Usage: python -m publisher.mcp.server"), argv
        assert "\nOptions:\n" in en and "Show this message and exit." in en and "usage:" not in en
    monkeypatch.delenv("PUBLISHER_LANGUAGE")
    for argv, zh_line, en_line in (
        (("--bogus",), "错误：没有选项 --bogus", "Error: No such option: --bogus"),
        (
            ("--port", "x"),
            "错误：--port 的值无效：应为整数",
            "Error: Invalid value for --port: Input should be",
        ),
        (("--port",), "错误：选项 --port 需要一个值。", "Error: Option --port requires an argument."),
    ):
        code, text = said(*argv)
        assert code == 2 and text.startswith("用法：") and zh_line in text and "error:" not in text, text
        code, text = said(*argv, "--lang", "en")
        assert code == 2 and text.startswith("Usage: ") and en_line in text, text
    # The description is wrapped by screen columns (a CJK character takes two), no line opening on a comma.
    lines = wrap_cells(
        "启动 MCP 服务 `social-media-publisher`（stdio），让 AI 助手操作内容日历。", 40
    ).splitlines()
    assert len(lines) > 1 and not any(line.startswith("，") for line in lines)
    assert all(sum(2 if ord(c) > 0x2E80 else 1 for c in line) <= 40 for line in lines), lines


def test_the_queues_own_reasons_are_worded_for_a_chinese_reader() -> None:
    """`status`, the dashboard and the rehearsal timeline say these in Chinese; the store keeps English."""
    from publisher.messages import reason

    assert reason("dry run: recorded, nothing sent", "zh") == "已记录请求，未发出"
    assert reason("submitted; waiting for the platform", "zh") == "已提交，等待平台处理"
    assert reason("published (confirmed on the platform)", "zh") == "已发布（已在平台上确认）"
    assert reason("wechat keeps 600 s between posts", "zh") == "wechat 两条帖子之间至少间隔 600 秒"
    assert reason("dry run: recorded, nothing sent", "en") == "dry run: recorded, nothing sent"


def test_a_usage_error_click_finds_is_worded_in_the_readers_language(tmp_path: Path) -> None:
    """An unknown option, a missing argument, a value out of range: Click's frame and message in Chinese by
    default, as Click says them with --lang en; the exit code is 2 either way."""
    cases = {
        ("status", "--bogus"): ("没有选项 --bogus", "No such option: --bogus"),
        ("publish",): ("缺少参数 'item'。", "Missing argument 'item'."),
        ("plan", "--days", "0"): (
            "'--days' 的值无效：应大于或等于 1",
            "Invalid value for '--days': Input should",
        ),
        ("statu",): ("没有命令 'statu'。是不是想写 'status'？", "No such command 'statu'. Did you mean"),
        ("report", "monthly"): (
            "'KIND' 的值无效：'monthly' 不是 daily",
            "Invalid value for 'KIND': 'monthly' is not",
        ),
    }
    for args, (zh, en) in cases.items():
        said = cli(*args, cwd=tmp_path)
        assert said.returncode == 2 and f"错误：{zh}" in said.stderr, (args, said.stderr)
        assert "运行 'publisher" in said.stderr and "Try '" not in said.stderr and "用法：" in said.stderr
        english = cli(*args, "--lang", "en", cwd=tmp_path)
        assert english.returncode == 2 and f"Error: {en}" in english.stderr, (args, english.stderr)
        assert "Usage: publisher" in english.stderr and "错误" not in english.stderr


def test_the_kind_of_value_an_option_takes_is_said_in_the_readers_language(tmp_path: Path) -> None:
    """Typer's <str>, <path>, <int range> and the usage line's [OPTIONS] in Chinese, lined up by their width
    on screen (a Chinese character takes two columns); English keeps Typer's words."""
    import unicodedata

    zh = cli("serve", "--help", cwd=tmp_path).stdout
    assert "用法：publisher serve [选项]" in zh and "--port <整数>" in zh and "-w, --workspace <路径>" in zh
    assert not re.search(r"<(str|path|int|int range|float range)>|\[OPTIONS\]", zh), zh
    starts = {  # the column on screen where each option's help starts: one for all
        sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line[: found.start(1)])
        for line in zh.splitlines()
        if line.startswith("  -") and (found := re.search(r"\S {2,}(\S)", line))
    }
    assert len(starts) == 1, zh
    en = cli("serve", "--help", "--lang", "en", cwd=tmp_path).stdout
    assert "Usage: publisher serve [OPTIONS]" in en and "--port <int range>" in en and "<path>" in en
    top = cli("--help", cwd=tmp_path).stdout
    assert "用法：publisher [选项] 命令 [参数]..." in top


@pytest.mark.parametrize("value", ["2026-13-45", "2026-02-30", "12/07", "not a date", "2026-12-07 25:00"])
def test_a_bad_date_option_names_the_option_the_value_and_the_form(ws: WS, value: str) -> None:
    """Not Python's English (`month must be in 1..12`): the option, what was given and how to write a day."""
    for args, option in (
        (("metrics", "pull", "--since", value), "--since"),
        (("rehearse", "--from", value), "--from"),
    ):
        zh = cli(*args, "-w", str(ws.root))
        assert zh.returncode == 2, zh.stderr
        assert f"错误：{option}：“{value}”不是有效的日期，请写成如 2026-12-07 的形式" in zh.stderr, zh.stderr
        assert not re.search(r"must be|out of range|cannot read", zh.stderr)
        en = cli(*args, "-w", str(ws.root), "--lang", "en")
        assert (
            en.returncode == 2
            and f"{option}: {value!r} is not a valid date; write it as 2026-12-07" in en.stderr
        )
