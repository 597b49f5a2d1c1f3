"""The error tree: split by what the caller does next (fix content, fix config, retry, re-auth, ask a person).

PublisherError                      root; the CLI maps it to exit code 1 with its message (never a traceback)
├── ConfigError(path, key)          a bad publisher.toml / platform.yaml setting, a missing credential
├── ContentError(problems)          one or more content problems (path:line: field: message)
├── RenderError(item, platform)     a template failed or produced something unusable
├── StoreError                      the database refused an operation (illegal transition, lock held)
└── PlatformError(platform, code)   a platform said no, or could not be reached
    ├── TransientError              nothing sent, or a read: safe to retry (busy, 5xx pre-send, connect error)
    │   └── RateLimited(retry_after)   wait at least retry_after seconds, then retry
    ├── OutcomeUnknown              a write left and no answer came back: reconcile, never blind-retry
    ├── PermanentError              validation / permission: retrying cannot help
    ├── QuotaExhausted(reset_at)    a daily quota: wait for the reset, do not retry today
    ├── AuthError                   credentials expired or revoked: the account goes to needs_reauth
    └── NeedsPerson                 captcha, IP whitelist, admin confirmation: stop and notify

Every message is already redacted: constructors never receive secrets (see adapters/http.py).

A message is English text or a catalogue `Msg` (publisher.messages): `str(exc)` is always the English
(logs, stored reasons); `exc.text(lang)` words a `Msg` in the reader's language (the CLI's error line, the
MCP tools).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from publisher.messages import Msg

if TYPE_CHECKING:
    from publisher.models import Problem


class PublisherError(Exception):
    """Root of every error the product raises on purpose."""

    exit_code = 1
    #: the message by code, when it has one (else only the English of `str(exc)`)
    said: Msg | None = None

    def __init__(self, message: str | Msg = "", *args: object) -> None:
        if isinstance(message, Msg):
            self.said = message
        super().__init__(self._frame(_english(message)), *args)

    def _frame(self, text: str) -> str:
        """The message with what the error adds around it (a file and key, a platform and code)."""
        return text

    def text(self, lang: str) -> str:
        """The message in `lang`: worded from its code when it has one, else the English as raised."""
        return self._frame(self.said.text(lang)) if self.said is not None else str(self)


def _english(message: str | Msg) -> str:
    return message.text("en") if isinstance(message, Msg) else message


class ConfigError(PublisherError):
    """A setting is wrong or missing; names the file and the key."""

    def __init__(self, message: str | Msg, *, path: str | None = None, key: str | None = None) -> None:
        self.path = path
        self.key = key
        super().__init__(message)

    def _frame(self, text: str) -> str:
        where = ":".join(p for p in (self.path, self.key) if p)
        return f"{where}: {text}" if where else text


class UsageError(PublisherError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = 2


class ContentError(PublisherError):
    """Content problems, each with file, line and field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    def text(self, lang: str) -> str:
        return "\n".join(p.format(lang) for p in self.problems)


class RenderError(PublisherError):
    """A template could not be rendered for one platform."""

    def __init__(self, message: str | Msg, *, item: str = "", platform: str = "") -> None:
        self.item = item
        self.platform = platform
        super().__init__(message)

    def _frame(self, text: str) -> str:
        return f"{self.item} [{self.platform}]: {text}" if self.item else text


class StoreError(PublisherError):
    """The store refused an operation (illegal state transition, a held lock)."""


class Interrupted(PublisherError):
    """Work given up because the process is stopping; it is not finished and runs again later."""


class PlatformError(PublisherError):
    """A platform call failed. `code` is the platform's own error code or the HTTP status."""

    def __init__(self, message: str | Msg, *, platform: str = "", code: str | int | None = None) -> None:
        self.platform = platform
        self.code = code
        super().__init__(message)

    def _frame(self, text: str) -> str:
        prefix = f"{self.platform}: " if self.platform else ""
        suffix = f" (code {self.code})" if self.code is not None else ""
        return f"{prefix}{text}{suffix}"


class TransientError(PlatformError):
    """Nothing was accepted by the platform (or the call was a read): safe to retry with backoff."""


class RateLimited(TransientError):
    """The platform asked us to slow down; `retry_after` is the minimum wait in seconds."""

    def __init__(
        self,
        message: str | Msg,
        *,
        retry_after: float | None = None,
        platform: str = "",
        code: str | int | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, platform=platform, code=code)


class OutcomeUnknown(PlatformError):
    """A non-idempotent request left and we do not know if it took effect: reconcile first."""


class PermanentError(PlatformError):
    """The platform rejected the request for good (validation, permission): fail at once."""


class QuotaExhausted(PlatformError):
    """A daily quota is used up; `reset_at` (UTC) is when it comes back, if known."""

    def __init__(
        self,
        message: str | Msg,
        *,
        reset_at: datetime | None = None,
        platform: str = "",
        code: str | int | None = None,
    ) -> None:
        self.reset_at = reset_at
        super().__init__(message, platform=platform, code=code)


class AuthError(PlatformError):
    """Credentials are missing, expired or revoked: the account needs re-authorisation."""


class NeedsPerson(PlatformError):
    """The platform wants a human (captcha, IP whitelist confirmation): stop and notify."""
