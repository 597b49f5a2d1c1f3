"""微博 Weibo: OAuth 2.0 code grant, `statuses/share` with a link on the app's secure domain, counts.

Facts and sources: docs/platforms/weibo.md. The adapter lives in `adapter.py`, the API pieces in `api.py`,
OAuth in `auth.py`; nothing outside this package knows Weibo.
"""

from publisher.adapters.weibo.adapter import WeiboAdapter
from publisher.adapters.weibo.auth import grant_in_sandbox

NAME = "weibo"

__all__ = ["NAME", "WeiboAdapter", "grant_in_sandbox"]
