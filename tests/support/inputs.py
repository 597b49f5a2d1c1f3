"""Strategies for what people and other tools write (names, times, settings values), shared by the
`test_inputs_*` property tests."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import yaml
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

from support.fuzzing import examples

SHANGHAI = ZoneInfo("Asia/Shanghai")


def with_tmp(n: int) -> settings:
    """`n` examples (scaled by the profile) for a test that writes under its `tmp_path`."""
    return settings(
        max_examples=examples(n),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


#: the characters that break names and lines: line breaks, controls, bidi marks, rich markup, quotes
AWKWARD = st.sampled_from(
    [
        "\n",
        "\r",
        "\t",
        "\x00",
        "\x1b",
        "\x7f",
        "\u202e",
        "\u200f",
        "\u2028",
        "\ufeff",
        "[/bold]",
        "[red]",
        "]",
    ]
    + ["\\", '"', "'", "{", "}", "%", "..", "/", ":", "#", "&", "<", ">", " ", "小红书", "🙂", "é"]
)
AWKWARD_TEXT = st.lists(st.one_of(AWKWARD, st.text(max_size=6)), max_size=8).map("".join)
ZONE_NAMES = st.sampled_from(
    ["Asia/Shanghai", "UTC", "America", "Etc", "posixrules", "zone.tab", "Factory", "Asia/Kathmandu"]
    + ["America/St_Johns", "Pacific/Kiritimati", "Pacific/Niue", "x" * 300, "../x", "UTC/", "Asia/Shanghai\0"]
)
#: what a person may write where a scalar is expected
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | AWKWARD_TEXT
    | ZONE_NAMES
    | st.sampled_from(["2h", "30m", "1.2.3", ".", "1e9d", "09:30", "25:61", "mon-fri", "daily", "2026-02-30"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8) | SCALARS, inner, max_size=3)
    ),
    max_leaves=10,
)


def mapping(keys: list[str]) -> st.SearchStrategy[dict[Any, Any]]:
    """Mappings with some of `keys` (and stray ones), each holding any value."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=6), VALUES, max_size=len(keys))


def yaml_text(data: object) -> str:
    """`data` as YAML; an example YAML cannot write is skipped."""
    try:
        return yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        assume(False)
        raise AssertionError("unreachable") from None


#: publish_at: what people write, and the edges (years 0001 and 9999, far offsets, zone folders)

PUBLISH_AT = st.one_of(
    st.builds(
        "{:04d}-{:02d}-{:02d} {:02d}:{:02d}{}".format,
        st.integers(0, 10000),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 60),
        st.sampled_from(["", ":59", " UTC", " America", " Etc", " Asia/Kathmandu", " Pacific/Kiritimati"])
        | ZONE_NAMES.map(lambda z: " " + z),
    ),
    st.builds(
        "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}{}".format,
        st.sampled_from([1, 2, 1970, 2026, 9998, 9999]),
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 23),
        st.integers(0, 59),
        st.sampled_from(["Z", "+14:00", "-12:00", "+23:59", "-23:59", "+05:45", ""]),
    ),
    SCALARS,
)


def is_internal_error(text: str) -> bool:
    """True when `text` holds the CLI's or a tool's "internal error" (a bug, with its exception), in either
    language of the catalogue."""
    return "internal error" in text or "内部错误" in text or "Traceback" in text
