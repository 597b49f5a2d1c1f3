"""Build the AdapterContext of one account: its mode, base URL, options, credentials,
token cache and sinks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import httpx

from publisher.adapters.base import AdapterContext
from publisher.adapters.dryrun import dry_run_dir
from publisher.errors import ConfigError
from publisher.redact import redact_text
from publisher.store.db import Store
from publisher.store.media import StoreMediaCache
from publisher.store.tokens import StoreTokenCache
from publisher.workspace.credentials import load_credentials
from publisher.workspace.settings import Workspace

logger = logging.getLogger(__name__)
CredentialLoader = Callable[[str, str], Mapping[str, str]]  # (account, platform) -> fields


SANDBOX_URL = "http://127.0.0.1:8900"  # where `publisher sandbox` serves by default (sandbox/server.py)


class Contexts:
    """Per-account adapter contexts. Credentials are loaded once per `refresh()` (each queue run), so a
    `publisher auth` between runs is picked up without a restart."""

    def __init__(
        self,
        ws: Workspace,
        store: Store,
        *,
        now: Callable[[], datetime],
        transport: httpx.AsyncBaseTransport | None,
        sandbox_url: str | None,
        credentials: CredentialLoader | None = None,
    ) -> None:
        self.ws = ws
        self.now = now
        self.transport = transport
        self.sandbox_url = sandbox_url.rstrip("/") if sandbox_url else None
        self.store = store
        self.tokens = StoreTokenCache(store)
        self._load = credentials or self._default_loader
        self._creds: dict[str, Mapping[str, str]] = {}
        # (platform, account) -> the context without its sinks: the queue makes one per post it sends
        self._made: dict[tuple[str, str], AdapterContext] = {}

    def refresh(self) -> None:
        self._creds.clear()
        self._made.clear()

    def mode(self, account: str) -> str:
        if self.sandbox_url:
            return "sandbox"
        settings = self.ws.account(account)
        return settings.mode if settings else "dry-run"

    def base_url(self, platform: str, mode: str) -> str:
        extra = self.ws.rules[platform].extra if platform in self.ws.rules else {}
        if mode == "sandbox":
            # Mode `sandbox` talks to the sandbox `publisher sandbox` announces: --sandbox's URL, else
            # PUBLISHER_SANDBOX_URL, else platform.yaml's, else the port `publisher sandbox` serves on.
            sandbox = (
                self.sandbox_url
                or self.ws.env.get("PUBLISHER_SANDBOX_URL", "").rstrip("/")
                or str(extra.get("sandbox_url", SANDBOX_URL))
            )
            return sandbox + str(extra.get("sandbox_prefix", f"/{platform}"))
        if mode == "live":
            return str(extra.get("live_base", ""))
        return ""

    def make(
        self,
        platform: str,
        account: str,
        *,
        ids_sink: Callable[[dict[str, Any]], None] | None = None,
        intent: Callable[[str], None] | None = None,
    ) -> AdapterContext:
        """The account's context with these sinks; built once per `refresh()` and account, each caller gets
        its own copy (and its own options)."""
        base = self._made.get((platform, account))
        if base is None:
            base = self._made[(platform, account)] = self._build(platform, account)
        return base.with_sinks(ids_sink, intent)

    def _build(self, platform: str, account: str) -> AdapterContext:
        mode = self.mode(account)
        settings = self.ws.account(account)
        options: dict[str, Any] = dict(settings.options) if settings else {}
        if settings is not None:
            options.setdefault("verified", settings.verified)
            if settings.bridge_url:
                options.setdefault("bridge_url", settings.bridge_url)
        out_dir = dry_run_dir(self.ws.state_dir) if mode == "dry-run" else self.ws.state_dir / "packs"
        if mode == "dry-run":
            options.setdefault("dry_run_log", "daily")  # one JSON-lines file a day, not a file per post
        return AdapterContext(
            account=account,
            mode=mode,
            base_url=self.base_url(platform, mode),
            options=options,
            credentials=dict(self._credentials(account, platform, mode)),
            transport=self.transport,
            now=self.now,
            out_dir=out_dir,
            tokens=self.tokens,
            media=StoreMediaCache(self.store, platform, now=self.now),
        )

    def _credentials(self, account: str, platform: str, mode: str) -> Mapping[str, str]:
        if mode in ("dry-run", "assisted"):
            return {}  # nothing is sent with them
        if account not in self._creds:
            try:
                self._creds[account] = self._load(account, platform)
            except ConfigError as exc:  # the adapter then raises AuthError: the account goes to needs_reauth
                logger.warning("credentials of %s: %s", account, redact_text(str(exc)))
                self._creds[account] = {}
        return self._creds[account]

    def _default_loader(self, account: str, platform: str) -> Mapping[str, str]:
        return load_credentials(account, platform, env=self.ws.env, workspace=self.ws.root)
