"""`publisher mcp`: the MCP server (name `social-media-publisher`) that lets an assistant publish through
the calendar.

Every publish tool writes a content item into `content/` and queues it through the same path as any item
(see mcp_items.py); the read tools look at the store. Tool errors are `ToolError`s whose text names the field
and the limit; nothing an assistant sends can stop the server.
"""

# No `from __future__ import annotations` here: the tools' parameter descriptions carry the workspace's
# limits, built at start, and the SDK reads them from evaluated annotations.

import argparse
import functools
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from publisher.errors import PublisherError
from publisher.mcp.fetch import Fetcher, FetchLimits
from publisher.mcp.items import ItemService, Payload
from publisher.mcp.media import MEDIA_SUBDIR, MediaResolver, ToolProblem
from publisher.mcp.read import Reads
from publisher.platforms.rules import PlatformRules
from publisher.redact import redact_text
from publisher.store.db import store_for
from publisher.workspace.settings import Workspace, open_workspace

SERVER_NAME = "social-media-publisher"
PUBLISHES = ToolAnnotations(
    destructive_hint=True, idempotent_hint=False, read_only_hint=False, open_world_hint=True
)
CHANGES = ToolAnnotations(
    destructive_hint=True, idempotent_hint=False, read_only_hint=False, open_world_hint=False
)
READS = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
logger = logging.getLogger(__name__)

PUBLISH_AT = (
    "When to publish: 'YYYY-MM-DD HH:MM' in the workspace time zone ({zone}), ISO 8601 with an offset, "
    "or 'slot' (the next free posting slot). Omit it (or 'now') to publish now: the item is queued due now "
    "and the running daemon (`publisher run`) sends it."
)
DRY_RUN = (
    "true: only render and return the exact request each platform would get, plus previews; nothing is "
    "written to content/ and nothing is queued."
)
IDEMPOTENCY = (
    "Any string you choose (e.g. a UUID). Calling again with the same key returns the first call's "
    "receipt and creates nothing. Use it when retrying after a timeout."
)
MEDIA = (
    "Each: a path inside the workspace (e.g. content/media/step1.png) "
    "or an https URL (downloaded, max {cap} MB)."
)


def _limit(rules: PlatformRules, field: str) -> str:
    rule = rules.text.get(field)
    if rule is None or rule.max is None:
        return ""
    how = {
        "xhs": " (counted as 小红书 does: each CJK character 1, each emoji outside the BMP 2, "
        "two ASCII characters 1, rounded up)",
        "chars": " characters",
    }.get(rule.count, f" ({rule.count})")
    return f"At most {rule.max}{how}."


def _tags(rules: PlatformRules) -> str:
    return (
        f"Topics without '#', at most {rules.tags.max_items} tags of at most {rules.tags.max_len} characters "
        f"each; {rules.label} shows them as {rules.tags.style.format(tag='tag')}."
    )


def _images(rules: PlatformRules, limits: FetchLimits) -> str:
    rule = rules.images["images"]
    accept = "/".join(rule.accept).upper()
    return (
        f"{max(rule.min, 1)} to {rule.max} images ({accept}); the first one sets the crop "
        f"({', '.join(f'{a:.2f}' for a in rule.aspects) or 'as given'} width/height). "
        + MEDIA.format(cap=limits.image_bytes // (1024 * 1024))
    )


def build_server(
    ws: Workspace,
    *,
    service: ItemService | None = None,
    limits: FetchLimits | None = None,
    allow_urls: bool = True,
    url_hosts: Sequence[str] = (),
) -> MCPServer:
    """The MCP server for one workspace; parameter descriptions carry this workspace's platform limits."""
    limits = limits or FetchLimits()
    if service is None:
        fetcher = (
            Fetcher(
                ws.content_dir / MEDIA_SUBDIR,
                limits=limits,
                allowed_hosts=frozenset(h.lower() for h in url_hosts),
            )
            if allow_urls
            else None
        )
        service = ItemService(ws, store_for(ws), MediaResolver(ws.root, ws.content_dir, fetcher))
    reads = Reads(ws, service.store, service.lock)
    xhs, dy, wx = ws.rules["xiaohongshu"], ws.rules["douyin"], ws.rules["wechat"]
    zone = ws.settings.timezone
    video = dy.video
    video_desc = (
        f"The video ({'/'.join(video.accept).upper() if video else 'MP4'}, up to "
        f"{int(video.max_duration_s // 60) if video else 15} minutes). A path inside the workspace or an "
        f"https URL (downloaded, max {limits.video_bytes // (1024 * 1024)} MB)."
    )

    PublishAt = Annotated[str | None, Field(description=PUBLISH_AT.format(zone=zone))]
    DryRun = Annotated[bool, Field(description=DRY_RUN)]
    Key = Annotated[str | None, Field(description=IDEMPOTENCY, max_length=200)]
    Declare = Annotated[
        Literal["ai_generated", "ai_assisted", "original"],
        Field(
            description="The content's origin, written to the item as `declare:`. Content written by an "
            "AI assistant is ai_generated (the default: the platforms then show their AI label); "
            "ai_assisted when a person wrote it with AI help; original only when a person wrote it."
        ),
    ]
    XTitle = Annotated[str, Field(description=f"Note title. {_limit(xhs, 'title')}")]
    XBody = Annotated[
        str,
        Field(
            description=f"Note text, plain (line breaks and emoji kept; no Markdown, no "
            f"HTML). {_limit(xhs, 'body')}"
        ),
    ]
    XImages = Annotated[list[str], Field(description=_images(xhs, limits))]
    XTags = Annotated[list[str], Field(description=_tags(xhs))]
    DVideo = Annotated[str, Field(description=video_desc)]
    DCaption = Annotated[
        str, Field(description=f"The caption above the topics. Caption plus topics: {_limit(dy, 'text')}")
    ]
    DTags = Annotated[list[str], Field(description=_tags(dy))]
    WTitle = Annotated[str, Field(description=f"Article title. {_limit(wx, 'title')}")]
    WBody = Annotated[
        str,
        Field(
            description=(
                "The article as HTML (h1-h6, p, br, strong, em, del, a, img, ul/ol/li, blockquote, pre/code, "
                "table, hr). It is sanitised (scripts, styles and event handlers removed) and stored as "
                "Markdown; the WeChat theme styles it. Outside links become numbered footnotes (WeChat "
                "allows no outside links). Images: workspace paths or https URLs; the first becomes the "
                f"cover (2.35:1). {_limit(wx, 'content')} after rendering."
            )
        ),
    ]
    WAuthor = Annotated[str, Field(description=f"Author shown under the title. {_limit(wx, 'author')}")]
    WDigest = Annotated[str, Field(description=f"Summary shown in the share card. {_limit(wx, 'digest')}")]

    class XhsPayload(BaseModel):
        """A 小红书 note."""

        model_config = ConfigDict(extra="forbid")
        platform: Literal["xiaohongshu"]
        title: XTitle
        body: XBody
        images: XImages
        tags: XTags = []

    class DouyinPayload(BaseModel):
        """A 抖音 video."""

        model_config = ConfigDict(extra="forbid")
        platform: Literal["douyin"]
        video_url: DVideo
        caption: DCaption
        tags: DTags = []

    class WechatPayload(BaseModel):
        """A 微信公众号 article."""

        model_config = ConfigDict(extra="forbid")
        platform: Literal["wechat"]
        title: WTitle
        body: WBody
        author: WAuthor = ""
        digest: WDigest = ""

    Platforms = Annotated[
        list[Annotated[XhsPayload | DouyinPayload | WechatPayload, Field(discriminator="platform")]],
        Field(
            description="One payload per platform (each platform at most once), shaped like the "
            "single-platform tools' parameters plus `platform`. They become one content item with "
            "per-platform fields; if any payload is invalid nothing is written.",
            min_length=1,
        ),
    ]

    server = MCPServer(
        SERVER_NAME,
        instructions=(
            "Publishes to 小红书 (xiaohongshu), 抖音 (douyin) and 微信公众号 (wechat) through a content "
            "calendar. Each publish call writes a Markdown item into content/ and queues it; "
            "`publisher run` sends it at publish_at. Use dry_run=true to see the exact requests first, and "
            "idempotency_key when you may retry."
        ),
        log_level="WARNING",
    )

    def publish(
        tool: str,
        payloads: list[Payload],
        publish_at: str | None,
        dry_run: bool,
        key: str | None,
        declare: str = "ai_generated",
    ) -> dict[str, Any]:
        return service.publish(
            tool, payloads, publish_at=publish_at, dry_run=dry_run, idempotency_key=key, declare=declare
        )

    @_tool(
        server,
        PUBLISHES,
        "Publish a 小红书 (Xiaohongshu) image note: writes a content item, queues it and "
        "returns a receipt (item id, post ids, states, preview paths).",
    )
    def publish_to_xiaohongshu(
        title: XTitle,
        body: XBody,
        images: XImages,
        tags: XTags = [],  # noqa: B006
        publish_at: PublishAt = None,
        dry_run: DryRun = False,
        idempotency_key: Key = None,
        declare: Declare = "ai_generated",
    ) -> dict[str, Any]:
        payload = Payload("xiaohongshu", title=title, body=body, images=tuple(images), tags=tuple(tags))
        return publish("publish_to_xiaohongshu", [payload], publish_at, dry_run, idempotency_key, declare)

    @_tool(
        server,
        PUBLISHES,
        "Publish a 抖音 (Douyin) video: writes a content item, queues it and returns a "
        "receipt (item id, post ids, states, preview paths).",
    )
    def publish_to_douyin(
        video_url: DVideo,
        caption: DCaption,
        tags: DTags = [],  # noqa: B006
        publish_at: PublishAt = None,
        dry_run: DryRun = False,
        idempotency_key: Key = None,
        declare: Declare = "ai_generated",
    ) -> dict[str, Any]:
        payload = Payload("douyin", video=video_url, caption=caption, tags=tuple(tags))
        return publish("publish_to_douyin", [payload], publish_at, dry_run, idempotency_key, declare)

    @_tool(
        server,
        PUBLISHES,
        "Publish a 微信公众号 (WeChat Official Account) article from HTML: the HTML is "
        "sanitised and stored as a Markdown content item, queued, and a receipt returned.",
    )
    def publish_to_wechat(
        title: WTitle,
        body: WBody,
        author: WAuthor = "",
        digest: WDigest = "",
        publish_at: PublishAt = None,
        dry_run: DryRun = False,
        idempotency_key: Key = None,
        declare: Declare = "ai_generated",
    ) -> dict[str, Any]:
        payload = Payload("wechat", title=title, body=body, author=author, digest=digest)
        return publish("publish_to_wechat", [payload], publish_at, dry_run, idempotency_key, declare)

    @_tool(
        server,
        PUBLISHES,
        "Publish one piece of content to several platforms at once: one content item with "
        "per-platform fields, one post per platform, one receipt.",
    )
    def batch_publish(
        platforms: Platforms,
        publish_at: PublishAt = None,
        dry_run: DryRun = False,
        idempotency_key: Key = None,
        declare: Declare = "ai_generated",
    ) -> dict[str, Any]:
        payloads = []
        for p in platforms:
            if isinstance(p, XhsPayload):
                payloads.append(
                    Payload(
                        "xiaohongshu", title=p.title, body=p.body, images=tuple(p.images), tags=tuple(p.tags)
                    )
                )
            elif isinstance(p, DouyinPayload):
                payloads.append(Payload("douyin", video=p.video_url, caption=p.caption, tags=tuple(p.tags)))
            else:
                payloads.append(
                    Payload("wechat", title=p.title, body=p.body, author=p.author, digest=p.digest)
                )
        return publish("batch_publish", payloads, publish_at, dry_run, idempotency_key, declare)

    reads.register(server, tool=functools.partial(_tool, server), reads=READS, changes=CHANGES)
    return server


def _tool(
    server: MCPServer, annotations: ToolAnnotations, description: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a tool whose expected failures become tool errors the assistant can act on."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except (ToolProblem, PublisherError) as exc:
                raise ToolError(str(exc)) from None
            except ToolError:
                raise
            except Exception as exc:  # a bug must not end the session; the log has the traceback
                logger.exception("tool %s failed", fn.__name__)
                raise ToolError(
                    f"internal error ({type(exc).__name__}: {redact_text(str(exc))[:300]}); nothing "
                    "more was changed; the server keeps running"
                ) from None

        server.add_tool(guarded, name=fn.__name__, description=description, annotations=annotations)
        return fn

    return decorate


def main(
    workspace: Path | None = None,
    *,
    http: bool = False,
    port: int = 8765,
    allow_urls: bool = True,
    url_hosts: Sequence[str] = (),
) -> None:
    """Serve the workspace over stdio (default) or streamable HTTP on 127.0.0.1:port; returns when the client
    disconnects (stdio) or the process is stopped (HTTP)."""
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    ws = open_workspace(workspace)
    server = build_server(ws, allow_urls=allow_urls, url_hosts=url_hosts)
    if http:
        server.run("streamable-http", host="127.0.0.1", port=port)
    else:
        server.run("stdio")


def _cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publisher.mcp.server", description=__doc__)
    parser.add_argument("--workspace", "-w", type=Path, default=None)
    parser.add_argument("--http", action="store_true", help="streamable HTTP on 127.0.0.1 instead of stdio")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--no-urls", action="store_true", help="refuse https media URLs (workspace paths only)"
    )
    parser.add_argument(
        "--url-host", action="append", default=[], help="only download from this host (repeat)"
    )
    args = parser.parse_args(argv)
    try:
        main(
            args.workspace,
            http=args.http,
            port=args.port,
            allow_urls=not args.no_urls,
            url_hosts=args.url_host,
        )
    except PublisherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_cli())


__all__ = ["SERVER_NAME", "build_server", "main"]
