"""The `weibo` length counter: half-width weights like `xhs`; a link counts as the t.cn link it becomes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from publisher.platforms.rules import COUNTERS, count_length

NO_LINK = st.text(max_size=120).filter(lambda t: "http" not in t)
PATHS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/-_", max_size=100)


def test_weibo_is_a_named_counter() -> None:
    assert "weibo" in COUNTERS


@given(NO_LINK)
def test_without_links_weibo_counts_like_xhs(text: str) -> None:
    assert count_length(text, "weibo") == count_length(text, "xhs")


@given(NO_LINK, PATHS)
def test_a_link_of_up_to_140_units_weighs_ten_characters(text: str, path: str) -> None:
    link = "https://example.com/" + path
    before = text + " "
    units = _units(before)
    assert count_length(before + link, "weibo") == -(-(units + 20) // 2)


@given(st.integers(min_value=0, max_value=400))
def test_the_length_of_a_link_matters_only_above_140_units(extra: int) -> None:
    link = "http://example.com/" + "a" * extra
    weight = 20 if len(link) <= 140 else len(link) - 120
    assert count_length(link, "weibo") == -(-weight // 2)


def test_documented_examples() -> None:
    # docs/platforms/weibo.md: two published hand counts of Weibo's rule
    assert count_length("one two 🀂一二三四五🀀", "weibo") == 13  # 8 x 0.5 + 2 + 5 + 2
    assert count_length("Test", "weibo") == 2
    assert count_length("我司CEO与我司吉祥物...好大一坨！", "weibo") == 16
    launch = "新品上线 https://example.com/launch?utm_source=weibo&utm_campaign=day1"
    assert count_length(launch, "weibo") == 15  # 4 + half a space + 10 for the link, rounded up


def _units(text: str) -> int:
    return sum(1 if ord(c) < 0x80 else (4 if ord(c) > 0xFFFF else 2) for c in text)
