"""Assembles one fake: a World, the control plane under /__fake and each platform under its prefix."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from publisher.sandbox.control import control_routes
from publisher.sandbox.core import World
from publisher.sandbox.douyin import routes as douyin
from publisher.sandbox.faults import FaultMiddleware
from publisher.sandbox.producthunt import routes as producthunt
from publisher.sandbox.wechat.auth import wechat_auth_routes
from publisher.sandbox.wechat.content import wechat_content_routes
from publisher.sandbox.wechat.datacube import wechat_datacube_routes
from publisher.sandbox.wechat.publish import wechat_publish_routes
from publisher.sandbox.wechat.state import WechatState
from publisher.sandbox.wechat.state import error_body as wechat_error
from publisher.sandbox.xiaohongshu import routes as xiaohongshu


def create_app(*, seed: int = 0, now: datetime | None = None) -> Starlette:
    """A fresh fake with its own state; its clock starts at `now` and moves only via /__fake/clock."""
    world = World(
        seed=seed,
        now=(now or datetime.now(UTC)),
        factories={
            "wechat": WechatState,
            "douyin": douyin.DouyinState,
            "producthunt": producthunt.ProductHuntState,
            "xiaohongshu": xiaohongshu.XiaohongshuState,
        },
    )
    world.set_now(world.now)
    renderers = {
        "wechat": wechat_error,
        "douyin": douyin.error_body,
        "producthunt": producthunt.error_body,
        "xiaohongshu": xiaohongshu.error_body,
    }
    wechat = [
        *wechat_auth_routes(world),
        *wechat_content_routes(world),
        *wechat_publish_routes(world),
        *wechat_datacube_routes(world),
    ]
    app = Starlette(
        routes=[
            Mount("/__fake", routes=[*control_routes(world), *producthunt.control_routes(world)]),
            Mount("/wx", routes=wechat),
            Mount("/dy", routes=douyin.routes(world)),
            Mount("/ph", routes=producthunt.routes(world)),
            Mount("/xhs", routes=xiaohongshu.routes(world)),
        ],
        middleware=[Middleware(FaultMiddleware, world=world, renderers=renderers)],
    )
    app.state.world = world
    return app
