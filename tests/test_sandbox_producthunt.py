"""The Product Hunt fake: bearer tokens, GraphQL schema, complexity budget and headers, growing counts."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.testclient import TestClient

from publisher.sandbox import create_app

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
GQL = "/ph/v2/api/graphql"
POST_QUERY = "query($slug: String) { post(slug: $slug) { id name votesCount commentsCount reviewsRating } }"


def client(seed: int = 0) -> TestClient:
    c = TestClient(create_app(seed=seed, now=NOW))
    c.post(
        "/__fake/producthunt/posts",
        json={
            "slug": "weekly-ai",
            "name": "Weekly AI",
            "tagline": "Reports in 3",
            "createdAt": "2026-03-02T08:00:00Z",
        },
    )
    return c


def ask(c: TestClient, query: str, token: str = "dev-token", **variables: object) -> dict:
    answer = c.post(
        GQL, json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
    )
    return {"status": answer.status_code, "headers": answer.headers, "body": answer.json()}


def test_missing_or_revoked_bearer_gives_401() -> None:
    c = client()
    assert c.post(GQL, json={"query": "{ viewer { user { id } } }"}).status_code == 401
    c.post("/__fake/config", json={"producthunt": {"revoked_tokens": ["old-token"]}})
    assert ask(c, "{ posts { totalCount } }", token="old-token")["status"] == 401
    c.post("/__fake/config", json={"producthunt": {"developer_tokens": ["only-this"]}})
    assert ask(c, "{ posts { totalCount } }", token="another")["status"] == 401
    assert ask(c, "{ posts { totalCount } }", token="only-this")["status"] == 200


def test_votes_and_comments_grow_with_the_clock_deterministically() -> None:
    def reading(seed: int, hours: float) -> dict:
        c = client(seed)
        c.post("/__fake/clock", json={"advance_seconds": hours * 3600})
        return dict(ask(c, POST_QUERY, slug="weekly-ai")["body"]["data"]["post"])

    early, late = reading(1, 1), reading(1, 12)
    assert early["name"] == "Weekly AI"
    assert 0 < early["votesCount"] < late["votesCount"]
    assert early["commentsCount"] <= late["commentsCount"]
    assert reading(1, 12) == late and reading(2, 12)["votesCount"] != late["votesCount"]


def test_scheduled_post_is_invisible_until_its_time() -> None:
    c = client()
    c.post(
        "/__fake/producthunt/posts",
        json={"slug": "later", "name": "Later", "createdAt": "2026-03-03T08:01:00Z"},
    )
    assert ask(c, POST_QUERY, slug="later")["body"]["data"]["post"] is None
    c.post("/__fake/clock", json={"now": "2026-03-03T09:00:00Z"})
    assert ask(c, POST_QUERY, slug="later")["body"]["data"]["post"]["name"] == "Later"
    assert c.post("/__fake/producthunt/posts", json={"slug": "later", "name": "Again"}).status_code == 409


def test_rate_limit_headers_and_429_when_the_budget_is_spent() -> None:
    c = client()
    first = ask(c, "{ posts(first: 10) { edges { node { id name } } } }")
    assert first["headers"]["x-rate-limit-limit"] == "6250"
    spent = 6250 - int(first["headers"]["x-rate-limit-remaining"])
    assert spent == 1 + 10 * 4  # posts, then edges, node, id and name for each of the 10
    assert first["headers"]["x-rate-limit-reset"] == "900"
    c.post("/__fake/config", json={"producthunt": {"complexity_limit": 50}})
    refused = ask(c, "{ posts(first: 10) { edges { node { id name } } } }")
    assert refused["status"] == 429 and refused["headers"]["x-rate-limit-remaining"] == "9"
    c.post("/__fake/clock", json={"advance_seconds": 900})
    again = ask(c, "{ posts(first: 10) { edges { node { id name } } } }")
    assert again["status"] == 200 and again["headers"]["x-rate-limit-reset"] == "900"


def test_post_create_is_not_in_the_schema() -> None:
    c = client()
    answer = ask(c, 'mutation { postCreate(input: {name: "x"}) { post { id } } }')
    assert answer["status"] == 200 and answer["body"]["data"] is None
    assert "postCreate" in answer["body"]["errors"][0]["message"]


def test_client_credentials_token_has_no_viewer_but_developer_token_does() -> None:
    c = client()
    token = c.post(
        "/ph/v2/oauth/token",
        json={"client_id": "app", "client_secret": "s", "grant_type": "client_credentials"},
    ).json()
    assert token["token_type"] == "Bearer" and token["scope"] == "public"
    assert (
        c.post(
            "/ph/v2/oauth/token",
            json={"client_id": "app", "client_secret": "wrong", "grant_type": "client_credentials"},
        ).status_code
        == 401
    )
    query = "{ viewer { user { username madePosts(first: 5) { totalCount } } } }"
    assert ask(c, query, token=token["access_token"])["body"]["data"]["viewer"] is None
    mine = ask(c, query)["body"]["data"]["viewer"]["user"]
    assert mine["madePosts"]["totalCount"] == 1


def test_comments_are_paginated_with_cursors() -> None:
    c = client()
    c.post("/__fake/clock", json={"advance_seconds": 24 * 3600})
    query = (
        'query($after: String) { post(slug: "weekly-ai") { commentsCount '
        "comments(first: 2, after: $after) { totalCount pageInfo { endCursor hasNextPage } "
        "edges { node { id body } } } } }"
    )
    first = ask(c, query)["body"]["data"]["post"]
    assert first["comments"]["totalCount"] == first["commentsCount"] >= 3
    second = ask(c, query, after=first["comments"]["pageInfo"]["endCursor"])["body"]["data"]["post"][
        "comments"
    ]
    ids = [e["node"]["id"] for e in first["comments"]["edges"] + second["edges"]]
    assert len(ids) == len(set(ids)) == 4
