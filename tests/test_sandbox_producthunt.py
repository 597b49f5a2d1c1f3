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
    assert answer["status"] == 200 and "data" not in answer["body"]  # graphql-ruby: errors only
    assert answer["body"]["errors"][0]["message"] == "Field 'postCreate' doesn't exist on type 'Mutation'"


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


def every_field(type_name: str, depth: int) -> str:
    """A selection of every field of `type_name` (connections as `first: 2`), `depth` object levels deep."""
    from graphql import GraphQLObjectType, get_named_type

    from publisher.sandbox.producthunt.routes import schema

    kind = schema().type_map[type_name]
    assert isinstance(kind, GraphQLObjectType)
    parts = []
    for name, field in kind.fields.items():
        inner = get_named_type(field.type)
        args = "(first: 2)" if "first" in field.args else ""
        if isinstance(inner, GraphQLObjectType):
            if depth > 0:
                parts.append(f"{name}{args} {{ {every_field(inner.name, depth - 1)} }}")
        else:
            parts.append(name)
    return " ".join(parts) or "__typename"


def test_every_field_of_a_post_and_what_it_reaches_answers_as_the_schema_says() -> None:
    c = client()
    c.post("/__fake/clock", json={"advance_seconds": 6 * 3600})
    query = f'{{ post(slug: "weekly-ai") {{ {every_field("Post", 4)} }} }}'
    body = ask(c, query)["body"]
    assert "errors" not in body, body.get("errors")
    post = body["data"]["post"]
    assert post["makers"][0]["username"] == "sandbox_maker" and post["user"]["id"] == post["userId"]
    assert post["topics"]["edges"][0]["node"]["slug"] == "productivity"
    assert post["productLinks"] == [{"type": "Website", "url": "https://example.com"}]
    vote = post["votes"]["edges"][0]["node"]
    assert vote["createdAt"].endswith("Z") and vote["user"]["id"] == vote["userId"]
    assert post["comments"]["edges"][0]["node"]["user"]["username"].startswith("commenter")


def test_every_root_field_and_the_viewer_answer() -> None:
    c = client()
    query = (
        f"{{ viewer {{ {every_field('Viewer', 2)} }} "
        f"topics(first: 2) {{ {every_field('TopicConnection', 2)} }} "
        'topic(slug: "productivity") { name postsCount } user(username: "sandbox_maker") { name isMaker } '
        "collections(first: 1) { totalCount } goals(first: 1) { totalCount } makerGroups { totalCount } "
        'collection(slug: "x") { id } comment(id: "1") { id } goal(id: "1") { id } '
        'makerGroup(id: "1") { id } '
        'posts(first: 5, order: NEWEST, topic: "productivity", featured: false) { totalCount } }'
    )
    body = ask(c, query)["body"]
    assert "errors" not in body, body.get("errors")
    data = body["data"]
    assert data["viewer"]["user"]["madePosts"]["totalCount"] == 1
    assert data["topic"]["name"] == "Productivity" and data["user"]["isMaker"] is True
    assert data["posts"]["totalCount"] == 1 and data["collection"] is None


def test_an_unknown_field_is_refused_as_graphql_ruby_refuses_it() -> None:
    c = client()
    answer = ask(
        c, 'query Launch {\n  post(slug: "weekly-ai") {\n    id\n    product\n    n: reviews\n  }\n}'
    )
    assert answer["status"] == 200 and "data" not in answer["body"]
    product, reviews = answer["body"]["errors"]
    assert product == {
        "message": "Field 'product' doesn't exist on type 'Post' (Did you mean `productLinks`?)",
        "locations": [{"line": 4, "column": 5}],
        "path": ["query Launch", "post", "product"],
        "extensions": {"code": "undefinedField", "typeName": "Post", "fieldName": "product"},
    }
    assert reviews["message"] == "Field 'reviews' doesn't exist on type 'Post' (Did you mean `reviewsCount`?)"
    assert reviews["path"] == ["query Launch", "post", "n"]
    nothing_close = ask(c, "{ viewer { user { zzz } } }")["body"]["errors"][0]
    assert nothing_close["message"] == "Field 'zzz' doesn't exist on type 'User'"
