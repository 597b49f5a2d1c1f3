"""Option and argument values read with the standard library.

Typer reads each value through a pydantic validator it builds on first use: importing pydantic and building a
schema per option is a good part of a command's start. This CLI's options are plain (text, paths, whole
numbers and numbers, some in a range), so they are read here, to the same values and with the same English
as Typer's (cli/usage_errors.py words that English for the reader, from the catalogue). An option of any
other type keeps Typer's own reading.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from typer._click.core import Context, Parameter
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam
from typer._param_types import coerce_cli_path
from typer.core import _TyperParameter
from typer.models import ParameterInfo

from publisher.messages import say
from publisher.workspace import lax


def whole(text: str) -> int:
    """A whole number as Typer reads one (`lax.whole`), refused in Typer's words."""
    try:
        return lax.whole(text)
    except ValueError:
        raise ValueError(say("help.click.not_int", "en")) from None


def number(text: str) -> float:
    """A number as Typer reads one (`lax.number`), refused in Typer's words."""
    try:
        return lax.number(text)
    except ValueError:
        raise ValueError(say("help.click.not_number", "en")) from None


def yes_no(value: Any) -> bool:
    """A flag's value as Typer reads one given as text (an environment variable): `lax.yes_no`, nothing at
    all is false; 0 and 1 as numbers too."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, (str, bytes)):
        said = text(value)
        try:
            return lax.yes_no(said) if said.strip() else False
        except ValueError:
            pass
    raise ValueError(say("help.click.not_bool", "en"))


def within(value: float, low: float | None, high: float | None) -> None:
    """Refuse a value below `low` or above `high` (nan is neither at least nor at most anything)."""
    if low is not None and not value >= low:
        raise ValueError(say("help.click.at_least", "en", n=str(low)))
    if high is not None and not value <= high:
        raise ValueError(say("help.click.at_most", "en", n=str(high)))


def text(value: Any) -> str:
    """A text value (the command line's are already str; bytes are decoded as UTF-8)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _ranged(read: Callable[[str], Any], info: ParameterInfo) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        found = read(text(value))
        within(found, info.min, info.max)
        return found

    return check


@dataclass(frozen=True)
class Plain(RuntimeParam):
    """Typer's reading of one parameter, done by `read` (which raises ValueError with Typer's words)."""

    read: Callable[[Any, _TyperParameter, Context], Any] = field(default=lambda value, param, ctx: value)
    many: bool = False

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        try:
            if self.many:  # a repeated option: each value, as a list (as Typer gives it)
                items = value if isinstance(value, (list, tuple)) else [value]
                return [self.read(item, param, ctx) for item in items]
            return self.read(value, param, ctx)
        except ValueError as exc:
            raise BadParameter(str(exc), ctx=ctx, param=param) from None


def _reader(annotation: Any, info: ParameterInfo) -> Callable[[Any, _TyperParameter, Context], Any] | None:
    """How to read a value of `annotation`, or None for a type this module leaves to Typer."""
    if info.parser is not None or getattr(info, "clamp", False):
        return None
    if annotation is bool:
        return lambda value, param, ctx: yes_no(value)
    if annotation is str:
        return lambda value, param, ctx: text(value)
    if annotation is int or annotation is float:
        check = _ranged(whole if annotation is int else number, info)
        return lambda value, param, ctx: check(value)
    if annotation is Path and info.path_type is None:

        def path(value: Any, param: _TyperParameter, ctx: Context) -> Any:
            if isinstance(value, Path):
                value = str(value)
            found = coerce_cli_path(text(value), info, path_type=None, param=param, ctx=ctx)
            return Path(found) if isinstance(found, str) else found

        return path
    return None


def plain(params: Sequence[Parameter]) -> None:
    """Read `params` (a command's) with this module where their type is a plain one."""
    for param in params:
        if not isinstance(param, _TyperParameter) or param._runtime_param is not None:
            continue  # not Typer's, or its reading is settled
        descriptor = param.type_descriptor
        annotation, info = descriptor.annotation, descriptor.parameter_info
        if descriptor.is_file:
            continue
        many = bool(descriptor.is_list)
        read = _reader(get_args(annotation)[0] if many else annotation, info)
        if read is not None:
            param._runtime_param = Plain(info, descriptor.annotation, read=read, many=many)
