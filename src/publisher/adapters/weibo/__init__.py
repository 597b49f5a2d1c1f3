"""微博 Weibo: OAuth 2.0 code grant, `statuses/share` with a link on the app's secure domain, counts.

Facts and sources: docs/platforms/weibo.md. The adapter lives in `adapter.py`, the API pieces in `api.py`,
OAuth in `auth.py`; nothing outside this package knows Weibo.
"""

from publisher.adapters import mcp_text
from publisher.adapters.spec import McpParam, McpTool, Metric, PlatformSpec
from publisher.adapters.weibo.adapter import WeiboAdapter
from publisher.adapters.weibo.api import WEIBO_CODES
from publisher.adapters.weibo.auth import grant_in_sandbox

NAME = "weibo"

SPEC = PlatformSpec(
    name=NAME,
    label_zh="微博",
    label_en="Weibo",
    colour="#ff8200",  # Weibo's orange: its red is too near 小红书's in a chart
    assisted_kind="note",
    console="weibo.com",
    # statuses/share with any app (no special grant) after an OAuth code grant; counts for metrics
    capabilities=frozenset({"real_api", "assisted", "oauth", "metrics"}),
    error_codes=WEIBO_CODES,
    metrics=(
        Metric("shares", "reposts", 40, "转发", "reposts"),
        Metric("comments", "comments", 30),
        Metric("likes", "attitudes", 200),
    ),
    factory=WeiboAdapter,
    sandbox_grant=grant_in_sandbox,
    mcp=McpTool(
        description="Publish a 微博 (Weibo) status: the title, the text and a link on the app's secure "
        "domain (Weibo's share API needs one) become one status; writes a content item, queues it and "
        "returns a receipt (item id, post ids, states, preview paths).",
        payload_doc="A 微博 status.",
        params=(
            McpParam("title", lambda rules, limits: "The status's first line."),
            McpParam(
                "link",
                lambda rules, limits: "The landing page, an https URL on the app's secure domain (安全域名).",
            ),
            McpParam(
                "body",
                mcp_text.text(
                    "The status text, plain (no #topics#: Weibo's share API refuses them). Title, text and "
                    "link together: ",
                    "text",
                ),
                required=False,
            ),
            McpParam(
                "images",
                lambda rules, limits: (
                    f"At most {rules.images['images'].max} picture "
                    f"({'/'.join(rules.images['images'].accept).upper()}). "
                    + mcp_text.MEDIA.format(cap=limits.image_bytes // mcp_text.MB)
                ),
                many=True,
                required=False,
            ),
        ),
        own=("link",),
        server_name="微博 (weibo)",
    ),
)

__all__ = ["NAME", "SPEC", "WeiboAdapter", "grant_in_sandbox"]
