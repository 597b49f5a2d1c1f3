"""What the Product Hunt fake answers: every type and field of the public schema a query can reach.

Posts live in the fake's state (made through the control plane); votes, comments and their timestamps
grow with the virtual clock from the world's seeded engagement curves. Fields the fake has no story for
answer what the real API gives an ordinary account (false, empty connections), never null where the schema
says non-null.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from graphql import GraphQLError

from publisher.sandbox.core import World, iso, parse_time, secret_digest

Resolver = Callable[..., Any]
MAKER_ID = "1"
SITE = "https://www.producthunt.com"


def cursor(index: int) -> str:
    return base64.b64encode(f"cursor:{index}".encode()).decode()


def _offset(after: str | None) -> int:
    if not after:
        return 0
    try:
        return int(base64.b64decode(after).decode().split(":")[1]) + 1
    except (ValueError, IndexError):
        raise GraphQLError("Invalid cursor") from None


def connection(
    nodes: list[Any], first: int | None, after: str | None, last: int | None = None
) -> dict[str, Any]:
    """A Relay connection page: `first` after the cursor (20 by default), or the `last` ones."""
    start = _offset(after)
    if last is not None and first is None:
        start = max(start, len(nodes) - max(0, last))
        size = len(nodes) - start
    else:
        size = 20 if first is None else max(0, first)
    chosen = nodes[start : start + size]
    edges = [{"cursor": cursor(start + n), "node": node} for n, node in enumerate(chosen)]
    return {
        "edges": edges,
        "totalCount": len(nodes),
        "pageInfo": {
            "endCursor": edges[-1]["cursor"] if edges else None,
            "startCursor": edges[0]["cursor"] if edges else None,
            "hasNextPage": start + len(chosen) < len(nodes),
            "hasPreviousPage": start > 0,
        },
    }


def empty(info: Any = None, **_: Any) -> dict[str, Any]:
    """An empty connection (collections, goals, maker groups, followers: the fake keeps none)."""
    return connection([], None, None)


def paged(nodes: Callable[[], list[Any]]) -> Resolver:
    """A connection field over `nodes()`, computed only when a query asks for it."""

    def resolve(
        info: Any, first: int | None = None, after: str | None = None, last: int | None = None, **_: Any
    ) -> dict[str, Any]:
        return connection(nodes(), first, after, last)

    return resolve


def user(
    user_id: str, name: str, username: str, *, posts: Callable[[], list[Any]] | None = None
) -> dict[str, Any]:
    """A User with every field of the schema; `posts` are the ones they made (the maker's launches)."""
    made = paged(posts or list)
    return {
        "id": user_id,
        "name": name,
        "username": username,
        "headline": None,
        "coverImage": None,
        "profileImage": f"https://ph-avatars.imgix.net/{user_id}/original",
        "createdAt": "2019-01-01T00:00:00Z",
        "twitterUsername": None,
        "websiteUrl": None,
        "url": f"{SITE}/@{username}",
        "isFollowing": False,
        "isMaker": posts is not None,
        "isViewer": user_id == MAKER_ID,
        "madePosts": made,
        "submittedPosts": made,
        "votedPosts": empty,
        "followers": empty,
        "following": empty,
        "followedCollections": empty,
    }


def voter(n: int) -> dict[str, Any]:
    return user(str(10_000 + n), f"Hunter {n}", f"hunter{n}")


def topic(name: str) -> dict[str, Any]:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "topic"
    return {
        "id": str(int(secret_digest("topic:" + slug)[:6], 16)),
        "name": name,
        "slug": slug,
        "description": f"{name} products on Product Hunt.",
        "createdAt": "2016-01-01T00:00:00Z",
        "followersCount": 1000 + len(slug) * 37,
        "postsCount": 100 + len(slug) * 11,
        "image": f"https://ph-files.imgix.net/topics/{slug}.png",
        "isFollowing": False,
        "url": f"{SITE}/topics/{slug}",
    }


def arrival_times(world: World, key: str, metric: str, created: datetime, count: int) -> list[datetime]:
    """When each of the `count` votes (or comments) came: the moment the post's curve reached it (to the
    second), so timestamps and counts always agree."""
    horizon = max(0, int((world.now - created).total_seconds()))
    times = []
    low = 0
    for k in range(1, count + 1):
        lo, hi = low, horizon
        while lo < hi:
            mid = (lo + hi) // 2
            if world.engagement(key, metric, created, created + timedelta(seconds=mid)) >= k:
                hi = mid
            else:
                lo = mid + 1
        low = lo
        times.append(created + timedelta(seconds=lo))
    return times


class Posts:
    """The launches the fake holds, seen from one request's moment on the virtual clock."""

    def __init__(self, world: World, posts: dict[str, dict[str, Any]]) -> None:
        self.world, self.posts = world, posts
        self.maker = user(MAKER_ID, "Sandbox Maker", "sandbox_maker", posts=self.visible_views)

    def visible(self) -> list[dict[str, Any]]:
        return [p for p in self.posts.values() if parse_time(p["createdAt"]) <= self.world.now]

    def visible_views(self) -> list[dict[str, Any]]:
        return [self.view(p) for p in self.visible()]

    def find(
        self, *, id: str | None = None, slug: str | None = None, url: str | None = None
    ) -> dict[str, Any] | None:
        for post in self.visible():
            if (id is not None and post["id"] == id) or (slug is not None and post["slug"] == slug):
                return self.view(post)
            if url is not None and url.split("?")[0].rstrip("/") in (post["url"], post["website"]):
                return self.view(post)
        return None

    def view(self, post: dict[str, Any]) -> dict[str, Any]:
        world, created = self.world, parse_time(post["createdAt"])
        key = "ph:" + post["id"]
        votes, comments = world.engagement(key, "votes", created), world.engagement(key, "comments", created)

        def comment_nodes(order: str = "NEWEST") -> list[dict[str, Any]]:
            times = arrival_times(world, key, "comments", created, comments)
            nodes = [self._comment(post, key, created, k, times[k - 1]) for k in range(comments, 0, -1)]
            if order == "VOTES_COUNT":
                nodes.sort(key=lambda c: -c["votesCount"])
            return nodes

        def comment_list(
            info: Any, first: int | None = None, after: str | None = None, order: str = "NEWEST", **kw: Any
        ) -> dict[str, Any]:
            return connection(comment_nodes(order), first, after, kw.get("last"))

        def vote_list(
            info: Any,
            first: int | None = None,
            after: str | None = None,
            createdAfter: str | None = None,
            createdBefore: str | None = None,
            last: int | None = None,
            **_: Any,
        ) -> dict[str, Any]:
            since = parse_time(createdAfter) if createdAfter else None
            until = parse_time(createdBefore) if createdBefore else None
            nodes = [
                {
                    "id": f"{post['id']}v{k:05d}",
                    "createdAt": iso(at),
                    "userId": str(10_000 + k),
                    "user": voter(k),
                }
                for k, at in enumerate(arrival_times(world, key, "votes", created, votes), start=1)
                if (since is None or at > since) and (until is None or at < until)
            ]
            nodes.reverse()  # newest first, as the site lists them
            return connection(nodes, first, after, last)

        names = [str(t) for t in post.get("topics") or ["Productivity"]]
        thumbnail = post["thumbnail"]
        return {
            **{k: v for k, v in post.items() if k != "topics"},
            "votesCount": votes,
            "commentsCount": comments,
            "comments": comment_list,
            "votes": vote_list,
            "reviewsRating": round(4 + (int(secret_digest(key)[:4], 16) % 10) / 10, 1),
            "reviewsCount": int(secret_digest(key)[4:6], 16) % 12,
            "isVoted": False,
            "isCollected": False,
            "collections": empty,
            "topics": paged(lambda: [topic(n) for n in names]),
            "makers": [self.maker],
            "user": self.maker,
            "userId": MAKER_ID,
            "media": [
                thumbnail,
                *({"url": u, "type": "image", "videoUrl": None} for u in post.get("gallery", [])),
            ],
            "productLinks": [{"type": "Website", "url": post["website"]}],
        }

    def _comment(
        self, post: dict[str, Any], key: str, created: datetime, k: int, at: datetime
    ) -> dict[str, Any]:
        world = self.world
        votes = world.engagement(f"{key}:c{k}", "votes", created) // 20
        return {
            "id": f"{post['id']}{k:05d}",
            "body": f"Comment #{k} on {post['name']}",
            "createdAt": iso(at),
            "votesCount": votes,
            "isVoted": False,
            "parentId": None,
            "parent": None,
            "replies": empty,
            "url": f"{post['url']}#comment-{k}",
            "userId": str(20_000 + k),
            "user": user(str(20_000 + k), f"Commenter {k}", f"commenter{k}"),
            "votes": paged(
                lambda: [
                    {
                        "id": f"{post['id']}c{k}v{n}",
                        "createdAt": iso(created),
                        "userId": str(10_000 + n),
                        "user": voter(n),
                    }
                    for n in range(1, votes + 1)
                ]
            ),
        }


def root(world: World, posts_state: dict[str, dict[str, Any]], *, user_token: bool) -> dict[str, Any]:
    """The Query root for one request; `viewer` is null for a public-scope (client credentials) token."""
    launches = Posts(world, posts_state)

    def post(info: Any, id: str | None = None, slug: str | None = None) -> dict[str, Any] | None:
        return launches.find(id=id, slug=slug)

    def posts(
        info: Any,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        order: str = "RANKING",
        postedAfter: str | None = None,
        postedBefore: str | None = None,
        featured: bool | None = None,
        topic: str | None = None,
        url: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        if url is not None:
            found = launches.find(url=url)
            return connection([found] if found else [], first, after, last)
        views = launches.visible_views()
        if postedAfter:
            views = [v for v in views if parse_time(v["createdAt"]) > parse_time(postedAfter)]
        if postedBefore:
            views = [v for v in views if parse_time(v["createdAt"]) < parse_time(postedBefore)]
        if featured is not None:
            views = [v for v in views if bool(v.get("featuredAt")) == featured]
        if topic:
            views = [v for v in views if any(t == topic for t in _topic_slugs(posts_state, v["id"]))]
        if order == "NEWEST":
            views.sort(key=lambda v: v["createdAt"], reverse=True)
        elif order == "FEATURED_AT":
            views.sort(key=lambda v: v.get("featuredAt") or "", reverse=True)
        else:  # RANKING and VOTES: the fake ranks by votes
            views.sort(key=lambda v: -v["votesCount"])
        return connection(views, first, after, last)

    def all_topics() -> list[dict[str, Any]]:
        names = {str(t) for p in posts_state.values() for t in p.get("topics") or ["Productivity"]}
        return [topic(n) for n in sorted(names)]

    def one_topic(info: Any, id: str | None = None, slug: str | None = None) -> dict[str, Any] | None:
        return next((t for t in all_topics() if t["id"] == id or t["slug"] == slug), None)

    def topics(info: Any, query: str | None = None, **page: Any) -> dict[str, Any]:
        found = [t for t in all_topics() if not query or query.lower() in t["name"].lower()]
        return connection(found, page.get("first"), page.get("after"), page.get("last"))

    def one_user(info: Any, id: str | None = None, username: str | None = None) -> dict[str, Any] | None:
        maker = launches.maker
        return maker if id == maker["id"] or username == maker["username"] else None

    def nothing(info: Any, **_: Any) -> None:
        return None

    viewer = (
        {"user": launches.maker, "goals": empty, "makerGroups": empty, "makerProjects": empty}
        if user_token
        else None
    )
    return {
        "post": post,
        "posts": posts,
        "topic": one_topic,
        "topics": topics,
        "user": one_user,
        "viewer": viewer,
        "collection": nothing,
        "collections": empty,
        "comment": nothing,
        "goal": nothing,
        "goals": empty,
        "makerGroup": nothing,
        "makerGroups": empty,
    }


def _topic_slugs(posts_state: dict[str, dict[str, Any]], post_id: str) -> list[str]:
    return [topic(str(t))["slug"] for t in posts_state[post_id].get("topics") or ["Productivity"]]
