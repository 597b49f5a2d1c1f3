"""WeChat Official Accounts (微信公众号): the real API adapter, its request flows,
article payloads and metrics."""

from publisher.adapters.spec import Metric, PlatformSpec
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
)

__all__ = ["SPEC"]
