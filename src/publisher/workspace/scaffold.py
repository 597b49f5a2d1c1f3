"""`publisher init`: a new workspace with the packaged defaults and one example item."""

from __future__ import annotations

import shutil
from pathlib import Path

from publisher.errors import ConfigError, UsageError
from publisher.messages import msg
from publisher.workspace.locate import CONFIG_NAME
from publisher.workspace.settings import DEFAULTS_DIR

EXAMPLE_ITEM = """---
id: hello
title: 你好，publisher｜第一篇笔记
publish_at: slot
status: draft
tags: [效率工具]
images: [media/hello.png]
platforms:
  xiaohongshu: {}
  wechat: {author: 运营, digest: "第一篇由 publisher 排期的文章", fit: pad}  # fit: pad：封面不裁切，整张图放在纯色底上
---
这是第一篇内容。把 `status` 改成 `ready`，运行 `publisher check`，再用 `publisher preview hello` 看看每个平台的样子。

This is your first item. Edit it, run `publisher check`, then `publisher preview hello`.
"""  # noqa: E501 (the example item as the user gets it)

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
    """Create a workspace: publisher.toml, platforms/ and compliance/ (the defaults), schedules/,
    content/ with one example."""
    directory = directory.resolve()
    if (directory / CONFIG_NAME).exists():
        raise ConfigError(msg("usage.has_workspace", directory=str(directory), name=CONFIG_NAME))
    if directory.exists() and any(directory.iterdir()) and not force:
        raise UsageError(msg("usage.not_empty", directory=str(directory)))
    created: list[str] = []
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG_NAME).write_text(EXAMPLE_TOML.format(name=directory.name), encoding="utf-8")
    created.append(CONFIG_NAME)
    shutil.copytree(DEFAULTS_DIR / "platforms", directory / "platforms", dirs_exist_ok=True)
    created.append("platforms/")
    shutil.copytree(DEFAULTS_DIR / "compliance", directory / "compliance", dirs_exist_ok=True)
    created.append("compliance/")
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
