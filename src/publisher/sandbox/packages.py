"""Finds the platform fakes: every subpackage of `publisher.sandbox` is one, found by looking, not by a list.

Each package exports the same shape: `NAME` (the platform), `PREFIX` (its mount path, e.g. "/wx"),
`DEFAULTS` (its settings under `world.config[NAME]`), `State` (a factory of its per-world store),
`error_body` (how an injected `app_error` reads), `routes(world)`, and optionally `control_routes(world)`
(mounted under /__fake), `code_of(status, body)` (the platform code the call log records) and
`stored_fields(fields)` (a post's fields as the platform keeps them when it stores the post, for previews).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, cast

from starlette.routing import BaseRoute

# The world is `core.World`, the state a `core.PlatformStore`; named loosely here so that `core` (which
# reads the defaults from here) and this module do not import each other.
World = Any
#: Renders a platform's own error body for `app_error`: (world, code, message) -> (HTTP status, JSON body).
ErrorRenderer = Callable[[World, int, str], tuple[int, dict[str, Any]]]
RouteFactory = Callable[[World], Sequence[BaseRoute]]
#: The platform's code in a JSON answer (HTTP status, decoded body), or None to use the generic reading.
CodeReader = Callable[[int, dict[str, Any]], "str | None"]
#: A post's fields as the platform stores them (what a reader will see), from the fields as sent.
StoredView = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Fake:
    """One platform's fake as the sandbox assembles it."""

    name: str
    prefix: str
    defaults: Mapping[str, Any]
    state: Callable[[], Any]
    error_body: ErrorRenderer
    routes: RouteFactory
    control_routes: RouteFactory | None = None
    code_of: CodeReader | None = None
    stored_fields: StoredView | None = None


def _fake(module: ModuleType) -> Fake | None:
    required = ("NAME", "PREFIX", "DEFAULTS", "State", "error_body", "routes")
    if not all(hasattr(module, attr) for attr in required):
        return None
    return Fake(
        name=str(module.NAME),
        prefix=str(module.PREFIX),
        defaults=cast(Mapping[str, Any], module.DEFAULTS),
        state=module.State,
        error_body=module.error_body,
        routes=module.routes,
        control_routes=getattr(module, "control_routes", None),
        code_of=getattr(module, "code_of", None),
        stored_fields=getattr(module, "stored_fields", None),
    )


@functools.cache
def fakes() -> Mapping[str, Fake]:
    """The platform fakes by name, in name order: each subpackage of `publisher.sandbox` with the shape."""
    import publisher.sandbox as sandbox

    found: dict[str, Fake] = {}
    for info in pkgutil.iter_modules(sandbox.__path__):
        if not info.ispkg:
            continue
        fake = _fake(importlib.import_module(f"{sandbox.__name__}.{info.name}"))
        if fake is not None:
            found[fake.name] = fake
    return dict(sorted(found.items()))


def by_prefix() -> dict[str, Fake]:
    """The fakes by mount path ("/wx" -> WeChat's)."""
    return {fake.prefix: fake for fake in fakes().values()}


__all__ = ["CodeReader", "ErrorRenderer", "Fake", "RouteFactory", "StoredView", "by_prefix", "fakes"]
