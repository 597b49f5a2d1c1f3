"""Workspaces whose accounts talk to the sandbox; what each platform needs comes from support.platforms."""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import sqlalchemy as sa
from PIL import Image

from publisher.adapters.douyin.auth import DEFAULT_SCOPES, authorize_url, exchange_code, save_tokens
from publisher.store.db import Store
from publisher.store.tables import AttemptRow, EventRow, PostRow
from publisher.store.tokens import StoreTokenCache
from publisher.workspace.credentials import env_var
from publisher.workspace.settings import DEFAULTS_DIR, Workspace, open_workspace
from support.platforms import fixture, fixtures

post_t = PostRow.__table__  # type: ignore[attr-defined]
attempt_t = AttemptRow.__table__  # type: ignore[attr-defined]
event_t = EventRow.__table__  # type: ignore[attr-defined]

REPO = Path(__file__).resolve().parents[2]
PLATFORMS = ("wechat", "douyin", "xiaohongshu")  # the default layout: the three that publish for real
#: Credentials the sandbox trusts on first use: platform.yaml's fields, shaped as each PlatformSpec says.
CREDENTIALS: dict[str, dict[str, str]] = {name: f.credential_values() for name, f in fixtures().items()}
#: Account options that keep every wait on the queue's side (no in-process sleeping on the wall clock).
OPTIONS: dict[str, dict[str, Any]] = {name: dict(f.options) for name, f in fixtures().items()}
WECHAT_FIELDS = fixture("wechat").fields


@dataclass
class Layout:
    """What to write: which platforms, how many items, when they are due, extra per-account settings."""

    items: int = 3
    platforms: tuple[str, ...] = PLATFORMS
    when: str = "2026-12-01 12:00"
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # account -> extra options
    wechat_extra: str = ""  # extra fields of the wechat override, e.g. "mass_send: true"
    mode: str = "sandbox"
    notify: str = ""  # a [notify.x] section, verbatim
    late_window: str = "2h"
    video: bool = False  # Douyin gets the reference workspace's launch.mp4 (create_video instead of images)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _account(name: str, layout: Layout) -> str:
    lines = [f"[accounts.{name}]", f'platform = "{name}"', f'mode = "{layout.mode}"']
    lines += [f"{k} = {_toml_value(v)}" for k, v in fixture(name).account.items()]
    options = {**OPTIONS.get(name, {}), **layout.options.get(name, {})}
    if options:
        lines.append("[accounts." + name + ".options]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in options.items()]
    return "\n".join(lines)


def _platform_rules(root: Path, name: str, late_window: str) -> None:
    """The packaged rules without the pacing (daily caps, spacing): a test sends many posts at one instant."""
    target = root / "platforms" / name
    shutil.copytree(DEFAULTS_DIR / "platforms" / name, target)
    yaml_path = target / "platform.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    text = re.sub(r"daily_cap: \d+", "daily_cap: 0", text)
    text = re.sub(r"min_spacing_s: \S+", "min_spacing_s: 0s", text)
    text = re.sub(r"late_window_s: \S+", f"late_window_s: {late_window}", text)
    yaml_path.write_text(text, encoding="utf-8")


def item_text(n: int, layout: Layout, *, title: str | None = None) -> str:
    overrides = {}
    for name in layout.platforms:
        own = fixture(name)
        chosen = own.video_fields if layout.video and own.video_fields else own.fields
        overrides[name] = chosen.replace("{n}", str(n))
    if layout.wechat_extra:
        overrides["wechat"] = WECHAT_FIELDS[:-1] + ", " + layout.wechat_extra + "}"
    platforms = "\n".join(f"  {p}: {overrides[p]}" for p in layout.platforms)
    head = f"""\
        ---
        id: item-{n:04d}
        title: {title or f"周报第{n}期"}
        publish_at: {layout.when}
        status: ready
        tags: [效率工具]
        images: [media/a.png]
        platforms:
        """
    return textwrap.dedent(head) + platforms + f"\n---\n第 {n} 篇：三步写完周报，省下一小时。\n"


def write_workspace(root: Path, layout: Layout | None = None) -> Path:
    """A workspace folder with `layout.items` items due at `layout.when` on every platform of the layout."""
    layout = layout or Layout()
    media = root / "content" / "media"
    media.mkdir(parents=True)
    Image.new("RGB", (1080, 1440), "#ff2442").save(media / "a.png")
    Image.new("RGB", (1800, 766), "#222222").save(media / "cover.png")
    if layout.video:
        shutil.copy(REPO / "content" / "media" / "launch.mp4", media / "launch.mp4")
    accounts = "\n\n".join(_account(p, layout) for p in layout.platforms)
    toml = (
        f'[workspace]\nname = "reliability"\ntimezone = "Asia/Shanghai"\n'
        f'late_window = "{layout.late_window}"\n\n'
        f"{accounts}\n{layout.notify}\n"
    )
    (root / "publisher.toml").write_text(toml, encoding="utf-8")
    for name in layout.platforms:
        _platform_rules(root, name, layout.late_window)
    for n in range(layout.items):
        (root / "content" / f"item-{n:04d}.md").write_text(item_text(n, layout), encoding="utf-8")
    return root


def credential_env(root: Path, platforms: Iterable[str] = PLATFORMS, **overrides: str) -> dict[str, str]:
    """PUBLISHER_<ACCOUNT>_<FIELD> for every account, no keyring, no credentials file; `overrides` win."""
    env = {"PUBLISHER_NO_KEYRING": "1", "PUBLISHER_CREDENTIALS_FILE": str(root / "no-such-credentials")}
    for platform in platforms:
        for key, value in CREDENTIALS[platform].items():
            env[env_var(platform, key)] = value
    env.update(overrides)
    return env


def open_ws(root: Path, env: Mapping[str, str]) -> Workspace:
    return open_workspace(root, env=dict(env))


async def authorize_douyin(
    store: Store,
    base: str,
    *,
    account: str = "douyin",
    credentials: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Any = None,
) -> None:
    """Grant the Douyin account its OAuth tokens from the sandbox (which approves at once) into the store."""
    creds = credentials or CREDENTIALS["douyin"]
    key, secret = creds["client_key"], creds["client_secret"]
    url = authorize_url(key, "http://127.0.0.1/tests", DEFAULT_SCOPES, "tests", base_url=f"{base}/dy")
    async with httpx.AsyncClient(transport=transport) as client:
        answer = await client.get(url, follow_redirects=False)
    code = parse_qs(urlsplit(answer.headers.get("location", "")).query).get("code", [""])[0]
    assert code, f"the sandbox gave no OAuth code: {answer.status_code} {answer.text[:200]}"
    tokens = await exchange_code(key, secret, code, base_url=f"{base}/dy", transport=transport, now=now)
    save_tokens(StoreTokenCache(store), account, tokens)


# -- reading the store ---------------------------------------------------------------------------------------


def posts(store: Store) -> list[dict[str, Any]]:
    with store.session() as s:
        return [dict(r) for r in s.execute(sa.select(post_t).order_by(post_t.c.id)).mappings()]


def post_of(store: Store, item: str, account: str) -> dict[str, Any]:
    with store.session() as s:
        row = (
            s.execute(sa.select(post_t).where(post_t.c.item_id == item, post_t.c.account == account))
            .mappings()
            .one()
        )
    return dict(row)


def attempts(store: Store, post_id: int | None = None) -> list[dict[str, Any]]:
    query = sa.select(attempt_t).order_by(attempt_t.c.post_id, attempt_t.c.number)
    if post_id is not None:
        query = query.where(attempt_t.c.post_id == post_id)
    with store.session() as s:
        return [dict(r) for r in s.execute(query).mappings()]


def events(store: Store, post_id: int) -> list[tuple[str, str]]:
    with store.session() as s:
        rows = s.execute(
            sa.select(event_t.c.kind, event_t.c.message)
            .where(event_t.c.post_id == post_id)
            .order_by(event_t.c.id)
        ).all()
    return [(k, m) for k, m in rows]


def states(store: Store) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in posts(store):
        out[p["state"]] = out.get(p["state"], 0) + 1
    return out


# -- what the sandbox holds ----------------------------------------------------------------------------------


def remote_objects(state: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Per platform, the posts its fake holds (its fixture's `remote`); WeChat's drafts, jobs and mass sends
    besides, under wechat_*."""
    found = {name: f.remote(state.get(name) or {}) for name, f in fixtures().items()}
    wx = state.get("wechat", {})
    return {
        **found,
        "wechat_drafts": list(wx.get("drafts", [])),
        "wechat_articles": list(wx.get("articles", [])),
        "wechat_jobs": list(wx.get("publish_jobs", [])),
        "wechat_mass": list(wx.get("mass_sends", [])),
    }


def due_now(minutes_ago: int = 2, zone: str = "Asia/Shanghai") -> str:
    """A publish_at a little in the past in the workspace's zone: due at once, well inside the late window."""
    from datetime import UTC, timedelta
    from zoneinfo import ZoneInfo

    local = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M")
