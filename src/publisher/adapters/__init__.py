"""Platform adapters: the registry of platforms and how an account's mode picks an adapter.

A platform is a subpackage here exporting a `SPEC` (`adapters.spec.PlatformSpec`); it is found by looking,
not by a list. A new platform is that package, its sandbox package and its platforms/<name>/ folder.
"""

from __future__ import annotations

import functools
import importlib.util
import pkgutil
import sys
from collections.abc import Iterable, Mapping
from types import ModuleType

from publisher.adapters.base import Adapter, AdapterContext
from publisher.adapters.spec import AdapterFactory, PlatformSpec, SandboxGrant
from publisher.errors import ConfigError
from publisher.messages import msg


def _load(info: pkgutil.ModuleInfo) -> ModuleType | None:
    name = f"{__name__}.{info.name}"
    if name in sys.modules:
        return sys.modules[name]
    found = info.module_finder.find_spec(name, None)
    if found is None or found.loader is None:
        return None
    module = importlib.util.module_from_spec(found)
    sys.modules[name] = module
    try:
        found.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def discover(paths: Iterable[str] | None = None) -> dict[str, PlatformSpec]:
    """Each subpackage of `publisher.adapters` on `paths` (default: the package's own) that has a `SPEC`."""
    found: dict[str, PlatformSpec] = {}
    for info in pkgutil.iter_modules(list(paths) if paths is not None else __path__):
        if not info.ispkg:
            continue
        module = _load(info)
        spec = getattr(module, "SPEC", None)
        if isinstance(spec, PlatformSpec):
            found[spec.name] = spec
    return dict(sorted(found.items()))


@functools.cache
def platforms() -> Mapping[str, PlatformSpec]:
    """The installed platforms by name (discovered once per process)."""
    return discover()


def spec_for(platform: str) -> PlatformSpec | None:
    """The platform's description, or None for a platform with only a platforms/<name>/ folder.

    Only the platform's own package is imported when it is named after the platform (as every one is): a
    daemon sending to one platform does not hold every platform's adapter (about 1.7 MB). Anything else (a
    package named otherwise, no package) falls back on discovering them all."""
    if platforms.cache_info().currsize:  # all discovered already
        return platforms().get(platform)
    spec = _own_specs.get(platform)
    if spec is None:
        found = next((i for i in pkgutil.iter_modules(__path__) if i.ispkg and i.name == platform), None)
        spec = getattr(_load(found), "SPEC", None) if found is not None else None
        if not (isinstance(spec, PlatformSpec) and spec.name == platform):
            return platforms().get(platform)
        _own_specs[platform] = spec
    return spec


_own_specs: dict[str, PlatformSpec] = {}  # platform -> its spec, loaded alone by `spec_for`


def get_adapter(platform: str, ctx: AdapterContext) -> Adapter:
    """The adapter for one account: dry-run records, the others talk to the platform (or the sandbox)."""
    from publisher.adapters.assisted import AssistedAdapter
    from publisher.adapters.dryrun import DryRunAdapter

    if ctx.mode == "dry-run":
        return DryRunAdapter(ctx)
    spec = spec_for(platform)
    factory = spec.factory if spec else None
    if ctx.mode == "assisted" and not (spec and spec.handles_assisted):
        return AssistedAdapter(ctx, platform)
    if factory is None:
        raise ConfigError(
            msg("usage.no_adapter", mode=ctx.mode, platform=platform),
            key=f"accounts.{ctx.account}.mode",
        )
    return factory(ctx)


__all__ = [
    "Adapter",
    "AdapterContext",
    "AdapterFactory",
    "PlatformSpec",
    "SandboxGrant",
    "discover",
    "get_adapter",
    "platforms",
    "spec_for",
]
