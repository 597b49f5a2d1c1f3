"""WeChat statistics (/datacube/*): deterministic numbers keyed by msgid, growing with time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from publisher.sandbox.core import BEIJING, World
from publisher.sandbox.wechat.state import authorize, err, json_body, store, verified

ARTICLE_METRICS = {
    "read_user": "read",
    "share_user": "share",
    "zaikan_user": "zaikan",
    "like_user": "like",
    "comment_count": "comment",
    "collection_user": "collection",
}


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BEIJING)


def _sources(world: World, appid: str) -> list[dict[str, Any]]:
    """Every article that reached followers' feeds: freepublish successes and mass sends."""
    wx = store(world)
    found = []
    for article in wx.articles.values():
        if article["appid"] == appid:
            for idx, item in enumerate(article["news_item"], start=1):
                found.append(
                    {
                        "msgid": f"{article['msg_data_id']}_{idx}",
                        "at": article["published_at"],
                        "title": item["title"],
                        "publish_type": 1,
                    }
                )
    for send in wx.mass_sends.values():
        if send["appid"] == appid:
            for idx, item in enumerate(send["news_item"], start=1):
                found.append(
                    {
                        "msgid": f"{send['msg_data_id']}_{idx}",
                        "at": send["sent_at"],
                        "title": item["title"],
                        "publish_type": 0,
                    }
                )
    return found


def _numbers(world: World, msgid: str, since: datetime, at: datetime) -> dict[str, Any]:
    numbers: dict[str, Any] = {
        name: world.engagement(msgid, metric, since, at) for name, metric in ARTICLE_METRICS.items()
    }
    numbers["read_user_source"] = [{"scene": 9999, "scene_desc": "全部", "user_count": numbers["read_user"]}]
    return numbers


def _daily(world: World, msgid: str, since: datetime, day: date) -> dict[str, int]:
    end, start = _end_of(day), _end_of(day - timedelta(days=1))
    return {
        name: world.engagement(msgid, metric, since, end) - world.engagement(msgid, metric, since, start)
        for name, metric in ARTICLE_METRICS.items()
    }


def _range(world: World, body: dict[str, Any] | None, max_days: int | None) -> tuple[date, date] | None:
    """The queried dates, or None when WeChat would answer 61500 (bad format, span, or not yet available)."""
    try:
        first = date.fromisoformat(str((body or {}).get("begin_date")))
        last = date.fromisoformat(str((body or {}).get("end_date")))
    except ValueError:
        return None
    if last < first or last >= world.beijing_day():
        return None
    if max_days is not None and (last - first).days + 1 > max_days:
        return None
    return first, last


def _available_until(world: World) -> date:
    """Yesterday's data only appears after 08:00 Beijing time."""
    local = world.now.astimezone(BEIJING)
    return local.date() - timedelta(days=1 if local.hour >= 8 else 2)


def wechat_datacube_routes(world: World) -> list[Route]:
    async def guard(
        request: Request, name: str, max_days: int | None
    ) -> tuple[str, date, date] | JSONResponse:
        appid = authorize(world, request, f"/datacube/{name}")
        if isinstance(appid, JSONResponse):
            return appid
        if not verified(world, appid):
            return err(world, 48001)
        dates = _range(world, await json_body(request), max_days)
        if dates is None:
            return err(world, 61500)
        return appid, dates[0], dates[1]

    async def totaldetail(request: Request) -> JSONResponse:
        checked = await guard(request, "getarticletotaldetail", 1)
        if isinstance(checked, JSONResponse):
            return checked
        appid, day, _ = checked
        until = _available_until(world)
        rows = []
        for source in _sources(world, appid):
            if source["at"].astimezone(BEIJING).date() != day:
                continue
            stat_days = [day + timedelta(days=n) for n in range(30) if day + timedelta(days=n) <= until]
            rows.append(
                {
                    "ref_date": day.isoformat(),
                    "msgid": source["msgid"],
                    "title": source["title"],
                    "publish_type": source["publish_type"],
                    "detail_list": [
                        {
                            "stat_date": d.isoformat(),
                            **_numbers(world, source["msgid"], source["at"], _end_of(d)),
                        }
                        for d in stat_days
                    ],
                }
            )
        return JSONResponse({"list": rows, "is_delay": day > until or world.now.astimezone(BEIJING).hour < 8})

    async def articleread(request: Request) -> JSONResponse:
        checked = await guard(request, "getarticleread", 1)
        if isinstance(checked, JSONResponse):
            return checked
        appid, day, _ = checked
        rows = [
            {
                "ref_date": day.isoformat(),
                "msgid": s["msgid"],
                "detail": {"read_user": _daily(world, s["msgid"], s["at"], day)["read_user"]},
            }
            for s in _sources(world, appid)
            if s["at"] < _end_of(day)
        ]
        return JSONResponse({"list": rows, "is_delay": day > _available_until(world)})

    async def bizsummary(request: Request) -> JSONResponse:
        checked = await guard(request, "getbizsummary", None)
        if isinstance(checked, JSONResponse):
            return checked
        appid, first, last = checked
        rows = []
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            totals = dict.fromkeys(ARTICLE_METRICS, 0)
            for source in _sources(world, appid):
                for name, value in _daily(world, source["msgid"], source["at"], day).items():
                    totals[name] += value
            rows.append({"ref_date": day.isoformat(), "detail": totals})
        return JSONResponse({"list": rows, "is_delay": last > _available_until(world)})

    def followers(appid: str, day: date) -> int:
        wx = store(world)
        issued = [t.issued_at for t in wx.tokens.values() if t.appid == appid]
        since = min(issued) if issued else world.now
        base = 1000 + int.from_bytes(appid.encode()[-3:].rjust(3, b"\0"), "big") % 4000
        return base + world.engagement(appid, "followers", since, _end_of(day))

    async def usercumulate(request: Request) -> JSONResponse:
        checked = await guard(request, "getusercumulate", 7)
        if isinstance(checked, JSONResponse):
            return checked
        appid, first, last = checked
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return JSONResponse(
            {
                "list": [
                    {"ref_date": d.isoformat(), "user_source": 0, "cumulate_user": followers(appid, d)}
                    for d in days
                ]
            }
        )

    async def usersummary(request: Request) -> JSONResponse:
        checked = await guard(request, "getusersummary", 7)
        if isinstance(checked, JSONResponse):
            return checked
        appid, first, last = checked
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return JSONResponse(
            {
                "list": [
                    {
                        "ref_date": d.isoformat(),
                        "user_source": 0,
                        "cancel_user": 0,
                        "new_user": followers(appid, d) - followers(appid, d - timedelta(days=1)),
                    }
                    for d in days
                ]
            }
        )

    return [
        Route("/datacube/getarticletotaldetail", totaldetail, methods=["POST"]),
        Route("/datacube/getarticleread", articleread, methods=["POST"]),
        Route("/datacube/getbizsummary", bizsummary, methods=["POST"]),
        Route("/datacube/getusercumulate", usercumulate, methods=["POST"]),
        Route("/datacube/getusersummary", usersummary, methods=["POST"]),
    ]
