"""Notifications: each webhook format (signatures verified here), e-mail over SMTP, failures isolated."""

from __future__ import annotations

import base64
import email.policy
import hashlib
import hmac
import json
import logging
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from publisher.messages import Msg
from publisher.notify import (
    Channel,
    Notification,
    Notifier,
    channels_from_settings,
    event_key,
    headline,
    lines,
)
from publisher.redact import install_logging_redaction

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FEISHU_SECRET = "feishu-sign-secret-1"
DING_SECRET = "SECdingtalk-sign-secret-2"
NOTE = Notification(
    kind="awaiting_manual",
    post_id=42,
    item="launch-day",
    platform="producthunt",
    account="producthunt",
    title="效率神器上线",
    when=NOW,
    reason="Product Hunt has no publishing API",
    pack="/ws/.publisher/packs/launch-day.producthunt.producthunt",
)


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every request and answers like each bot platform."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                parts = urlsplit(self.path)
                receiver.requests.append({"path": parts.path, "query": parse_qs(parts.query), "body": body})
                status, answer = 200, b'{"errcode":0,"errmsg":"ok"}'
                if parts.path.startswith("/feishu"):
                    answer = b'{"code":0,"msg":"success","data":{}}'
                elif parts.path.startswith("/slack"):
                    answer = b"ok"
                elif parts.path.startswith("/refusing"):
                    answer = b'{"errcode":310000,"errmsg":"sign not match"}'
                elif parts.path.startswith("/broken"):
                    status, answer = 500, b"internal error"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def of(self, prefix: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].startswith(prefix)]


class SMTPResponder(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message: EHLO, MAIL, RCPT, DATA, QUIT."""

    messages: list[dict[str, Any]]

    def handle(self) -> None:
        self.wfile.write(b"220 localhost test SMTP\r\n")
        sender, rcpts = "", []
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 localhost\r\n")
            elif verb == "MAIL":
                sender = line.decode().split(":", 1)[1].strip()
                self.wfile.write(b"250 OK\r\n")
            elif verb == "RCPT":
                rcpts.append(line.decode().split(":", 1)[1].strip())
                self.wfile.write(b"250 OK\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.messages.append({"from": sender, "to": rcpts, "data": data})
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 not implemented\r\n")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    messages: list[dict[str, Any]] = []
    handler = type("Handler", (SMTPResponder,), {"messages": messages})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server.server_address[1], messages
    server.shutdown()
    server.server_close()


def test_each_webhook_kind_in_its_own_format_with_verified_signatures(receiver: Receiver) -> None:
    channels = [
        Channel("fs", "feishu", f"{receiver.base}/feishu/hook/fs-token-000001", FEISHU_SECRET),
        Channel("wc", "wecom", f"{receiver.base}/wecom/send?key=wecom-key-000001"),
        Channel("dt", "dingtalk", f"{receiver.base}/dingtalk/send?access_token=ding-token-01", DING_SECRET),
        Channel("sl", "slack", f"{receiver.base}/slack/services/T0/B0/slack-token-0001"),
    ]
    outcomes = Notifier(channels, now=lambda: NOW).send(NOTE)
    assert [(o.channel, o.ok) for o in outcomes] == [("fs", True), ("wc", True), ("dt", True), ("sl", True)]

    (feishu,) = receiver.of("/feishu")
    body = feishu["body"]
    assert body["timestamp"] == str(int(NOW.timestamp()))
    key = f"{body['timestamp']}\n{FEISHU_SECRET}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    post = body["content"]["post"]["zh_cn"]
    assert body["msg_type"] == "post" and "awaiting_manual" in post["title"] and "待手动发布" in post["title"]
    texts = [seg["text"] for row in post["content"] for seg in row]
    assert "按发布包手动发布后确认：publisher resolve 42 --published URL" in texts
    assert "时间：2026-03-02 16:00 (Asia/Shanghai)" in texts and f"发布包：{NOTE.pack}" in texts

    (wecom,) = receiver.of("/wecom")
    assert wecom["body"]["msgtype"] == "markdown"
    assert "publisher resolve 42 --published URL" in wecom["body"]["markdown"]["content"]

    (ding,) = receiver.of("/dingtalk")
    stamp, signature = ding["query"]["timestamp"][0], ding["query"]["sign"][0]  # parse_qs URL-decodes
    assert stamp == str(int(NOW.timestamp() * 1000)) and ding["query"]["access_token"] == ["ding-token-01"]
    expected = hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
    assert signature == base64.b64encode(expected).decode()
    assert ding["body"]["msgtype"] == "markdown" and ding["body"]["markdown"]["title"].startswith("【")

    (slack,) = receiver.of("/slack")
    assert "publisher resolve 42" in slack["body"]["text"]
    assert [b["type"] for b in slack["body"]["blocks"]] == ["header", "section"]


def test_email_goes_out_over_smtp_with_subject_and_command(smtp: tuple[int, list[dict[str, Any]]]) -> None:
    port, messages = smtp
    channel = Channel(
        "mail",
        "email",
        to=("ops@example.com",),
        smtp_host="127.0.0.1",
        smtp_port=port,
        sender="publisher@example.com",
    )
    failed = Notification(
        "failed", 7, "weekly", "wechat", "wechat", "周报", NOW, reason="45002 content too long"
    )
    (outcome,) = Notifier([channel]).send(failed)
    assert outcome.ok, outcome.detail
    (message,) = messages
    assert message["to"] == ["<ops@example.com>"]
    assert b"Subject: =?utf-8?" in message["data"]  # the Chinese subject is encoded for the wire
    parsed = message_from_bytes(message["data"], policy=email.policy.default)
    assert parsed["Subject"] == "【发布失败 failed】wechat/wechat：周报"
    body = parsed.get_content()
    assert "publisher retry 7" in body and "45002 content too long" in body


def test_a_failing_channel_does_not_stop_the_others_and_nothing_leaks(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    install_logging_redaction(verbose=True)
    caplog.set_level(logging.DEBUG)
    dead = "http://127.0.0.1:9/broken/hook/dead-port-token-01"  # port 9 (discard): nothing listens
    channels = [
        Channel("broken", "feishu", f"{receiver.base}/broken/hook/broken-token-0001"),
        Channel(
            "refusing", "dingtalk", f"{receiver.base}/refusing?access_token=refusing-token-1", DING_SECRET
        ),
        Channel("dead", "wecom", dead),
        Channel("unset", "slack", problem="the webhook URL variable SLACK_URL is empty"),
        Channel("good", "wecom", f"{receiver.base}/wecom/send?key=good-wecom-key-1"),
    ]
    outcomes = Notifier(channels, now=lambda: NOW).send(NOTE)
    assert [o.ok for o in outcomes] == [False, False, False, False, True]
    assert "HTTP 500" in outcomes[0].detail and "310000" in outcomes[1].detail
    assert "SLACK_URL" in outcomes[3].detail
    assert len(receiver.of("/wecom")) == 1
    logged = caplog.text + json.dumps([o.__dict__ for o in outcomes])
    # the log line in the notifier's language (Chinese by default)
    assert "经 broken（feishu）发送失败" in caplog.text and "HTTP Request: POST" in caplog.text
    for token in (
        "broken-token-0001",
        "refusing-token-1",
        "dead-port-token-01",
        "good-wecom-key-1",
        DING_SECRET,
    ):
        assert token not in logged


def test_channels_from_settings_reads_env_and_reports_unset_variables() -> None:
    settings = {
        "team": SimpleNamespace(
            kind="feishu",
            url_env="FS_URL",
            secret_env="FS_SECRET",
            to=[],
            smtp_host="",
            smtp_port=25,
            sender="",
        ),
        "ops": SimpleNamespace(
            kind="slack", url_env="SLACK_URL", secret_env="", to=[], smtp_host="", smtp_port=25, sender=""
        ),
        "mail": SimpleNamespace(
            kind="email",
            url_env="",
            secret_env="",
            to=["a@example.com"],
            smtp_host="smtp.example.com",
            smtp_port=587,
            sender="p@example.com",
        ),
    }
    env = {
        "FS_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/abc-settings-1",
        "FS_SECRET": "fs-secret-123",
    }
    team, ops, mail = channels_from_settings(settings, env)
    assert team.url == env["FS_URL"] and team.secret == "fs-secret-123" and not team.problem
    assert isinstance(ops.problem, Msg) and ops.problem.text("en").startswith(
        "the webhook URL variable SLACK_URL"
    )
    assert not mail.problem and mail.to == ("a@example.com",)


def test_every_person_state_names_its_command_and_event_key_is_stable() -> None:
    commands = {
        "awaiting_manual": "publisher resolve 42 --published URL",
        "needs_attention": "publisher resolve 42 --not-published",
        "needs_reauth": "publisher auth status",
        "missed": "publisher retry 42",
        "failed": "publisher retry 42",
    }
    for kind, command in commands.items():
        note = Notification(kind, 42, "launch-day", "wechat", "wechat", "标题", NOW)
        assert command in lines(note)[-1]
        assert event_key(note) == f"post:42:{kind}:2026-03-02T08:00:00+00:00"
    assert event_key(NOTE) != event_key(
        Notification("failed", 42, "launch-day", "wechat", "wechat", "t", NOW)
    )


def test_a_notification_without_a_post_points_to_status() -> None:
    job = Notification("failed", None, "", "", "", "定时任务 weekly 失败", NOW, reason="report failed")
    body = lines(job)
    assert body[0] == "内容：—" and body[-1] == "查看：publisher status" and "None" not in " ".join(body)
    assert event_key(job) == "item::failed:2026-03-02T08:00:00+00:00"


def test_a_notification_speaks_english_when_asked_and_chinese_by_default() -> None:
    failed = Notification(
        "failed", 7, "weekly", "wechat", "wechat", "周报", NOW, reason="gave up after 3 attempts: 45002"
    )
    assert headline(failed) == "【发布失败 failed】wechat/wechat：周报"
    zh = lines(failed)
    assert zh[0] == "内容：weekly（帖子 #7）" and "原因：重试 3 次后放弃：45002" in zh
    assert zh[-1] == "修复原因后：publisher retry 7"
    assert headline(failed, "en") == "【publishing failed failed】wechat/wechat：周报"
    en = lines(failed, "Asia/Shanghai", "en")
    assert en == [
        "Content: weekly (post #7)",
        "When: 2026-03-02 16:00 (Asia/Shanghai)",
        "Reason: gave up after 3 attempts: 45002",
        "once the cause is fixed: publisher retry 7",
    ]
    assert lines(NOTE, lang="en")[-1] == (
        "post it by hand from the pack, then confirm: publisher resolve 42 --published URL"
    )


def test_the_daemons_notifier_speaks_the_workspaces_language(tmp_path: Path) -> None:
    from publisher.daemon.entry import notifier_for
    from publisher.workspace.settings import open_workspace

    sent: list[dict[str, Any]] = []

    def hook(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, text="ok")

    env = {"OPS_HOOK": "https://hooks.slack.com/services/T0/B0/0123456789abcdef"}
    for lang, expected in (
        ("zh", "修复原因后：publisher retry 7"),
        ("en", "once the cause is fixed: publisher retry 7"),
    ):
        root = tmp_path / lang
        root.mkdir()
        (root / "publisher.toml").write_text(
            f'[workspace]\nname = "t"\ntimezone = "Europe/Berlin"\nlanguage = "{lang}"\n\n'
            '[notify.ops]\nkind = "slack"\nurl_env = "OPS_HOOK"\n',
            encoding="utf-8",
        )
        notifier = notifier_for(open_workspace(root, env=env))
        assert notifier is not None
        notifier.transport = httpx.MockTransport(hook)
        failed = Notification("failed", 7, "weekly", "wechat", "wechat", "周报", NOW)
        assert [o.ok for o in notifier.send(failed)] == [True]
        text = sent[-1]["text"]
        assert expected in text and "(Europe/Berlin)" in text, text
    assert "内容" not in sent[-1]["text"] and "Content: weekly (post #7)" in sent[-1]["text"]
