"""The CLI reads option values with the standard library (cli/values.py) to the same values, and refuses the
same values with the same words, as Typer's own pydantic reading it replaces; only the runs build commands."""

from __future__ import annotations

import math
from typing import Annotated, Any

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from publisher.cli.values import number, whole, within, yes_no

TEXTS = [
    *("12", " 12 ", "+12", "-3", "0", "012", "1_000", "1.0", "1.00", "1.", ".5", "1.5", "1e3", "1.e3"),
    "1E-2",
    *("inf", "-inf", "Infinity", "nan", "NaN", "1e400", "", " ", "abc", "１２", "0x10", "1__0", "_1", "1_"),
    *("1_.5", "1._5", "-_1", " 1_0", "1_0 ", "\t7\n", "7\u3000", "\xa07", "1 0", "+-1", "e3", ".", "1.5_"),
]


def _theirs(adapter: TypeAdapter[Any], text: str) -> Any:
    try:
        return adapter.validate_python(text)
    except ValidationError as exc:
        return ("refused", exc.errors()[0]["msg"])


def _mine(read: Any, text: str) -> Any:
    try:
        return read(text)
    except ValueError as exc:
        return ("refused", str(exc))


def _same(a: Any, b: Any) -> bool:
    both_nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    return both_nan or (a == b and type(a) is type(b))


@pytest.mark.parametrize("text", TEXTS)
def test_whole_numbers_and_numbers_read_as_typer_reads_them(text: str) -> None:
    assert _same(_mine(whole, text), _theirs(TypeAdapter(int), text)), text
    assert _same(_mine(number, text), _theirs(TypeAdapter(float), text)), text


@pytest.mark.parametrize("text", ["0", "1", "65535", "65536", "-3", "0.05", "nan", "inf"])
def test_a_range_refuses_with_typers_words(text: str) -> None:
    def ranged(read: Any, low: float | None, high: float | None) -> Any:
        def check(value: str) -> Any:
            found = read(value)
            within(found, low, high)
            return found

        return check

    port = TypeAdapter(Annotated[int, Field(ge=1, le=65535)])
    every = TypeAdapter(Annotated[float, Field(ge=0.1)])
    assert _same(_mine(ranged(whole, 1, 65535), text), _theirs(port, text)), text
    assert _same(_mine(ranged(number, 0.1, None), text), _theirs(every, text)), text


@pytest.mark.parametrize(
    "text", ["true", "FALSE", " yes ", "no", "on", "off", "1", "0", "t", "n", "", "x", "2"]
)
def test_a_flag_given_as_text_reads_as_typer_reads_it(text: str) -> None:
    said = text.strip().lower()
    expected = "refused" if said in ("x", "2") else said in ("true", "yes", "on", "1", "t")
    found = _mine(yes_no, text)
    assert (found[0] if isinstance(found, tuple) else found) == expected
    if expected != "refused":
        assert found == TypeAdapter(bool).validate_python(text.strip() or "false")
