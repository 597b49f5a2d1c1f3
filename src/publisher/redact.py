"""Remove secrets (tokens, app secrets, cookies, OAuth codes) from text, URLs and log records."""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from collections.abc import Callable
from urllib.parse import quote, quote_plus

MASK = "***"

#: Registered values shorter than this are ignored: masking "abc" everywhere would shred ordinary text.
MIN_SECRET_LEN = 6

#: Keys whose value is a secret wherever they appear as `key=value` or `"key": "value"`.
SECRET_KEYS = (
    "access_token",
    "refresh_token",
    "id_token",
    "secret",
    "appsecret",
    "app_secret",
    "client_secret",
    "token",
    "ticket",
    "sign",
    "signature",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "access-token",
    "x-api-key",
    "web_session",
)
#: `code` is an OAuth code only as a query/form parameter; as a JSON field it is usually an error code.
QUERY_ONLY_KEYS = ("code",)

#: Header names whose whole value (to the end of the line) is a secret.
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie", "access-token", "x-api-key")

_LEFT = r"(?:(?<![\w-])|(?<=%26)|(?<=%3f))"  # a key starts a word, or follows an encoded & or ?
_RIGHT = r"(?![\w.-])"


def _alt(keys: tuple[str, ...]) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


# key=value (query strings, form bodies, repr of kwargs), also URL-encoded (%3D ... %26).
_PARAM = re.compile(
    rf"{_LEFT}(?P<key>{_alt(SECRET_KEYS + QUERY_ONLY_KEYS)}){_RIGHT}(?P<eq>=|%3d)"
    r"""(?P<val>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|(?:(?!%26)[^&\s#"'<>;,)\]}])*)""",
    re.IGNORECASE,
)
# "key": "value" / 'key': 'value' (JSON, dict reprs).
_QUOTED = re.compile(
    rf"""(?P<q>["'])(?P<key>{_alt(SECRET_KEYS)})(?P=q)(?P<sep>\s*:\s*)"""
    r"""(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""",
    re.IGNORECASE,
)
# Header lines: `Authorization: Bearer ...`, `Cookie: a=b; c=d`, `access-token: act.x`.
_HEADER = re.compile(
    rf"(?<![\w-])(?P<key>{_alt(SECRET_HEADERS)})(?P<sep>[ \t]*:[ \t]*)(?P<val>[^\r\n]*)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?<![\w-])(?P<scheme>bearer|basic)(?P<sp>\s+)[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE)
_USERINFO = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^/\s:@]*):(?P<pw>[^/\s@]+)@", re.IGNORECASE)

_lock = threading.Lock()


class SecretRegistry:
    """A set of literal secret values to mask; the process-wide one is `SECRETS`, tests may use their own."""

    def __init__(self) -> None:
        self._values: frozenset[str] = frozenset()
        self._registered: set[str] = set()  # the values given, whose forms are all in `_values`

    def register(self, value: str | None) -> None:
        """Remember a credential so that any echo of it (raw, URL- or JSON-escaped) is masked from now on."""
        if not value or len(value) < MIN_SECRET_LEN or value in self._registered:
            return  # (adapters register the token they read before every call: mostly one already known)
        forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
        with _lock:
            self._values = self._values | {f for f in forms if len(f) >= MIN_SECRET_LEN}
            self._registered.add(value)

    @property
    def values(self) -> frozenset[str]:
        return self._values

    def __len__(self) -> int:
        return len(self._values)


#: Every credential the product loads is registered here (config loading, token refresh).
SECRETS = SecretRegistry()


def register_secret(value: str | None) -> None:
    """Register a credential in the process-wide registry; values shorter than MIN_SECRET_LEN are ignored."""
    SECRETS.register(value)


_FOLDS = ("\u0130", "\u0131", "\u017f")


@functools.lru_cache(maxsize=8)
def _longest_first(secrets: frozenset[str]) -> tuple[str, ...]:
    # Sorted once per set of secrets (the registry changes rarely; texts are redacted all the time).
    return tuple(sorted(secrets, key=len, reverse=True))


def _mask_secrets(text: str, secrets: frozenset[str]) -> str:
    # Longest first so a secret that contains another is masked whole.
    for secret in _longest_first(secrets):
        while secret in text:  # terminates: every pass shortens the text (len(secret) > len(MASK))
            text = text.replace(secret, MASK)
    return text


def _one_pass(text: str) -> str:
    # Each pattern runs only when the text holds what any match of it must contain (a quoted key and a header
    # have a colon, a parameter an `=` or `%3d`, a scheme a word, a password in a URL `://` and `@`): most
    # texts redacted are short reasons with none of them.
    if ":" in text:
        text = _QUOTED.sub(lambda m: f'{m["q"]}{m["key"]}{m["q"]}{m["sep"]}"{MASK}"', text)
        text = _HEADER.sub(lambda m: f"{m['key']}{m['sep']}{MASK}", text)
    # re.IGNORECASE also matches İ and ı with i, and ſ with s, where str.lower() does not: with any of them in
    # the text, every word counts as present.
    lower = "" if any(c in text for c in _FOLDS) else text.lower()
    if not lower or "bearer" in lower or "basic" in lower:
        text = _BEARER.sub(lambda m: f"{m['scheme']}{m['sp']}{MASK}", text)
    if "=" in text or not lower or "%3d" in lower:
        text = _PARAM.sub(lambda m: f"{m['key']}{m['eq']}{MASK}", text)
    if "://" in text and "@" in text:
        text = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", text)
    return text


#: Short texts found to hold nothing to mask, under the secrets they were checked against (kept referenced,
#: so its identity stands for its value): the queue words the same few reasons for post after post.
_clean: tuple[frozenset[str], dict[str, None]] = (frozenset(), {})
_CLEAN_LEN = 200  # longest text remembered
_CLEAN_MOST = 512  # texts remembered at most (then forgotten all at once)


def redact_text(text: str, *, registry: SecretRegistry | None = None) -> str:
    """Return `text` with every known secret shape and every registered secret replaced by `***`."""
    global _clean
    if not text:
        return text
    secrets = (registry or SECRETS).values
    checked, clean = _clean
    if checked is not secrets:  # a secret registered since (or another registry): what was clean may not be
        clean = {}
        _clean = (secrets, clean)
    elif text in clean:
        return text
    out = _mask_secrets(text, secrets)
    for _ in range(8):  # a fixed point makes redaction idempotent; two passes suffice in practice
        new = _mask_secrets(_one_pass(out), secrets)
        if new == out:
            break
        out = new
    if out == text and len(text) <= _CLEAN_LEN:
        if len(clean) >= _CLEAN_MOST:
            clean.clear()
        clean[text] = None
    return out


def redact_url(url: object) -> str:
    """Return a URL (str or httpx.URL) with secret query values and any password masked."""
    return redact_text(str(url))


def _redact_value(value: object) -> object:
    return redact_text(value) if isinstance(value, str) else value


_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def _redacted_args(msg: object, args: object, redacted: str) -> tuple[object, ...] | None:
    """The record's positional args with every text redacted (numbers kept, for `%d`), if formatting the
    redacted format string with them gives exactly the redacted message; else None (use the message)."""
    if not isinstance(args, tuple) or not args:
        return None
    safe = tuple(a if isinstance(a, int | float) else redact_text(str(a)) for a in args)
    try:
        same = redact_text(str(msg)) % safe == redacted
    except (TypeError, ValueError):
        return None
    return safe if same else None


def redact_record(record: logging.LogRecord) -> None:
    """Rewrite a log record in place: formatted message, exception and stack text, string extras."""
    if getattr(record, "_publisher_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string must not let the raw args through
        message = f"{record.msg!r} (unformattable log arguments)"
    redacted = redact_text(str(message))
    safe_args = _redacted_args(record.msg, record.args, redacted)
    if safe_args is not None:  # formatters that read the args (uvicorn's access log) still get them, redacted
        record.msg, record.args = redact_text(str(record.msg)), safe_args
    else:
        record.msg, record.args = redacted, None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        # Handlers that render exc_info themselves (rich, with locals) would bypass the redacted text.
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)
    for key, value in list(record.__dict__.items()):
        if key not in _STANDARD_ATTRS and not key.startswith("_"):
            record.__dict__[key] = _redact_value(value)
    record._publisher_redacted = True


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record it sees and never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_HTTP_LOGGERS = ("httpx", "httpcore")
_installed_factory: Callable[..., logging.LogRecord] | None = None


def install_logging_redaction(*, verbose: bool = False) -> None:
    """Redact every log record of the process; keep httpx/httpcore at WARNING unless verbose. Idempotent."""
    global _installed_factory
    with _lock:
        if _installed_factory is None or logging.getLogRecordFactory() is not _installed_factory:
            previous = logging.getLogRecordFactory()

            def factory(*args: object, **kwargs: object) -> logging.LogRecord:
                # Redacting at creation also covers handlers added later (pytest caplog, the CLI's handler).
                record = previous(*args, **kwargs)
                redact_record(record)
                return record

            _installed_factory = factory
            logging.setLogRecordFactory(factory)
    _attach(logging.getLogger())
    for name in _HTTP_LOGGERS:
        http_logger = logging.getLogger(name)
        _attach(http_logger)
        http_logger.setLevel(logging.NOTSET if verbose else logging.WARNING)


def _attach(target: logging.Logger) -> None:
    holders: list[logging.Filterer] = [target, *target.handlers]
    for holder in holders:
        if not any(isinstance(f, RedactingFilter) for f in holder.filters):
            holder.addFilter(RedactingFilter())
