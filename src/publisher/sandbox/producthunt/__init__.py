"""The Product Hunt fake under /ph: GraphQL API v2 and OAuth; launches are made under /__fake."""

from publisher.sandbox.producthunt.routes import (
    DEFAULTS,
    PREFIX,
    ProductHuntState,
    control_routes,
    error_body,
    routes,
)

NAME = "producthunt"
State = ProductHuntState

__all__ = [
    "DEFAULTS",
    "NAME",
    "PREFIX",
    "ProductHuntState",
    "State",
    "control_routes",
    "error_body",
    "routes",
]
