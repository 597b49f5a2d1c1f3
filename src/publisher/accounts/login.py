"""Account authorisation for people: `publisher auth status` and `publisher auth <platform>`."""

from __future__ import annotations

import asyncio
import webbrowser
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from publisher.adapters import spec_for
from publisher.adapters.spec import LoginRequest
from publisher.errors import ConfigError, PlatformError, UsageError
from publisher.messages import Msg, msg
from publisher.redact import redact_text
from publisher.store.db import Store
from publisher.store.reauth import reauthorized
from publisher.store.tokens import StoreTokenCache, token_expiries
from publisher.workspace.credentials import describe, load_credentials, missing_fields
from publisher.workspace.settings import Workspace


def account_status(
    ws: Workspace,
    store: Store,
    *,
    now: datetime,
    probe: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    lang: str = "zh",
) -> list[dict[str, Any]]:
    """One row per account: credentials present (and where from), token expiry, renewals left;
    never a value. With `probe`, a live or sandbox account whose platform has a cheap check makes that one
    call (WeChat: a token and get_api_domain_ip, which shows whether this machine is on the IP whitelist).
    Hints and the check's answer are worded in `lang` (their codes stay in `hint_codes`, `check_code`)."""
    tokens = token_expiries(store)
    out = []
    for name, account in sorted(ws.settings.accounts.items()):
        meta = tokens.get(name, {})
        try:
            creds = load_credentials(name, account.platform, env=ws.env, workspace=ws.root)
        except ConfigError as exc:
            out.append(
                {
                    "account": name,
                    "platform": account.platform,
                    "mode": account.mode,
                    "state": "error",
                    "fields": {},
                    "hints": [exc.text(lang)],
                    "hint_codes": [exc.said.code] if exc.said else [],
                    "expires": "",
                }
            )
            continue
        row = describe(name, account.platform, creds, meta, now=now, lang=lang)
        row.pop("said")
        expiries = [v["expires_at"] for v in row["tokens"].values() if v.get("expires_at")]
        row.update(mode=account.mode, expires=min(expiries) if expiries else "")
        if probe and row["state"] != "missing":
            _probe(ws, store, row, now, transport, lang)
        out.append(row)
    return out


def _probe(
    ws: Workspace,
    store: Store,
    row: dict[str, Any],
    now: datetime,
    transport: httpx.AsyncBaseTransport | None,
    lang: str,
) -> None:
    """Run the platform's cheap check for one account; its answer (or what to do) goes into the row."""
    from publisher.accounts.context import Contexts

    spec = spec_for(row["platform"])
    if spec is None or spec.probe is None or row["mode"] not in ("live", "sandbox"):
        return
    ctx = Contexts(ws, store, now=lambda: now, transport=transport, sandbox_url=None).make(
        row["platform"], row["account"]
    )
    try:
        answer = asyncio.run(spec.probe(ctx))
    except PlatformError as exc:
        row["check"] = redact_text(exc.text(lang))
        row["check_code"] = exc.said.code if exc.said else ""
        row["state"] = "error"
        row["hints"] = [*row.get("hints", []), row["check"]]
        row["hint_codes"] = [*row.get("hint_codes", []), row["check_code"]]
        return
    row["check"] = answer.text(lang) if isinstance(answer, Msg) else answer
    row["check_code"] = answer.code if isinstance(answer, Msg) else ""


def authorize(
    ws: Workspace,
    store: Store,
    *,
    platform: str,
    account: str,
    sandbox: bool,
    now: Callable[[], datetime],
    say: Callable[[str], None],
    redirect_uri: str | None = None,
    ask: Callable[[str], str] | None = None,
    lang: str = "zh",
) -> str:
    """Run the platform's OAuth login in the browser and store the tokens the account's posts will use;
    the summary (how long the tokens last) and every line on the way are in `lang`.

    `redirect_uri` (else the account's `options.redirect_uri`) is the https address registered with the
    platform: the person approves and pastes back, through `ask`, the address they land on."""
    spec = spec_for(platform)
    if spec is None or spec.login is None:
        raise UsageError(msg("login.none", platform=platform))
    settings = ws.settings.accounts.get(account)
    if settings is None or settings.platform != platform:
        label = spec.label_en if lang == "en" else spec.label_zh
        raise UsageError(msg("login.no_account", label=label, account=repr(account)))
    creds = load_credentials(account, platform, env=ws.env, workspace=ws.root)
    missing = missing_fields(platform, creds)
    if missing:
        raise ConfigError(msg("login.set_first", fields=missing, account=account))

    redirect = redirect_uri or str(settings.options.get("redirect_uri") or "") or None

    def open_browser(url: str) -> None:
        # With a registered address the person may open the page on another device: it needs the full URL.
        shown = url if redirect else f"{url.split('&state=')[0]}&state=..."
        say(msg("login.opening", url=shown).text(lang))
        webbrowser.open(url)

    def asked(prompt: str | Msg) -> str:
        assert ask is not None
        return ask(prompt.text(lang) if isinstance(prompt, Msg) else prompt)

    base = None
    if sandbox:
        import os

        prefix = ws.rules[platform].extra.get("sandbox_prefix", f"/{platform}")
        base = os.environ.get("PUBLISHER_SANDBOX_URL", "http://127.0.0.1:8900") + str(prefix)
    request = LoginRequest(
        account, creds, base, open_browser, now, StoreTokenCache(store), redirect, asked if ask else None
    )
    result = spec.login(request)
    reauthorized(store, account, now())  # the account's waiting posts go back to the queue
    return result.text(lang) if isinstance(result, Msg) else result
