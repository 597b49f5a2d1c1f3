"""Who may talk to the dashboard: Host allow-list, access token, same origin, CSRF, security headers."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from publisher.errors import UsageError
from publisher.messages import msg
from publisher.reports.writers import script_hashes

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
TOKEN_COOKIE = "publisher_token"
TOKEN_HEADER = "x-publisher-token"
CSRF_COOKIE = "publisher_csrf"
CSRF_FIELD = "csrf"
MIN_TOKEN_LENGTH = 16
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
# Previews and reports are documents made from workspace content: they may show media, never run code.
DOCUMENT_CSP = (
    "default-src 'none'; img-src 'self' data:; media-src 'self'; "
    "style-src 'self' 'unsafe-inline'; font-src 'self' data:; frame-ancestors 'self'; "
    "form-action 'none'; base-uri 'none'"
)
# The preview index shows each platform's page in a same-origin frame: frames allowed there, scripts never.
PREVIEW_CSP = DOCUMENT_CSP + "; frame-src 'self'"
# A report shown in the dashboard runs its own self-check script (allowed by its hash) and nothing else.
REPORT_CSP = DOCUMENT_CSP + "; script-src " + " ".join(f"'{h}'" for h in script_hashes())
PREVIEW_PREFIX = "/previews/"
DOCUMENT_PREFIXES = ("/metrics/view",)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token that is hard to guess."""
    if is_loopback(host):
        return
    if not token:
        raise UsageError(msg("usage.bind_needs_token", host=host))
    if len(token) < MIN_TOKEN_LENGTH:
        raise UsageError(msg("usage.short_token", n=MIN_TOKEN_LENGTH))


def cookie_value(token: str) -> str:
    """What the token cookie holds: derived from the token, so the cookie jar never holds the token itself."""
    return hmac.new(token.encode(), b"publisher-web-session", hashlib.sha256).hexdigest()


class Guard:
    """ASGI middleware run before every route: a request that fails a check never reaches the app."""

    def __init__(self, app: ASGIApp, *, token: str | None, allowed_hosts: Sequence[str] | None) -> None:
        self.app = app
        self.token = token
        self.allowed = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        response = self._refusal(scope, headers)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, _with_headers(send, scope["path"]))

    def _refusal(self, scope: Scope, headers: Headers) -> Response | None:
        host = _host_name(headers.get("host", ""))
        # A DNS-rebinding page reaches 127.0.0.1 under its own name: only our names are answered.
        if self.allowed is not None and host not in self.allowed:
            return PlainTextResponse("unknown Host header", status_code=400)
        if self.token:
            refused = self._token_refusal(scope, headers)
            if refused is not None:
                return refused
        if scope["method"] not in SAFE_METHODS and not _same_origin(scope, headers):
            return PlainTextResponse("cross-site request refused", status_code=403)
        return None

    def _token_refusal(self, scope: Scope, headers: Headers) -> Response | None:
        assert self.token is not None
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
        if given and scope["path"] == "/" and scope["method"] == "GET":
            if not hmac.compare_digest(given[0].encode(), self.token.encode()):
                return PlainTextResponse("wrong token", status_code=401)
            # Drop the token from the address bar (and history) once it has become a cookie.
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(TOKEN_COOKIE, cookie_value(self.token), httponly=True, samesite="strict")
            return response
        bearer = headers.get("authorization", "")
        presented = headers.get(TOKEN_HEADER) or (bearer[7:] if bearer.lower().startswith("bearer ") else "")
        if presented and hmac.compare_digest(presented.encode(), self.token.encode()):
            return None
        cookie = _cookies(headers).get(TOKEN_COOKIE, "")
        if cookie and hmac.compare_digest(cookie.encode(), cookie_value(self.token).encode()):
            return None
        return PlainTextResponse(
            f"this dashboard needs its token: open /?token=<token> once, or send the {TOKEN_HEADER} header",
            status_code=401,
        )


async def require_csrf(request: Request, secret: str) -> None:
    """Double submit: the form's hidden field and the cookie must both carry this process's secret."""
    form = await request.form()
    field = str(form.get(CSRF_FIELD) or "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not (
        field
        and cookie
        and hmac.compare_digest(field.encode(), secret.encode())
        and hmac.compare_digest(cookie.encode(), secret.encode())
    ):
        raise HTTPException(403, "missing or stale form token: reload the page and try again")


def set_csrf_cookie(response: Response, secret: str) -> None:
    response.set_cookie(CSRF_COOKIE, secret, httponly=True, samesite="strict")


def _same_origin(scope: Scope, headers: Headers) -> bool:
    """The Origin (or, failing that, the Referer) must be this server as the browser addressed it."""
    own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
    origin = headers.get("origin")
    if origin is not None:
        return origin.lower() == own
    referer = headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}".lower() == own
    return False


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _cookies(headers: Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            out[name] = value
    return out


def _with_headers(send: Send, path: str) -> Send:
    if path.startswith(PREVIEW_PREFIX):
        csp = PREVIEW_CSP
    else:
        csp = REPORT_CSP if path.startswith(DOCUMENT_PREFIXES) else PAGE_CSP

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            h = MutableHeaders(scope=message)
            h.setdefault("content-security-policy", csp)
            h.setdefault("x-content-type-options", "nosniff")
            h.setdefault("referrer-policy", "same-origin")
            h.setdefault("x-frame-options", "SAMEORIGIN")
        await send(message)

    return wrapped
