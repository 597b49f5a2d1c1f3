"""`publisher mcp`: the MCP server (name `social-media-publisher`) that lets an assistant publish through
the calendar.

Every publish tool writes a content item into `content/` and queues it through the same path as any item
(see mcp_items.py); the read tools look at the store. Tool errors are `ToolError`s whose text names the field
and the limit; nothing an assistant sends can stop the server.
"""

# No `from __future__ import annotations` here: the tools' parameter descriptions carry the workspace's
# limits, built at start, and the SDK reads them from evaluated annotations.

import functools
import inspect
import logging
import operator
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, create_model

from publisher import __version__
from publisher.adapters import platforms
from publisher.adapters.spec import McpParam, McpTool
from publisher.errors import PublisherError
from publisher.mcp.fetch import Fetcher, FetchLimits
from publisher.mcp.items import ItemService, Payload
from publisher.mcp.media import MEDIA_SUBDIR, MediaResolver, ToolProblem
from publisher.mcp.options import LANGS, Parser, flag_lang
from publisher.mcp.read import Reads
from publisher.messages import say
from publisher.redact import redact_text
from publisher.store.db import store_for
from publisher.workspace.locate import language_of
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
    tools = _publish_tools(ws)
    zone = ws.settings.timezone

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
    common = [
        _param("publish_at", PublishAt, None),
        _param("dry_run", DryRun, False),
        _param("idempotency_key", Key, None),
        _param("declare", Declare, "ai_generated"),
    ]

    names = [tool.server_name or name for name, tool in tools.items()]
    server = MCPServer(
        SERVER_NAME,
        version=__version__,  # a client shows it beside the name (empty, it reads as unknown)
        instructions=(
            f"Publishes to {_listed(names)} through a content calendar. Each publish call writes a Markdown "
            "item into content/ and queues it; `publisher run` sends it at publish_at. Use dry_run=true to "
            "see the exact requests first, and idempotency_key when you may retry."
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

    fields: dict[str, list[tuple[McpParam, Any]]] = {}
    for name, tool in tools.items():
        rules = ws.rules[name]
        fields[name] = [(p, _annotated(p, p.describe(rules, limits))) for p in tool.params]
        params = [_param(p.name, kind, _default(p)) for p, kind in fields[name]]
        _tool(server, PUBLISHES, tool.description, lang=ws.settings.language)(
            _publish_function(f"publish_to_{name}", name, tool, [*params, *common], publish)
        )

    if tools:
        payload_models = [_payload_model(name, tool, fields[name]) for name, tool in tools.items()]
        one: Any = functools.reduce(operator.or_, payload_models)
        if len(payload_models) > 1:
            one = Annotated[one, Field(discriminator="platform")]
        Platforms = Annotated[
            list[one],
            Field(
                description="One payload per platform (each platform at most once), shaped like the "
                "single-platform tools' parameters plus `platform`. They become one content item with "
                "per-platform fields; if any payload is invalid nothing is written.",
                min_length=1,
            ),
        ]

        @_tool(
            server,
            PUBLISHES,
            "Publish one piece of content to several platforms at once: one content item with "
            "per-platform fields, one post per platform, one receipt.",
            lang=ws.settings.language,
        )
        def batch_publish(
            platforms: Platforms,
            publish_at: PublishAt = None,
            dry_run: DryRun = False,
            idempotency_key: Key = None,
            declare: Declare = "ai_generated",
        ) -> dict[str, Any]:
            payloads = [_payload(p.platform, tools[p.platform], p.model_dump()) for p in platforms]
            return publish("batch_publish", payloads, publish_at, dry_run, idempotency_key, declare)

    reads.register(
        server, tool=functools.partial(_tool, server, lang=ws.settings.language), reads=READS, changes=CHANGES
    )
    return server


def _publish_tools(ws: Workspace) -> dict[str, McpTool]:
    """The platforms that get a publish tool: a registered `McpTool`, rules, and an account here."""
    have = {account.platform for account in ws.settings.accounts.values()}
    return {
        name: spec.mcp
        for name, spec in platforms().items()
        if spec.mcp is not None and name in ws.rules and name in have
    }


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _annotated(param: McpParam, description: str) -> Any:
    kind: Any = list[str] if param.many else str
    return Annotated[kind, Field(description=description)]


def _default(param: McpParam) -> Any:
    if param.required:
        return inspect.Parameter.empty
    return [] if param.many else ""


def _param(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation, default=default
    )


def _payload(platform: str, tool: McpTool, values: Mapping[str, Any]) -> Payload:
    """The `Payload` a tool call fills: each parameter into its field (lists as tuples)."""
    filled: dict[str, Any] = {
        p.target: tuple(values.get(p.name) or ()) if p.many else str(values.get(p.name) or "")
        for p in tool.params
    }
    return Payload(platform, **filled)


def _publish_function(
    tool_name: str,
    platform: str,
    tool: McpTool,
    params: list[inspect.Parameter],
    publish: Callable[..., dict[str, Any]],
) -> Callable[..., dict[str, Any]]:
    """`publish_to_<platform>`: its parameters, then publish_at, dry_run, idempotency_key and declare."""

    def publish_to(**kwargs: Any) -> dict[str, Any]:
        payload = _payload(platform, tool, kwargs)
        return publish(
            tool_name,
            [payload],
            kwargs.get("publish_at"),
            bool(kwargs.get("dry_run", False)),
            kwargs.get("idempotency_key"),
            str(kwargs.get("declare", "ai_generated")),
        )

    publish_to.__name__ = publish_to.__qualname__ = tool_name
    publish_to.__signature__ = inspect.Signature(params, return_annotation=dict[str, Any])  # type: ignore[attr-defined]
    return publish_to


def _payload_model(platform: str, tool: McpTool, fields: list[tuple[McpParam, Any]]) -> type[BaseModel]:
    """One platform's entry of batch_publish: `platform` plus the tool's parameters."""
    spec: dict[str, Any] = {"platform": (Literal[platform], ...)}
    for param, annotation in fields:
        default = _default(param)
        spec[param.name] = (annotation, ... if default is inspect.Parameter.empty else default)
    return create_model(
        f"{platform.title()}Payload",
        __doc__=tool.payload_doc,
        __config__=ConfigDict(extra="forbid"),
        **spec,
    )


def _tool(
    server: MCPServer, annotations: ToolAnnotations, description: str, *, lang: str = "zh"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a tool whose expected failures become tool errors the assistant can act on (its own
    checks worded in `lang`, the workspace's language)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except ToolProblem as exc:
                raise ToolError(exc.text(lang)) from None
            except PublisherError as exc:
                raise ToolError(exc.text(lang)) from None
            except ToolError:
                raise
            except Exception as exc:  # a bug must not end the session; the log has the traceback
                logger.exception("tool %s failed", fn.__name__)
                what = f"{type(exc).__name__}: {redact_text(str(exc))[:300]}"
                raise ToolError(say("mcp.internal", lang, what=what)) from None

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
    """`python -m publisher.mcp.server`: `publisher mcp`'s options, its help, usage errors and error line in
    the reader's language (--lang, else PUBLISHER_LANGUAGE, else the workspace's `language`, else Chinese)."""
    argv = sys.argv[1:] if argv is None else argv
    named = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("--workspace", "-w")), None)
    lang = flag_lang(argv) or language_of(named, os.environ, Path.cwd()) or "zh"
    parser = Parser(lang, description=say("help.mcp", lang))
    option = parser.options.add_argument
    option(
        "-w", "--workspace", type=Path, default=None, metavar="<path>", help=say("help.opt.workspace", lang)
    )
    option("--http", action="store_true", help=say("help.mcp.http", lang))
    option("--port", type=int, default=8765, metavar="<int>", help=say("help.mcp.port", lang))
    option("--no-urls", action="store_true", help=say("help.mcp.no_urls", lang))
    option("--url-host", action="append", default=[], metavar="<host>", help=say("help.mcp.url_host", lang))
    option("--lang", choices=LANGS, default=None, metavar="<zh|en>", help=say("help.opt.lang", lang))
    args = parser.parse_args(argv)
    try:
        main(
            args.workspace,
            http=args.http,
            port=args.port,
            allow_urls=not args.no_urls,
            url_hosts=args.url_host,
        )
    except PublisherError as exc:  # cannot start: one line, in the reader's language, never a secret
        print(say("cli.error", lang) + redact_text(exc.text(lang)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_cli())


__all__ = ["SERVER_NAME", "build_server", "main"]
