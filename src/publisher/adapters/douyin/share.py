"""Douyin's share path for apps without `video.create.bind`: a short link that opens the Douyin app's
publish page with the video and caption filled in; the person finishes the post there.

The four calls, all with the app's own `client_token` (no user grant), per docs/platforms/douyin.md:

1. `POST /oauth/client_token/` (JSON) → `clt.…`, about 7200 s;
2. `GET /open/getticket/` → the open ticket (about 7200 s; asking again retires the last one after 5 min);
3. `GET /share-id/?need_callback=true` → `share_id`, sent back as `state` so the share can be told apart;
4. `POST /api/douyin/v1/schema/get_share/` (JSON: `client_ticket`, `expire_at`, `video_path` or
   `image_path`/`image_list_path`, `title`, `hashtag_list`, `share_to_publish`, `state`) → `data.schema`, a
   short link; `expire_at` and the ticket together decide how long it opens the app.

The client token and the ticket belong to the app, not to an account: asking for either again retires the one
before after 5 minutes, which would cut short every link made with it. So both are kept app-wide in the
TokenCache (under `douyin-app:<client_key>`, shared by every process and account), and a new one is asked for
only when the held one has less than those 5 minutes left; a link never outlives its ticket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from publisher import errors
from publisher.adapters.base import TokenCache
from publisher.adapters.douyin.api import OAUTH
from publisher.adapters.http import RetryPolicy, TokenExpired
from publisher.adapters.oauth import stored
from publisher.adapters.plumbing import checked_call
from publisher.messages import msg
from publisher.redact import register_secret

CLIENT, TICKET = "douyin_client_token", "douyin_open_ticket"  # TokenCache kinds
GET_SHARE = "/api/douyin/v1/schema/get_share/"
AHEAD = timedelta(minutes=5)  # a cached token or ticket this close to its end is fetched anew
JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class ShareLink:
    """A short link that opens Douyin's publish page, and when it stops doing so."""

    link: str = ""
    share_id: str = ""
    expires_at: datetime | None = None
    media_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShareRequest:
    """What the link carries: the media's public https addresses, the caption and its topics."""

    video_url: str | None
    image_urls: tuple[str, ...]
    title: str
    hashtags: tuple[str, ...]
    ttl: timedelta


class ShareClient:
    """The four calls on one HTTP client, with the app's credentials and the shared TokenCache."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        account: str,
        credentials: dict[str, str],
        tokens: TokenCache | None,
        now: Callable[[], datetime],
        policy: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.client, self.account, self.now = client, account, now
        self.key = credentials.get("client_key", "")
        self.holder = f"douyin-app:{self.key}"  # the TokenCache row of the app's token and ticket
        self.secret = credentials.get("client_secret", "")
        self.tokens, self.policy, self.sleep = tokens, policy, sleep
        if self.secret:
            register_secret(self.secret)

    async def _call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        data: dict[str, Any] = await checked_call(
            self.client,
            method,
            path,
            check=OAUTH.check,
            now=self.now,
            policy=self.policy,
            idempotent=True,  # nothing here creates a post: a link or a ticket asked twice is harmless
            sleep=self.sleep,
            **kw,
        )
        return data

    def _held(self, kind: str) -> tuple[str, datetime] | None:
        """The app's token or ticket of `kind` while it has more than AHEAD left."""
        held = stored(self.tokens, self.holder, kind)
        if held is None or held[1] is None or held[1] - AHEAD <= self.now():
            return None
        return held[0], held[1]

    def _keep(self, kind: str, value: str, expires_in: Any) -> datetime:
        register_secret(value)
        until = self.now() + timedelta(seconds=int(expires_in or 7200))
        if self.tokens is not None:
            self.tokens.put(self.holder, kind, value, until)
        return until

    async def client_token(self, *, fresh: bool = False) -> str:
        held = None if fresh else self._held(CLIENT)
        if held is not None:
            return held[0]
        if not self.key or not self.secret:
            raise errors.AuthError(
                msg("cred.douyin_client", account=self.account.upper()),
                platform="douyin",
            )
        data = await self._call(
            "POST",
            "/oauth/client_token/",
            json={"client_key": self.key, "client_secret": self.secret, "grant_type": "client_credential"},
        )
        token = str(data.get("access_token") or "")
        if not token:
            raise errors.TransientError("Douyin gave no client_token", platform="douyin")
        self._keep(CLIENT, token, data.get("expires_in"))
        return token

    async def ticket(self, token: str) -> tuple[str, datetime]:
        held = self._held(TICKET)
        if held is not None:
            return held
        data = await self._call("GET", "/open/getticket/", headers={"access-token": token, **JSON})
        ticket = str(data.get("ticket") or "")
        if not ticket:
            raise errors.TransientError("Douyin gave no open ticket", platform="douyin")
        return ticket, self._keep(TICKET, ticket, data.get("expires_in"))

    async def share_id(self, token: str) -> str:
        data = await self._call(
            "GET", "/share-id/", params={"need_callback": "true"}, headers={"access-token": token, **JSON}
        )
        return str(data.get("share_id") or "")

    async def get_share(self, token: str, body: dict[str, Any]) -> str:
        data = await self._call("POST", GET_SHARE, json=body, headers={"access-token": token, **JSON})
        link = str(data.get("schema") or "")
        if not link:
            raise errors.TransientError("Douyin's get_share answer had no schema link", platform="douyin")
        return link

    async def link(self, request: ShareRequest) -> ShareLink:
        """One short link for `request`; an expired client_token is fetched again once."""
        for fresh in (False, True):
            token = await self.client_token(fresh=fresh)
            try:
                return await self._link(token, request)
            except TokenExpired:
                if fresh:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _link(self, token: str, request: ShareRequest) -> ShareLink:
        ticket, ticket_until = await self.ticket(token)
        # The link opens the app only while the ticket is valid too: near the ticket's end it is shorter.
        expires_at = min(self.now() + request.ttl, ticket_until)
        share_id = await self.share_id(token)
        body: dict[str, Any] = {
            "client_ticket": ticket,
            "expire_at": int(expires_at.timestamp()),
            "title": request.title,
        }
        if request.hashtags:
            body["hashtag_list"] = list(request.hashtags)
        if share_id:
            body["state"] = share_id
        if request.video_url:
            body["video_path"] = request.video_url
            body["share_to_publish"] = 1  # straight to the publish page: single videos only
            urls: tuple[str, ...] = (request.video_url,)
        else:
            if len(request.image_urls) == 1:
                body["image_path"] = request.image_urls[0]
            else:
                body["image_list_path"] = list(request.image_urls)
            body["share_to_publish"] = 0  # images go through the edit page
            urls = request.image_urls
        link = await self.get_share(token, body)
        return ShareLink(link, share_id, expires_at, urls)
