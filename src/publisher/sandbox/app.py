"""Assembles one fake: a World, the control plane under /__fake and each platform under its prefix.

The platforms are the sandbox's subpackages (`sandbox.packages.fakes()`); none is named here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from publisher.sandbox.control import control_routes
from publisher.sandbox.core import World
from publisher.sandbox.faults import FaultMiddleware
from publisher.sandbox.packages import fakes


def create_app(*, seed: int = 0, now: datetime | None = None) -> Starlette:
    """A fresh fake with its own state; its clock starts at `now` and moves only via /__fake/clock."""
    found = fakes()
    world = World(
        seed=seed,
        now=(now or datetime.now(UTC)),
        factories={name: fake.state for name, fake in found.items()},
    )
    world.set_now(world.now)
    control: list[BaseRoute] = list(control_routes(world))
    for fake in found.values():
        if fake.control_routes is not None:
            control += fake.control_routes(world)
    app = Starlette(
        routes=[
            Mount("/__fake", routes=control),
            *(Mount(fake.prefix, routes=list(fake.routes(world))) for fake in found.values()),
        ],
        middleware=[
            Middleware(
                FaultMiddleware,
                world=world,
                renderers={name: fake.error_body for name, fake in found.items()},
            )
        ],
    )
    app.state.world = world
    return app
