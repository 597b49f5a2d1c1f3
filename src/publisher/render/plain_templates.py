"""Templates that only lay out fields, run without Jinja's machinery: the same text, a fraction of the time.

A check renders every platform's templates of every item (four per item for the packaged platforms), and a
Jinja render costs a context, a generator and the sandbox's budget even for `{{ title }}`. A template whose
parse holds only text, `{{ name }}`, `{{ "text" }}`, `{{ a or b }}`, `{{ list | join(" ") }}` and
`{% if name %}` (with `elif`, `else`, `not`, `and`, `or`) becomes a `Plan`, which `run` follows as the
compiled template would: `str()` of each value (`escape()` in an autoescaped template), Python's truth of a
test, `join` as Jinja's filter joins plain strings. Anything else in the template makes no plan; a value the
plan does not know (a name the context lacks, a mapping, a list holding anything but text) makes `run`
answer None, and the caller renders with Jinja, which also says what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import nodes
from jinja2.filters import do_join
from markupsafe import escape

__all__ = ["Plan", "plan_of", "run"]

#: what an expression's value may be for a plan to print or test it (anything else: Jinja renders)
_SCALARS = (str, int, float, bool, type(None))
#: what a value may be for a plan to take its truth (`if`, `or`, `and`, `not`)
_TESTABLE = (*_SCALARS, list, tuple)


class _Unknown(Exception):
    """A value the plan does not handle: the template is rendered by Jinja instead."""


_Value = Callable[[Mapping[str, Any]], Any]
#: one step of a plan: text as written, a value to print, or (test, steps if true, steps otherwise)
_Step = str | tuple[_Value] | tuple[_Value, "tuple[_Step, ...]", "tuple[_Step, ...]"]


class Plan:
    """A template's steps, and whether its values are escaped (an autoescaped `.html.j2` template)."""

    __slots__ = ("autoescape", "steps")

    def __init__(self, steps: tuple[_Step, ...], autoescape: bool) -> None:
        self.steps = steps
        self.autoescape = autoescape


def plan_of(tree: nodes.Template, *, autoescape: bool, filters: Mapping[str, Any]) -> Plan | None:
    """The template's plan, or None when it holds anything but the plain layout above. `filters` are the
    environment's: a `join` that is not Jinja's own makes no plan."""
    try:
        return Plan(_steps(tree.body, filters), autoescape)
    except _Unknown:
        return None


def run(plan: Plan, context: Mapping[str, Any]) -> str | None:
    """The text the template renders with `context`; None when a value is not one the plan handles."""
    out: list[str] = []
    try:
        _run(plan.steps, context, out, plan.autoescape)
    except _Unknown:
        return None
    return "".join(out)


def _run(steps: tuple[_Step, ...], context: Mapping[str, Any], out: list[str], autoescape: bool) -> None:
    for step in steps:
        if isinstance(step, str):
            out.append(step)
        elif len(step) == 1:
            value = step[0](context)
            if not isinstance(value, _SCALARS):
                raise _Unknown
            out.append(escape(value) if autoescape else str(value))
        else:
            test, then, otherwise = step
            _run(then if test(context) else otherwise, context, out, autoescape)


def _steps(body: list[nodes.Node], filters: Mapping[str, Any]) -> tuple[_Step, ...]:
    steps: list[_Step] = []
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    steps.append(child.data)
                else:
                    steps.append((_value(child, filters),))
        elif isinstance(node, nodes.If):
            steps.append(_branch(node, filters))
        else:
            raise _Unknown
    return tuple(steps)


def _branch(node: nodes.If, filters: Mapping[str, Any]) -> _Step:
    """`if` with its `elif`s as nested steps: (test, then, (the next elif, ...) or else)."""
    otherwise = _steps(node.else_, filters)
    for elif_ in reversed(node.elif_):
        otherwise = ((_test(elif_.test, filters), _steps(elif_.body, filters), otherwise),)
    return (_test(node.test, filters), _steps(node.body, filters), otherwise)


def _test(node: nodes.Node, filters: Mapping[str, Any]) -> _Value:
    value = _value(node, filters)

    def truth(context: Mapping[str, Any]) -> bool:
        found = value(context)
        if not isinstance(found, _TESTABLE):
            raise _Unknown
        return bool(found)

    return truth


def _value(node: nodes.Node, filters: Mapping[str, Any]) -> _Value:
    if isinstance(node, nodes.Name) and node.ctx == "load" and node.name != "self":
        return _name(node.name)  # (`self` is the template itself, never the context's)
    if isinstance(node, nodes.Const) and isinstance(node.value, _SCALARS):
        constant = node.value
        return lambda context: constant
    if isinstance(node, nodes.Or | nodes.And):
        left, right = _value(node.left, filters), _value(node.right, filters)
        either = isinstance(node, nodes.Or)

        def both(context: Mapping[str, Any]) -> Any:
            first = left(context)
            if not isinstance(first, _TESTABLE):
                raise _Unknown  # its truth is its own (an object's __bool__): Jinja decides
            return first if bool(first) is either else right(context)

        return both
    if isinstance(node, nodes.Not):
        inner = _test(node.node, filters)
        return lambda context: not inner(context)
    if (
        isinstance(node, nodes.Filter)
        and node.name == "join"
        and filters.get("join") is do_join
        and node.node is not None
        and not node.kwargs
        and node.dyn_args is None
        and node.dyn_kwargs is None
        and len(node.args) <= 1
        and all(isinstance(a, nodes.Const) and isinstance(a.value, str) for a in node.args)
    ):
        items = _value(node.node, filters)
        glue = node.args[0].value if node.args else ""  # type: ignore[attr-defined]  # a Const (above)

        def join(context: Mapping[str, Any]) -> str:
            found = items(context)
            # plain strings only: Jinja's join escapes the others when one is markup, and str()s the rest
            if not isinstance(found, list | tuple) or not all(type(v) is str for v in found):
                raise _Unknown
            return str(glue.join(found))

        return join
    raise _Unknown


def _name(name: str) -> _Value:
    def look(context: Mapping[str, Any]) -> Any:
        if name not in context:
            raise _Unknown  # undefined (an error) or one of Jinja's globals: Jinja says which
        return context[name]

    return look
