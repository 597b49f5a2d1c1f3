"""Douyin in the shared fixtures: a verified account (video.create.bind) whose review the queue polls."""

from collections.abc import Mapping
from typing import Any

from support.platforms import PlatformFixture


async def grant(store: Any, base: str, credentials: Mapping[str, str], transport: Any, now: Any) -> None:
    """The OAuth grant over the test's transport (the adapter's own sandbox grant opens its own client)."""
    from support.workspaces import authorize_douyin

    await authorize_douyin(store, base, credentials=credentials, transport=transport, now=now)


FIXTURE = PlatformFixture(
    name="douyin",
    title="text",
    write="/api/douyin/v1/video/create_image_text/",
    video_fields="{video: media/launch.mp4}",
    account={"verified": True},
    fake_config={"review_delay_seconds": 0},
    remote=lambda state: list(state.get("items", [])),
    grant=grant,
)
