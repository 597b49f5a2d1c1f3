"""中文 first for what goes wrong: the CLI's error line, a person's refused action, the credentials' hints and
refusals, the OAuth login's lines, a notification channel's failure, the MCP server's download refusals and
sync's state-change detail speak Chinese by default and English with `--lang en` (or `language = "en"`),
from the one catalogue; `str(exc)` and every `--json` field keep their English and codes, and no message
ever carries a secret."""

from __future__ import annotations

import ast
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.conftest import WS
from tests.test_check import GOOD
from tests.test_cli import cli

from publisher.errors import AuthError, ConfigError, UsageError
from publisher.messages import Msg, msg, reason
from publisher.notify import Channel, Notification, Notifier

SRC = Path(__file__).resolve().parents[1] / "src" / "publisher"
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _scheduled(ws: WS) -> tuple[str, int]:
    ws.item("launch.md", GOOD.replace("2026-12-01 12:00", "2030-01-01 12:00"))
    root = str(ws.root)
    assert cli("sync", "--workspace", root).returncode == 0
    return root, json.loads(cli("status", "--json", "--workspace", root).stdout)["posts"][0]["id"]


def test_the_error_line_is_chinese_by_default_and_english_on_request(tmp_path: Path) -> None:
    zh = cli("status", "--workspace", str(tmp_path))
    assert zh.returncode == 1 and zh.stderr.startswith("错误："), zh.stderr
    assert "不是工作区" in zh.stderr and "is not a workspace" not in zh.stderr, zh.stderr
    en = cli("status", "--lang", "en", "--workspace", str(tmp_path))
    assert en.stderr.startswith("error: ") and "is not a workspace" in en.stderr and "错误" not in en.stderr


def test_a_refused_action_says_why_in_the_workspaces_language(ws: WS) -> None:
    root, post = _scheduled(ws)
    assert cli("cancel", str(post), "--workspace", root).returncode == 0
    again = cli("cancel", str(post), "--workspace", root)
    assert again.returncode == 2 and f"帖子 {post} 不能取消：它已经取消" in again.stderr, again.stderr
    assert "cannot be cancelled" not in again.stderr
    en = cli("cancel", str(post), "--lang", "en", "--workspace", root)
    assert f"post {post} cannot be cancelled: it is already cancelled" in en.stderr, en.stderr
    retried = cli("retry", str(post), "--workspace", root)
    assert "当前为“已取消”" in retried.stderr and "retry 只适用于" in retried.stderr, retried.stderr
    missing = cli("retry", "999", "--workspace", root)
    assert "没有编号为 999 的帖子" in missing.stderr and "no post" not in missing.stderr, missing.stderr
    neither = cli("resolve", str(post), "--workspace", root)
    assert neither.returncode == 2 and "只能给一个" in neither.stderr, neither.stderr


def test_the_workspaces_language_words_the_error_without_lang(ws: WS) -> None:
    root, post = _scheduled(ws)
    toml = ws.root / "publisher.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("[workspace]\n", '[workspace]\nlanguage = "en"\n')
    )
    en = cli("retry", "999", "--workspace", root)
    assert "no post 999 (see `publisher status` for post ids)" in en.stderr and "没有" not in en.stderr


def test_command_argument_errors_in_chinese_by_default(ws: WS) -> None:
    root = str(ws.root)
    served = cli("serve", "--host", "0.0.0.0", "--workspace", root)
    assert served.returncode == 2 and "其他机器" in served.stderr and "reachable" not in served.stderr
    served_en = cli("serve", "--host", "0.0.0.0", "--lang", "en", "--workspace", root)
    assert "reachable from other machines" in served_en.stderr, served_en.stderr
    backwards = cli("rehearse", "--from", "2030-01-02", "--until", "2030-01-01", "--workspace", root)
    assert "不晚于 --from" in backwards.stderr and "is not after" not in backwards.stderr, backwards.stderr
    bad_day = cli("rehearse", "--from", "2030-01-02", "--until", "someday", "--workspace", root)
    assert bad_day.returncode == 2 and "--until：" in bad_day.stderr, bad_day.stderr


def test_report_preview_and_init_refuse_in_chinese_by_default(ws: WS, tmp_path: Path) -> None:
    root = str(ws.root)
    period = cli("report", "daily", "--period", "2030-13", "--workspace", root)
    assert period.returncode == 2 and "没有这个月份：'2030-13'" in period.stderr, period.stderr
    period_en = cli("report", "daily", "--period", "2030-13", "--lang", "en", "--workspace", root)
    assert "no such month: '2030-13'" in period_en.stderr, period_en.stderr
    campaign = cli("report", "campaign", "spring", "--workspace", root)
    assert "没有活动 'spring'" in campaign.stderr and "（现有活动：无）" in campaign.stderr, campaign.stderr
    ws.item("launch.md", GOOD)
    preview = cli("preview", "lanch", "--workspace", root)
    assert "没有内容 'lanch'" in preview.stderr and "launch" in preview.stderr, preview.stderr
    assert "no item" not in preview.stderr
    again = cli("init", root)
    assert again.returncode == 1 and "已有 publisher.toml；未做任何更改" in again.stderr, again.stderr
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("x")
    busy = cli("init", str(tmp_path / "busy"), "--lang", "en")
    assert "is not empty; pass --force" in busy.stderr, busy.stderr


def test_a_broken_jobs_file_stops_run_in_the_readers_language(ws: WS) -> None:
    root = str(ws.root)
    (ws.root / "schedules").mkdir(exist_ok=True)
    (ws.root / "schedules" / "jobs.yaml").write_text(
        'jobs:\n  w:\n    run: report.daily\n    cron: "0 9 * *"\n'
    )
    zh = cli("run", "--once", "--workspace", root)
    assert zh.returncode == 1 and "jobs.w.cron: 应为五个 cron 字段" in zh.stderr, zh.stderr
    en = cli("run", "--once", "--lang", "en", "--workspace", root)
    assert 'jobs.w.cron: expected five cron fields "minute hour day month weekday"' in en.stderr, en.stderr


def test_slots_and_word_lists_refuse_in_either_language(tmp_path: Path) -> None:
    from publisher.calendar.slots import parse_slots
    from publisher.compliance.lists import parse_list

    slots = tmp_path / "slots.yaml"
    slots.write_text("slots:\n  wechat:\n    - days: daily\n      times: [12:00]\n")
    with pytest.raises(ConfigError) as unquoted:
        parse_slots(slots, "Asia/Shanghai")
    assert "YAML reads an unquoted 12:00 as the number 720" in str(unquoted.value)
    assert "slots.wechat[0].times[0]: 时间必须是带引号的字符串" in unquoted.value.text("zh"), (
        unquoted.value.text("zh")
    )
    with pytest.raises(ConfigError) as words:
        parse_list({"category": "c", "entries": [{"word": "最", "except": ["第一"]}]}, "compliance/x.yaml")
    assert words.value.text("zh") == "compliance/x.yaml:entries[0].except: 例外 '第一' 不包含 '最'"
    assert words.value.text("en") == str(words.value)


def test_a_broken_platform_file_stops_check_in_the_readers_language(ws: WS) -> None:
    folder = ws.root / "platforms" / "xiaohongshu"
    folder.mkdir(parents=True)
    (folder / "platform.yaml").write_text("- not\n- a mapping\n")
    zh = cli("check", "--workspace", str(ws.root))
    assert zh.returncode == 1 and "顶层应为键值映射" in zh.stderr, zh.stderr
    en = cli("check", "--lang", "en", "--workspace", str(ws.root))
    assert "expected a mapping at the top level" in en.stderr, en.stderr


def _live_wechat(ws: WS, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = ws.root / "publisher.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            '[accounts.wechat]\nplatform = "wechat"', '[accounts.wechat]\nplatform = "wechat"\nmode = "live"'
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("PUBLISHER_NO_KEYRING", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(ws.root.parent / "cfg"))


def test_auth_status_says_what_to_do_in_chinese_and_never_the_secret(
    ws: WS, monkeypatch: pytest.MonkeyPatch
) -> None:
    _live_wechat(ws, monkeypatch)
    monkeypatch.setenv("PUBLISHER_WECHAT_APPID", "wx-appid-never-shown-01")
    root = str(ws.root)
    zh = cli("auth", "status", "--workspace", root)
    assert zh.returncode == 0, zh.stderr
    assert "wechat：设置 PUBLISHER_WECHAT_SECRET（或写入系统钥匙串 / 凭据文件）" in zh.stdout, zh.stdout
    assert "set PUBLISHER_" not in zh.stdout and "keyring" not in zh.stdout
    rows = {r["account"]: r for r in json.loads(cli("auth", "status", "--json", "--workspace", root).stdout)}
    assert rows["wechat"]["hint_codes"] == ["cred.hint.set"]  # the code stays whatever the language
    assert rows["wechat"]["hints"] == ["设置 PUBLISHER_WECHAT_SECRET（或写入系统钥匙串 / 凭据文件）"]
    assert "said" not in rows["wechat"]
    en = cli("auth", "status", "--lang", "en", "--workspace", root)
    assert "wechat: set PUBLISHER_WECHAT_SECRET (or keyring / credentials file)" in en.stdout, en.stdout
    for out in (zh.stdout, en.stdout, json.dumps(rows)):
        assert "wx-appid-never-shown-01" not in out


def test_an_unsafe_credentials_file_is_refused_in_chinese_without_its_contents(
    ws: WS, monkeypatch: pytest.MonkeyPatch
) -> None:
    _live_wechat(ws, monkeypatch)
    secrets = ws.root.parent / "creds.toml"
    secrets.write_text('[wechat]\nappid = "wx-file-value-01"\nsecret = "file-secret-value-01"\n')
    os.chmod(secrets, 0o644)
    monkeypatch.setenv("PUBLISHER_CREDENTIALS_FILE", str(secrets))
    zh = cli("auth", "status", "--workspace", str(ws.root))
    assert "凭据文件其他人可读（权限 0644）" in zh.stdout and f"chmod 600 {secrets}" in zh.stdout, zh.stdout
    assert "readable by others" not in zh.stdout
    with pytest.raises(ConfigError) as caught:
        from publisher.workspace.credentials import check_file

        check_file(secrets)
    assert "readable by others (mode 0644)" in str(caught.value)  # the English stays for logs
    assert caught.value.text("zh").startswith(f"{secrets}: 凭据文件其他人可读")
    assert "file-secret-value-01" not in zh.stdout + str(caught.value) + caught.value.text("zh")


def test_the_login_refuses_and_asks_in_the_readers_language(ws: WS, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISHER_NO_KEYRING", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(ws.root.parent / "cfg"))
    root = str(ws.root)
    zh = cli("auth", "douyin", "--workspace", root)
    assert zh.returncode == 1 and "请先为 douyin 设置 client_key、client_secret" in zh.stderr, zh.stderr
    en = cli("auth", "douyin", "--lang", "en", "--workspace", root)
    assert "set client_key, client_secret for douyin first" in en.stderr, en.stderr
    nobody = cli("auth", "douyin", "--account", "nobody", "--workspace", root)
    assert "没有名为 'nobody' 的 抖音 账号" in nobody.stderr, nobody.stderr
    from publisher.adapters.base import MemoryTokenCache
    from publisher.adapters.douyin.auth import login
    from publisher.adapters.spec import LoginRequest

    creds = {"client_key": "k", "client_secret": "never-shown-secret-01"}
    live = LoginRequest("douyin", creds, None, lambda _u: None, lambda: NOW, MemoryTokenCache())
    with pytest.raises(AuthError) as caught:
        login(live)  # live Douyin needs the registered https address
    assert "抖音只会跳转回" in caught.value.text("zh") and "--redirect-uri" in caught.value.text("zh")
    assert "never-shown-secret-01" not in caught.value.text("zh") + str(caught.value)
    assert msg("login.paste").text("zh").startswith("请粘贴")


def test_the_wechat_whitelist_advice_in_chinese_keeps_the_address() -> None:
    from publisher.adapters.wechat.whitelist import needs_whitelisting

    exc = needs_whitelisting("invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist rid: x")
    assert "203.0.113.9" in exc.text("zh") and "IP 白名单" in exc.text("zh"), exc.text("zh")
    assert exc.text("zh").startswith("wechat: 微信拒绝了调用") and exc.text("zh").endswith("(code 40164)")
    assert str(exc).startswith("wechat: WeChat refused the call: this machine's address 203.0.113.9 is not")


NOTE = Notification("failed", 7, "launch", "wechat", "wechat", "t", NOW)


def test_a_channels_failure_is_said_in_the_notifiers_language_without_its_token() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": 19021, "msg": "sign match fail"})

    channels = [
        Channel("team", "feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/hook-token-abc-123"),
        Channel("ops", "slack", problem=msg("notify.no_url", var="SLACK_URL")),
    ]
    zh = Notifier(channels, transport=httpx.MockTransport(refuse)).send(NOTE)
    assert [o.detail for o in zh] == ["错误码 19021：sign match fail", "Webhook 地址变量 SLACK_URL 为空"]
    assert [o.code for o in zh] == ["notify.refused", "notify.no_url"]
    en = Notifier(channels, transport=httpx.MockTransport(refuse), lang="en").send(NOTE)
    assert [o.detail for o in en] == [
        "code 19021: sign match fail",
        "the webhook URL variable SLACK_URL is empty",
    ]
    assert all("hook-token-abc-123" not in o.detail for o in zh + en)


def test_a_channel_with_unset_variables_reports_them_in_chinese() -> None:
    from types import SimpleNamespace

    from publisher.notify import channels_from_settings

    cfg = SimpleNamespace(kind="wecom", url_env="WECOM_URL", secret_env="WECOM_KEY", to=[], sender="")
    (channel,) = channels_from_settings({"wx": cfg}, {})
    (outcome,) = Notifier([channel]).send(NOTE)
    assert outcome.detail == "Webhook 地址变量 WECOM_URL 为空、密钥变量 WECOM_KEY 为空", outcome.detail


def test_a_media_download_refusal_is_said_in_the_workspaces_language(tmp_path: Path) -> None:
    from publisher.mcp.fetch import Fetcher, FetchRefused
    from publisher.mcp.media import MediaResolver, ToolProblem

    fetcher = Fetcher(tmp_path / "media", resolver=lambda host: ["10.0.0.1"])
    with pytest.raises(FetchRefused) as refused:
        fetcher.fetch("https://internal.example.com/a.png", "image")
    assert "internal.example.com resolves to 10.0.0.1, a private address" in str(refused.value)
    media = MediaResolver(tmp_path, tmp_path / "content", fetcher)
    with pytest.raises(ToolProblem) as caught:
        media.ref("https://internal.example.com/a.png", "images[0]", "image")
    zh = caught.value.text("zh")
    assert zh.startswith("images[0]：") and "解析到 10.0.0.1，私有地址" in zh and "只下载公网地址" in zh, zh
    assert "refused" not in zh
    assert "a private address (only public addresses are fetched)" in caught.value.text("en")
    with pytest.raises(ToolProblem) as http:
        media.ref("http://cdn.example.com/a.png", "images[0]", "image")
    assert "只下载 https 链接" in http.value.text("zh")


def test_a_preflight_reason_stored_in_english_reads_in_chinese() -> None:
    stored = (
        "pre-flight: credentials missing: set PUBLISHER_WECHAT_APPID (or keyring / credentials file), "
        "set PUBLISHER_WECHAT_SECRET (or keyring / credentials file)"
    )
    zh = reason(stored, "zh")
    assert zh.startswith("发送前检查未通过：缺少凭据：设置 PUBLISHER_WECHAT_APPID（或写入系统钥匙串"), zh
    assert "keyring" not in zh
    assert reason(stored, "en") == stored


def test_errors_keep_their_english_and_word_their_code() -> None:
    error = UsageError(msg("usage.published_or_not"))
    assert str(error) == "give exactly one of --published URL or --not-published"
    assert error.text("zh") == "--published URL 与 --not-published 只能给一个"
    placed = ConfigError(msg("cred.not_a_table", account="wechat"), path="creds.toml", key="wechat")
    assert str(placed) == "creds.toml:wechat: [wechat] must be a table of fields"
    assert placed.text("zh").startswith("creds.toml:wechat: [wechat] 必须是字段表")
    assert UsageError("plain").text("zh") == "plain"  # an error without a code keeps its words


#: Modules whose errors reach a person through the CLI, the dashboard or the MCP tools: each raise words its
#: message from the catalogue (a `msg(...)`), never an English literal.
WORDED = (
    "cli",
    "accounts/login.py",
    "workspace/credentials.py",
    "queue/actions.py",
    "mcp/fetch.py",
    "daemon/lock.py",
    "adapters/douyin/auth.py",
    "calendar/check.py",
    "queue/manual.py",
    "reports/__init__.py",
    "reports/build.py",
    "reports/campaign.py",
    "reports/i18n.py",
    "reports/period.py",
    "reports/writers.py",
    "rehearsal/run.py",
    "metrics/imports.py",
    "workspace/scaffold.py",
    "workspace/settings.py",
    "importer/sites.py",
    "workspace/files.py",
    "web",
    "daemon/jobs.py",
    "daemon/cron.py",
    "platforms/durations.py",
    "calendar/slots.py",
    "compliance/lists.py",
    "platforms/rules.py",
    "adapters/__init__.py",
    "adapters/assisted.py",
    "adapters/douyin/share_pack.py",
    "adapters/producthunt/adapter.py",
    "calendar/revision.py",
    "mcp/server.py",
    "adapters/douyin/share.py",
    "adapters/wechat/api.py",
    "adapters/xiaohongshu/adapter.py",
)
ERRORS = {"UsageError", "ConfigError", "ActionRefused", "FetchRefused", "DaemonLocked", "AuthError"}


def _literal_raises(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            name = node.exc.func
            called = name.attr if isinstance(name, ast.Attribute) else getattr(name, "id", "")
            args = node.exc.args
            if called in ERRORS and args and isinstance(args[0], ast.Constant | ast.JoinedStr):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_errors_people_see_are_worded_from_the_catalogue() -> None:
    files = [
        p for part in WORDED for p in ((SRC / part).rglob("*.py") if (SRC / part).is_dir() else [SRC / part])
    ]
    assert len(files) > len(WORDED)
    literal = [where for path in files for where in _literal_raises(path)]
    assert literal == [], f"English-only errors (raise them with msg(...) from publisher.messages): {literal}"


def test_no_placeholder_is_named_like_a_parameter_of_msg_or_say() -> None:
    """`msg(code, **values)`, `say(code, lang, **values)`: a value named `code` or `lang` cannot be given."""
    import string

    from publisher.messages import CHECK

    clashing = {
        code
        for code, entry in CHECK.items()
        for text in entry.values()
        for _, name, _, _ in string.Formatter().parse(text)
        if name in ("code", "lang")
    }
    assert clashing == set()


def test_an_oauth_grant_missing_or_expired_says_what_to_do_in_either_language() -> None:
    """Douyin's and Weibo's stored grants (adapters/oauth.py): worded from the catalogue, the English as
    before, the platform named in the reader's language."""
    from datetime import timedelta

    from publisher.adapters.douyin.api import OAUTH as DOUYIN
    from publisher.adapters.weibo.api import OAUTH as WEIBO

    with pytest.raises(AuthError) as none:
        DOUYIN.valid(None, account="dy", now=NOW, kind="access", code=2190008)
    assert (
        none.value.text("zh")
        == "douyin: 账号 dy 没有保存的抖音授权；请运行 `publisher auth douyin` 重新授权该账号"
    )
    assert str(none.value) == (
        "douyin: no Douyin authorisation stored for account dy; run `publisher auth douyin` to authorise the "
        "account again"
    )
    with pytest.raises(AuthError) as old:
        WEIBO.valid(
            ("tok-canary", NOW - timedelta(days=1), None), account="wb", now=NOW, kind="access", code=21327
        )
    zh = old.value.text("zh")
    assert (
        zh.startswith("weibo: 微博的 access 令牌已于 2029-12-31 过期；")
        and "微博网页应用没有 refresh token" in zh
    )
    assert "tok-canary" not in zh + str(old.value)
    assert str(old.value).startswith(
        "weibo: the Weibo access token expired on 2029-12-31; run `publisher auth"
    )
    said = old.value.said
    assert said is not None and Msg.from_json(said.to_json()) == said  # stored as a post's reason_msg
