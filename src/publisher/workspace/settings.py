"""The workspace: find it, read `publisher.toml` (with PUBLISHER_* environment overrides)
into typed settings.

The settings are plain dataclasses, read here with the standard library (every command opens the workspace,
and loading a validation library is a good part of a short command's start). Values are read as leniently
as TOML and environment variables need (`lax`: "true", " 2 ", 7200 for a float) and a problem names its key
with the catalogue's words: the first one in the order the settings are declared, an unknown key after.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, get_args
from zoneinfo import ZoneInfo

from publisher.content.zones import find_zone
from publisher.errors import ConfigError
from publisher.messages import Either, Msg, msg
from publisher.platforms.durations import duration as _duration
from publisher.workspace import lax
from publisher.workspace.locate import CONFIG_NAME, find_root

if TYPE_CHECKING:  # loaded on use: a command that reads only the store (status) needs no rules
    from publisher.compliance.scan import Rules
    from publisher.platforms.rules import PlatformRules

DEFAULTS_DIR = Path(__file__).parent.parent / "defaults"

Mode = Literal["dry-run", "sandbox", "live", "assisted"]
NotifyKind = Literal["feishu", "wecom", "dingtalk", "slack", "email"]
Loc = tuple[str | int, ...]


class Invalid(ValueError):
    """A value our own check refuses, with its catalogue message (shown in the reader's language)."""

    def __init__(self, said: Msg) -> None:
        super().__init__(said.text("en"))
        self.said = said


class _Refused(Exception):
    """A setting at `loc` (its keys) that cannot be read, and why."""

    def __init__(self, loc: Loc, said: Msg) -> None:
        super().__init__(loc, said)
        self.loc, self.said = loc, said


# -- reading one value ---------------------------------------------------------------------------------------

Read = Callable[[Any, Loc], Any]


def _text(value: Any, loc: Loc) -> str:
    if isinstance(value, str):
        return value
    raise _Refused(loc, msg("usage.setting.string_type"))


def _flag(value: Any, loc: Loc) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str | int):
        try:
            return lax.yes_no(str(value))
        except ValueError:
            raise _Refused(loc, msg("usage.setting.bool_parsing")) from None
    raise _Refused(loc, msg("usage.setting.bool_type"))


def _number(value: Any, loc: Loc) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return lax.number(value)
        except ValueError:
            raise _Refused(loc, msg("usage.setting.float_parsing")) from None
    raise _Refused(loc, msg("usage.setting.float_type"))


def _whole(value: Any, loc: Loc) -> int:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return lax.whole(value)
        except ValueError:
            raise _Refused(loc, msg("usage.setting.int_parsing")) from None
    raise _Refused(loc, msg("usage.setting.int_type"))


def _one_of(*options: str) -> Read:
    def read(value: Any, loc: Loc) -> str:
        if isinstance(value, str) and value in options:
            return value
        raise _Refused(loc, msg("usage.setting.literal_error", expected=Either(repr(o) for o in options)))

    return read


def _strings(value: Any, loc: Loc) -> list[str]:
    if not isinstance(value, list | tuple | set | frozenset):
        raise _Refused(loc, msg("usage.setting.list_type"))
    return [_text(item, (*loc, i)) for i, item in enumerate(value)]


def _lines(value: Any, loc: Loc) -> list[str]:
    """A list of strings; one string is a list of one."""
    return _strings([value] if isinstance(value, str) else value, loc)


def _table(read: Read) -> Read:
    def table(value: Any, loc: Loc) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _Refused(loc, msg("usage.setting.dict_type"))
        return {key: read(item, (*loc, key)) for key, item in value.items()}

    return table


def _anything(value: Any, loc: Loc) -> Any:
    return value


def _seconds(example: tuple[str, str]) -> Read:
    """A duration (7200, "2h", "30m") in seconds."""

    def read(value: Any, loc: Loc) -> float:
        try:
            return _duration(value, where="", key="")
        except ConfigError:
            said = msg("usage.setting_duration", example=Either(example), value=repr(value))
            raise _Refused(loc, said) from None

    return read


def _checked(read: Read, check: Callable[[Any], None]) -> Read:
    """`read`, then our own `check` (an Invalid says why it refuses)."""

    def both(value: Any, loc: Loc) -> Any:
        found = read(value, loc)
        try:
            check(found)
        except Invalid as exc:
            raise _Refused(loc, exc.said) from None
        return found

    return both


_Section = TypeVar("_Section", bound="_Read")


class _Read:
    """A table of settings: each field read by its reader in `READ`; a field with no default is required,
    a key that is no field is refused (a typo must not be silently ignored)."""

    READ: ClassVar[dict[str, Read]] = {}

    @classmethod
    def read(cls: type[_Section], value: Any, loc: Loc = ()) -> _Section:
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise _Refused(loc, msg("usage.setting.model_type"))
        found: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            if f.name in value:
                found[f.name] = cls.READ[f.name](value[f.name], (*loc, f.name))
            elif f.default is MISSING and f.default_factory is MISSING:  # a required setting
                raise _Refused((*loc, f.name), msg("usage.setting.missing"))
        for key in value:
            if key not in found:
                raise _Refused((*loc, key), msg("usage.setting_unknown"))
        return cls(**found)


def _share(value: float) -> None:
    if not 0 < value <= 1:
        raise Invalid(msg("usage.setting_share", value=value))


def _known_expectations(value: dict[str, float]) -> None:
    unknown = sorted(set(value) - {"reach", "engagement", "votes", "followers"})
    if unknown:
        raise Invalid(msg("usage.setting_expectation", name=repr(unknown[0])))


def _zone(value: str) -> None:
    if find_zone(value) is None:
        raise Invalid(msg("usage.setting_zone", zone=repr(value)))


# -- the settings --------------------------------------------------------------------------------------------


@dataclass
class AccountSettings(_Read):
    """One platform account. Credentials never live here: they come from the environment or the keyring."""

    platform: str
    mode: Mode = "dry-run"
    default: bool = False
    label: str = ""
    verified: bool = False  # WeChat: may call freepublish/submit; Douyin: holds video.create.bind
    bridge_url: str = ""  # Xiaohongshu: a user-run xiaohongshu-mcp service (opt-in)
    options: dict[str, Any] = field(default_factory=dict)

    READ: ClassVar[dict[str, Read]] = {
        "platform": _text,
        "mode": _one_of(*get_args(Mode)),
        "default": _flag,
        "label": _text,
        "verified": _flag,
        "bridge_url": _text,
        "options": _table(_anything),
    }


@dataclass
class NotifySettings(_Read):
    """A notification channel; the webhook URL or SMTP password is read
    from the named environment variable."""

    kind: NotifyKind
    url_env: str = ""
    secret_env: str = ""
    to: list[str] = field(default_factory=list)
    smtp_host: str = ""
    smtp_port: int = 25
    sender: str = ""

    READ: ClassVar[dict[str, Read]] = {
        "kind": _one_of(*get_args(NotifyKind)),
        "url_env": _text,
        "secret_env": _text,
        "to": _strings,
        "smtp_host": _text,
        "smtp_port": _whole,
        "sender": _text,
    }


@dataclass
class ComplianceSettings(_Read):
    """`[compliance]`: the near-duplicate guard of `publisher check`."""

    similarity: float = 0.85  # warn at or above this share of shared 3-character shingles (0 < x <= 1)
    window: float = 30 * 86400.0  # compare items whose publish times are at most this far apart
    # compare items with the posts their platform published at most this long before (the store's history)
    published_window: float = 30 * 86400.0

    READ: ClassVar[dict[str, Read]] = {
        "similarity": _checked(_number, _share),
        "window": _seconds(("30d", "72h")),
        "published_window": _seconds(("30d", "72h")),
    }


@dataclass
class CampaignSettings(_Read):
    """`[campaigns.NAME]`: the plan of a campaign (the seed's 市场活动方案); its items carry `campaign: NAME`.

    `expected` holds the 预期效果 the report sets 实际 beside: reach (views), engagement (interactions),
    votes (Product Hunt) and followers (gained during the campaign)."""

    title: str = ""
    goal: list[str] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    expected: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    READ: ClassVar[dict[str, Read]] = {
        "title": _text,
        "goal": _lines,
        "audience": _lines,
        "expected": _checked(_table(_number), _known_expectations),
        "notes": _lines,
    }


@dataclass
class Settings(_Read):
    """`publisher.toml`, read. Unknown keys are errors (a typo must not be silently ignored)."""

    name: str = "publisher workspace"
    timezone: str = "Asia/Shanghai"
    late_window: float = 7200.0
    require_approval: bool = False
    database_url: str = ""
    utm: bool = True
    language: Literal["zh", "en"] = "zh"
    accounts: dict[str, AccountSettings] = field(default_factory=dict)
    targets: dict[str, Any] = field(default_factory=dict)
    campaigns: dict[str, CampaignSettings] = field(default_factory=dict)
    notify: dict[str, NotifySettings] = field(default_factory=dict)
    compliance: ComplianceSettings = field(default_factory=ComplianceSettings)

    READ: ClassVar[dict[str, Read]] = {
        "name": _text,
        "timezone": _checked(_text, _zone),
        "late_window": _seconds(("2h", "90m")),
        "require_approval": _flag,
        "database_url": _text,
        "utm": _flag,
        "language": _one_of("zh", "en"),
        "accounts": _table(AccountSettings.read),
        "targets": _table(_anything),
        "campaigns": _table(CampaignSettings.read),
        "notify": _table(NotifySettings.read),
        "compliance": ComplianceSettings.read,
    }


def _flatten_env(env: Mapping[str, str]) -> dict[str, Any]:
    """PUBLISHER_TIMEZONE=..., PUBLISHER_DATABASE_URL=..., PUBLISHER_<ACCOUNT>_MODE=... become overrides."""
    out: dict[str, Any] = {}
    for key in ("name", "timezone", "late_window", "require_approval", "database_url", "utm", "language"):
        value = env.get(f"PUBLISHER_{key.upper()}")
        if value is not None:
            out[key] = value
    return out


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
        return Settings.read(data)
    except _Refused as exc:
        raise ConfigError(exc.said, path=str(path), key=".".join(str(p) for p in exc.loc)) from None


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
