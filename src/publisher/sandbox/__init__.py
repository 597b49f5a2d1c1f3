"""Local fakes of WeChat, Douyin, Product Hunt and the xiaohongshu-mcp bridge; no other publisher import."""

from publisher.sandbox.app import create_app
from publisher.sandbox.server import running, serve

__all__ = ["create_app", "running", "serve"]
