"""Xiaohongshu in the shared fixtures: the account goes through the sandbox's xiaohongshu-mcp bridge fake."""

from support.platforms import PlatformFixture

FIXTURE = PlatformFixture(
    name="xiaohongshu",
    title="title",
    write="/api/v1/publish",
    account={"bridge_url": "sandbox"},  # the sandbox's /xhs fake of xiaohongshu-mcp
    remote=lambda state: list(state.get("notes", [])),
)
