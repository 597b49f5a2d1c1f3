"""Load platform credentials from the environment, the system keyring or a 0600 file outside the workspace.

It never writes a secret anywhere and never returns one in a description: `describe` says only where a value
came from ("set (env)"). Every value it loads is registered for redaction before anyone can log it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from publisher.errors import ConfigError
from publisher.messages import msg
from publisher.platforms.rules import load_rules
from publisher.redact import register_secret
from publisher.workspace.settings import DEFAULTS_DIR

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "publisher"
FILE_ENV = "PUBLISHER_CREDENTIALS_FILE"

KeyringGet = Callable[[str, str], str | None]


class Credentials(dict[str, str]):
    """The loaded fields (a plain dict for callers) plus where each came from, for `publisher auth status`."""

    def __init__(
        self, values: Mapping[str, str] | None = None, sources: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(values or {})
        self.sources: dict[str, str] = dict(sources or {})


@functools.cache
def _facts(platform: str) -> Mapping[str, Any]:
    """`extra.credentials` of the packaged platform.yaml (never a workspace copy: it may predate the key)."""
    folder = DEFAULTS_DIR / "platforms" / platform
    if not (folder / "platform.yaml").is_file():
        return {}
    facts = load_rules(folder).extra.get("credentials") or {}
    return facts if isinstance(facts, Mapping) else {}


def fields_of(platform: str) -> tuple[str, ...]:
    """What the platform needs from a person (rotating tokens live in the token cache, not here)."""
    return tuple(str(f) for f in _facts(platform).get("fields") or ())


def optional_fields(platform: str) -> tuple[str, ...]:
    """Fields loaded when given but never missing (xiaohongshu: the bridge's AUTH_TOKEN, if it has one)."""
    return tuple(str(f) for f in _facts(platform).get("optional") or ())


def reauth_tokens(platform: str) -> tuple[str, ...]:
    """Token kinds whose expiry needs a person (a refresh token cannot renew itself); others refresh."""
    return tuple(str(k) for k in _facts(platform).get("reauth_tokens") or ())


def _max_renewals(platform: str) -> int | None:
    value = _facts(platform).get("max_renewals")
    return int(value) if isinstance(value, int) else None


def env_var(account: str, field: str) -> str:
    """`PUBLISHER_<ACCOUNT>_<FIELD>`: account upper-cased, anything not alphanumeric becomes `_`."""
    return f"PUBLISHER_{re.sub(r'[^A-Za-z0-9]', '_', account).upper()}_{field.upper()}"


def default_file(env: Mapping[str, str]) -> Path:
    """The credentials file: $PUBLISHER_CREDENTIALS_FILE, else $XDG_CONFIG_HOME (or ~/.config)/publisher/."""
    if env.get(FILE_ENV):
        return Path(env[FILE_ENV]).expanduser()
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "publisher" / "credentials.toml"


def _system_keyring(env: Mapping[str, str]) -> KeyringGet | None:
    if env.get("PUBLISHER_NO_KEYRING"):
        return None
    try:
        import keyring  # optional: desktop use only (docs/reliability.md#security, R25)
    except ImportError:
        return None
    get: KeyringGet = keyring.get_password
    return get


def _keyring_value(get: KeyringGet, account: str, field: str) -> str | None:
    try:
        return get(KEYRING_SERVICE, f"{account}.{field}")
    except Exception as exc:  # a locked or absent backend (headless Linux) is "no value", not a crash
        logger.debug("keyring lookup for %s.%s failed: %s", account, field, type(exc).__name__)
        return None


def check_file(path: Path, *, workspace: Path | None = None) -> None:
    """Refuse a credentials file inside the workspace, not owned by us, or readable by group or others."""
    resolved = path.resolve()
    if workspace is not None and resolved.is_relative_to(workspace.resolve()):
        raise ConfigError(msg("cred.file_in_workspace"), path=str(path))
    info = resolved.stat()
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise ConfigError(msg("cred.file_not_yours"), path=str(path))
    if info.st_mode & 0o077:
        mode = stat.S_IMODE(info.st_mode)
        raise ConfigError(msg("cred.file_open", mode=f"{mode:04o}", path=str(path)), path=str(path))


def _file_section(path: Path, account: str, workspace: Path | None) -> dict[str, str]:
    check_file(path, workspace=workspace)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # The parser's message may quote a line of the file, i.e. a secret: name only the kind of error.
        raise ConfigError(msg("cred.file_unreadable", kind=type(exc).__name__), path=str(path)) from None
    section = data.get(account, {})
    if not isinstance(section, dict):
        raise ConfigError(msg("cred.not_a_table", account=account), path=str(path), key=account)
    return {str(k): str(v) for k, v in section.items() if isinstance(v, str | int) and str(v)}


def load_credentials(
    account: str,
    platform: str,
    *,
    env: Mapping[str, str],
    keyring_get: KeyringGet | None = None,
    file: Path | None = None,
    workspace: Path | None = None,
) -> Credentials:
    """The platform's fields for one account: env wins, then the keyring, then the credentials file.

    Missing fields are simply absent (see `missing_fields`); a file that exists is always checked, so an
    unsafe one is refused even when the environment covers every field.
    """
    fields = fields_of(platform) + optional_fields(platform)
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name in fields:
        if env.get(env_var(account, name)):
            values[name], sources[name] = env[env_var(account, name)], "env"
    getter = keyring_get if keyring_get is not None else _system_keyring(env)
    if getter is not None:
        for name in fields:
            if name not in values and (found := _keyring_value(getter, account, name)):
                values[name], sources[name] = found, "keyring"
    path = file if file is not None else default_file(env)
    if path.exists():
        section = _file_section(path, account, workspace)
        for name in fields:
            if name not in values and section.get(name):
                values[name], sources[name] = section[name], "file"
    for value in values.values():
        register_secret(value)
    return Credentials(values, sources)


def missing_fields(platform: str, creds: Mapping[str, str]) -> list[str]:
    """The platform's required fields that have no value."""
    return [name for name in fields_of(platform) if not creds.get(name)]


TokenMeta = tuple[datetime | None, Mapping[str, Any]]


def _token_state(expires_at: datetime | None, now: datetime, soon: timedelta) -> str:
    if expires_at is None:
        return "ok"
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    if expires_at <= now:
        return "expired"
    return "expiring" if expires_at - now <= soon else "ok"


def _renewals_left(meta: Mapping[str, Any], max_renewals: int | None) -> int | None:
    if isinstance(meta.get("renewals_left"), int):
        return int(meta["renewals_left"])
    if isinstance(meta.get("renewals"), int) and max_renewals is not None:
        return max(0, max_renewals - int(meta["renewals"]))
    return None


def describe(
    account: str,
    platform: str,
    creds: Mapping[str, str],
    tokens_meta: Mapping[str, TokenMeta] | None = None,
    *,
    now: datetime | None = None,
    expiring_within: timedelta = timedelta(days=3),
    lang: str = "en",
) -> dict[str, Any]:
    """One row of `publisher auth status`: state ok|missing|expiring|expired, sources and expiry; no secret.

    `tokens_meta` maps a token kind to (expires_at, meta) as the token cache holds it, without the value.
    `hints` says what to do in `lang`; `hint_codes` are their catalogue codes and `said` the messages as
    stored (`Msg.to_json`), for a caller that words them in more than one language.
    """
    moment = now or datetime.now(UTC)
    sources = getattr(creds, "sources", {})
    fields = {
        name: f"set ({sources.get(name, 'given')})" if creds.get(name) else "missing"
        for name in fields_of(platform)
    }
    missing = missing_fields(platform, creds)
    reauth = reauth_tokens(platform)
    tokens: dict[str, dict[str, Any]] = {}
    decisive: list[str] = []
    for kind, (expires_at, meta) in sorted((tokens_meta or {}).items()):
        decides = kind in reauth
        # A token that refreshes by itself is never "expiring"; only one needing a person warns early.
        state = _token_state(expires_at, moment, expiring_within if decides else timedelta(0))
        row: dict[str, Any] = {
            "expires_at": expires_at.isoformat() if expires_at else None,
            "state": state,
            "auto_refresh": not decides,
        }
        left = _renewals_left(meta, _max_renewals(platform))
        if left is not None:
            row["renewals_left"] = left
        tokens[kind] = row
        if decides:
            decisive.append(state)
    needs_grant = tokens_meta is not None and any(k not in tokens_meta for k in reauth)
    if missing or needs_grant:
        state = "missing"
    elif "expired" in decisive:
        state = "expired"
    elif "expiring" in decisive:
        state = "expiring"
    else:
        state = "ok"
    said = [msg("cred.hint.set", var=env_var(account, name)) for name in missing]
    if needs_grant:
        said.append(msg("cred.hint.grant", platform=platform))
    elif state in ("expired", "expiring"):
        said.append(msg("cred.hint.renew", platform=platform))
    return {
        "account": account,
        "platform": platform,
        "state": state,
        "fields": fields,
        "missing": missing,
        "tokens": tokens,
        "hints": [m.text(lang) for m in said],
        "hint_codes": [m.code for m in said],
        "said": [m.to_json() for m in said],
    }


__all__ = [
    "Credentials",
    "check_file",
    "default_file",
    "describe",
    "env_var",
    "fields_of",
    "reauth_tokens",
    "load_credentials",
    "missing_fields",
]
