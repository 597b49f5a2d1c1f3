"""The xiaohongshu-mcp bridge fake under /xhs."""

from publisher.sandbox.xiaohongshu.routes import (
    DEFAULTS,
    PREFIX,
    XiaohongshuState,
    code_of,
    error_body,
    routes,
)

NAME = "xiaohongshu"
State = XiaohongshuState

__all__ = ["DEFAULTS", "NAME", "PREFIX", "State", "XiaohongshuState", "code_of", "error_body", "routes"]
