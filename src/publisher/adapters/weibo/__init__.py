"""微博 Weibo: OAuth 2.0 code grant, `statuses/share` with a link on the app's secure domain, counts.

Facts and sources: docs/platforms/weibo.md. The adapter lives in `adapter.py`, the API pieces in `api.py`,
OAuth in `auth.py`; nothing outside this package knows Weibo.
"""

from publisher.adapters.spec import Metric, PlatformSpec
from publisher.adapters.weibo.adapter import WeiboAdapter
from publisher.adapters.weibo.api import WEIBO_CODES
from publisher.adapters.weibo.auth import grant_in_sandbox

NAME = "weibo"

SPEC = PlatformSpec(
    name=NAME,
    label_zh="微博",
    label_en="Weibo",
    colour="#e6162d",
    assisted_kind="note",
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
)

__all__ = ["NAME", "SPEC", "WeiboAdapter", "grant_in_sandbox"]
