"""Workspace templates run in a sandbox with a budget: loops, output size and time are capped, so a template
(written by anyone with access to the folder) can never hang `check` or fill the machine's memory.

`BudgetedEnvironment` is Jinja's immutable sandbox plus a counted `range`, size checks on `*` and `**`, and
`render_within`, which streams the output and stops at the first limit with a TemplateBudgetError (a
TemplateError, so callers already report it as a content problem naming the template).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: Characters one template may produce.
MAX_OUTPUT_CHARS = 200_000
#: Loop steps over `range(...)` in one render, all loops together.
MAX_STEPS = 200_000
#: Seconds of CPU one render may take: its thread's CPU time, so a loaded machine (other processes holding
#: the cores, as when a 10,000-item check ran at load 15 on two cores and title templates "ran for more than
#: 2 s") never fails a template that only lays out fields.
MAX_SECONDS = 2.0
#: The thread's CPU clock (a system call) is read every this many pieces of output, not at every one: a
#: short template's few pieces read it once at most, a loop's many pieces still every few.
TIME_EVERY = 8
#: Largest string or list a `*` may build, and the largest `**` exponent.
MAX_PRODUCT = 200_000
MAX_EXPONENT = 1_000


class TemplateBudgetError(TemplateError):
    """A template went past one of its limits; the message says which and how to fix it."""


@dataclass
class _Budget:
    started: float = field(default_factory=time.thread_time)
    steps: int = 0
    max_seconds: float = MAX_SECONDS

    def check_time(self) -> None:
        if time.thread_time() - self.started > self.max_seconds:
            raise TemplateBudgetError(
                f"ran for more than {self.max_seconds:g} s (a loop too large?); a template must only lay out "
                "the item's fields"
            )


_CURRENT: ContextVar[_Budget | None] = ContextVar("publisher_template_budget", default=None)


def _counted(steps: range) -> Iterator[int]:
    budget = _CURRENT.get()
    for n in steps:
        if budget is not None:
            budget.steps += 1
            if budget.steps > MAX_STEPS:
                raise TemplateBudgetError(
                    f"looped more than {MAX_STEPS:,} times over range(); loop over the item's fields instead"
                )
            if budget.steps % 1024 == 0:
                budget.check_time()
        yield n


def _budgeted_range(*args: int) -> Iterator[int]:
    return _counted(range(*args))


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with loops, products and powers kept within the budget."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _budgeted_range

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
            raise TemplateBudgetError(f"an exponent above {MAX_EXPONENT:,} is not allowed in a template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if sized and len(seq) * times > MAX_PRODUCT:
                    raise TemplateBudgetError(
                        f"`*` would build {len(seq) * times:,} items (limit {MAX_PRODUCT:,})"
                    )
        return super().call_binop(context, operator, left, right)


def output_too_long(max_chars: int) -> TemplateBudgetError:
    """The error of a template whose text is longer than `max_chars`."""
    return TemplateBudgetError(
        f"produced more than {max_chars:,} characters; a template must not loop over its output"
    )


def render_within(
    template: Template, context: Mapping[str, Any], *, max_chars: int = MAX_OUTPUT_CHARS
) -> str:
    """Render `template`, stopping at the output, loop, time or recursion limit with a TemplateBudgetError."""
    budget = _Budget()
    token = _CURRENT.set(budget)
    parts: list[str] = []
    size = 0
    try:
        for chunk in template.generate(dict(context)):
            size += len(chunk)
            if size > max_chars:
                raise output_too_long(max_chars)
            parts.append(chunk)
            if len(parts) % TIME_EVERY == 0:
                budget.check_time()
    except RecursionError:
        raise TemplateBudgetError(
            "includes or calls itself without end; remove the include or macro that calls itself"
        ) from None
    finally:
        _CURRENT.reset(token)
    return "".join(parts)
