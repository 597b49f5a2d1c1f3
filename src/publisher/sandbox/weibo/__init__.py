"""The Weibo fake under /wb (mimics https://api.weibo.com): OAuth code grant, share, timeline, counts.

Facts and sources: docs/platforms/weibo.md. The package is self-contained (state, error renderer, routes)
so the sandbox can mount it by name; it imports nothing of the product.
"""

from publisher.sandbox.weibo.routes import routes
from publisher.sandbox.weibo.state import DEFAULTS, PREFIX, WeiboState, code_of, error_body

NAME = "weibo"
State = WeiboState

__all__ = ["DEFAULTS", "NAME", "PREFIX", "State", "WeiboState", "code_of", "error_body", "routes"]
