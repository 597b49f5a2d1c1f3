"""Conformance: gql, a GraphQL client nobody here wrote, drives the Product Hunt fake over HTTP.

gql checks each query against a schema itself (schema.graphql, or the fake's introspection), so a query the
adapter sends that Product Hunt's own schema would refuse fails here before the fake is asked. The adapter's
queries are taken from its own requests (recorded on the wire), not retyped; the other shapes are those public
Product Hunt clients send (the repository and file are named beside each).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport
from graphql import GraphQLError, build_schema, print_schema

from publisher.adapters.base import AdapterContext
from publisher.adapters.http import RetryPolicy
from publisher.adapters.producthunt.adapter import ProductHuntAdapter
from publisher.models import RemoteRef
from publisher.sandbox import running
from publisher.sandbox.producthunt.schema import SDL, load_schema

NOW = datetime(2026, 3, 2, 8, 1, tzinfo=UTC)  # 00:01 Pacific: a launch day begins
TOKEN = "ph-conformance-token-1"

#: Query shapes public Product Hunt clients send (facts about the API's use; the text is ours).
CLIENT_QUERIES = {
    # zikuan59/hot-daily-dashboard api/producthunt.js: today's ranking
    "ranking": "{ posts(order: RANKING, first: 10) { edges { node { name url tagline } } } }",
    # aidantorrence/product-hunt requests/productHuntFetch.ts: one day's launches by votes
    "day by votes": (
        'query { posts(postedAfter: "2026-03-01T00:00:00Z", postedBefore: "2026-03-03T00:00:00Z", '
        "order: VOTES) { edges { node { id tagline votesCount website description } } } }"
    ),
    # Axelfernandes/blitz-tracker-product-hunt lib/ph-api.ts: the newest launches with thumbnails
    "newest": (
        "query { posts(first: 20, order: NEWEST) { edges { node { id name tagline description url "
        "thumbnail { url } votesCount createdAt } } } }"
    ),
    # a maker's own launches, their makers and topics (viewer needs a user token)
    "viewer": (
        "query Mine($n: Int) { viewer { user { id username madePosts(first: $n) { totalCount edges { "
        "node { slug makers { username } topics(first: 3) { edges { node { name slug } } } } } } } } }"
    ),
    # a launch's page: comments with authors, votes with createdAt, links and reviews
    "launch": (
        "query Launch($slug: String) { post(slug: $slug) { id name votesCount commentsCount reviewsCount "
        "reviewsRating featuredAt productLinks { type url } media { type url videoUrl } "
        "comments(first: 5, order: VOTES_COUNT) { edges { node { body createdAt user { name } } } } "
        "votes(first: 5) { totalCount edges { node { createdAt user { username } } } } } }"
    ),
}


class Recording(httpx.AsyncHTTPTransport):
    """A real HTTP transport that keeps each GraphQL request body and the answer's JSON."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[tuple[dict[str, Any], dict[str, Any]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.url.path.endswith("/graphql"):
            body = await response.aread()
            self.exchanges.append((json.loads(request.content), json.loads(body)))
            return httpx.Response(response.status_code, headers=response.headers, content=body)
        return response


@pytest.fixture()
def base() -> Iterator[str]:
    with running(now=NOW) as url:
        created = httpx.post(
            f"{url}/__fake/producthunt/posts",
            json={"slug": "weekly-ai", "name": "Weekly AI", "createdAt": "2026-03-02T08:01:00Z"},
        )
        assert created.status_code == 201
        httpx.post(f"{url}/__fake/clock", json={"advance_seconds": 7 * 3600})
        yield url


def gql_client(base: str, **options: Any) -> Client:
    transport = HTTPXTransport(url=f"{base}/ph/v2/api/graphql", headers={"Authorization": f"Bearer {TOKEN}"})
    return Client(transport=transport, **options)


def adapter_exchanges(base: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The adapter's own GraphQL requests (metrics, then the launch-day curve) and the fake's answers."""
    recording = Recording()
    ctx = AdapterContext(
        account="producthunt",
        mode="sandbox",
        base_url=f"{base}/ph",
        credentials={"token": TOKEN},
        transport=recording,
        now=lambda: NOW + timedelta(hours=7),
    )
    adapter = ProductHuntAdapter(ctx, policy=RetryPolicy.immediate())
    refs = [
        RemoteRef(1, "producthunt", "producthunt", "", "https://www.producthunt.com/posts/weekly-ai", NOW),
        RemoteRef(2, "producthunt", "producthunt", "", "https://www.producthunt.com/products/weekly-ai", NOW),
    ]

    async def go() -> None:
        assert await adapter.fetch_metrics(refs)
        assert await adapter.launch_curve(refs[0])

    asyncio.run(go())
    return recording.exchanges


def test_the_fake_serves_its_schema_over_introspection(base: str) -> None:
    with gql_client(base, fetch_schema_from_transport=True) as session:
        served = session.client.schema
    assert served is not None
    assert print_schema(served) == print_schema(load_schema())
    assert {"productLinks", "reviewsCount", "votes", "makers", "topics"} <= set(
        served.type_map["Post"].fields
    )


def test_the_adapters_own_queries_pass_gql_against_product_hunts_sdl_and_get_the_same_answer(
    base: str,
) -> None:
    exchanges = adapter_exchanges(base)
    assert len(exchanges) >= 2 and {"Metrics", "Votes"} <= {
        e[0]["query"].split("(")[0][6:] for e in exchanges
    }
    offline = Client(schema=build_schema(SDL))  # the SDL alone: no fake involved
    with gql_client(base) as session:
        for sent, answered in exchanges:
            request = GraphQLRequest(sent["query"], variable_values=sent["variables"])
            offline.validate(request)
            assert session.execute(request) == answered["data"]


@pytest.mark.parametrize("name", sorted(CLIENT_QUERIES))
def test_public_clients_query_shapes_succeed(base: str, name: str) -> None:
    with gql_client(base, fetch_schema_from_transport=True) as session:
        result = session.execute(
            GraphQLRequest(CLIENT_QUERIES[name], variable_values={"slug": "weekly-ai", "n": 5})
        )
    assert result and all(value is not None for value in result.values())


def test_an_unknown_field_fails_in_gql_with_product_hunts_error(base: str) -> None:
    query = '{ post(slug: "weekly-ai") { id upvotes } }'
    with gql_client(base) as session, pytest.raises(TransportQueryError) as refused:
        session.execute(GraphQLRequest(query))
    assert refused.value.errors is not None
    message = "Field 'upvotes' doesn't exist on type 'Post' (Did you mean `votes`?)"
    assert refused.value.errors[0]["message"] == message
    assert refused.value.errors[0]["extensions"]["code"] == "undefinedField"
    with pytest.raises(GraphQLError, match="Cannot query field 'upvotes' on type 'Post'"):
        Client(schema=build_schema(SDL)).validate(GraphQLRequest(query))  # gql's own check says the same
