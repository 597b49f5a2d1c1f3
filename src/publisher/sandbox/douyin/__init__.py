"""The Douyin fake under /dy (mimics https://open.douyin.com)."""

from publisher.sandbox.douyin.routes import control_routes, routes
from publisher.sandbox.douyin.state import DEFAULTS, PREFIX, DouyinState, code_of, error_body

NAME = "douyin"
State = DouyinState

__all__ = [
    "DEFAULTS",
    "NAME",
    "PREFIX",
    "DouyinState",
    "State",
    "code_of",
    "control_routes",
    "error_body",
    "routes",
]
