"""The Douyin fake under /dy (mimics https://open.douyin.com): its state, error renderer and routes."""

from __future__ import annotations

from starlette.routing import Route

from publisher.sandbox.core import World
from publisher.sandbox.douyin.auth import douyin_auth_routes
from publisher.sandbox.douyin.share import control_routes, douyin_share_routes
from publisher.sandbox.douyin.state import DouyinState, error_body
from publisher.sandbox.douyin.video import douyin_video_routes

__all__ = ["DouyinState", "control_routes", "error_body", "routes"]


def routes(world: World) -> list[Route]:
    return [*douyin_auth_routes(world), *douyin_video_routes(world), *douyin_share_routes(world)]
