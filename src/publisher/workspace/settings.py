"""The workspace: find it, read `publisher.toml` (with PUBLISHER_* environment overrides)
into typed settings."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from publisher.content.zones import find_zone
from publisher.errors import ConfigError
from publisher.messages import CHECK, Either, Msg, msg
from publisher.platforms.durations import duration as _duration
from publisher.workspace.locate import CONFIG_NAME, find_root

if TYPE_CHECKING:  # loaded on use: a command that reads only the store (status) needs no rules
    from publisher.compliance.scan import Rules
    from publisher.platforms.rules import PlatformRules

DEFAULTS_DIR = Path(__file__).parent.parent / "defaults"

Mode = Literal["dry-run", "sandbox", "live", "assisted"]


class Invalid(ValueError):
    """A value our own check refuses, with its catalogue message (shown in the reader's language)."""

    def __init__(self, said: Msg) -> None:
        super().__init__(said.text("en"))
        self.said = said


class AccountSettings(BaseModel):
    """One platform account. Credentials never live here: they come from the environment or the keyring."""

    model_config = ConfigDict(extra="forbid")
    platform: str
    mode: Mode = "dry-run"
    default: bool = False
    label: str = ""
    verified: bool = False  # WeChat: may call freepublish/submit; Douyin: holds video.create.bind
    bridge_url: str = ""  # Xiaohongshu: a user-run xiaohongshu-mcp service (opt-in)
    options: dict[str, Any] = Field(default_factory=dict)


class NotifySettings(BaseModel):
    """A notification channel; the webhook URL or SMTP password is read
    from the named environment variable."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["feishu", "wecom", "dingtalk", "slack", "email"]
    url_env: str = ""
    secret_env: str = ""
    to: list[str] = Field(default_factory=list)
    smtp_host: str = ""
    smtp_port: int = 25
    sender: str = ""


class ComplianceSettings(BaseModel):
    """`[compliance]`: the near-duplicate guard of `publisher check`."""

    model_config = ConfigDict(extra="forbid")
    similarity: float = 0.85  # warn at or above this share of shared 3-character shingles (0 < x <= 1)
    window: float = 30 * 86400.0  # compare items whose publish times are at most this far apart
    # compare items with the posts their platform published at most this long before (the store's history)
    published_window: float = 30 * 86400.0

    @field_validator("similarity")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0 < value <= 1:
            raise Invalid(msg("usage.setting_share", value=value))
        return value

    @field_validator("window", "published_window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> float:
        try:
            return _duration(value, where="", key="")
        except ConfigError:
            raise Invalid(
                msg("usage.setting_duration", example=Either(("30d", "72h")), value=repr(value))
            ) from None


class CampaignSettings(BaseModel):
    """`[campaigns.NAME]`: the plan of a campaign (the seed's 市场活动方案); its items carry `campaign: NAME`.

    `expected` holds the 预期效果 the report sets 实际 beside: reach (views), engagement (interactions),
    votes (Product Hunt) and followers (gained during the campaign)."""

    model_config = ConfigDict(extra="forbid")
    title: str = ""
    goal: list[str] = Field(default_factory=list)
    audience: list[str] = Field(default_factory=list)
    expected: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    @field_validator("goal", "audience", "notes", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("expected")
    @classmethod
    def _known(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - {"reach", "engagement", "votes", "followers"})
        if unknown:
            raise Invalid(msg("usage.setting_expectation", name=repr(unknown[0])))
        return value


class Settings(BaseModel):
    """`publisher.toml`, validated. Unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")
    name: str = "publisher workspace"
    timezone: str = "Asia/Shanghai"
    late_window: float = 7200.0
    require_approval: bool = False
    database_url: str = ""
    utm: bool = True
    language: Literal["zh", "en"] = "zh"
    accounts: dict[str, AccountSettings] = Field(default_factory=dict)
    targets: dict[str, Any] = Field(default_factory=dict)
    campaigns: dict[str, CampaignSettings] = Field(default_factory=dict)
    notify: dict[str, NotifySettings] = Field(default_factory=dict)
    compliance: ComplianceSettings = ComplianceSettings()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if find_zone(value) is None:
            raise Invalid(msg("usage.setting_zone", zone=repr(value)))
        return value

    @field_validator("late_window", mode="before")
    @classmethod
    def _late(cls, value: Any) -> float:
        try:
            return _duration(value, where="", key="")
        except ConfigError:
            raise Invalid(
                msg("usage.setting_duration", example=Either(("2h", "90m")), value=repr(value))
            ) from None


def _flatten_env(env: Mapping[str, str]) -> dict[str, Any]:
    """PUBLISHER_TIMEZONE=..., PUBLISHER_DATABASE_URL=..., PUBLISHER_<ACCOUNT>_MODE=... become overrides."""
    out: dict[str, Any] = {}
    for key in ("name", "timezone", "late_window", "require_approval", "database_url", "utm", "language"):
        value = env.get(f"PUBLISHER_{key.upper()}")
        if value is not None:
            out[key] = value
    return out


def _error_from(exc: ValidationError, path: Path) -> ConfigError:
    """The first problem pydantic found, worded from the catalogue: a check of ours by its message, one of
    pydantic's by its error type, anything else framed around pydantic's own English."""
    first = exc.errors()[0]
    key = ".".join(str(p) for p in first["loc"])
    error = (first.get("ctx") or {}).get("error")
    kind = f"usage.setting.{first['type']}"
    if isinstance(error, Invalid):
        said = error.said
    elif first["type"] == "extra_forbidden":
        said = msg("usage.setting_unknown")
    elif kind in CHECK:
        expected = str((first.get("ctx") or {}).get("expected", ""))  # "'zh' or 'en'": worded per language
        said = msg(kind, expected=Either(re.split(r", | or ", expected))) if expected else msg(kind)
    else:
        said = msg("usage.setting_invalid", why=first["msg"])
    return ConfigError(said, path=str(path), key=key)


def load_settings(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read `publisher.toml`; environment variables override file values."""
    env = os.environ if env is None else env
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(msg("usage.bad_toml", why=str(exc)), path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(msg("usage.unreadable", why=str(exc)), path=str(path)) from None
    workspace = raw.pop("workspace", None) or {}
    if not isinstance(workspace, dict):
        raise ConfigError(msg("usage.workspace_table"), path=str(path), key="workspace")
    data = dict(workspace)
    data.update(raw)
    data.update(_flatten_env(env))
    accounts = data.get("accounts") or {}
    if isinstance(accounts, dict):
        for name, acc in accounts.items():
            mode = env.get(f"PUBLISHER_{name.upper()}_MODE")
            if mode and isinstance(acc, dict):
                acc["mode"] = mode
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise _error_from(exc, path) from None
    return settings


@dataclass
class Workspace:
    """A workspace folder and its settings; paths are derived, rules are loaded once."""

    root: Path
    settings: Settings
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def platforms_dir(self) -> Path:
        return self.root / "platforms"

    @property
    def schedules_dir(self) -> Path:
        return self.root / "schedules"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def is_rehearsal(self) -> bool:
        """True for the workspace a rehearsal sees (its own store, state and reports folders)."""
        return False

    @property
    def state_dir(self) -> Path:
        return self.root / ".publisher"

    @property
    def cache_dir(self) -> Path:
        return self.state_dir / "cache"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def database_url(self) -> str:
        if self.settings.database_url:
            return self.settings.database_url
        return f"sqlite:///{self.state_dir / 'publisher.db'}"

    @cached_property
    def rules(self) -> dict[str, PlatformRules]:
        from publisher.platforms.rules import load_rules, platform_dirs

        dirs = platform_dirs(self.platforms_dir, DEFAULTS_DIR / "platforms")
        return {name: load_rules(path) for name, path in dirs.items()}

    @cached_property
    def compliance(self) -> Rules:
        """The word lists in force: the packaged `compliance/*.yaml`, a workspace file of the same name
        replacing the packaged one, other workspace files added; plus `platforms/<name>/compliance.yaml`."""
        from publisher.compliance.lists import list_files, load_lists
        from publisher.compliance.scan import Rules
        from publisher.platforms.rules import platform_dirs

        files = {p.name: p for p in list_files(DEFAULTS_DIR / "compliance")}
        files.update({p.name: p for p in list_files(self.root / "compliance")})
        common = load_lists(files[name] for name in sorted(files))
        dirs = platform_dirs(self.platforms_dir, DEFAULTS_DIR / "platforms")
        own = {
            name: load_lists([path / "compliance.yaml"])
            for name, path in dirs.items()
            if (path / "compliance.yaml").is_file()
        }
        return Rules.build(common, own)

    def accounts_for(self, platform: str) -> dict[str, AccountSettings]:
        return {n: a for n, a in self.settings.accounts.items() if a.platform == platform}

    def default_account(self, platform: str) -> str:
        """The account a bare platform name means: the one marked default, else the one named like it."""
        accounts = self.accounts_for(platform)
        for name, acc in accounts.items():
            if acc.default:
                return name
        if platform in accounts:
            return platform
        if len(accounts) == 1:
            return next(iter(accounts))
        return platform  # no account configured: a dry-run account of the same name

    def account(self, name: str) -> AccountSettings | None:
        return self.settings.accounts.get(name)


def open_workspace(path: Path | None = None, env: Mapping[str, str] | None = None) -> Workspace:
    """Open the workspace at `path`, or the nearest one upward from the current directory."""
    env = dict(os.environ if env is None else env)
    if path is None and env.get("PUBLISHER_WORKSPACE"):
        path = Path(env["PUBLISHER_WORKSPACE"])
    root = Path(path).resolve() if path else find_root(Path.cwd())
    if root is None:
        raise ConfigError(msg("usage.no_workspace", name=CONFIG_NAME))
    if not (root / CONFIG_NAME).is_file():
        raise ConfigError(msg("usage.not_a_workspace", root=str(root), name=CONFIG_NAME))
    return Workspace(root=root, settings=load_settings(root / CONFIG_NAME, env), env=env)
