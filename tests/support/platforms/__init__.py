"""What the shared test fixtures need to know of each platform, one module per platform (`<name>.py`).

Each module exports `FIXTURE = PlatformFixture(...)`; `fixture(name)` finds it by name, so a new platform
brings its own module and the workspaces, the harness and the contract suite list nothing by hand. Credential
names come from the platform's `platform.yaml` (`extra.credentials`), their shapes from its `PlatformSpec`.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from publisher.adapters import spec_for
from publisher.workspace.credentials import fields_of

#: (store, sandbox base url, credentials, transport, clock): the account's OAuth grant from the fake, when
#: the platform's own `sandbox_grant` cannot take an in-process transport.
Grant = Callable[[Any, str, Mapping[str, str], Any, Any], Awaitable[None]]


def _nothing(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    return []


@dataclass(frozen=True)
class PlatformFixture:
    """How the tests set up one platform's account, items and fake."""

    name: str
    title: str  # the rendered field that carries the title (over-long in the contract's validate test)
    write: str | None  # the endpoint that commits a post (None: the adapter never writes)
    fields: str = "{}"  # the item's `platforms.<name>:` override, as YAML
    video_fields: str | None = None  # the override when the layout asks for a video
    account: Mapping[str, Any] = field(default_factory=dict)  # extra keys of [accounts.<name>]
    options: Mapping[str, Any] = field(default_factory=dict)  # [accounts.<name>.options]
    credentials: Mapping[str, str] = field(default_factory=dict)  # values that need a particular shape
    fake_config: Mapping[str, Any] = field(default_factory=dict)  # the fake's settings for fast tests
    remote: Callable[[Mapping[str, Any]], list[dict[str, Any]]] = _nothing  # posts the fake's state holds
    grant: Grant | None = None  # else the PlatformSpec's sandbox_grant, if it has one

    def credential_values(self) -> dict[str, str]:
        """Each credential field platform.yaml names, with a test value (the sandbox trusts the first)."""
        spec = spec_for(self.name)
        prefixes = spec.credential_prefixes if spec else {}
        made = {key: prefixes.get(key, "") + f"{self.name}-{key}-for-tests" for key in fields_of(self.name)}
        return {**made, **{k: v for k, v in self.credentials.items() if k in made}}


@functools.cache
def fixtures() -> dict[str, PlatformFixture]:
    """Every platform's fixture, by name."""
    found: dict[str, PlatformFixture] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        fixture = getattr(module, "FIXTURE", None)
        if isinstance(fixture, PlatformFixture):
            found[fixture.name] = fixture
    return dict(sorted(found.items()))


def fixture(name: str) -> PlatformFixture:
    return fixtures()[name]
