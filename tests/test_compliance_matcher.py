"""The word lists' matcher: with its look-ahead it finds what the plain alternation finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.compliance.lists import Entry, WordList
from publisher.compliance.scan import Matcher

CHARS = "最第一VvXx10%.no信加 aKkſ\n"
words = st.text(alphabet=st.sampled_from("最第一VvXx10%.no信加 "), min_size=1, max_size=4).map(str.strip)
texts = st.text(alphabet=st.sampled_from(CHARS), max_size=30)


def matcher(listed: list[str]) -> Matcher:
    return Matcher(WordList({("c", w.lower()): Entry(w, "c", exceptions=(w + "近",)) for w in listed}))


@settings(max_examples=200, deadline=None)
@given(listed=st.lists(words.filter(bool), min_size=1, max_size=6, unique_by=str.lower), text=texts)
def test_the_word_matcher_finds_what_the_plain_alternation_finds(listed: list[str], text: str) -> None:
    pattern = matcher(listed)._pattern
    assert pattern is not None
    plain = re.compile(pattern.pattern.split(")(?:", 1)[1][:-1], re.IGNORECASE)  # without the look ahead
    assert [(m.start(), m.end()) for m in pattern.finditer(text)] == [
        (m.start(), m.end()) for m in plain.finditer(text)
    ]


def excepted_one_by_one(lower: str, start: int, word: str, phrases: tuple[str, ...]) -> bool:
    """Each exception phrase at each place the word is in it, one by one (as hits were checked before)."""
    for phrase in phrases:
        phrase = phrase.lower()
        k = phrase.find(word)
        while k >= 0:
            if start - k >= 0 and lower.startswith(phrase, start - k):
                return True
            k = phrase.find(word, k + 1)
    return False


@settings(max_examples=300, deadline=None)
@given(
    word=st.sampled_from(["最", "第一", "vx", "aa"]),
    around=st.lists(st.tuples(texts, texts), max_size=5),
    text=texts,
    start=st.integers(0, 30),
)
def test_an_exception_is_found_as_one_phrase_at_a_time_finds_it(
    word: str, around: list[tuple[str, str]], text: str, start: int
) -> None:
    from publisher.compliance.scan import _excepted, _exceptions

    phrases = tuple(f"{a}{word}{b}{word if len(b) % 2 else ''}" for a, b in around)
    lower = (text + "".join(phrases[:1]) + text).lower()  # often holding a phrase
    grouped = _exceptions(word, phrases)
    assert _excepted(lower, start, grouped) == excepted_one_by_one(lower, start, word, phrases)
