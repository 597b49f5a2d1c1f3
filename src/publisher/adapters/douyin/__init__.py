"""Douyin (抖音): the OpenAPI adapter, its OAuth grant and the video upload/create flow."""

from publisher.adapters.douyin.adapter import DouyinAdapter
from publisher.adapters.douyin.auth import grant_in_sandbox, login
from publisher.adapters.douyin.codes import CODES
from publisher.adapters.spec import Metric, PlatformSpec

SPEC = PlatformSpec(
    name="douyin",
    label_zh="抖音",
    label_en="Douyin",
    colour="#111111",
    assisted_kind="video",
    # the real API with the video.create.bind grant (`verified`), else assisted
    capabilities=frozenset({"real_api", "assisted", "oauth", "metrics"}),
    error_codes=CODES,
    metrics=(
        Metric("views", "play_count", 20000, "播放", "plays"),
        Metric("plays", "play_count", 20000, "播放", "plays"),
        Metric("likes", "digg_count", 900),
        Metric("comments", "comment_count", 60),
        Metric("shares", "share_count", 40),
    ),
    factory=DouyinAdapter,
    login=login,
    sandbox_grant=grant_in_sandbox,
)

__all__ = ["SPEC"]
