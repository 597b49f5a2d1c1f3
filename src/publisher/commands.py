"""What the faces (CLI, MCP server, dashboard) call: one function per user action, returning plain results."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher.calendar import Calendar, Checked
from publisher.errors import ConfigError, UsageError
from publisher.models import Problem
from publisher.workspace import CONFIG_NAME, DEFAULTS_DIR, Workspace, open_workspace


def workspace(path: Path | None) -> Workspace:
    return open_workspace(path)


@dataclass(frozen=True)
class CheckResult:
    """Every file's outcome of `publisher check`."""

    checked: tuple[Checked, ...]

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.checked for p in c.problems]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def item_count(self) -> int:
        return len(self.checked)

    def per_platform(self) -> dict[str, tuple[int, int]]:
        counts: dict[str, list[int]] = {}
        for c in self.checked:
            if c.item is None:
                continue
            for t in c.item.targets:
                slot = counts.setdefault(t.platform, [0, 0])
                slot[0 if (t.platform, t.account) in c.valid_targets else 1] += 1
        return {k: (v[0], v[1]) for k, v in counts.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.errors,
            "items": self.item_count,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "valid": {c.item.id: sorted(f"{p}:{a}" for p, a in c.valid_targets) for c in self.checked if c.item},
            "per_platform": {k: {"valid": v[0], "invalid": v[1]} for k, v in self.per_platform().items()},
        }


def check(ws: Workspace, calendar: Calendar | None = None) -> CheckResult:
    """Parse and validate the whole calendar."""
    checked, _changed = (calendar or Calendar(ws)).scan()
    return CheckResult(tuple(checked))


def find_item(calendar: Calendar, ref: str) -> Checked:
    """An item by id or by file path (relative to the workspace or the current folder)."""
    checked, _ = calendar.scan()
    by_id = {c.item.id: c for c in checked if c.item}
    if ref in by_id:
        return by_id[ref]
    candidate = Path(ref)
    for base in (Path.cwd(), calendar.ws.root, calendar.ws.content_dir):
        full = (base / candidate).resolve()
        for c in checked:
            if (calendar.ws.root / c.path).resolve() == full:
                return c
    from publisher.content import did_you_mean

    hint = did_you_mean(ref, list(by_id))
    raise UsageError(f"no item {ref!r} (give an id or a file path){'; ' + hint if hint else ''}")


EXAMPLE_ITEM = """---
id: hello
title: 你好，publisher｜第一篇笔记
publish_at: slot
status: draft
tags: [效率工具]
images: [media/hello.png]
platforms:
  xiaohongshu: {}
  wechat: {author: 运营, digest: "第一篇由 publisher 排期的文章"}
---
这是第一篇内容。把 `status` 改成 `ready`，运行 `publisher check`，再用 `publisher preview hello` 看看每个平台的样子。

This is your first item. Edit it, run `publisher check`, then `publisher preview hello`.
"""

EXAMPLE_TOML = """# publisher workspace settings (see README). Credentials never live here.
[workspace]
name = "{name}"
timezone = "Asia/Shanghai"
late_window = "2h"
require_approval = false
utm = true

[accounts.xiaohongshu]
platform = "xiaohongshu"
mode = "dry-run"

[accounts.wechat]
platform = "wechat"
mode = "dry-run"

[targets]
publish_success_rate = 0.95
on_time_rate = 0.90
"""


def init_workspace(directory: Path, *, force: bool = False) -> list[str]:
    """Create a workspace: publisher.toml, platforms/ (the defaults), schedules/, content/ with one example."""
    directory = directory.resolve()
    if (directory / CONFIG_NAME).exists():
        raise ConfigError(f"{directory} already has a {CONFIG_NAME}; nothing was changed")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise UsageError(f"{directory} is not empty; pass --force to add a workspace to it")
    created: list[str] = []
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG_NAME).write_text(EXAMPLE_TOML.format(name=directory.name), encoding="utf-8")
    created.append(CONFIG_NAME)
    shutil.copytree(DEFAULTS_DIR / "platforms", directory / "platforms", dirs_exist_ok=True)
    created.append("platforms/")
    (directory / "schedules").mkdir(exist_ok=True)
    slots = DEFAULTS_DIR / "schedules"
    if slots.is_dir():
        shutil.copytree(slots, directory / "schedules", dirs_exist_ok=True)
    created.append("schedules/")
    media = directory / "content" / "media"
    media.mkdir(parents=True, exist_ok=True)
    (directory / "content" / "hello.md").write_text(EXAMPLE_ITEM, encoding="utf-8")
    _example_image(media / "hello.png")
    created.append("content/hello.md")
    (directory / ".gitignore").write_text(".publisher/\nreports/\n", encoding="utf-8")
    created.append(".gitignore")
    return created


def _example_image(path: Path) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1080, 1440), "#fdf2e9")
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((120, 300, 960, 1140), radius=60, fill="#ff2442")
    draw.text((200, 680), "publisher", fill="white", font_size=140)
    img.save(path, optimize=True)
