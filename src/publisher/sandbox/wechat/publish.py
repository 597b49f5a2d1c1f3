"""WeChat publishing: freepublish (async on the virtual clock), mass send with clientmsgid, quotas."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from publisher.sandbox.core import BEIJING, World, content_key
from publisher.sandbox.wechat.content import news_view
from publisher.sandbox.wechat.state import (
    PUBLISHED,
    PUBLISHING,
    _finish_job,
    authorize,
    err,
    json_body,
    ok,
    store,
    verified,
)


def _article_view(article: dict[str, Any], no_content: bool = False) -> dict[str, Any]:
    return {
        "article_id": article["article_id"],
        "update_time": article["update_time"],
        "content": {
            "news_item": [
                {**news_view(a, no_content=no_content), "url": a["url"], "is_deleted": a["is_deleted"]}
                for a in article["news_item"]
            ]
        },
    }


def wechat_publish_routes(world: World) -> list[Route]:
    async def submit(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/freepublish/submit")
        if isinstance(appid, JSONResponse):
            return appid
        if not verified(world, appid):
            return err(world, 48001)
        wx = store(world)
        media_id = str((await json_body(request) or {}).get("media_id") or "")
        draft = wx.drafts.get(media_id)
        if draft is None or draft["appid"] != appid:
            return err(world, 40007)
        cfg = world.config["wechat"]
        job: dict[str, Any] = {
            "publish_id": world.mint("", 10, digits=True),
            "msg_data_id": world.mint("", 10, digits=True),
            "appid": appid,
            "media_id": media_id,
            "submitted_at": world.now,
            "due_at": world.now + timedelta(seconds=float(cfg["publish_delay_seconds"])),
            "publish_status": PUBLISHING,
            "outcome": int(cfg["publish_outcome"]),
            "fail_idx": [],
            "news_item": [dict(a) for a in draft["articles"]],
        }
        wx.publish_jobs[job["publish_id"]] = job
        if world.now >= job["due_at"]:
            _finish_job(world, wx, job)
        return ok({"publish_id": job["publish_id"], "msg_data_id": job["msg_data_id"]})

    async def get(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/freepublish/get")
        if isinstance(appid, JSONResponse):
            return appid
        job = store(world).publish_jobs.get(str((await json_body(request) or {}).get("publish_id") or ""))
        if job is None or job["appid"] != appid:
            return err(world, 53502)
        answer: dict[str, Any] = {"publish_id": job["publish_id"], "publish_status": job["publish_status"]}
        if job["publish_status"] == PUBLISHED:
            answer["article_id"] = job["article_id"]
            answer["article_detail"] = job["article_detail"]
        answer["fail_idx"] = job["fail_idx"]
        return JSONResponse(answer)

    async def getarticle(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/freepublish/getarticle")
        if isinstance(appid, JSONResponse):
            return appid
        article = store(world).articles.get(str((await json_body(request) or {}).get("article_id") or ""))
        if article is None or article["appid"] != appid:
            return err(world, 53600)
        return JSONResponse(_article_view(article)["content"])

    async def batchget(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/freepublish/batchget")
        if isinstance(appid, JSONResponse):
            return appid
        body = await json_body(request) or {}
        try:
            offset, count = int(body.get("offset", 0)), int(body.get("count", 0))
        except (TypeError, ValueError):
            return err(world, 40002, "invalid count")
        if offset < 0 or not 1 <= count <= 20:
            return err(world, 40002, "invalid count")
        articles = sorted(
            (a for a in store(world).articles.values() if a["appid"] == appid),
            key=lambda a: a["update_time"],
            reverse=True,
        )
        chosen = articles[offset : offset + count]
        no_content = bool(int(body.get("no_content") or 0))
        return JSONResponse(
            {
                "total_count": len(articles),
                "item_count": len(chosen),
                "item": [_article_view(a, no_content) for a in chosen],
            }
        )

    async def delete(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/freepublish/delete")
        if isinstance(appid, JSONResponse):
            return appid
        body = await json_body(request) or {}
        article = store(world).articles.get(str(body.get("article_id") or ""))
        if article is None or article["appid"] != appid:
            return err(world, 53600)
        index = int(body.get("index") or 0)
        if not 0 <= index <= len(article["news_item"]):
            return err(world, 40114)
        for n, item in enumerate(article["news_item"], start=1):
            if index in (0, n):
                item["is_deleted"] = True
        return ok()

    async def sendall(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/message/mass/sendall")
        if isinstance(appid, JSONResponse):
            return appid
        if not verified(world, appid):
            return err(world, 48001)
        body = await json_body(request)
        if body is None:
            return err(world, 47001)
        wx = store(world)
        media_id = str((body.get("mpnews") or {}).get("media_id") or "")
        # Without a clientmsgid the platform derives one from the audience and the content.
        clientmsgid = str(body.get("clientmsgid") or content_key(body.get("filter"), media_id))
        if len(clientmsgid.encode()) > 64:
            return err(world, 45067)
        earlier = wx.clientmsgids.get((appid, clientmsgid))
        if earlier is not None:
            age = (world.now - wx.mass_sends[earlier]["sent_at"]).total_seconds()
            if age < 60:
                return err(world, 45066)
            if age < 86400:
                return err(world, 45065, msg_id=int(earlier))
        draft = wx.drafts.get(media_id)
        if body.get("msgtype") != "mpnews" or draft is None or draft["appid"] != appid:
            return err(world, 40007)
        today = [
            m
            for m in wx.mass_sends.values()
            if m["appid"] == appid and world.beijing_day(m["sent_at"]) == world.beijing_day()
        ]
        if len(today) >= int(world.config["wechat"]["mass_send_per_day"]):
            return err(world, 45028)
        msg_id, msg_data_id = world.mint("", 10, digits=True), world.mint("", 10, digits=True)
        wx.mass_sends[msg_id] = {
            "msg_id": msg_id,
            "msg_data_id": msg_data_id,
            "appid": appid,
            "media_id": media_id,
            "clientmsgid": clientmsgid,
            "filter": body.get("filter"),
            "sent_at": world.now,
            "news_item": [dict(a) for a in draft["articles"]],
        }
        wx.clientmsgids[(appid, clientmsgid)] = msg_id
        del wx.drafts[media_id]
        for article in draft["articles"]:
            world.note_content("wechat", appid, "mass_send", article["dup_key"], msg_id)
        return ok(
            {"errmsg": "send job submission success", "msg_id": int(msg_id), "msg_data_id": int(msg_data_id)}
        )

    async def quota_get(request: Request) -> JSONResponse:
        body = await json_body(request) or {}
        appid = authorize(world, request, "/cgi-bin/openapi/quota/get")
        if isinstance(appid, JSONResponse):
            return appid
        path = str(body.get("cgi_path") or "")
        limit = world.config["wechat"]["quotas"].get(path)
        if limit is None:
            return err(world, 76021, "cgi_path not found")
        used = world.daily_used("wechat", appid, path)
        return ok({"quota": {"daily_limit": limit, "used": used, "remain": max(0, limit - used)}})

    async def clear_quota(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/clear_quota")
        if isinstance(appid, JSONResponse):
            return appid
        wx, month = store(world), (appid, world.now.astimezone(BEIJING).strftime("%Y-%m"))
        if wx.quota_clears.get(month, 0) >= 10:
            return err(world, 48006, "forbid to clear quota because of reaching the limit")
        wx.quota_clears[month] = wx.quota_clears.get(month, 0) + 1
        world.clear_daily("wechat", appid)
        return ok()

    return [
        Route("/cgi-bin/freepublish/submit", submit, methods=["POST"]),
        Route("/cgi-bin/freepublish/get", get, methods=["POST"]),
        Route("/cgi-bin/freepublish/getarticle", getarticle, methods=["POST"]),
        Route("/cgi-bin/freepublish/batchget", batchget, methods=["POST"]),
        Route("/cgi-bin/freepublish/delete", delete, methods=["POST"]),
        Route("/cgi-bin/message/mass/sendall", sendall, methods=["POST"]),
        Route("/cgi-bin/openapi/quota/get", quota_get, methods=["POST"]),
        Route("/cgi-bin/clear_quota", clear_quota, methods=["POST"]),
    ]
