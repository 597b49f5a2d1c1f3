"""Douyin (抖音): the OpenAPI adapter, its OAuth grant and the video upload/create flow."""

from publisher.adapters import mcp_text
from publisher.adapters.douyin.adapter import DouyinAdapter
from publisher.adapters.douyin.auth import grant_in_sandbox, login
from publisher.adapters.douyin.codes import CODES
from publisher.adapters.spec import McpParam, McpTool, Metric, PlatformSpec

SPEC = PlatformSpec(
    name="douyin",
    label_zh="抖音",
    label_en="Douyin",
    colour="#161823",
    assisted_kind="video",
    console="creator.douyin.com",
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
    mcp=McpTool(
        description="Publish a 抖音 (Douyin) video: writes a content item, queues it and returns a "
        "receipt (item id, post ids, states, preview paths).",
        payload_doc="A 抖音 video.",
        params=(
            McpParam("video_url", mcp_text.video(), attr="video"),
            McpParam("caption", mcp_text.text("The caption above the topics. Caption plus topics: ", "text")),
            McpParam("tags", mcp_text.tags(), many=True, required=False),
        ),
        body="none",
        own=("video", "caption"),
        server_name="抖音 (douyin)",
    ),
)

__all__ = ["SPEC"]
