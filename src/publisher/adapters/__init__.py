"""Platform adapters: the registry (one line per platform) and how an account's mode picks an adapter.

A new platform is one module here plus one folder under platforms/; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from publisher.adapters.assisted import AssistedAdapter
from publisher.adapters.base import Adapter, AdapterContext
from publisher.adapters.douyin.adapter import DouyinAdapter
from publisher.adapters.douyin.auth import grant_in_sandbox
from publisher.adapters.dryrun import DryRunAdapter
from publisher.adapters.producthunt.adapter import producthunt_factory
from publisher.adapters.wechat.adapter import WechatAdapter
from publisher.adapters.xiaohongshu.adapter import XiaohongshuAdapter
from publisher.errors import ConfigError

AdapterFactory = Callable[[AdapterContext], Adapter]
SandboxGrant = Callable[..., Awaitable[None]]

#: platform name (== platforms/<name>/ folder) -> the real adapter's factory
ADAPTERS: dict[str, AdapterFactory] = {
    "douyin": DouyinAdapter,  # real API with the video.create.bind grant (`verified`), else assisted
    "producthunt": producthunt_factory,  # always assisted (no launch API); metrics through GraphQL
    "wechat": WechatAdapter,
    "xiaohongshu": XiaohongshuAdapter,  # assisted, or the opt-in xiaohongshu-mcp bridge (`bridge_url`)
}


#: platform -> how a rehearsal obtains a user's OAuth grant from the sandbox (platforms whose API needs one)
SANDBOX_GRANTS: dict[str, SandboxGrant] = {
    "douyin": grant_in_sandbox,
}


def get_adapter(platform: str, ctx: AdapterContext) -> Adapter:
    """The adapter for one account: dry-run records, the others talk to the platform (or the sandbox)."""
    if ctx.mode == "dry-run":
        return DryRunAdapter(ctx)
    factory = ADAPTERS.get(platform)
    if ctx.mode == "assisted" and not getattr(factory, "handles_assisted", False):
        return AssistedAdapter(ctx, platform)
    if factory is None:
        raise ConfigError(
            f"no {ctx.mode} adapter for {platform} yet; set the account's mode to dry-run",
            key=f"accounts.{ctx.account}.mode",
        )
    return factory(ctx)


__all__ = ["ADAPTERS", "SANDBOX_GRANTS", "Adapter", "AdapterContext", "AdapterFactory", "get_adapter"]
