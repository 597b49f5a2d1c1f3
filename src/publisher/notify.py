"""Tell a person that a post needs them, through every configured channel (bot webhooks, Slack, e-mail).

Ground layer: imports only errors, models, redact and the message catalogue (the text is in the workspace's
language, Chinese by default). A channel that fails is logged (redacted: webhook URLs
hold tokens) and reported as an Outcome; `send` never raises.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self
from urllib.parse import parse_qsl, quote_plus, urlsplit
from zoneinfo import ZoneInfo

from publisher.messages import CHECK, Msg, msg, say
from publisher.messages import reason as reason_text
from publisher.redact import redact_text, register_secret

if TYPE_CHECKING:  # smtplib and email load when a message is first e-mailed (a daemon rarely does)
    from email.message import EmailMessage

    import httpx

logger = logging.getLogger(__name__)

KINDS = ("feishu", "wecom", "dingtalk", "slack", "email")

#: the states a notification names its own command for (the words are `notify.*` in publisher.messages)
ACTIONS = ("awaiting_manual", "needs_attention", "needs_reauth", "missed", "failed", "job_failed")


@dataclass(frozen=True)
class Notification:
    """One event a person must act on: a post entered `kind` (a PERSON_STATES value)."""

    kind: str
    post_id: int | None
    item: str
    platform: str
    account: str
    title: str
    when: datetime
    reason: str = ""
    url: str = ""  # the post's URL once known
    pack: str = ""  # the ready-to-post pack (assisted publishing)


def event_key(notification: Notification) -> str:
    """The identity of the event, for the caller's once-per-event guarantee: post, state and when it began."""
    when = (
        notification.when.astimezone(UTC).isoformat()
        if notification.when.tzinfo
        else notification.when.isoformat()
    )
    subject = (
        f"post:{notification.post_id}" if notification.post_id is not None else f"item:{notification.item}"
    )
    return f"{subject}:{notification.kind}:{when}"


@dataclass(frozen=True)
class Channel:
    """A configured channel with its secrets resolved (URL and signing secret or SMTP password)."""

    name: str
    kind: str
    url: str = ""
    secret: str = ""
    to: tuple[str, ...] = ()
    smtp_host: str = ""
    smtp_port: int = 25
    sender: str = ""
    problem: Msg | str = ""  # why the channel cannot send (an unset variable), reported as its outcome


@dataclass(frozen=True)
class Outcome:
    """What one channel did with one notification; `detail` is redacted, in the notifier's language, and
    `code` its catalogue code ("" when delivered)."""

    channel: str
    kind: str
    ok: bool
    detail: str = ""
    code: str = ""


def _register(value: str) -> None:
    """Register a webhook URL and its token-bearing parts, so neither appears in any log line."""
    if not value:
        return
    register_secret(value)
    parts = urlsplit(value)
    if parts.scheme in ("http", "https"):
        last = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if len(last) >= 16 or any(c.isdigit() for c in last):  # a hook token, not a word like "send"
            register_secret(last)
        for _, query_value in parse_qsl(parts.query):
            register_secret(query_value)


def channels_from_settings(notify: Mapping[str, Any], env: Mapping[str, str]) -> list[Channel]:
    """Channels from `[notify.NAME]` settings (objects with kind, url_env, secret_env, to, smtp_*, sender)."""
    channels = []
    for name, cfg in notify.items():
        kind = str(getattr(cfg, "kind", ""))
        url_env, secret_env = str(getattr(cfg, "url_env", "")), str(getattr(cfg, "secret_env", ""))
        problems: list[Msg] = []
        if kind != "email" and not (url_env and env.get(url_env)):
            problems.append(msg("notify.no_url", var=url_env or msg("notify.no_url_env")))
        if secret_env and not env.get(secret_env):
            problems.append(msg("notify.no_secret", var=secret_env))
        channels.append(
            Channel(
                name=name,
                kind=kind,
                url=env.get(url_env, "") if url_env else "",
                secret=env.get(secret_env, "") if secret_env else "",
                to=tuple(getattr(cfg, "to", ()) or ()),
                smtp_host=str(getattr(cfg, "smtp_host", "")),
                smtp_port=int(getattr(cfg, "smtp_port", 25)),
                sender=str(getattr(cfg, "sender", "")),
                problem=msg("usage.as_said", text=tuple(problems)) if problems else "",
            )
        )
    return channels


def headline(n: Notification, lang: str = "zh") -> str:
    label = say(f"notify.label.{n.kind}" if n.kind in ACTIONS else "notify.label.other", lang)
    return f"【{label} {n.kind}】{n.platform}/{n.account}：{n.title}"


def lines(n: Notification, zone: str = "Asia/Shanghai", lang: str = "zh") -> list[str]:
    """The message body, short: what, why, where (times in the workspace zone), and the command to act."""
    when = n.when.astimezone(ZoneInfo(zone)) if n.when.tzinfo else n.when
    what = (
        say("notify.what_post", lang, item=n.item, id=n.post_id) if n.post_id is not None else n.item or "—"
    )
    out = [
        say("notify.what", lang, what=what),
        say("notify.when", lang, when=f"{when:%Y-%m-%d %H:%M}", zone=zone),
    ]
    if n.reason:
        out.append(say("notify.reason", lang, reason=reason_text(n.reason, lang)))
    if n.pack:
        out.append(say("notify.pack", lang, pack=n.pack))
    if n.url:
        out.append(say("notify.url", lang, url=n.url))
    # Without a post (a recurring job's alert) there is nothing to resolve or retry: point to the overview.
    code = f"notify.do.{n.kind}"
    action = n.post_id is not None and code in CHECK
    out.append(say(code, lang, id=n.post_id) if action else say("notify.do.status", lang))
    return out


def _said(problem: Msg | str) -> Msg | None:
    """A channel's own problem as a message ("" or None: none)."""
    if isinstance(problem, Msg):
        return problem
    return msg("usage.as_said", text=problem) if problem else None


def sign(secret: str, timestamp: str, *, feishu: bool) -> str:
    """Bot signature: HMAC-SHA256 of `timestamp\\nsecret`, base64 (Feishu uses that string as the key)."""
    text = f"{timestamp}\n{secret}".encode()
    digest = (
        hmac.new(text, b"", hashlib.sha256).digest()
        if feishu
        else hmac.new(secret.encode(), text, hashlib.sha256).digest()
    )
    return base64.b64encode(digest).decode()


def payload(
    channel: Channel, n: Notification, now: datetime, zone: str = "Asia/Shanghai", lang: str = "zh"
) -> tuple[str, dict[str, Any]]:
    """The (URL, JSON body) a webhook channel posts, in the platform's own format."""
    title, body = headline(n, lang), lines(n, zone, lang)
    if channel.kind == "feishu":
        content = [[{"tag": "text", "text": line}] for line in body]
        data: dict[str, Any] = {
            "msg_type": "post",
            "content": {"post": {"en_us" if lang == "en" else "zh_cn": {"title": title, "content": content}}},
        }
        if channel.secret:
            stamp = str(int(now.timestamp()))
            data = {"timestamp": stamp, "sign": sign(channel.secret, stamp, feishu=True), **data}
        return channel.url, data
    markdown = "\n".join([f"**{title}**", "", *(f"> {line}" for line in body)])
    if channel.kind == "wecom":
        return channel.url, {"msgtype": "markdown", "markdown": {"content": markdown}}
    if channel.kind == "dingtalk":
        url = channel.url
        if channel.secret:
            stamp = str(int(now.timestamp() * 1000))
            signature = quote_plus(sign(channel.secret, stamp, feishu=False))
            url += ("&" if "?" in url else "?") + f"timestamp={stamp}&sign={signature}"
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}
    if channel.kind == "slack":
        blocks = [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(body)}},
        ]
        return channel.url, {"text": "\n".join([title, *body]), "blocks": blocks}
    raise ValueError(f"unknown channel kind {channel.kind!r}; expected one of {', '.join(KINDS)}")


def _check_answer(channel: Channel, response: httpx.Response) -> Msg | None:
    """None when the platform accepted the message, else why not (bots answer HTTP 200 with an error code);
    the platform's own words are kept as they are."""
    if response.status_code >= 400:
        return msg("notify.http", status=response.status_code, body=response.text[:200])
    if channel.kind == "slack":
        return (
            None
            if response.text.strip() in ("ok", "")
            else msg("notify.slack_said", body=response.text[:200])
        )
    try:
        answer = response.json()
    except ValueError:
        return msg("notify.odd_answer", body=response.text[:200])
    if not isinstance(answer, dict):
        return msg("notify.odd_answer", body=response.text[:200])
    code = answer.get("code", answer.get("errcode", answer.get("StatusCode", 0)))
    if code in (0, "0", None):
        return None
    said = answer.get("msg") or answer.get("errmsg") or answer.get("StatusMessage") or ""
    return msg("notify.refused", number=code, said=str(said))


class SMTPLike(Protocol):
    """What Notifier needs of an SMTP connection (smtplib.SMTP and SMTP_SSL, or a test double)."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None, /
    ) -> object: ...
    def starttls(self) -> Any: ...
    def login(self, user: str, password: str) -> Any: ...
    def send_message(self, msg: EmailMessage) -> Any: ...


def default_smtp(host: str, port: int, timeout: float) -> SMTPLike:
    """Port 465 speaks TLS from the start; the others start plain (587 upgrades with STARTTLS)."""
    import smtplib

    if port == 465:
        return smtplib.SMTP_SSL(host, port, timeout=timeout)
    return smtplib.SMTP(host, port, timeout=timeout)


@dataclass
class Notifier:
    """Sends each notification through every channel; one channel's failure never stops the others."""

    channels: list[Channel]
    transport: httpx.BaseTransport | None = None
    smtp_factory: Callable[[str, int, float], SMTPLike] = default_smtp
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    timeout: float = 10.0
    zone: str = "Asia/Shanghai"  # the workspace timezone, for the times in messages
    lang: str = "zh"  # the workspace language, for the words in messages

    def __post_init__(self) -> None:
        for channel in self.channels:
            _register(channel.url)
            register_secret(channel.secret)

    def send(self, notification: Notification) -> list[Outcome]:
        outcomes = []
        for channel in self.channels:
            problem: Msg | None
            try:
                problem = _said(channel.problem) or self._deliver(channel, notification)
            except Exception as exc:  # any failure of one channel is reported, never raised
                problem = msg("notify.broke", kind=type(exc).__name__, said=str(exc))
            detail = redact_text(problem.text(self.lang)) if problem else ""
            if problem:
                line = msg(
                    "notify.send_failed",
                    kind=notification.kind,
                    post=str(notification.post_id),
                    channel=channel.name,
                    via=channel.kind,
                    detail=detail,
                )
                logger.warning("%s", line.text(self.lang))
            code = problem.code if problem else ""
            outcomes.append(Outcome(channel.name, channel.kind, not problem, detail, code))
        return outcomes

    def _deliver(self, channel: Channel, n: Notification) -> Msg | None:
        if channel.kind == "email":
            return self._email(channel, n)
        import httpx  # on first delivery: the CLI's light commands never load the HTTP client

        url, data = payload(channel, n, self.now(), self.zone, self.lang)
        with httpx.Client(transport=self.transport, timeout=self.timeout, follow_redirects=False) as client:
            response = client.post(url, json=data)
        return _check_answer(channel, response)

    def _email(self, channel: Channel, n: Notification) -> Msg | None:
        if not channel.smtp_host or not channel.to or not channel.sender:
            return msg("notify.email_fields")
        from email.message import EmailMessage

        message = EmailMessage()
        message["Subject"] = headline(n, self.lang)
        message["From"] = channel.sender
        message["To"] = ", ".join(channel.to)
        message.set_content("\n".join(lines(n, self.zone, self.lang)) + "\n")
        with self.smtp_factory(channel.smtp_host, channel.smtp_port, self.timeout) as smtp:
            if channel.smtp_port == 587:
                smtp.starttls()
            if channel.secret:
                smtp.login(channel.sender, channel.secret)
            smtp.send_message(message)
        return None


__all__ = [
    "ACTIONS",
    "Channel",
    "Notification",
    "Notifier",
    "Outcome",
    "channels_from_settings",
    "event_key",
    "headline",
    "lines",
    "payload",
    "sign",
]
