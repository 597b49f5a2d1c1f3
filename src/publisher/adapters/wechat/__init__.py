"""WeChat Official Accounts (微信公众号): the real API adapter, its request flows,
article payloads and metrics."""

from publisher.adapters import mcp_text
from publisher.adapters.spec import McpParam, McpTool, Metric, PlatformSpec
from publisher.adapters.wechat.adapter import WechatAdapter
from publisher.adapters.wechat.api import probe
from publisher.adapters.wechat.codes import CODES
from publisher.adapters.wechat.whitelist import whitelist_in_sandbox

SPEC = PlatformSpec(
    name="wechat",
    label_zh="微信公众号",
    label_en="WeChat",
    colour="#07c160",
    assisted_kind="article",
    console="mp.weixin.qq.com → 发表记录",
    capabilities=frozenset({"real_api", "assisted", "metrics"}),
    credential_prefixes={"appid": "wx"},  # app ids start with "wx" (the sandbox checks it, as the API does)
    error_codes=CODES,
    metrics=(
        Metric("views", "read_user", 3000, "阅读", "reads"),
        Metric("likes", "like_user", 90),
        Metric("shares", "share_user", 60),
        Metric("zaikan", "zaikan_user", 30, "在看", "zaikan (在看)"),
        Metric("comments", "comment_count", 12, "留言", "comments"),
        Metric("favorites", "collection_user", 40),
    ),
    factory=WechatAdapter,
    sandbox_setup=whitelist_in_sandbox,
    probe=probe,
    mcp=McpTool(
        description="Publish a 微信公众号 (WeChat Official Account) article from HTML: the HTML is "
        "sanitised and stored as a Markdown content item, queued, and a receipt returned.",
        payload_doc="A 微信公众号 article.",
        params=(
            McpParam("title", mcp_text.text("Article title. ", "title")),
            McpParam(
                "body",
                mcp_text.text(
                    "The article as HTML (h1-h6, p, br, strong, em, del, a, img, ul/ol/li, blockquote, "
                    "pre/code, table, hr). It is sanitised (scripts, styles and event handlers removed) and "
                    "stored as Markdown; the WeChat theme styles it. Outside links become numbered footnotes "
                    "(WeChat allows no outside links). Images: workspace paths or https URLs; the first "
                    "becomes the cover (2.35:1). ",
                    "content",
                    " after rendering.",
                ),
            ),
            McpParam("author", mcp_text.text("Author shown under the title. ", "author"), required=False),
            McpParam("digest", mcp_text.text("Summary shown in the share card. ", "digest"), required=False),
        ),
        body="html",
        own=("author", "digest"),
        cover=True,
        primary=True,
        server_name="微信公众号 (wechat)",
    ),
)

__all__ = ["SPEC"]
