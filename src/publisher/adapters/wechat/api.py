"""The WeChat Official Accounts HTTP session: the shared stable_token, error classification, one call helper.

It knows endpoints and error codes, not the publishing flow (that is `wechat.py`); it never prints a token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import httpx

from publisher import errors
from publisher.adapters.base import AdapterContext, MemoryTokenCache, TokenCache
from publisher.adapters.http import (
    RetryPolicy,
    Sleep,
    Timeouts,
    call,
    classify_codes,
    classify_http,
    open_client,
    with_token_refresh,
)
from publisher.adapters.platform_clock import PlatformClock
from publisher.adapters.wechat import whitelist
from publisher.adapters.wechat.codes import CODES
from publisher.messages import Msg, msg
from publisher.redact import register_secret

PLATFORM = "wechat"
TOKEN_KIND = "access_token"
CAPABILITY_KIND = "capability"  # a TokenCache entry remembering that the account is draft-only (48001)
QUOTA_KIND = "quota_spent"  # a TokenCache entry: a daily quota of the publish flow ran out, until the reset
# The calls of the publish flow: once one of them answers a daily-quota error, the account makes no new
# drafts or uploads until the reset (a draft that can never be submitted today only fills the box).
PUBLISH_PATHS = frozenset(
    {
        "/cgi-bin/media/uploadimg",
        "/cgi-bin/material/add_material",
        "/cgi-bin/draft/add",
        "/cgi-bin/freepublish/submit",
        "/cgi-bin/message/mass/sendall",
    }
)
DRAFT_ONLY_RECHECK = timedelta(days=7)
# A token is cached until expires_in - 300 s (docs/platforms/wechat.md#access-tokens).
TOKEN_MARGIN = timedelta(seconds=300)
# Daily quotas reset at Beijing midnight [U]; China has no DST, so a fixed offset is exact.
BEIJING = timezone(timedelta(hours=8))


def next_beijing_midnight(now: datetime) -> datetime:
    """When a WeChat daily quota comes back, in UTC."""
    local = now.astimezone(BEIJING)
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=BEIJING).astimezone(UTC)


def beijing_day(at: datetime) -> str:
    """The Beijing date of an instant: the day a WeChat daily quota counts in."""
    return at.astimezone(BEIJING).date().isoformat()


def _aware(at: datetime) -> datetime:
    # A store may hand back naive UTC datetimes (SQLite); comparing those with aware ones would raise.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def clock_of(ctx: AdapterContext) -> Callable[[], datetime]:
    return ctx.now or (lambda: datetime.now(UTC))


def shared_cache(ctx: AdapterContext) -> TokenCache:
    """The process-shared token cache, or a private one when the caller gave none (tests, one-offs)."""
    return ctx.tokens if ctx.tokens is not None else MemoryTokenCache()


@dataclass
class WechatApi:
    """One open client plus the account's credentials; every method raises only PlatformError."""

    ctx: AdapterContext
    client: httpx.AsyncClient
    policy: RetryPolicy
    sleep: Sleep
    tokens: TokenCache
    platform_clock: PlatformClock = field(init=False)

    def __post_init__(self) -> None:
        self.platform_clock = PlatformClock(clock_of(self.ctx))  # set by the Date of each answer

    @property
    def now(self) -> datetime:
        return clock_of(self.ctx)()

    # --- token ---------------------------------------------------------------------------------------
    async def token(self, fresh: bool = False) -> str:
        """The account's access token: from the shared cache unless `fresh`, else from stable_token.

        stable_token is always asked in normal mode: it hands every worker the same current token, while
        force_refresh would invalidate the token other workers hold (docs/platforms/wechat.md#access-tokens).
        After a 40001/42001 the normal mode already returns the newer token, so a forced refresh is never
        needed here.
        """
        appid = self.ctx.credentials.get("appid", "")
        if not fresh:
            cached = self.tokens.get(self.ctx.account, TOKEN_KIND)
            if cached is not None:
                value, expires_at, meta = cached
                if meta.get("appid") == appid and (expires_at is None or _aware(expires_at) > self.now):
                    register_secret(value)
                    return value
        secret = self.ctx.credentials.get("secret", "")
        if not appid or not secret:
            raise errors.AuthError(msg("cred.wechat_appid"), platform=PLATFORM)
        data = await self.request(
            "POST",
            "/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": appid,
                "secret": secret,
                "force_refresh": False,
            },
            idempotent=True,  # normal mode returns the same token: repeating it is harmless
            with_token=False,
        )
        value = str(data.get("access_token") or "")
        if not value:
            raise errors.TransientError("stable_token answered without an access_token", platform=PLATFORM)
        register_secret(value)
        expires_in = float(data.get("expires_in") or 0)
        expires_at = self.now + timedelta(seconds=expires_in) - TOKEN_MARGIN
        self.tokens.put(self.ctx.account, TOKEN_KIND, value, expires_at, {"appid": appid})
        return value

    # --- calls ---------------------------------------------------------------------------------------
    def classify(self, response: httpx.Response) -> None:
        """HTTP status first, then the JSON envelope's errcode (errors come back as HTTP 200)."""
        self.answer(response)

    def answer(self, response: httpx.Response) -> dict[str, Any]:
        """The decoded JSON envelope of an accepted answer; raises the error its status or errcode means."""
        if response.status_code >= 400:
            classify_http(response, PLATFORM, now=self.now)
        try:
            data = response.json()
        except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            # A cut answer may follow an applied write: `call` turns this into OutcomeUnknown for writes.
            raise errors.TransientError("unreadable JSON answer", platform=PLATFORM) from None
        if not isinstance(data, dict):
            raise errors.TransientError("unexpected JSON answer", platform=PLATFORM)
        code = data.get("errcode")
        if code in (None, 0):
            return data
        if code == whitelist.CODE:  # the message names the caller: say which address to add, and where
            raise whitelist.needs_whitelisting(str(data.get("errmsg") or ""))
        classify_codes(
            code,
            str(data.get("errmsg") or ""),
            platform=PLATFORM,
            table=CODES,
            reset_at=next_beijing_midnight(self.now),
        )
        return data  # "already done" (45065): the caller reads the existing id from the body

    async def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        with_token: bool = True,
        upload: bool = False,
    ) -> dict[str, Any]:
        """One API call with retries where safe and one token refresh; the decoded JSON body.

        An "already done" code (45065) comes back as the body, for the caller to read the existing id.
        """
        extra: dict[str, Any] = {}
        if upload:
            extra["timeout"] = Timeouts.upload().to_httpx()

        async def do(token: str | None) -> dict[str, Any]:
            query = dict(params or {})
            if token is not None:
                query["access_token"] = token
            read: list[dict[str, Any]] = []  # the accepted answer's body, decoded once by its check

            def classify(response: httpx.Response) -> None:
                read.append(self.answer(response))

            response = await call(
                self.client,
                method,
                path,
                policy=self.policy,
                idempotent=idempotent,
                classify=classify,
                sleep=self.sleep,
                platform=PLATFORM,
                params=query,
                json=json,
                files=files,
                **extra,
            )
            self.platform_clock.observe(response)
            return read[-1]

        try:
            if not with_token:
                return await do(None)
            return await with_token_refresh(do, self.token)
        except errors.QuotaExhausted as exc:
            if path in PUBLISH_PATHS:
                self.remember_quota_spent(path, exc.reset_at or next_beijing_midnight(self.now))
            raise

    async def post(self, path: str, body: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
        return await self.request("POST", path, json=body, idempotent=idempotent)

    async def upload(
        self, path: str, name: str, data: bytes, mime: str, *, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        # Repeating an upload leaves at most an unused copy in the media library, never a visible duplicate,
        # so uploads are retried like reads.
        return await self.request(
            "POST", path, files={"media": (name, data, mime)}, params=params, idempotent=True, upload=True
        )

    # --- account capability -------------------------------------------------------------------------
    def draft_only(self) -> bool:
        """True once the platform said 48001 to a publish: this account can only fill the draft box.

        The mark lapses after a week, so an account verified since then is tried again (one submit call).
        """
        found = self.tokens.get(self.ctx.account, CAPABILITY_KIND)
        if not found or not found[2].get("draft_only"):
            return False
        return found[1] is None or _aware(found[1]) > self.now

    def quota_spent(self) -> errors.QuotaExhausted | None:
        """The error to raise instead of a new publish step while a publish-flow quota of the account is
        spent (until its reset), or None."""
        found = self.tokens.get(self.ctx.account, QUOTA_KIND)
        if not found or found[1] is None or _aware(found[1]) <= self.now:
            return None
        reset, path = _aware(found[1]), str(found[2].get("path") or "")
        return errors.QuotaExhausted(
            f"the daily quota of {path} for this account ran out (45009); no new draft or upload until it "
            f"resets at {reset.astimezone(BEIJING):%Y-%m-%d %H:%M} Beijing time",
            platform=PLATFORM,
            code=45009,
            reset_at=reset,
        )

    def remember_quota_spent(self, path: str, reset_at: datetime) -> None:
        self.tokens.put(
            self.ctx.account, QUOTA_KIND, "spent", reset_at, {"path": path, "since": self.now.isoformat()}
        )

    def remember_draft_only(self, reason: str) -> None:
        self.tokens.put(
            self.ctx.account,
            CAPABILITY_KIND,
            "draft_only",
            self.now + DRAFT_ONLY_RECHECK,
            {"draft_only": True, "reason": reason, "since": self.now.isoformat()},
        )


@asynccontextmanager
async def open_api(
    ctx: AdapterContext, policy: RetryPolicy, sleep: Sleep | None, tokens: TokenCache
) -> AsyncIterator[WechatApi]:
    """A WechatApi over the account's client: the queue run's pooled one, else a fresh one closed on exit."""
    async with open_client(
        scope=ctx.account, base_url=ctx.base_url, platform=PLATFORM, transport=ctx.transport
    ) as client:
        yield WechatApi(ctx, client, policy, sleep or asyncio.sleep, tokens)


async def probe(ctx: AdapterContext) -> Msg:
    """A token and one cheap authenticated call (`get_api_domain_ip`); a PlatformError says what to do."""
    policy = RetryPolicy(attempts=2, initial=0.5, max_wait=1.0, jitter=0.0, deadline_s=20.0)
    tokens = ctx.tokens or MemoryTokenCache()
    async with open_api(ctx, policy, None, tokens) as api:
        await api.request("GET", "/cgi-bin/get_api_domain_ip", idempotent=True)
    return msg("auth.check.wechat_ok")
