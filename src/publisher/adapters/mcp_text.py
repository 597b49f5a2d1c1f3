"""Descriptions of `publish_to_<name>` parameters from the workspace's rules (for `McpParam.describe`).

Each helper returns a `describe(rules, limits)` callable; `rules` is the platform's `PlatformRules`, `limits`
the MCP server's fetch limits (`image_bytes`, `video_bytes`), so a tool's schema states this workspace's
limits. Shared by the platform packages that declare an `McpTool`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from publisher.messages import counted
from publisher.platforms.rules import PlatformRules

Describe = Callable[[Any, Any], str]
MB = 1024 * 1024
MEDIA = (
    "Each: a path inside the workspace (e.g. content/media/step1.png) "
    "or an https URL (downloaded, max {cap} MB)."
)


def limit(rules: PlatformRules, field: str) -> str:
    """ "At most N (how it is counted)." for a text field with a maximum, else ""."""
    rule = rules.text.get(field)
    if rule is None or rule.max is None:
        return ""
    how = counted(rule.count)
    said = "".join(str(v) if isinstance(v, str) else v.text("en") for v in how.values())
    return f"At most {rule.max}{said or f' ({rule.count})'}."


def text(before: str, field: str, after: str = "") -> Describe:
    """`before`, then the field's limit, then `after`."""
    return lambda rules, limits: f"{before}{limit(rules, field)}{after}"


def tags() -> Describe:
    """How many tags, how long, and how the platform shows them."""

    def describe(rules: PlatformRules, limits: Any) -> str:
        return (
            f"Topics without '#', at most {rules.tags.max_items} tags of at most {rules.tags.max_len} "
            f"characters each; {rules.label} shows them as {rules.tags.style.format(tag='tag')}."
        )

    return describe


def images() -> Describe:
    """How many images, which formats, the crop, and where they may come from."""

    def describe(rules: PlatformRules, limits: Any) -> str:
        rule = rules.images["images"]
        accept = "/".join(rule.accept).upper()
        return (
            f"{max(rule.min, 1)} to {rule.max} images ({accept}); the first one sets the crop "
            f"({', '.join(f'{a:.2f}' for a in rule.aspects) or 'as given'} width/height). "
            + MEDIA.format(cap=limits.image_bytes // MB)
        )

    return describe


def video() -> Describe:
    """The video's formats, length and where it may come from."""

    def describe(rules: PlatformRules, limits: Any) -> str:
        rule = rules.video
        return (
            f"The video ({'/'.join(rule.accept).upper() if rule else 'MP4'}, up to "
            f"{int(rule.max_duration_s // 60) if rule else 15} minutes). A path inside the workspace or an "
            f"https URL (downloaded, max {limits.video_bytes // MB} MB)."
        )

    return describe


__all__ = ["MEDIA", "Describe", "images", "limit", "tags", "text", "video"]
