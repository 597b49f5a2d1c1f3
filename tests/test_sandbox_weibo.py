"""The Weibo fake is as strict as Weibo: secure-domain link, rip, length, #topic#, repeat content, tokens."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from publisher.sandbox.core import World
from publisher.sandbox.weibo import PREFIX, WeiboState, routes

T = TypeVar("T")
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
REDIRECT = "http://127.0.0.1:1/callback"


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def fake() -> tuple[World, httpx.AsyncClient]:
    world = World(seed=3, now=NOW, factories={"weibo": WeiboState})
    app = Starlette(routes=[Mount(PREFIX, routes=routes(world))])
    return world, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/wb")


async def token(c: httpx.AsyncClient, key: str = "wbkey", secret: str = "wb-secret") -> dict[str, Any]:
    r = await c.get("/oauth2/authorize", params={"client_id": key, "redirect_uri": REDIRECT, "state": "s"})
    assert r.status_code == 302
    code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
    form = {
        "client_id": key,
        "client_secret": secret,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
    }
    r = await c.post("/oauth2/access_token", data=form)
    assert r.status_code == 200, r.text
    again = await c.post("/oauth2/access_token", data=form)
    assert again.json()["error_code"] == 21325  # a code is single-use
    return dict(r.json())


def share(c: httpx.AsyncClient, tok: str, status: str, **extra: Any) -> Awaitable[httpx.Response]:
    return c.post(
        "/2/statuses/share.json", data={"access_token": tok, "status": status, "rip": "8.8.8.8", **extra}
    )


def test_code_grant_token_info_and_expiry() -> None:
    async def go() -> None:
        world, c = fake()
        async with c:
            t = await token(c)
            assert set(t) >= {"access_token", "expires_in", "uid"}
            info = (await c.post("/oauth2/get_token_info", data={"access_token": t["access_token"]})).json()
            assert info["expire_in"] == t["expires_in"] and str(info["uid"]) == t["uid"]
            world.advance(t["expires_in"])
            r = await share(c, t["access_token"], "新品 https://example.com/a")
            assert r.status_code == 400 and r.json()["error_code"] == 21327
            r = await share(c, "2.00nosuchtoken", "新品 https://example.com/a")
            assert r.json() == {
                "error": "invalid_access_token",
                "error_code": 21332,
                "request": "/2/statuses/share.json",
                "error_description": "invalid_access_token",
            }

    run(go())


def test_share_refuses_what_weibo_refuses() -> None:
    async def go() -> None:
        _, c = fake()
        async with c:
            tok = (await token(c))["access_token"]
            cases = {
                "没有链接": 10017,
                "别家链接 https://other.org/x": 10017,
                "带话题 #效率工具# https://example.com/x": 10017,
                "长" * 1991 + " https://example.com/x": 20012,
            }
            for text, code in cases.items():
                r = await share(c, tok, text)
                assert r.json()["error_code"] == code, text
            assert (await c.post("/2/statuses/share.json", data={"access_token": tok, "status": "x"})).json()[
                "error_code"
            ] == 10016  # rip is required

    run(go())


def test_length_is_counted_as_weibo_counts() -> None:
    async def go() -> None:
        _, c = fake()
        async with c:
            tok = (await token(c))["access_token"]
            fits = "长" * 1989 + " https://www.example.com/" + "x" * 90  # 1989 + 0.5 + 10 = 1999.5 -> 2000
            assert (await share(c, tok, fits)).status_code == 200
            over = "长" * 1990 + " https://www.example.com/y"
            assert (await share(c, tok, over)).json()["error_code"] == 20012

    run(go())


def test_repeat_content_links_become_tcn_and_the_timeline_reads_back() -> None:
    async def go() -> None:
        world, c = fake()
        async with c:
            tok = (await token(c))["access_token"]
            text = "三步写完周报 https://example.com/launch?utm_source=weibo"
            r = await share(c, tok, text)
            assert r.status_code == 200
            status = r.json()
            assert (
                status["text"].startswith("三步写完周报 http://t.cn/") and "example.com" not in status["text"]
            )
            assert (await share(c, tok, text)).json()["error_code"] == 20019
            world.advance(3 * 86400)
            assert (await share(c, tok, text)).json()["error_code"] == 20019  # still the latest post
            head = {"Authorization": f"OAuth2 {tok}"}
            timeline = (await c.get("/2/statuses/user_timeline.json", headers=head)).json()
            assert [s["idstr"] for s in timeline["statuses"]] == [status["idstr"]]
            counts = (
                await c.get("/2/statuses/count.json", params={"ids": status["idstr"]}, headers=head)
            ).json()
            assert set(counts[0]) >= {"id", "comments", "reposts", "attitudes"} and counts[0]["reposts"] > 0
            missing = await c.get("/2/statuses/show.json", params={"id": "1"}, headers=head)
            assert missing.json()["error_code"] == 20101

    run(go())


def test_rate_limits_posts_per_hour_and_calls_per_hour() -> None:
    async def go() -> None:
        world, c = fake()
        world.config["weibo"] = {"posts_per_hour": 2, "calls_per_hour": 5}
        async with c:
            tok = (await token(c))["access_token"]
            for n in range(2):
                assert (await share(c, tok, f"第{n}条 https://example.com/{n}")).status_code == 200
            assert (await share(c, tok, "第3条 https://example.com/3")).json()["error_code"] == 20016
            world.advance(timedelta(hours=1).total_seconds())
            codes = [(await share(c, tok, f"再{n} https://example.com/r{n}")).status_code for n in range(3)]
            assert codes[:2] == [200, 200]
            for _ in range(3):  # 3 shares + 3 reads: the sixth call of the hour is one too many
                r = await c.get("/2/statuses/user_timeline.json", params={"access_token": tok})
            assert r.status_code == 403 and r.json()["error_code"] == 10023

    run(go())
