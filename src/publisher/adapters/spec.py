"""What one platform is, in one typed place: each `adapters/<name>/` package exports a `SPEC`.

The rest of the code asks the registry (`publisher.adapters.platforms()`) instead of listing platforms:
display names and colours for reports, capabilities, error-code meanings for the HTTP
layer, metric names, the MCP publish tool's parameters, the OAuth login a person runs and the sandbox grant a
rehearsal uses. Limits, fields, templates and credential fields stay in `platform.yaml`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx

from publisher.messages import Msg

if TYPE_CHECKING:
    from publisher.adapters.base import Adapter, AdapterContext, TokenCache
    from publisher.adapters.http import Rule

AdapterFactory = Callable[["AdapterContext"], "Adapter"]
#: (client, sandbox base url, credentials, token cache, account, now): obtain a user's grant from the sandbox
SandboxGrant = Callable[
    [httpx.AsyncClient, str, Mapping[str, str], "TokenCache", str, Callable[[], datetime]], Awaitable[None]
]
#: (client, sandbox root url, the platform's mount prefix, credentials): set the fake up as a person would set
#: up the real account (e.g. WeChat's IP whitelist), before a rehearsal
SandboxSetup = Callable[[httpx.AsyncClient, str, str, Mapping[str, str]], Awaitable[None]]
#: a cheap authenticated call for `publisher auth status`: a one-line result, or a PlatformError saying
#: what to do
Probe = Callable[["AdapterContext"], Coroutine[Any, Any, str | Msg]]
Capability = Literal["real_api", "assisted", "bridge", "oauth", "metrics", "csv_import"]


@dataclass(frozen=True)
class Metric:
    """One figure the adapter reports: normalised name, the platform's raw name, a typical size (demo seeds).

    A figure only this platform has carries its own report labels (shared ones are in `reports.i18n`); a
    shared figure the platform calls by its own word (Douyin's views are 播放) carries that word.
    """

    name: str
    raw: str
    typical: float
    label_zh: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class LoginRequest:
    """What an OAuth login hook gets; it runs the flow, stores the tokens in `tokens`, returns a summary."""

    account: str
    credentials: Mapping[str, str]
    base_url: str | None  # None: the live platform; else the sandbox's mount for this platform
    open_browser: Callable[[str], None]
    now: Callable[[], datetime]
    tokens: TokenCache
    # The https address registered in the platform's console: the person approves there and pastes back the
    # address they land on (or the code) through `ask`. None: a loopback callback (the sandbox only).
    redirect_uri: str | None = None
    ask: Callable[[str | Msg], str] | None = None  # a prompt from the catalogue is worded by the caller


#: the login's summary (how long the tokens last), a catalogue message or English text
OAuthLogin = Callable[[LoginRequest], str | Msg]


@dataclass(frozen=True)
class McpParam:
    """One parameter of a `publish_to_<name>` tool, in tool order.

    `describe(rules, limits)` writes the description from the workspace's platform rules and fetch limits;
    `attr` is the `mcp.items.Payload` field it fills (the tool parameter may be named differently).
    """

    name: str
    describe: Callable[[Any, Any], str]
    many: bool = False  # list[str] instead of str
    required: bool = True
    attr: str = ""

    @property
    def target(self) -> str:
        return self.attr or self.name


@dataclass(frozen=True)
class McpTool:
    """The `publish_to_<name>` MCP tool and the item it writes.

    body: how the body becomes Markdown ("plain" text kept, "html" converted, "none": no body).
    own: payload fields written under `platforms.<name>` ("video" becomes a media reference).
    """

    description: str
    payload_doc: str
    params: tuple[McpParam, ...]
    body: Literal["plain", "html", "none"] = "plain"
    own: tuple[str, ...] = ()
    cover: bool = False  # the item gets a cover (first article image, else a generated one)
    primary: bool = False  # in a batch, this platform's payload gives the item its title and body
    server_name: str = ""  # how the server's instructions name it, e.g. "小红书 (xiaohongshu)"


@dataclass(frozen=True)
class PlatformSpec:
    """Everything the product knows about one platform outside its adapter code and `platform.yaml`."""

    name: str  # == the adapter package, the sandbox package and platforms/<name>/
    label_zh: str
    label_en: str
    colour: str  # reports and dashboard, "#rrggbb"
    assisted_kind: str  # what a person posts there: note | video | article | launch
    console: str = ""  # where a person sees what the account posted (a refusal asking them to look names it)
    capabilities: frozenset[Capability] = frozenset()
    credential_prefixes: Mapping[str, str] = field(default_factory=dict)  # a fake credential's shape
    error_codes: Mapping[int | str, Rule] = field(default_factory=dict)  # code -> meaning (http.Rule)
    metrics: tuple[Metric, ...] = ()
    factory: AdapterFactory | None = None  # the real adapter; None: assisted only
    handles_assisted: bool = False  # the factory also serves mode "assisted"
    login: OAuthLogin | None = None  # `publisher auth <name>`
    sandbox_grant: SandboxGrant | None = None  # how a rehearsal gets a user's OAuth grant from the sandbox
    sandbox_setup: SandboxSetup | None = None  # what a rehearsal configures first, as a real setup would
    probe: Probe | None = None  # `publisher auth status`: one cheap authenticated call
    csv_import: Callable[[Path], list[dict[str, Any]]] | None = None  # a creator-centre export's rows
    mcp: McpTool | None = None  # a `publish_to_<name>` tool
    seed_title: str = "周报"  # the word demo histories put in titles

    def label(self, lang: str) -> str:
        """The display name in `lang` ("zh" or "en"; anything else: English)."""
        return self.label_zh if lang == "zh" else self.label_en


__all__ = [
    "AdapterFactory",
    "Capability",
    "LoginRequest",
    "McpParam",
    "McpTool",
    "Metric",
    "OAuthLogin",
    "PlatformSpec",
    "Probe",
    "SandboxGrant",
    "SandboxSetup",
]
