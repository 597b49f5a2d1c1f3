"""Weibo OAuth 2.0 (authorization code): the consent URL, the code exchange, token info, the stored token.

A web app gets no refresh token: when the access token expires (21327) the person authorises again, and the
account's posts wait in needs_reauth meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from publisher.adapters.base import TokenCache
from publisher.adapters.http import RetryPolicy, make_client
from publisher.adapters.oauth import Entry, consent_code, stored
from publisher.adapters.weibo.api import OAUTH, check
from publisher.redact import register_secret

LIVE_BASE = "https://api.weibo.com"
ACCESS = "weibo_access"  # TokenCache kind
CREDENTIAL_FIELDS = ("client_id", "client_secret", "redirect_uri")


@dataclass(frozen=True)
class TokenSet:
    """What an authorisation gives; the token stays out of repr so a log line cannot print it."""

    access_token: str = field(repr=False)
    expires_at: datetime
    uid: str


def authorize_url(
    client_id: str, redirect_uri: str, state: str, *, base_url: str = LIVE_BASE, scope: str = ""
) -> str:
    """The page where the user logs in and approves the app (`oauth2/authorize`)."""
    query = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code", "state": state}
    if scope:
        query["scope"] = scope
    return f"{base_url.rstrip('/')}/oauth2/authorize?{urlencode(query)}"


async def _oauth(
    base_url: str,
    path: str,
    form: dict[str, str],
    *,
    transport: httpx.AsyncBaseTransport | None,
    policy: RetryPolicy | None,
    now: datetime,
) -> Any:
    async with make_client(base_url=base_url, platform="weibo", transport=transport) as client:
        return await OAUTH.post_form(
            client,
            path,
            form,
            now=lambda: now,
            policy=policy or RetryPolicy(),
            idempotent=path != "/oauth2/access_token",  # a code is single-use
        )


def _code_form(client_id: str, client_secret: str, code: str, redirect_uri: str) -> dict[str, str]:
    """The form that trades a one-time code for an access token."""
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
    }


def _token_set(data: Any, now: datetime) -> TokenSet:
    """The token an `oauth2/access_token` answer gives, with its expiry counted from `now`."""
    token = str(data.get("access_token") or "")
    register_secret(token)
    return TokenSet(
        token, now + timedelta(seconds=int(data.get("expires_in") or 0)), str(data.get("uid") or "")
    )


async def exchange_code(
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    *,
    base_url: str = LIVE_BASE,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] | None = None,
    policy: RetryPolicy | None = None,
) -> TokenSet:
    """Trade the one-time code for an access token (`oauth2/access_token`, form POST)."""
    for secret in (client_secret, code):
        register_secret(secret)
    at = (now or (lambda: datetime.now(UTC)))()
    form = _code_form(client_id, client_secret, code, redirect_uri)
    data = await _oauth(base_url, "/oauth2/access_token", form, transport=transport, policy=policy, now=at)
    return _token_set(data, at)


async def token_info(
    access_token: str,
    *,
    base_url: str = LIVE_BASE,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] | None = None,
) -> dict[str, Any]:
    """`oauth2/get_token_info`: uid, appkey, scope, create_at and the seconds left (`expire_in`)."""
    at = (now or (lambda: datetime.now(UTC)))()
    form = {"access_token": access_token}
    data = await _oauth(base_url, "/oauth2/get_token_info", form, transport=transport, policy=None, now=at)
    return dict(data)


def save_tokens(cache: TokenCache, account: str, tokens: TokenSet) -> None:
    """Store a fresh authorisation (an empty token never overwrites a stored one)."""
    cache.put(account, ACCESS, tokens.access_token, tokens.expires_at, {"uid": tokens.uid})


class WeiboTokens:
    """The account's access token from the shared TokenCache; expired or missing means re-authorise."""

    def __init__(self, cache: TokenCache | None, account: str, now: Callable[[], datetime]) -> None:
        self.cache, self.account, self.now = cache, account, now

    def entry(self) -> Entry | None:
        return stored(self.cache, self.account, ACCESS)

    def get(self) -> str:
        when = "%Y-%m-%d %H:%M UTC"
        return OAUTH.valid(
            self.entry(), account=self.account, now=self.now(), kind="access", code=21327, when=when
        )[0]


async def grant_in_sandbox(
    client: httpx.AsyncClient,
    base_url: str,
    credentials: Mapping[str, str],
    cache: TokenCache,
    account: str,
    now: Callable[[], datetime],
) -> None:
    """A rehearsal's stand-in for the person who approves: the fake's consent page approves at once, and the
    code is exchanged exactly as a real login does."""
    key, secret = credentials["client_id"], credentials["client_secret"]
    redirect = credentials.get("redirect_uri") or "http://127.0.0.1/rehearsal"
    code = await consent_code(client, authorize_url(key, redirect, "rehearsal", base_url=base_url))
    form = _code_form(key, secret, code, redirect)
    data = check(await client.post(f"{base_url.rstrip('/')}/oauth2/access_token", data=form), now=now())
    save_tokens(cache, account, _token_set(data, now()))
