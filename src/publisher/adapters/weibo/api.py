"""Weibo's API pieces under the adapter: the error table, the answer check, timestamps and the text lookup."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Mapping
from datetime import datetime
from typing import Any, Literal, Protocol

import httpx

from publisher import errors
from publisher.adapters.http import Rule, classify_codes, classify_http, retry_after_seconds
from publisher.adapters.oauth import OAuthPlatform
from publisher.redact import redact_text

SHARE = "/2/statuses/share.json"
TIMELINE = "/2/statuses/user_timeline.json"
SHOW = "/2/statuses/show.json"
COUNT = "/2/statuses/count.json"
REAUTH = "run `publisher auth weibo` to authorise the account again (Weibo web apps get no refresh token)"
REPEAT = 20019
HOUR = 3600.0
TOPIC = re.compile(r"#[^#\s]+#")  # Weibo's #topic# syntax, refused by statuses/share
LINK = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
Absent = Literal["absent"]

# docs/platforms/weibo.md "Errors". No refresh token: an expired or revoked token is "auth" (re-authorise).
WEIBO_CODES: Mapping[int | str, Rule] = {
    **dict.fromkeys((10001, 10002, 10003, 10009, 10010, 10011), "transient"),
    10022: ("rate_limited", HOUR),  # IP requests out of rate limit (hourly windows)
    10023: ("rate_limited", HOUR),  # user requests out of rate limit
    10024: ("rate_limited", HOUR),  # user requests for one API out of rate limit
    20016: ("rate_limited", HOUR),  # posting too fast [U: window]
    **dict.fromkeys((21301, 21314, 21315, 21316, 21317, 21319, 21324, 21325, 21327, 21332), "auth"),
    **dict.fromkeys((10016, 10017, 20006, 20012, 20017, 20018, 20020, 20021), "validation"),
    **dict.fromkeys((10005, 10006, 10013, 10014, 20003, 20101), "permanent"),
    REPEAT: "already_done",
}


class RepeatContent(errors.PermanentError):
    """20019: Weibo refused the text as one it already has; the adapter looks for that post."""


class Api(Protocol):
    """One authorised Weibo call returning the decoded JSON answer."""

    def __call__(
        self, method: str, path: str, *, idempotent: bool, params: dict[str, Any] | None = None, **kw: Any
    ) -> Awaitable[Any]: ...


def check(response: httpx.Response, *, now: datetime | None = None) -> Any:
    """Raise the error a Weibo answer carries (`error_code` first, else the HTTP status); return the JSON."""
    try:
        body = response.json()
    except ValueError:
        body = None
    code = body.get("error_code") if isinstance(body, dict) else None
    if code is not None:
        text = str(body.get("error") or body.get("error_description") or "error")
        request = body.get("request")
        message = redact_text(f"{text} ({request})" if request else text)
        wait = retry_after_seconds(response.headers, now=now)
        if classify_codes(code, message, platform="weibo", table=WEIBO_CODES, retry_after=wait):
            raise RepeatContent(message, platform="weibo", code=code)
        raise errors.PermanentError(message, platform="weibo", code=code)  # classify_codes raised for codes
    classify_http(response, "weibo", now=now)
    if body is None:
        raise errors.TransientError("unreadable answer from Weibo", platform="weibo")
    return body


OAUTH = OAuthPlatform(
    "weibo", "Weibo", REAUTH, check, label_zh="微博", reauth_code="oauth.reauth.no_refresh"
)  # what adapters.oauth needs to know


def created(status: Mapping[str, Any]) -> datetime | None:
    """Weibo's `created_at` ("Wed Oct 24 23:49:17 +0800 2012"), an aware datetime; None if unreadable."""
    try:
        return datetime.strptime(str(status.get("created_at")), "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        return None


def same_text(sent: str, shown: str) -> bool:
    """Whether a timeline text is the one sent; links are masked, since Weibo turns them into t.cn links."""

    def mask(text: str) -> str:
        return LINK.sub("\x00", text).strip()

    return mask(sent) == mask(shown)


async def find_status(api: Api, text: str, since: datetime, pages: int) -> dict[str, Any] | Absent | None:
    """The user's one status with this text since `since` (Weibo's clock); "absent" once the window is read.

    The text is the identity (the status id is unknown here); the time only bounds how far back to read.
    """
    matches: list[dict[str, Any]] = []
    for page in range(1, pages + 1):
        data = await api("GET", TIMELINE, idempotent=True, params={"count": 100, "page": page})
        statuses = [s for s in (data.get("statuses") or []) if isinstance(s, dict)]
        older = False
        for status in statuses:
            at = created(status)
            if at is not None and at < since:
                older = True  # newest first: the rest is older than the attempt
                continue
            if same_text(text, str(status.get("text") or "")):
                matches.append(status)
        if older or len(statuses) < 100:
            return _only(matches) if matches else "absent"
    return _only(matches)  # window not fully read: one match is certain, an absence is not


def _only(matches: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The one match; several mean "cannot tell" (a person decides), never "the newest"."""
    return matches[0] if len(matches) == 1 else None


def status_url(status: Mapping[str, Any]) -> str:
    return f"https://m.weibo.cn/status/{status.get('idstr') or status.get('id')}"
