"""The one message catalogue, in Chinese (the default) and English: what `check` says (`content`, `rules`,
`calendar`), the CLI's lines (`cli`), the MCP tools' own checks and download refusals (`mcp`), stored
reasons (`reasons`), notifications (`notify`), the CLI's errors (`usage`), accounts and credentials
(`accounts`) and `--help` (`help`), each a module of entries merged into `CHECK` here, with the state names
and the wording helpers.

A finding carries a `Msg` (a stable code and its values), never finished text; `Msg.text(lang)` words it
when it is shown (`publisher check`, `--json`, the MCP check tool, the dashboard's live check). The report,
menu and summary strings live in `publisher.reports.i18n`, whose `t()` also finds these; each string once.
Codes are stable (`--json` carries them): rename one only with its tests and docs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from publisher.messages import accounts, calendar, cli, content, help, mcp, notify, reasons, rules, usage

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Msg:
    """A message by code with its values (a value may itself be a `Msg`, worded in the same language)."""

    code: str
    args: tuple[tuple[str, Any], ...] = ()

    def text(self, lang: str = "en") -> str:
        return say(self.code, lang, **dict(self.args))

    def to_json(self) -> str:
        """The message as stored (a post's `reason_msg`): its code and values, worded when shown."""
        return json.dumps(_encode(self), ensure_ascii=False, default=str)

    @staticmethod
    def from_json(text: str) -> Msg | None:
        """A stored message, or None for anything that is not one (an old or foreign value)."""
        try:
            value = _decode(json.loads(text))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return value if isinstance(value, Msg) else None


def _encode(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"msg": value.code, "args": {k: _encode(v) for k, v in value.args}}
    if isinstance(value, Named):
        return {"named": [value.zh, value.en]}
    if isinstance(value, Either):
        return {"either": [_encode(v) for v in value]}
    if isinstance(value, tuple | list):
        return {"list": [_encode(v) for v in value]}
    return value if isinstance(value, int | float | str | None) else str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "msg" in value:
            return Msg(str(value["msg"]), tuple((k, _decode(v)) for k, v in value["args"].items()))
        if "either" in value:
            return Either(_decode(v) for v in value["either"])
        if "named" in value:
            return Named(*map(str, value["named"]))
        return tuple(_decode(v) for v in value["list"])
    return value


def msg(code: str, **args: Any) -> Msg:
    """`Msg(code, args)`; lists become tuples (a finding is a frozen value)."""
    return Msg(
        code,
        tuple(
            (k, tuple(sorted(v) if isinstance(v, set) else v) if isinstance(v, list | set) else v)
            for k, v in args.items()
        ),
    )


class Either(tuple[Any, ...]):
    """Alternatives: worded "a or b" (a或b); a plain tuple is a list (a, b / a、b)."""


@dataclass(frozen=True)
class Named:
    """A name given in each language (a platform's, from its adapter): worded as the reader's."""

    zh: str
    en: str


class StateWord(str):
    """A post's state as a message's value: its name in Chinese (`STATES`), the store's word in English."""


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, Msg):
        return value.text(lang)
    if isinstance(value, Named):
        return value.zh if lang == "zh" else value.en
    if isinstance(value, StateWord):
        return str(value) if lang == "en" else state_name(str(value), lang)
    if isinstance(value, Either):
        return ("或" if lang == "zh" else " or ").join(str(_value(v, lang)) for v in value)
    if isinstance(value, tuple):
        return ("、" if lang == "zh" else ", ").join(str(_value(v, lang)) for v in value)
    return value


def field_word(name: str) -> Msg | str:
    """A field's name as people say it (标题, 正文 …), or the name."""
    return msg(f"field.{name}") if f"field.{name}" in CHECK else name


def counted(counter: str) -> dict[str, Msg | str]:
    """`unit` and `how` of a length counted by `counter` (platforms/rules.py `count_length`)."""
    if f"unit.{counter}" not in CHECK:
        return {"unit": "", "how": ""}
    return {"unit": msg(f"unit.{counter}"), "how": msg(f"how.{counter}")}


def say(code: str, lang: str, **args: Any) -> str:
    """The message `code` in `lang` (English where a language lacks it), filled with `args`."""
    entry = CHECK.get(code)
    if entry is None:
        return code
    text = entry.get(lang, entry["en"])
    return text.format(**{k: _value(v, lang) for k, v in args.items()})


CHECK: dict[str, dict[str, str]] = {
    **content.ENTRIES,
    **rules.ENTRIES,
    **calendar.ENTRIES,
    **cli.ENTRIES,
    **mcp.ENTRIES,
    **reasons.ENTRIES,
    **notify.ENTRIES,
    **usage.ENTRIES,
    **accounts.ENTRIES,
    **help.ENTRIES,
}
#: each code once: a code in two parts would silently take the later part's words
PARTS = (
    content.ENTRIES,
    rules.ENTRIES,
    calendar.ENTRIES,
    cli.ENTRIES,
    mcp.ENTRIES,
    reasons.ENTRIES,
    notify.ENTRIES,
    usage.ENTRIES,
    accounts.ENTRIES,
    help.ENTRIES,
)


#: A post's state as people say it (models.PostState values).
STATES: dict[str, dict[str, str]] = {
    "planned": {"zh": "已计划", "en": "planned"},
    "waiting_approval": {"zh": "待审批", "en": "waiting for approval"},
    "held": {"zh": "已暂停（内容不合规）", "en": "held (content invalid)"},
    "queued": {"zh": "排队中", "en": "queued"},
    "claimed": {"zh": "发送中", "en": "being sent"},
    "sending": {"zh": "发送中", "en": "being sent"},
    "published": {"zh": "已发布", "en": "published"},
    "retrying": {"zh": "等待重试", "en": "retrying"},
    "failed": {"zh": "发布失败", "en": "failed"},
    "awaiting_manual": {"zh": "待人工发布", "en": "to post by hand"},
    "reconcile": {"zh": "结果待核对", "en": "outcome being checked"},
    "needs_attention": {"zh": "需人工处理", "en": "needs a person"},
    "needs_reauth": {"zh": "需重新授权", "en": "needs re-authorisation"},
    "cancelled": {"zh": "已取消", "en": "cancelled"},
    "missed": {"zh": "已错过", "en": "missed"},
    "dry_run": {"zh": "演示发送", "en": "dry run"},
    "draft": {"zh": "草稿", "en": "draft"},
    "ready": {"zh": "就绪", "en": "ready"},
}

#: The queue's reasons (English in the store) as readers say them, by their words or by a catalogue code
#: whose English the pattern matches (its groups are the code's values); the platform's own message is kept,
#: and a group named `msg` is itself read as a reason (a pre-flight's "credentials missing: …").
REASONS: tuple[tuple[str, dict[str, str] | str], ...] = (
    (r"late window passed", {"zh": "已超过补发时限"}),
    (r"will retry: (?P<msg>.*)", {"zh": "稍后重试：{msg}"}),
    (r"gave up after (?P<n>\d+) attempts: (?P<msg>.*)", {"zh": "重试 {n} 次后放弃：{msg}"}),
    (
        r"daily quota used up; waiting for the reset(?: at .+?)?: (?P<msg>.*)",
        {"zh": "当日配额已用完，等待重置：{msg}"},
    ),
    (
        r"credentials of (?P<acc>\S+) need renewing \(publisher auth\): (?P<msg>.*)",
        {"zh": "账号 {acc} 的凭据需要更新（publisher auth）：{msg}"},
    ),
    (r"outcome unknown: (?P<msg>.*)", {"zh": "结果未知，需要核对：{msg}"}),
    (r"credentials missing: (?P<msg>.*)", "cred.missing"),
    (r"credentials expired: (?P<msg>.*)", "cred.expired"),
    (r"set (?P<var>PUBLISHER_\w+) \(or keyring / credentials file\)", "cred.hint.set"),
    (r"pre-flight: (?P<msg>.*)", {"zh": "发送前检查未通过：{msg}"}),
    (r"pack ready.*", {"zh": "发布包已备好：请手动发布，然后确认链接"}),
    (r"published", {"zh": "已发布"}),
    (r"draft: checked, never published", {"zh": "草稿：已检查，不会发布"}),
    (r"ready to post by hand: (?P<msg>.*)", {"zh": "发布包已备好，请人工发布：{msg}"}),
    (r"ready to post by hand", {"zh": "发布包已备好，请人工发布"}),
    (r"waiting for approval.*", {"zh": "等待审批（评审时加上 approved_by:）"}),
    (r"no publish_at: planned, not scheduled", {"zh": "未设置 publish_at：已计划，未排期"}),
    (r"rate limited: (?P<msg>.*)", {"zh": "触发限流：{msg}"}),
    (r"publish now \(a person\)", {"zh": "人工要求立即发布"}),
    (r"submitted; waiting for the platform", {"zh": "已提交，等待平台处理"}),
    (r"submitted; waiting for the platform: (?P<msg>.*)", {"zh": "已提交，等待平台处理：{msg}"}),
    (r"published \(confirmed on the platform\)", {"zh": "已发布（已在平台上确认）"}),
    (r"(?P<acc>\S+) keeps (?P<n>\d+) s between posts", {"zh": "{acc} 两条帖子之间至少间隔 {n} 秒"}),
    (r"dry run: recorded, nothing sent", {"zh": "已记录请求，未发出"}),
    (r"could not check on the platform: (?P<msg>.*)", {"zh": "无法向平台核对：{msg}"}),
    (
        r"this account is not verified, so WeChat lets it create drafts but not publish by API: "
        r"the draft is in the draft box; publish it in mp\.weixin\.qq\.com "
        r"and confirm with publisher resolve",
        {
            "zh": "该公众号未认证，微信只允许通过 API 建草稿、不允许发布：草稿已在草稿箱；"
            "请在 mp.weixin.qq.com 发布，再用 publisher resolve 确认"
        },
    ),
    (
        r"the item asks for a draft only \(mode: draft\): the draft is in the draft box; publish it in "
        r"mp\.weixin\.qq\.com and confirm with publisher resolve",
        {
            "zh": "内容要求只建草稿（mode: draft）：草稿已在草稿箱；"
            "请在 mp.weixin.qq.com 发布，再用 publisher resolve 确认"
        },
    ),
    (
        r"this account cannot publish by API \(48001\): the draft is in the draft box; publish it in "
        r"mp\.weixin\.qq\.com and confirm with publisher resolve",
        {
            "zh": "该公众号无 API 发布权限（48001）：草稿已在草稿箱；"
            "请在 mp.weixin.qq.com 发布，再用 publisher resolve 确认"
        },
    ),
)


def state_name(state: str, lang: str) -> str:
    return STATES.get(state, {}).get(lang, state.replace("_", " "))


#: the English of each coded reason without values, back to its code
_BY_ENGLISH = {
    e["en"]: code for code, e in CHECK.items() if code.startswith("reason.") and "{" not in e["en"]
}


def reason(text: str, lang: str, said: str | None = None) -> str:
    """A stored reason in the reader's language: worded from its stored code and values (`said`, the post's
    `reason_msg`) when it has them, else an older row's English translated where known; a platform's own
    message is kept as it is."""
    stored = Msg.from_json(said) if said else None
    if stored is not None:
        return stored.text(lang)
    text = text.strip()
    if lang == "en":
        return text
    if code := _BY_ENGLISH.get(text):  # a coded reason's exact English (an older row, a sync detail)
        return say(code, lang)
    for pattern, words in REASONS:
        if m := re.fullmatch(pattern, text, flags=re.DOTALL):
            values = m.groupdict()
            if "msg" in values:
                values["msg"] = _inner(values["msg"], lang)
            if isinstance(words, str):
                return say(words, lang, **values)
            return words.get(lang, text).format(**values)
    return text


def _inner(text: str, lang: str) -> str:
    """A reason's inner message: each "; " or ", " part read as a reason where one is known."""
    for sep in ("; ", ", "):
        if sep in text:
            parts = [reason(part, lang) for part in text.split(sep)]
            if parts != text.split(sep):
                return ("；" if sep == "; " else "、").join(parts) if lang == "zh" else sep.join(parts)
    return reason(text, lang)
