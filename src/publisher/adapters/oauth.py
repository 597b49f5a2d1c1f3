"""What the adapters of OAuth platforms share: the re-authorisation error, a form POST to an OAuth endpoint,
the stored token and its expiry, and the code a consent page redirects with.

A platform passes its differences in as data, one `OAuthPlatform` in its own package: its name and label,
what the person runs to authorise again, and the function that reads its answers (field names, error codes).
Nothing here names a platform.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx

from publisher import errors
from publisher.adapters.base import TokenCache
from publisher.adapters.http import RetryPolicy
from publisher.adapters.plumbing import Check, checked_call
from publisher.messages import Msg, Named, msg
from publisher.redact import redact_text, register_secret

T = TypeVar("T")
Entry = tuple[str, datetime | None, dict[str, Any]]  # a TokenCache row: value, expiry, metadata


def stored(cache: TokenCache | None, account: str, kind: str) -> Entry | None:
    """The account's token of `kind`, if there is a cache and it holds one."""
    return cache.get(account, kind) if cache is not None else None


async def consent_code(client: httpx.AsyncClient, url: str) -> str:
    """Open a consent page that approves at once (a sandbox's) and read the code its redirect carries."""
    answer = await client.get(url, follow_redirects=False)
    location: str = answer.headers.get("location", "")
    return parse_qs(urlsplit(location).query).get("code", [""])[0]


@dataclass(frozen=True)
class OAuthPlatform:
    """One OAuth platform's differences, as data."""

    name: str  # the `platform` of every error
    label: str  # the platform as a sentence names it
    reauth: str  # what the person does to authorise the account again
    check: Check
    label_zh: str = ""  # the platform's name in Chinese (the label when empty)
    reauth_code: str = "oauth.reauth"  # `reauth` in the catalogue, worded with the platform's name

    def _reauth(self) -> Msg:
        return msg(self.reauth_code, platform=self.name)

    def reauth_error(self, exc: errors.PlatformError) -> errors.AuthError:
        """The same failure, saying what the person does next; raise it outside `except` so nothing chains."""
        message = str(exc.args[0]) if exc.args else str(exc)
        prefix, suffix = f"{exc.platform}: ", f" (code {exc.code})"
        message = message.removeprefix(prefix) if exc.platform else message
        message = message.removesuffix(suffix) if exc.code is not None else message
        if self.reauth not in message:
            message = f"{message}; {self.reauth}"
        return errors.AuthError(redact_text(message), platform=self.name, code=exc.code)

    async def reauthorising(self, work: Awaitable[T]) -> T:
        """What `work` returns; an AuthError it raises becomes `reauth_error`."""
        failure: errors.AuthError | None = None
        try:
            return await work
        except errors.AuthError as exc:
            failure = self.reauth_error(exc)
        raise failure from None  # outside `except`: not even __context__ links to the original

    async def post_form(
        self,
        client: httpx.AsyncClient,
        path: str,
        form: dict[str, str],
        *,
        now: Callable[[], datetime],
        policy: RetryPolicy,
        idempotent: bool,
    ) -> Any:
        """A form POST to an OAuth endpoint (a token's exchange, refresh or info); a refusal says to
        authorise again."""
        return await self.reauthorising(
            checked_call(
                client,
                "POST",
                path,
                check=self.check,
                now=now,
                policy=policy,
                idempotent=idempotent,
                data=form,
            )
        )

    def valid(
        self,
        entry: Entry | None,
        *,
        account: str,
        now: datetime,
        kind: str,
        code: int | str,
        when: str = "%Y-%m-%d",
    ) -> Entry:
        """The stored `kind` token (registered as a secret) while it has not expired at `now`; else the
        AuthError telling the person to authorise again (`code` if expired, its date shown as `when`)."""
        if entry is None:
            said = msg(
                "oauth.none", label=Named(self.label_zh or self.label, self.label), account=account,
                reauth=self._reauth(),
            )  # fmt: skip
            raise errors.AuthError(said, platform=self.name)
        token, expires, _ = entry
        register_secret(token)
        if expires is not None and expires <= now:
            said = msg(
                "oauth.expired", label=Named(self.label_zh or self.label, self.label), kind=kind,
                date=f"{expires:{when}}", reauth=self._reauth(),
            )  # fmt: skip
            raise errors.AuthError(said, platform=self.name, code=code)
        return entry
