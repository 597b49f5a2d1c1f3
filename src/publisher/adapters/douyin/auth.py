"""Douyin user OAuth: the authorise URL, the code exchange, a one-shot local callback, the token keeper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from publisher import errors
from publisher.adapters.base import TokenCache
from publisher.adapters.douyin.api import OAUTH
from publisher.adapters.http import RetryPolicy, make_client
from publisher.adapters.oauth import Entry, consent_code, stored
from publisher.adapters.plumbing import checked_call
from publisher.adapters.spec import LoginRequest
from publisher.messages import Msg, msg
from publisher.redact import register_secret

logger = logging.getLogger(__name__)

LIVE_BASE = "https://open.douyin.com"
DEFAULT_SCOPES = (
    "user_info",
    "video.create.bind",
    "video.list.bind",
    "video.data.bind",
    "data.external.item",
    "renew_refresh_token",
)
ACCESS, REFRESH = "douyin_access", "douyin_refresh"  # TokenCache kinds
# At most 5 renewals of the refresh token [H] (docs/platforms/douyin.md#authorisation-user-oauth).
MAX_RENEWALS = 5
REFRESH_AHEAD = timedelta(days=1)
RENEW_AHEAD = timedelta(days=5)


@dataclass(frozen=True)
class TokenSet:
    """What an authorisation gives; the tokens are kept out of repr so a log line cannot print them."""

    access_token: str = field(repr=False)
    expires_at: datetime
    refresh_token: str = field(repr=False)
    refresh_expires_at: datetime
    open_id: str
    scopes: tuple[str, ...] = ()


def authorize_url(
    client_key: str,
    redirect_uri: str,
    scopes: list[str] | tuple[str, ...],
    state: str,
    *,
    base_url: str = LIVE_BASE,
) -> str:
    """The page where the user scans the QR code and approves the scopes
    (docs/platforms/douyin.md#authorisation-user-oauth)."""
    query = urlencode(
        {
            "client_key": client_key,
            "response_type": "code",
            "scope": ",".join(scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{base_url.rstrip('/')}/platform/oauth/connect/?{query}"


def _token_set(data: dict[str, Any], now: datetime) -> TokenSet:
    access, refresh = str(data.get("access_token") or ""), str(data.get("refresh_token") or "")
    register_secret(access)
    register_secret(refresh)
    return TokenSet(
        access_token=access,
        expires_at=now + timedelta(seconds=int(data.get("expires_in") or 0)),
        refresh_token=refresh,
        refresh_expires_at=now + timedelta(seconds=int(data.get("refresh_expires_in") or 0)),
        open_id=str(data.get("open_id") or ""),
        scopes=tuple(s for s in str(data.get("scope") or "").split(",") if s),
    )


async def exchange_code(
    client_key: str,
    client_secret: str,
    code: str,
    *,
    base_url: str = LIVE_BASE,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] | None = None,
    policy: RetryPolicy | None = None,
) -> TokenSet:
    """Trade a one-time code for tokens (`/oauth/access_token/`); a code is single-use (10007 → AuthError)."""
    clock = now or (lambda: datetime.now(UTC))
    async with make_client(base_url=base_url, platform="douyin", transport=transport) as client:
        return await _exchange(client, "/oauth/access_token/", client_key, client_secret, code, clock, policy)


async def _exchange(
    client: httpx.AsyncClient,
    url: str,
    client_key: str,
    client_secret: str,
    code: str,
    clock: Callable[[], datetime],
    policy: RetryPolicy | None = None,
) -> TokenSet:
    """The code exchange of `exchange_code` through `client` (its own, or a rehearsal's) at `url`."""
    register_secret(client_secret)
    register_secret(code)
    form = {
        "client_key": client_key,
        "client_secret": client_secret,
        "code": code,
        "grant_type": "authorization_code",
    }
    data = await checked_call(
        client,
        "POST",
        url,
        check=OAUTH.check,
        now=clock,
        policy=policy or RetryPolicy(),
        idempotent=False,
        platform="douyin",
        data=form,
    )
    return _token_set(data, clock())


def save_tokens(cache: TokenCache, account: str, tokens: TokenSet, *, renewals: int = 0) -> None:
    """Store a fresh authorisation (the CLI calls this after `run_local_oauth`)."""
    cache.put(
        account,
        ACCESS,
        tokens.access_token,
        tokens.expires_at,
        {"open_id": tokens.open_id, "scope": ",".join(tokens.scopes)},
    )
    if tokens.refresh_token:  # an empty refresh token never overwrites a stored one (R20)
        cache.put(
            account,
            REFRESH,
            tokens.refresh_token,
            tokens.refresh_expires_at,
            {
                "open_id": tokens.open_id,
                "renewals": renewals,
                "refresh_expires_at": tokens.refresh_expires_at.isoformat(),
            },
        )


_PAGE = ("<!doctype html><meta charset='utf-8'><title>publisher</title><p>{text}</p>").format


async def run_local_oauth(
    client_key: str,
    client_secret: str,
    *,
    base_url: str = LIVE_BASE,
    scopes: list[str] | tuple[str, ...] = DEFAULT_SCOPES,
    open_browser: Callable[[str], None],
    port: int = 0,
    timeout_s: float = 300,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] | None = None,
) -> TokenSet:
    """Serve one callback on 127.0.0.1, send the user to the consent page, check `state`, exchange the code.

    `open_browser` runs in a worker thread (it may block, e.g. a test that follows the redirect itself).
    """
    state = secrets.token_urlsafe(24)
    loop = asyncio.get_running_loop()
    got: asyncio.Future[str] = loop.create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        status, text = "404 Not Found", "not found"
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
            parts = urlsplit(target)
            if parts.path == "/callback" and not got.done():
                query = parse_qs(parts.query)
                if query.get("state", [""])[0] != state:
                    status, text = "400 Bad Request", "授权失败：state 不匹配 (state mismatch)"
                    got.set_exception(
                        errors.AuthError(
                            "OAuth state mismatch: the answer was not for this request", platform="douyin"
                        )
                    )
                elif not query.get("code"):
                    status, text = "400 Bad Request", "授权被拒绝 (authorisation refused)"
                    got.set_exception(
                        errors.AuthError("the user did not approve the authorisation", platform="douyin")
                    )
                else:
                    status, text = "200 OK", "授权成功，可以关闭此页 (authorised; you can close this page)"
                    got.set_result(query["code"][0])
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, IndexError):
            status, text = "400 Bad Request", "bad request"
        body = _PAGE(text=text).encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
            f"{len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    try:
        redirect_uri = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/callback"
        browser: Awaitable[None] = loop.run_in_executor(
            None, open_browser, authorize_url(client_key, redirect_uri, scopes, state, base_url=base_url)
        )
        try:
            code = await asyncio.wait_for(asyncio.shield(got), timeout_s)
        except TimeoutError:
            raise errors.AuthError(msg("login.timed_out", s=f"{timeout_s:.0f}"), platform="douyin") from None
        with contextlib.suppress(
            Exception
        ):  # the browser helper's own fate does not matter once we have a code
            await asyncio.wait_for(browser, 5)
    finally:
        server.close()
        await server.wait_closed()
    return await exchange_code(
        client_key, client_secret, code, base_url=base_url, transport=transport, now=now
    )


class DouyinTokens:
    """The account's tokens in the shared TokenCache: refreshed a day ahead, renewed 5 days ahead (≤ 5x)."""

    def __init__(
        self,
        cache: TokenCache | None,
        account: str,
        credentials: dict[str, str],
        client: httpx.AsyncClient,
        policy: RetryPolicy,
        now: Callable[[], datetime],
    ) -> None:
        self.cache, self.account, self.client, self.policy, self.now = cache, account, client, policy, now
        self.client_key = credentials.get("client_key", "")
        register_secret(credentials.get("client_secret"))

    def _entry(self, kind: str) -> Entry | None:
        return stored(self.cache, self.account, kind)

    @property
    def open_id(self) -> str:
        entry = self._entry(ACCESS) or self._entry(REFRESH)
        return str(entry[2].get("open_id", "")) if entry else ""

    @property
    def scopes(self) -> set[str]:
        entry = self._entry(ACCESS)
        return {s for s in str(entry[2].get("scope", "")).split(",") if s} if entry else set()

    async def _oauth(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        data: dict[str, Any] = await OAUTH.post_form(
            self.client, path, form, now=self.now, policy=self.policy, idempotent=True
        )
        return data

    async def get(self, force: bool = False) -> str:
        """A valid access token; `force` refreshes even if the cache still trusts the current one."""
        await self._maybe_renew()
        access = self._entry(ACCESS)
        now = self.now()
        if access and not force and (access[1] is None or access[1] - now > REFRESH_AHEAD):
            register_secret(access[0])
            return access[0]
        refresh = self._entry(REFRESH) if self.client_key else None
        token, expires, meta = OAUTH.valid(refresh, account=self.account, now=now, kind="refresh", code=10010)
        data = await self._oauth(
            "/oauth/refresh_token/",
            {"client_key": self.client_key, "grant_type": "refresh_token", "refresh_token": token},
        )
        fresh = _token_set(data, now)
        if self.cache is not None:
            self.cache.put(
                self.account,
                ACCESS,
                fresh.access_token,
                fresh.expires_at,
                {
                    "open_id": fresh.open_id or meta.get("open_id", ""),
                    "scope": ",".join(fresh.scopes) or (access[2].get("scope", "") if access else ""),
                },
            )
            if fresh.refresh_token and fresh.refresh_token != token:
                # A refresh does not move the refresh token's expiry: keep it unless the answer gives one.
                until = fresh.refresh_expires_at if data.get("refresh_expires_in") else expires
                self.cache.put(self.account, REFRESH, fresh.refresh_token, until, {**meta})
        return fresh.access_token

    async def _maybe_renew(self) -> None:
        """Renew the refresh token when it has < 5 days left and renewals remain; 10020 means re-authorise."""
        refresh = self._entry(REFRESH)
        if refresh is None or self.cache is None:
            return
        token, expires, meta = refresh
        renewals = int(meta.get("renewals", 0))
        left = expires - self.now() if expires is not None else RENEW_AHEAD
        if left >= RENEW_AHEAD or left <= timedelta(0) or renewals >= MAX_RENEWALS:
            return
        try:
            data = await self._oauth(
                "/oauth/renew_refresh_token/", {"client_key": self.client_key, "refresh_token": token}
            )
        except errors.AuthError:
            # 10020 (renewals used up) or 10010: never ask again; the person re-authorises.
            self.cache.put(self.account, REFRESH, token, expires, {**meta, "renewals": MAX_RENEWALS})
            raise
        except errors.PermanentError as exc:
            # 10004: the app lacks the renew permission; the refresh token still works until it expires.
            logger.warning("douyin: cannot renew the refresh token of %s: %s", self.account, exc)
            return
        new = str(data.get("refresh_token") or "")
        if not new:
            return
        register_secret(new)
        until = self.now() + timedelta(seconds=int(data.get("expires_in") or 30 * 86400))
        self.cache.put(
            self.account,
            REFRESH,
            new,
            until,
            {**meta, "renewals": renewals + 1, "refresh_expires_at": until.isoformat()},
        )


async def grant_in_sandbox(
    client: httpx.AsyncClient,
    base_url: str,
    credentials: Mapping[str, str],
    cache: TokenCache,
    account: str,
    now: Callable[[], datetime],
) -> None:
    """A rehearsal's stand-in for the person who approves in the app: the sandbox's consent page approves at
    once, and the code is exchanged as `publisher auth douyin` does, through the same `client` (so an
    in-process sandbox needs no socket)."""
    key, secret = credentials["client_key"], credentials["client_secret"]
    url = authorize_url(key, "http://127.0.0.1/rehearsal", DEFAULT_SCOPES, "rehearsal", base_url=base_url)
    code = await consent_code(client, url)
    token_url = f"{base_url.rstrip('/')}/oauth/access_token/"
    save_tokens(cache, account, await _exchange(client, token_url, key, secret, code, now))


def code_from(pasted: str, state: str) -> str:
    """The code in what the person pasted: the whole address they landed on (its `state` must be ours), or
    just the code."""
    text = pasted.strip()
    if "?" not in text and "=" not in text:
        if not text:
            raise errors.AuthError(msg("login.nothing_pasted"), platform="douyin")
        return text
    query = parse_qs(urlsplit(text).query if "?" in text else text)
    if query.get("state", [state])[0] != state:
        raise errors.AuthError(msg("login.state_mismatch"), platform="douyin")
    code = query.get("code", [""])[0]
    if not code:
        raise errors.AuthError(msg("login.no_code"), platform="douyin")
    return code


def pasted_oauth(
    client_key: str,
    client_secret: str,
    redirect_uri: str,
    *,
    ask: Callable[[str | Msg], str],
    open_browser: Callable[[str], None],
    base_url: str = LIVE_BASE,
    scopes: list[str] | tuple[str, ...] = DEFAULT_SCOPES,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] | None = None,
) -> TokenSet:
    """The live login: Douyin redirects only to the https address registered in the console (10006
    otherwise), which is not this machine. The person opens the consent page, approves, and pastes back the
    address they land on (or the code); it is exchanged as a form."""
    if urlsplit(redirect_uri).scheme != "https":
        raise errors.AuthError(msg("login.not_https", uri=redirect_uri), platform="douyin")
    state = secrets.token_urlsafe(24)
    open_browser(authorize_url(client_key, redirect_uri, scopes, state, base_url=base_url))
    code = code_from(ask(msg("login.paste")), state)
    return asyncio.run(
        exchange_code(client_key, client_secret, code, base_url=base_url, transport=transport, now=now)
    )


def login(request: LoginRequest) -> Msg:
    """`publisher auth douyin`: the registered-address flow (paste back), or in the sandbox a loopback
    callback; stores the tokens and says how long they last."""
    creds = request.credentials
    if request.redirect_uri:
        if request.ask is None:
            raise errors.AuthError(msg("login.needs_person"), platform="douyin")
        tokens = pasted_oauth(
            creds["client_key"],
            creds["client_secret"],
            request.redirect_uri,
            ask=request.ask,
            open_browser=request.open_browser,
            base_url=request.base_url or LIVE_BASE,
            now=request.now,
        )
    elif request.base_url is None:
        raise errors.AuthError(msg("login.douyin_redirect"), platform="douyin")
    else:
        tokens = asyncio.run(
            run_local_oauth(
                creds["client_key"],
                creds["client_secret"],
                base_url=request.base_url,
                open_browser=request.open_browser,
                now=request.now,
            )
        )
    save_tokens(request.tokens, request.account, tokens)
    return msg(
        "login.tokens_until",
        access=f"{tokens.expires_at:%Y-%m-%d}",
        refresh=f"{tokens.refresh_expires_at:%Y-%m-%d}",
    )
