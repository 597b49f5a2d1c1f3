"""Xiaohongshu (小红书): assisted packs, the opt-in xiaohongshu-mcp bridge,
and the creator-centre CSV import."""

from publisher.adapters import mcp_text
from publisher.adapters.spec import McpParam, McpTool, Metric, PlatformSpec
from publisher.adapters.xiaohongshu.adapter import XiaohongshuAdapter
from publisher.adapters.xiaohongshu.codes import CODES
from publisher.adapters.xiaohongshu.csv_import import parse_creator_csv

SPEC = PlatformSpec(
    name="xiaohongshu",
    label_zh="小红书",
    label_en="Xiaohongshu",
    colour="#ff2442",
    assisted_kind="note",
    console="creator.xiaohongshu.com",
    # assisted, or the opt-in xiaohongshu-mcp bridge (`bridge_url`); metrics from the creator-centre CSV
    capabilities=frozenset({"assisted", "bridge", "csv_import"}),
    error_codes=CODES,
    metrics=(
        Metric("views", "观看量", 5000, "观看", "views"),
        Metric("likes", "点赞", 300),
        Metric("favorites", "收藏", 150),
        Metric("comments", "评论", 30),
        Metric("shares", "分享", 20),
    ),
    factory=XiaohongshuAdapter,
    csv_import=parse_creator_csv,
    mcp=McpTool(
        description="Publish a 小红书 (Xiaohongshu) image note: writes a content item, queues it and "
        "returns a receipt (item id, post ids, states, preview paths).",
        payload_doc="A 小红书 note.",
        params=(
            McpParam("title", mcp_text.text("Note title. ", "title")),
            McpParam(
                "body",
                mcp_text.text(
                    "Note text, plain (line breaks and emoji kept; no Markdown, no HTML). ", "body"
                ),
            ),
            McpParam("images", mcp_text.images(), many=True),
            McpParam("tags", mcp_text.tags(), many=True, required=False),
        ),
        server_name="小红书 (xiaohongshu)",
    ),
)

__all__ = ["SPEC"]
