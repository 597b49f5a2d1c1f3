"""Property tests: the front-matter parser and the length counters, on any input."""

from __future__ import annotations

import math
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.fuzzing import examples

from publisher.content.item import ContentContext, read_item
from publisher.platforms.rules import count_length

ZWJ_FAMILY = "👨\u200d👩\u200d👧"
CTX_PLATFORMS = {
    "xiaohongshu": {"video": "path"},
    "wechat": {"author": "str", "digest": "str", "cover": "path"},
}


def ctx(root: Path) -> ContentContext:
    return ContentContext(
        root=root, content_dir=root / "content", zone=ZoneInfo("Asia/Shanghai"), platforms=CTX_PLATFORMS
    )


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
keys = st.sampled_from(
    [
        "id",
        "title",
        "publish_at",
        "status",
        "tags",
        "images",
        "platforms",
        "video",
        "cover",
        "approved_by",
        "x",
        "secret_token",
        "body",
    ]
)


@settings(
    max_examples=examples(150),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.binary(max_size=400))
@example(raw=b"---\n!!python/object/apply:os.system [ls]\n---\n")
@example(raw=b"---\n- a\n- b\n---\n")
@example(raw=b"---\n---\n")
@example(raw=b"\xef\xbb\xbf---\ntitle: x\n---\n")
def test_any_bytes_give_problems_with_a_line_never_an_exception(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "content" / "fuzz.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    item, problems = read_item(path, ctx(tmp_path))
    assert item is not None or problems
    for p in problems:
        assert p.path == "content/fuzz.md" and p.line >= 1 and p.field and p.message


@settings(
    max_examples=examples(150),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fields=st.dictionaries(keys, yaml_values, max_size=6), body=st.text(max_size=200))
@example(fields={"images": ["\x00"]}, body="")
@example(fields={"cover": "a\nb.jpg", "platforms": {"wechat": {"images": ["\x1f.png"]}}}, body="")
def test_any_front_matter_structure_is_handled(tmp_path: Path, fields: dict[str, object], body: str) -> None:
    import yaml

    text = "---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\n" + body
    path = tmp_path / "content" / "fuzz.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    item, problems = read_item(path, ctx(tmp_path))
    lines = text.count("\n") + 1
    for p in problems:
        assert 1 <= p.line <= lines, p
    if "secret_token" in fields and item is not None:  # (a body with a NUL byte makes the file unreadable)
        assert any(p.field.startswith("secret_token") and "secret" in p.message for p in problems)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=100))
def test_xhs_count_of_ascii_is_half_rounded_up(text: str) -> None:
    assert count_length(text, "xhs") == math.ceil(len(text) / 2)


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=60))
def test_xhs_count_of_cjk_is_one_per_character(text: str) -> None:
    assert count_length(text, "xhs") == len(text) == count_length(text, "chars")


@given(st.text(max_size=80), st.text(max_size=80))
def test_counts_are_additive_up_to_rounding(a: str, b: str) -> None:
    for method in ("chars", "utf16", "bytes"):
        assert count_length(a + b, method) == count_length(a, method) + count_length(b, method)
    assert count_length(a + b, "xhs") <= count_length(a, "xhs") + count_length(b, "xhs")
    assert count_length(a + b, "xhs") >= count_length(a, "xhs") + count_length(b, "xhs") - 1


def test_emoji_and_zwj_sequences_are_counted_as_each_platform_counts() -> None:
    assert count_length("😀", "chars") == 1
    assert count_length("😀", "utf16") == 2
    assert count_length("😀", "xhs") == 2  # one surrogate pair: two non-ASCII UTF-16 units, weight 4, /2
    assert count_length(ZWJ_FAMILY, "chars") == 5
    assert count_length(ZWJ_FAMILY, "utf16") == 8
    assert count_length(ZWJ_FAMILY, "xhs") == 8
    assert count_length(ZWJ_FAMILY, "graphemes") == 1
    assert count_length("👍🏽", "graphemes") == 1
    assert count_length("🇨🇳", "graphemes") == 1
    assert count_length("效率神器上线｜3 步搞定周报", "xhs") == 13
    assert count_length("a" * 40, "xhs") == 20 and count_length("a" * 41, "xhs") == 21
