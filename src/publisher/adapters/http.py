"""The one HTTP layer of every adapter: client factory, error classification, retry wrapper, token refresh.

Nothing above the adapters sees an httpx exception: every failure leaves here as a `PlatformError` whose
message is redacted and whose exception chain is cut (`from None`), so no URL token can leak through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import random
import ssl
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from publisher import errors
from publisher.redact import redact_text, redact_url

logger = logging.getLogger(__name__)

T = TypeVar("T")
E = TypeVar("E", bound=errors.PlatformError)
USER_AGENT = "publisher/0.1 (content-calendar publisher)"
Kind = Literal[
    "transient",
    "rate_limited",
    "quota",
    "token_expired",
    "auth",
    "needs_person",
    "permanent",
    "validation",
    "already_done",
]
Rule = Kind | tuple[Kind, float]  # a kind, or (kind, minimum wait in seconds) for rate limits
Sleep = Callable[[float], Awaitable[None]]


class TokenExpired(errors.AuthError):
    """The access token expired or was superseded: refresh once and repeat once (see `with_token_refresh`)."""


@dataclass(frozen=True)
class Timeouts:
    """Separate httpx timeouts in seconds; `upload()` allows slow media uploads."""

    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 5.0

    @classmethod
    def upload(cls) -> Timeouts:
        return cls(read=300.0, write=300.0)

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of in-process retries; a wait above `long_wait_threshold` goes back to the queue instead."""

    attempts: int = 5
    initial: float = 1.0
    max_wait: float = 60.0
    jitter: float = 1.0
    deadline_s: float = 300.0
    long_wait_threshold: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Exponential wait plus jitter after failed attempt `attempt` (1-based), capped at max_wait."""
        jitter = random.uniform(0.0, self.jitter) if self.jitter > 0 else 0.0
        exponential: float = self.initial * 2.0 ** (attempt - 1)
        return min(exponential + jitter, self.max_wait)

    @classmethod
    def immediate(cls, attempts: int = 5) -> RetryPolicy:
        """Zero backoff (server-requested waits still apply, through the injected sleep): for tests."""
        return cls(attempts=attempts, initial=0.0, max_wait=0.0, jitter=0.0)


DEFAULT_TIMEOUTS = Timeouts()
_PLATFORM_OF: weakref.WeakKeyDictionary[httpx.AsyncClient, str] = weakref.WeakKeyDictionary()
#: per client: its base URL and the addresses its requests' paths made against it (`_address`)
_ADDRESSES: weakref.WeakKeyDictionary[httpx.AsyncClient, tuple[httpx.URL, dict[str, httpx.URL]]] = (
    weakref.WeakKeyDictionary()
)
ADDRESSES_KEPT = 256  # per client; paths that carry ids (a post's) make more, so the memo starts over


@functools.lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    # Loading the system CA store costs ~15 ms of CPU; every client of this process shares one context.
    return ssl.create_default_context()


def _client_kwargs(
    base_url: str, timeouts: Timeouts, headers: Mapping[str, str] | None, *, tls: bool = True
) -> dict[str, Any]:
    """`tls`: the client makes its own transport, which verifies certificates (a given transport, such as
    the in-process sandbox's, uses none, so the CA store is not loaded for it)."""
    return {
        "base_url": base_url,
        **({"verify": _tls()} if tls else {}),
        "timeout": timeouts.to_httpx(),
        "headers": {"User-Agent": USER_AGENT, **(headers or {})},
        "follow_redirects": False,  # a redirect to another host would carry our query-string token along
    }


_POOL: contextvars.ContextVar[ClientPool | None] = contextvars.ContextVar(
    "publisher_client_pool", default=None
)
_BEFORE_SEND: contextvars.ContextVar[Callable[[], Awaitable[None]] | None] = contextvars.ContextVar(
    "publisher_before_send", default=None
)


@contextlib.contextmanager
def before_send(barrier: Callable[[], Awaitable[None]]) -> Iterator[None]:
    """Every request an adapter sends inside this context (this task) first awaits `barrier`: the queue's
    write-ahead point, where the post's queued steps (its intent, the ids it was given) become durable before
    anything leaves. Raising in `barrier` stops the request from being sent."""
    token = _BEFORE_SEND.set(barrier)
    try:
        yield
    finally:
        _BEFORE_SEND.reset(token)


class ClientPool:
    """Clients kept open, one per (scope, platform, base URL, transport, settings): posts of one account reuse
    its connections instead of opening a client (and a TCP/TLS connection) per publish. A scope is an account,
    so no two accounts ever share a client (nor its cookie jar).

    A client belongs to the event loop it was made on: `loop` is that loop (None until the first client).
    `bind()` closes the pool when that loop shuts down (asyncio.run's end), so a caller that keeps the pool
    across runs of one loop never leaves a connection open behind a loop that is gone."""

    def __init__(self) -> None:
        self._clients: dict[tuple[Any, ...], tuple[httpx.AsyncBaseTransport | None, httpx.AsyncClient]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        self._guard: AsyncIterator[None] | None = None

    async def bind(self) -> None:
        """Tie the pool to the running loop: its clients are closed when the loop shuts its async generators
        down (asyncio.run does, before it closes the loop), if `aclose` was not awaited before."""
        if self.loop is not None:
            return
        self.loop = asyncio.get_running_loop()
        self._guard = _close_at_shutdown(self)
        await self._guard.__anext__()

    def fits(self) -> bool:
        """Whether the pool may serve the running loop: open, and unbound or bound to this loop."""
        return not self.closed and self.loop in (None, asyncio.get_running_loop())

    def client(
        self,
        *,
        scope: str,
        base_url: str,
        platform: str,
        transport: httpx.AsyncBaseTransport | None,
        timeouts: Timeouts,
        headers: Mapping[str, str] | None,
    ) -> httpx.AsyncClient:
        key = (scope, platform, base_url, id(transport), timeouts, tuple(sorted((headers or {}).items())))
        hit = self._clients.get(key)
        if hit is None or hit[0] is not transport or hit[1].is_closed:
            client = make_client(
                base_url=base_url, platform=platform, transport=transport, timeouts=timeouts, headers=headers
            )
            hit = self._clients[key] = (transport, client)
        return hit[1]

    async def aclose(self) -> None:
        self.closed = True
        clients, self._clients = self._clients, {}
        for _, client in clients.values():
            with contextlib.suppress(Exception):  # closing a pooled connection must not fail the run
                await client.aclose()


async def _close_at_shutdown(pool: ClientPool) -> AsyncIterator[None]:
    # An async generator the loop finalises at shutdown (asyncio.run's shutdown_asyncgens): the pool's clients
    # are closed on their own loop, while it still runs.
    try:
        yield
    finally:
        if not pool.closed:
            await pool.aclose()


@contextlib.asynccontextmanager
async def client_pool() -> AsyncIterator[ClientPool]:
    """Make `open_client` reuse one client per account within this context; all are closed on exit."""
    pool = ClientPool()
    token = _POOL.set(pool)
    try:
        yield pool
    finally:
        _POOL.reset(token)
        await pool.aclose()


@contextlib.contextmanager
def pooled(pool: ClientPool) -> Iterator[ClientPool]:
    """Make `open_client` use `pool`'s clients within this context; the pool stays open on exit (its owner
    closes it, or the loop's shutdown does: `ClientPool.bind`)."""
    token = _POOL.set(pool)
    try:
        yield pool
    finally:
        _POOL.reset(token)


@contextlib.asynccontextmanager
async def open_client(
    *,
    scope: str,
    base_url: str,
    platform: str,
    transport: httpx.AsyncBaseTransport | None = None,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    headers: Mapping[str, str] | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for one adapter call: the run's pooled client of `scope` (an account) inside `client_pool()`,
    else a fresh `make_client` closed on exit."""
    pool = _POOL.get()
    if pool is None:
        async with make_client(
            base_url=base_url, platform=platform, transport=transport, timeouts=timeouts, headers=headers
        ) as client:
            yield client
        return
    yield pool.client(
        scope=scope,
        base_url=base_url,
        platform=platform,
        transport=transport,
        timeouts=timeouts,
        headers=headers,
    )


def make_client(
    *,
    base_url: str,
    platform: str,
    transport: httpx.AsyncBaseTransport | None = None,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    headers: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """The async client of every adapter: timeouts, user agent, redacted DEBUG logs, replaceable transport."""

    async def on_request(request: httpx.Request) -> None:
        barrier = _BEFORE_SEND.get()
        if barrier is not None:  # before the request leaves: the queue's write-ahead steps are durable
            await barrier()
        if logger.isEnabledFor(logging.DEBUG):  # redacting the URL costs more than the hook itself
            logger.debug("%s -> %s %s", platform, request.method, redact_url(request.url))

    async def on_response(response: httpx.Response) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            request = response.request
            logger.debug(
                "%s <- %s %s %s", platform, response.status_code, request.method, redact_url(request.url)
            )

    client = httpx.AsyncClient(
        transport=transport,
        event_hooks={"request": [on_request], "response": [on_response]},
        **_client_kwargs(base_url, timeouts, headers, tls=transport is None),
    )
    client._cookies = _Cookies()  # the `cookies` setter would copy the jar into a plain `httpx.Cookies`
    _PLATFORM_OF[client] = platform
    return client


class _Cookies(httpx.Cookies):
    """The client's cookie jar, reading an answer only when it sets a cookie: httpx hands every answer to the
    standard library's jar through two adapter objects (a request rebuilt from the URL's text among them),
    about a tenth of an in-process request's cost, when none of the platforms' APIs sets one. The jar takes
    `Set-Cookie` only (RFC 2965's `Set-Cookie2` is off in its default policy), so nothing else changes."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


# ----------------------------------------------------------------------------------------------------
# Classification


def retry_after_seconds(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds the server asks us to wait: max of `Retry-After` (seconds or date) and `X-Rate-Limit-Reset`."""
    waits: list[float] = []
    raw = headers.get("retry-after")
    if raw:
        raw = raw.strip()
        try:
            waits.append(float(raw))
        except ValueError:
            try:
                when = parsedate_to_datetime(raw)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                # Measure against the server's own Date header when present: our clock may be skewed.
                reference = _header_date(headers) or now or datetime.now(UTC)
                waits.append((when - reference).total_seconds())
    reset = headers.get("x-rate-limit-reset")
    if reset:
        # Product Hunt: seconds until the window resets, not a timestamp
        # (docs/platforms/producthunt.md#rate-limits-and-errors).
        with contextlib.suppress(ValueError):
            waits.append(float(reset.strip()))
    return max(0.0, *waits) if waits else None


def _header_date(headers: Mapping[str, str]) -> datetime | None:
    raw = headers.get("date")
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _describe(response: httpx.Response) -> str:
    request = response.request
    try:
        body = response.text[:200]
    except Exception:  # an undecodable body is not worth failing over
        body = ""
    text = f"HTTP {response.status_code} from {request.method} {redact_url(request.url)}"
    return redact_text(f"{text}: {body}" if body.strip() else text)


def classify_http(
    response: httpx.Response,
    platform: str,
    *,
    table: Mapping[int | str, Rule] | None = None,
    now: datetime | None = None,
) -> None:
    """Raise the error for an HTTP status (2xx/3xx pass); `table` lets a platform override statuses."""
    status = response.status_code
    if status < 400:
        return
    message = _describe(response)
    retry_after = retry_after_seconds(response.headers, now=now)
    if table is not None and status in table:
        classify_codes(status, message, platform=platform, table=table, retry_after=retry_after)
        return
    if status in (401, 403):
        raise errors.AuthError(message, platform=platform, code=status)
    if status == 429:
        raise errors.RateLimited(message, platform=platform, code=status, retry_after=retry_after)
    if status == 408 or status >= 500:
        raise errors.TransientError(message, platform=platform, code=status)
    raise errors.PermanentError(message, platform=platform, code=status)


def classify_codes(
    code: int | str | None,
    message: str,
    *,
    platform: str,
    table: Mapping[int | str, Rule],
    retry_after: float | None = None,
    reset_at: datetime | None = None,
) -> Literal["already_done"] | None:
    """Raise the error a platform code means; None/0 is success; "already_done": fetch the existing object.

    An unknown non-zero code is permanent: never blind-retry what we do not understand.
    """
    if code is None or code == 0 or code == "0" or code == "":
        return None
    rule = table.get(code)
    if rule is None and isinstance(code, str) and code.lstrip("-").isdigit():
        rule = table.get(int(code))
    kind, min_wait = (rule, None) if not isinstance(rule, tuple) else rule
    text = redact_text(message)
    kw: dict[str, Any] = {"platform": platform, "code": code}
    if kind == "already_done":
        return "already_done"
    if kind == "transient":
        raise errors.TransientError(text, **kw)
    if kind == "rate_limited":
        waits = [w for w in (retry_after, min_wait) if w is not None]
        raise errors.RateLimited(text, retry_after=max(waits) if waits else None, **kw)
    if kind == "quota":
        raise errors.QuotaExhausted(text, reset_at=reset_at, **kw)
    if kind == "token_expired":
        raise TokenExpired(text, **kw)
    if kind == "auth":
        raise errors.AuthError(text, **kw)
    if kind == "needs_person":
        raise errors.NeedsPerson(text, **kw)
    if kind == "validation":
        raise errors.PermanentError(f"invalid input: {text}", **kw)
    raise errors.PermanentError(text, **kw)


# ----------------------------------------------------------------------------------------------------
# The retry wrapper

_NOTHING_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
_CLIENT_BUG = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.TooManyRedirects)


def _full_url(exc: Exception, url: str) -> str:
    """The address the request went to, host included (a relative `url` alone does not say which server)."""
    try:
        return str(exc.request.url) if isinstance(exc, httpx.RequestError) else url
    except RuntimeError:  # an exception raised before it was tied to a request
        return url


def _from_transport(
    exc: Exception, method: str, url: str, platform: str, idempotent: bool
) -> errors.PlatformError:
    what = f"{method} {redact_url(_full_url(exc, url))}: {type(exc).__name__}"
    if isinstance(exc, _NOTHING_SENT):
        return errors.TransientError(f"{what} (request not sent)", platform=platform)
    if isinstance(exc, (*_CLIENT_BUG, httpx.InvalidURL)):
        return errors.PermanentError(what, platform=platform)
    if idempotent:
        return errors.TransientError(what, platform=platform)
    return errors.OutcomeUnknown(
        f"{what} after the request was sent; reconcile before any retry", platform=platform
    )


def _scrub(err: errors.PlatformError) -> errors.PlatformError:
    err.args = tuple(redact_text(a) if isinstance(a, str) else a for a in err.args)
    err.__cause__ = None
    err.__context__ = None
    err.__suppress_context__ = True
    return err


def _relabel(new: E, old: errors.PlatformError) -> E:
    # `old`'s text already names platform and code; only the attributes are copied so they are not repeated.
    new.platform, new.code = old.platform, old.code
    return new


def _too_long(err: BaseException, policy: RetryPolicy) -> bool:
    wait = getattr(err, "retry_after", None)
    return wait is not None and wait > policy.long_wait_threshold


def _address(client: httpx.AsyncClient, url: str) -> httpx.URL:
    """`url` against the client's base URL, as httpx joins them (the base's path, then `url`'s without its
    leading slash), parsed once per client and path: httpx parses a request's address three times over, a
    character at a time, which cost more than the in-process sandbox's answer. An absolute URL stays as is."""
    base = client.base_url
    known = _ADDRESSES.get(client)
    if known is None or known[0] is not base:
        known = _ADDRESSES[client] = (base, {})
    found = known[1].get(url)
    if found is None:
        if len(known[1]) >= ADDRESSES_KEPT:
            known[1].clear()
        given = httpx.URL(url)
        found = given
        if given.is_relative_url:
            found = base.copy_with(raw_path=base.raw_path + given.raw_path.lstrip(b"/"))
        known[1][url] = found
    return found


async def call(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    idempotent: bool,
    classify: Callable[[httpx.Response], object],
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    platform: str | None = None,
    **request_kw: Any,
) -> httpx.Response:
    """Send one request, retrying where safe; return the response `classify` accepted or raise PlatformError.

    Retried: TransientError (incl. RateLimited, waiting max(server wait, backoff)), bounded by attempts and
    deadline. Never retried: an unknown outcome of a non-idempotent call (R11), a wait above the long-wait
    threshold (raised for the queue to park the post), and every other error.
    """
    name = platform if platform is not None else _PLATFORM_OF.get(client, "")
    started = clock()

    async def attempt() -> httpx.Response:
        failure: errors.PlatformError | None = None
        try:
            response = await client.request(method, _address(client, url), **request_kw)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            failure = _from_transport(exc, method, url, name, idempotent)
        if failure is not None:  # raised outside `except`, so the httpx error is not even __context__
            raise _scrub(failure) from None
        try:
            classify(response)
        except errors.PlatformError as exc:
            failure = exc
        if failure is None:
            return response
        # A write the platform answered with "busy"/5xx may have taken effect: reconcile, never retry.
        # A rate limit is an explicit refusal, so retrying it is safe.
        refused = isinstance(failure, errors.RateLimited)
        if not idempotent and isinstance(failure, errors.TransientError) and not refused:
            failure = _relabel(
                errors.OutcomeUnknown(f"{failure} after the request was sent; reconcile before any retry"),
                failure,
            )
        raise _scrub(failure) from None

    def retryable(err: BaseException) -> bool:
        return isinstance(err, errors.TransientError) and not _too_long(err, policy)

    # The first attempt runs bare: most requests succeed at once, and building tenacity's retry loop costs
    # more than the in-process sandbox's answer. A failure worth retrying enters tenacity as its attempt 1
    # (replayed, not sent again), so the waits, the stop and the log lines are tenacity's, counted as before.
    result: httpx.Response | None = None
    final: errors.PlatformError | None = None
    try:
        result = await attempt()
    except errors.PlatformError as exc:
        final = exc
    if final is not None and retryable(final):
        first: errors.PlatformError | None = final
        final = None

        async def again() -> httpx.Response:
            nonlocal first
            if first is not None:
                failed, first = first, None
                raise failed
            return await attempt()

        try:
            result = await _retrying(policy, started, clock, sleep, retryable, (name, method, url))(again)
        except errors.PlatformError as exc:
            final = exc
    if final is not None:
        raise _scrub(final) from None
    assert result is not None
    return result


def _retrying(
    policy: RetryPolicy,
    started: float,
    clock: Callable[[], float],
    sleep: Sleep,
    retryable: Callable[[BaseException], bool],
    request: tuple[str, str, str],
) -> AsyncRetrying:
    """tenacity's loop for one request's retries: the server's Retry-After or the policy's backoff, whichever
    is longer; stop after the policy's attempts or when the next wait would pass its deadline."""
    name, method, url = request

    def wait(state: RetryCallState) -> float:
        err = state.outcome.exception() if state.outcome else None
        server = getattr(err, "retry_after", None) or 0.0
        return max(float(server), policy.backoff(state.attempt_number))

    def stop(state: RetryCallState) -> bool:
        used = clock() - started
        return state.attempt_number >= policy.attempts or used + state.upcoming_sleep > policy.deadline_s

    def before_sleep(state: RetryCallState) -> None:
        err = state.outcome.exception() if state.outcome else None
        logger.warning(
            "%s %s %s: %s (code %s), attempt %d/%d, retrying in %.1fs",
            name,
            method,
            redact_url(url),
            type(err).__name__,
            getattr(err, "code", None),
            state.attempt_number,
            policy.attempts,
            state.upcoming_sleep,
        )

    return AsyncRetrying(
        sleep=sleep,
        stop=stop,
        wait=wait,
        retry=retry_if_exception(retryable),
        before_sleep=before_sleep,
        reraise=True,
    )


# ----------------------------------------------------------------------------------------------------
# Token refresh


async def with_token_refresh(
    do: Callable[[str], Awaitable[T]], get_token: Callable[[bool], Awaitable[str]]
) -> T:
    """Run `do(token)`; on TokenExpired get a fresh token (force=True) and repeat once; then AuthError."""
    try:
        return await do(await get_token(False))
    except TokenExpired:
        pass
    fresh = await get_token(True)
    again: TokenExpired | None = None
    try:
        return await do(fresh)
    except TokenExpired as exc:
        again = exc
    assert again is not None
    raise _scrub(
        _relabel(errors.AuthError(f"token still rejected after one refresh: {again}"), again)
    ) from None


__all__ = [
    "RetryPolicy",
    "Timeouts",
    "TokenExpired",
    "ClientPool",
    "call",
    "pooled",
    "classify_codes",
    "client_pool",
    "classify_http",
    "before_send",
    "make_client",
    "open_client",
    "retry_after_seconds",
    "with_token_refresh",
]
