"""The Product Hunt fake under /ph: OAuth, and GraphQL (Product Hunt's public schema) with complexity limits.

The real API cannot create posts, so launches are created through the control plane
(POST /__fake/producthunt/posts); their votes and comments then grow with the virtual clock.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from publisher.sandbox.core import World, iso, parse_time, secret_digest

if TYPE_CHECKING:
    from graphql import GraphQLSchema

PREFIX = "/ph"
#: Settings under world.config["producthunt"] (docs/platforms/README.md#the-sandbox); [U] marks an assumption.
DEFAULTS: dict[str, Any] = {
    "complexity_limit": 6250,
    "window_seconds": 900,
    "request_limit": 450,
    "developer_tokens": [],  # if non-empty, only these (and OAuth-issued) tokens are valid
    "revoked_tokens": [],
}


@functools.cache
def schema() -> GraphQLSchema:
    """Product Hunt's schema, built at the first GraphQL request: most sandboxes (a rehearsal's) never get
    one, and loading GraphQL and parsing the schema cost more than starting the rest of the sandbox."""
    from publisher.sandbox.producthunt.schema import load_schema

    return load_schema()


UNAUTHORIZED = {
    "error": "invalid_oauth_token",
    "error_description": "Please supply a valid access token. Refer to our api documentation "
    "about how to authorize and authenticate your requests",
}


@dataclass
class ProductHuntState:
    clients: dict[str, str] = field(default_factory=dict)  # client_id -> sha256(secret)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)  # sha256(token) -> {app, kind}
    codes: dict[str, str] = field(default_factory=dict)  # code -> client_id
    windows: dict[str, dict[str, Any]] = field(default_factory=dict)  # app -> {start, used}
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens_issued: int = 0

    def settle(self, world: World) -> None:
        return None

    def dump(self) -> dict[str, Any]:
        return {
            "tokens_issued": self.tokens_issued,
            "apps": len(self.windows),
            "posts": list(self.posts.values()),
            "complexity_used": {app[:8]: w["used"] for app, w in self.windows.items()},
        }


def store(world: World) -> ProductHuntState:
    state: ProductHuntState = world.stores["producthunt"]
    return state


def error_body(world: World, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return 200, {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}


def _rate_headers(world: World, window: dict[str, Any]) -> dict[str, str]:
    cfg = world.config["producthunt"]
    reset = window["start"] + timedelta(seconds=cfg["window_seconds"]) - world.now
    return {
        "X-Rate-Limit-Limit": str(cfg["complexity_limit"]),
        "X-Rate-Limit-Remaining": str(max(0, cfg["complexity_limit"] - window["used"])),
        "X-Rate-Limit-Reset": str(max(0, int(reset.total_seconds()))),
    }


def _window(world: World, app: str) -> dict[str, Any]:
    ph = store(world)
    window = ph.windows.get(app)
    span = timedelta(seconds=world.config["producthunt"]["window_seconds"])
    if window is None or world.now >= window["start"] + span:
        window = ph.windows[app] = {"start": world.now, "used": 0}
    return window


def _token(world: World, request: Request) -> dict[str, Any] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        return None
    value = header[7:].strip()
    cfg, ph = world.config["producthunt"], store(world)
    if value in cfg["revoked_tokens"]:
        return None
    digest = secret_digest(value)
    if digest in ph.tokens:
        return ph.tokens[digest]
    if cfg["developer_tokens"] and value not in cfg["developer_tokens"]:
        return None
    # A developer token seen for the first time is trusted (or was configured): one app per token.
    ph.tokens[digest] = {"app": digest, "kind": "user"}
    return ph.tokens[digest]


def routes(world: World) -> list[Route]:
    async def graphql(request: Request) -> Response:
        from graphql import GraphQLError, execute_sync, parse

        from publisher.sandbox.producthunt.resolvers import root
        from publisher.sandbox.producthunt.schema import query_cost
        from publisher.sandbox.producthunt.validation import problems

        token = _token(world, request)
        if token is None:
            return JSONResponse(UNAUTHORIZED, status_code=401)
        window = _window(world, token["app"])
        try:
            body = await request.json()
            document = parse(str(body.get("query") or ""))
        except (ValueError, AttributeError, GraphQLError) as exc:
            return JSONResponse(
                {"data": None, "errors": [{"message": str(exc)}]}, headers=_rate_headers(world, window)
            )
        refused = problems(schema(), document)
        if refused:  # graphql-ruby answers a query that fails validation with errors only, no data key
            return JSONResponse({"errors": refused}, headers=_rate_headers(world, window))
        variables = body.get("variables") if isinstance(body.get("variables"), dict) else {}
        cost = query_cost(document, variables, body.get("operationName"))
        if window["used"] + cost > world.config["producthunt"]["complexity_limit"]:
            return JSONResponse(
                {
                    "errors": [
                        {
                            "error": "rate_limit_reached",
                            "error_description": "Sorry. You have exceeded the API rate limit, "
                            "please try again later.",
                        }
                    ]
                },
                status_code=429,
                headers=_rate_headers(world, window),
            )
        window["used"] += cost
        result = execute_sync(
            schema(),
            document,
            root_value=root(world, store(world).posts, user_token=token["kind"] == "user"),
            variable_values=variables,
            operation_name=body.get("operationName"),
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        return JSONResponse(answer, headers=_rate_headers(world, window))

    async def authorize(request: Request) -> Response:
        query = request.query_params
        if not query.get("client_id") or not query.get("redirect_uri"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = world.mint("", 32)
        store(world).codes[code] = query["client_id"]
        return RedirectResponse(
            f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}",
            status_code=302,
        )

    async def oauth_token(request: Request) -> JSONResponse:
        try:
            body = (
                await request.json()
                if "json" in request.headers.get("content-type", "")
                else dict(await request.form())
            )
        except ValueError:
            body = {}
        ph = store(world)
        client_id, secret = str(body.get("client_id") or ""), str(body.get("client_secret") or "")
        if (
            not client_id
            or not secret
            or ph.clients.setdefault(client_id, secret_digest(secret)) != secret_digest(secret)
        ):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                status_code=401,
            )
        window = _window(world, "oauth:" + client_id)
        if window["used"] >= world.config["producthunt"]["request_limit"]:
            return JSONResponse({"error": "rate_limit_reached"}, status_code=429)
        window["used"] += 1
        grant = body.get("grant_type")
        if grant == "authorization_code":
            if ph.codes.pop(str(body.get("code") or ""), None) != client_id:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            kind, scope = "user", "public private"
        elif grant == "client_credentials":
            kind, scope = "client", "public"
        else:
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        value = world.mint("", 43)
        ph.tokens[secret_digest(value)] = {"app": secret_digest("app:" + client_id), "kind": kind}
        ph.tokens_issued += 1
        return JSONResponse(
            {"access_token": value, "token_type": "Bearer", "scope": scope, "created_at": world.epoch()}
        )

    return [
        Route("/v2/api/graphql", graphql, methods=["POST"]),
        Route("/v2/oauth/authorize", authorize, methods=["GET"]),
        Route("/v2/oauth/token", oauth_token, methods=["POST"]),
    ]


def control_routes(world: World) -> list[Route]:
    async def create_post(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not body.get("slug") or not body.get("name"):
            return JSONResponse({"error": "slug and name are required"}, status_code=400)
        ph = store(world)
        if any(p["slug"] == body["slug"] for p in ph.posts.values()):
            return JSONResponse({"error": "slug already exists"}, status_code=409)
        try:
            created = parse_time(str(body["createdAt"])) if body.get("createdAt") else world.now
        except ValueError:
            return JSONResponse({"error": "createdAt must be ISO 8601"}, status_code=400)
        post_id = world.mint("", 6, digits=True)
        ph.posts[post_id] = {
            "id": post_id,
            "slug": body["slug"],
            "name": body["name"],
            "tagline": body.get("tagline", ""),
            "description": body.get("description"),
            "createdAt": iso(created),
            "featuredAt": body.get("featuredAt"),
            "website": body.get("website", "https://example.com"),
            "url": f"https://www.producthunt.com/posts/{body['slug']}",
            "thumbnail": {
                "url": f"https://ph-files.imgix.net/{post_id}.png",
                "type": "image",
                "videoUrl": None,
            },
            "gallery": [str(u) for u in body.get("gallery") or []],
            "topics": [str(t) for t in body.get("topics") or ["Productivity"]],
        }
        return JSONResponse(ph.posts[post_id], status_code=201)

    return [Route("/producthunt/posts", create_post, methods=["POST"])]
