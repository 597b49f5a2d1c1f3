"""The WeChat fake under /wx (mimics https://api.weixin.qq.com): tokens, drafts, material, publishing."""

from __future__ import annotations

from starlette.routing import Route

from publisher.sandbox.core import World
from publisher.sandbox.wechat.auth import wechat_auth_routes
from publisher.sandbox.wechat.content import stored_fields, wechat_content_routes
from publisher.sandbox.wechat.datacube import wechat_datacube_routes
from publisher.sandbox.wechat.publish import wechat_publish_routes
from publisher.sandbox.wechat.state import DEFAULTS, PREFIX, WechatState, code_of, error_body

NAME = "wechat"
State = WechatState


def routes(world: World) -> list[Route]:
    """Every WeChat route: auth, content (drafts, material), publishing and the datacube."""
    return [
        *wechat_auth_routes(world),
        *wechat_content_routes(world),
        *wechat_publish_routes(world),
        *wechat_datacube_routes(world),
    ]


__all__ = [
    "DEFAULTS",
    "NAME",
    "PREFIX",
    "State",
    "WechatState",
    "code_of",
    "error_body",
    "routes",
    "stored_fields",
]
