"""The in-process transport the rehearsal calls the sandbox through answers as httpx's ASGITransport does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx

from publisher.sandbox import create_app
from publisher.sandbox.inprocess import InProcessTransport

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
CREDS = {"grant_type": "client_credential", "appid": "wxapp1", "secret": "s3cret"}


async def _calls(transport: httpx.AsyncBaseTransport) -> list[tuple[int, str, object]]:
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        answers = [
            await client.post("/__fake/clock", json={"now": "2026-03-02T05:00:00+00:00"}),
            await client.post("/wx/cgi-bin/stable_token", json=CREDS),
            await client.post("/wx/cgi-bin/stable_token", content=b"not json"),
            await client.get("/no/such/route"),
        ]
    return [
        (r.status_code, r.headers.get("date", ""), r.json() if r.content[:1] == b"{" else r.text)
        for r in answers
    ]


def test_answers_as_asgi_transport_does() -> None:
    ours = asyncio.run(_calls(InProcessTransport(create_app(seed=1, now=NOW))))
    theirs = asyncio.run(_calls(httpx.ASGITransport(app=create_app(seed=1, now=NOW))))
    assert ours == theirs
    assert ours[1][0] == 200 and "access_token" in str(ours[1][2])
    assert ours[3][0] == 404
