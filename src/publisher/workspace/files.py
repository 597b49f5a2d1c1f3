"""Reading the workspace's own YAML files under `schedules/` (slots.yaml, jobs.yaml) the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from publisher import safe_yaml
from publisher.content.zones import find_zone
from publisher.errors import ConfigError
from publisher.messages import msg


def read_schedule_file(
    path: Path, where: str, known: set[str], default_zone: str
) -> tuple[dict[str, Any], ZoneInfo]:
    """A `schedules/*.yaml` file as a mapping with only `known` top-level keys, and its time zone (its own
    `timezone:` or the workspace's). Every problem is a ConfigError naming the file and the key."""
    try:
        data = safe_yaml.load_file(path) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(msg("usage.unreadable", why=str(exc)), path=where) from None
    data = known_keys(data, known, where=where, key="")
    zone = find_zone(str(data.get("timezone") or default_zone))
    if zone is None:
        raise ConfigError(
            msg("usage.unknown_zone", zone=repr(data.get("timezone"))), path=where, key="timezone"
        )
    return data, zone


def known_keys(data: Any, allowed: set[str], *, where: str, key: str) -> dict[str, Any]:
    """`data` if it is a mapping whose keys are all in `allowed`; else a ConfigError naming the stranger."""
    if not isinstance(data, dict):
        raise ConfigError(msg("usage.mapping"), path=where, key=key)
    for name in data:
        if name not in allowed:
            raise ConfigError(
                msg("usage.unknown_key", known=tuple(sorted(allowed))),
                path=where,
                key=f"{key}.{name}" if key else str(name),
            )
    return data
