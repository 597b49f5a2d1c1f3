"""WeChat media uploads and the draft box: uploadimg, add_material, the draft/* endpoints."""

from __future__ import annotations

import hashlib
import html as htmllib
import re
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from publisher.sandbox.core import MB, World, content_key
from publisher.sandbox.wechat.state import authorize, err, json_body, ok, store

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_MMBIZ = re.compile(r"""src\s*=\s*["']?(?:https?:)?//mmbiz\.qpic\.cn/""", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_CODE_BLOCK = re.compile(r"(<(pre|code)\b[^>]*>)(.*?)(</\2\s*>)", re.IGNORECASE | re.DOTALL)
# type -> (max bytes, accepted formats, size error code)
_MATERIAL = {
    "image": (10 * MB, {"png", "jpeg", "gif", "bmp"}, 40009),
    "thumb": (64 * 1024, {"jpeg"}, 40012),
    "voice": (2 * MB, {"mp3", "amr", "other"}, 40010),
    "video": (10 * MB, {"mp4"}, 40011),
}
NEWS_FIELDS = (
    "title",
    "author",
    "digest",
    "content",
    "content_source_url",
    "thumb_media_id",
    "show_cover_pic",
    "need_open_comment",
    "only_fans_can_comment",
    "url",
    "thumb_url",
    "article_type",
    "image_info",
)


def sniff(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    if data[4:8] == b"ftyp":
        return "mp4"
    if data.startswith(b"ID3") or data[:2] == b"\xff\xfb":
        return "mp3"
    if data.startswith(b"#!AMR"):
        return "amr"
    return "other"


def normalise_code(html: str) -> str:
    """WeChat's whitespace normalisation inside `<pre>`/`<code>`: raw newlines dropped, runs of whitespace
    collapsed to one space (so code that relied on `white-space: pre` loses its lines and indentation)."""

    def squash(match: re.Match[str]) -> str:
        inner = re.sub(r"[ \t\f\r]+", " ", match.group(3).replace("\n", ""))
        return match.group(1) + inner + match.group(4)

    return _CODE_BLOCK.sub(squash, html)


def clean_content(html: str) -> str:
    """What WeChat keeps of an article body: no scripts, only images hosted on mmbiz, code whitespace
    normalised, and the length counted as text (see `text_length`)."""
    return _IMG.sub(lambda m: m.group(0) if _MMBIZ.search(m.group(0)) else "", kept_text(html))


def kept_text(html: str) -> str:
    """An article body as WeChat stores it, images aside: scripts removed, code whitespace normalised."""
    return normalise_code(_SCRIPT.sub("", html))


def stored_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A post's fields as the draft box will hold them. Images stay: publishing uploads them to mmbiz first,
    and a preview shows the local copies."""
    stored = dict(fields)
    if isinstance(stored.get("content"), str):
        stored["content"] = kept_text(stored["content"])
    return stored


def text_length(html: str) -> int:
    """The article's visible text in characters: what the 20,000 limit counts (docs/platforms/wechat.md)."""
    return len(htmllib.unescape(_TAG.sub("", html)))


def news_view(article: dict[str, Any], *, no_content: bool = False) -> dict[str, Any]:
    view = {k: article[k] for k in NEWS_FIELDS if k in article}
    if no_content:
        view.pop("content", None)
    return view


async def _upload(request: Request) -> bytes | None:
    form = await request.form()
    media = form.get("media")
    if not isinstance(media, UploadFile):
        return None
    return await media.read()


def _check_article(world: World, appid: str, raw: Any) -> dict[str, Any] | JSONResponse:
    """Validate one ARTICLE as draft/add does and return what the draft box stores."""
    if not isinstance(raw, dict):
        return err(world, 47001)
    limits = world.config["wechat"]["limits"]
    wx = store(world)
    kind = raw.get("article_type") or "news"
    title, content = str(raw.get("title") or ""), str(raw.get("content") or "")
    author, digest = str(raw.get("author") or ""), str(raw.get("digest") or "")
    source_url = str(raw.get("content_source_url") or "")
    if not title or not content:
        return err(world, 44003)
    # Length codes 45003/45004/45002 are assumptions [U]; 45110 is WeChat's author code.
    if len(title) > limits["title"]:
        return err(world, 45003)
    if len(author) > limits["author"]:
        return err(world, 45110)
    if len(digest) > limits["digest"]:
        return err(world, 45004)
    if text_length(content) >= limits["content_chars"] or len(content.encode()) >= limits["content_bytes"]:
        return err(world, 45002)
    if len(source_url.encode()) > limits["content_source_url_bytes"]:
        return err(world, 41039)

    def permanent(media_id: Any) -> bool:
        material = wx.materials.get(str(media_id or ""))
        return material is not None and material["appid"] == appid and material["type"] in ("image", "thumb")

    article: dict[str, Any] = {
        "article_type": kind,
        "title": title,
        "author": author,
        "content": clean_content(content),
        "content_source_url": source_url,
        "need_open_comment": int(raw.get("need_open_comment") or 0),
        "only_fans_can_comment": int(raw.get("only_fans_can_comment") or 0),
        "show_cover_pic": 0,
        "dup_key": content_key(title, content),
    }
    article["digest"] = digest or _TAG.sub("", article["content"])[:54]
    if kind == "newspic":
        images = ((raw.get("image_info") or {}).get("image_list")) or []
        if len(images) > limits["newspic_images"]:
            return err(world, 45008)
        if not images or not all(permanent(i.get("image_media_id")) for i in images if isinstance(i, dict)):
            return err(world, 40007)
        article["image_info"] = {"image_list": images}
    else:
        if not permanent(raw.get("thumb_media_id")):
            return err(world, 40007)
        article["thumb_media_id"] = raw["thumb_media_id"]
        article["thumb_url"] = wx.materials[raw["thumb_media_id"]].get("url", "")
    return article


def _check_articles(world: World, appid: str, raw: Any) -> list[dict[str, Any]] | JSONResponse:
    if not isinstance(raw, list) or not raw:
        return err(world, 44002)
    if len(raw) > world.config["wechat"]["limits"]["articles"]:
        return err(world, 45008)
    checked = []
    for item in raw:
        article = _check_article(world, appid, item)
        if isinstance(article, JSONResponse):
            return article
        checked.append(article)
    return checked


def _draft_of(world: World, appid: str, body: dict[str, Any] | None) -> dict[str, Any] | None:
    draft = store(world).drafts.get(str((body or {}).get("media_id") or ""))
    return draft if draft is not None and draft["appid"] == appid else None


def _page(body: dict[str, Any] | None) -> tuple[int, int, bool] | None:
    try:
        offset, count = int((body or {}).get("offset", 0)), int((body or {}).get("count", 0))
    except (TypeError, ValueError):
        return None
    if offset < 0 or not 1 <= count <= 20:
        return None
    return offset, count, bool(int((body or {}).get("no_content") or 0))


def wechat_content_routes(world: World) -> list[Route]:
    async def uploadimg(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/media/uploadimg")
        if isinstance(appid, JSONResponse):
            return appid
        data = await _upload(request)
        if data is None:
            return err(world, 41005, "media data missing")
        kind = sniff(data)
        if kind not in ("png", "jpeg"):
            return err(world, 40005)
        if len(data) >= MB:
            return err(world, 40009)
        fmt = "png" if kind == "png" else "jpg"
        url = f"http://mmbiz.qpic.cn/sz_mmbiz_{fmt}/{world.mint('', 32)}/0?wx_fmt={fmt}"
        store(world).images[url] = {
            "appid": appid,
            "url": url,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        return ok({"url": url})

    async def add_material(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/material/add_material")
        if isinstance(appid, JSONResponse):
            return appid
        kind = request.query_params.get("type", "")
        if kind not in _MATERIAL:
            return err(world, 40004)
        data = await _upload(request)
        if data is None:
            return err(world, 41005, "media data missing")
        limit, formats, size_code = _MATERIAL[kind]
        fmt = sniff(data)
        if fmt not in formats and "other" not in formats:
            return err(world, 40005)
        if len(data) > limit:
            return err(world, size_code)
        media_id = world.mint("", 43)
        material = {
            "media_id": media_id,
            "appid": appid,
            "type": kind,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "created": world.epoch(),
        }
        if kind in ("image", "thumb"):
            material["url"] = f"http://mmbiz.qpic.cn/mmbiz_{fmt}/{world.mint('', 32)}/0?wx_fmt={fmt}"
        store(world).materials[media_id] = material
        # A real add_material answer carries no errcode, only the ids.
        return JSONResponse({"media_id": media_id, **({"url": material["url"]} if "url" in material else {})})

    async def draft_add(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/draft/add")
        if isinstance(appid, JSONResponse):
            return appid
        body = await json_body(request)
        articles = _check_articles(world, appid, (body or {}).get("articles"))
        if isinstance(articles, JSONResponse):
            return articles
        media_id = world.mint("", 43)
        store(world).drafts[media_id] = {
            "media_id": media_id,
            "appid": appid,
            "articles": articles,
            "update_time": world.epoch(),
            "created": world.epoch(),
        }
        for article in articles:
            world.note_content("wechat", appid, "draft", article["dup_key"], media_id)
        return JSONResponse({"media_id": media_id})

    async def draft_get(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/draft/get")
        if isinstance(appid, JSONResponse):
            return appid
        draft = _draft_of(world, appid, await json_body(request))
        if draft is None:
            return err(world, 40007)
        return JSONResponse(
            {
                "news_item": [news_view(a) for a in draft["articles"]],
                "create_time": draft["created"],
                "update_time": draft["update_time"],
            }
        )

    async def draft_batchget(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/draft/batchget")
        if isinstance(appid, JSONResponse):
            return appid
        page = _page(await json_body(request))
        if page is None:
            return err(world, 40002, "invalid count")
        offset, count, no_content = page
        drafts = sorted(
            (d for d in store(world).drafts.values() if d["appid"] == appid),
            key=lambda d: (d["update_time"], d["created"]),
            reverse=True,
        )
        chosen = drafts[offset : offset + count]
        return JSONResponse(
            {
                "total_count": len(drafts),
                "item_count": len(chosen),
                "item": [
                    {
                        "media_id": d["media_id"],
                        "update_time": d["update_time"],
                        "content": {
                            "news_item": [news_view(a, no_content=no_content) for a in d["articles"]]
                        },
                    }
                    for d in chosen
                ],
            }
        )

    async def draft_count(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/draft/count")
        if isinstance(appid, JSONResponse):
            return appid
        return ok({"total_count": sum(1 for d in store(world).drafts.values() if d["appid"] == appid)})

    async def draft_delete(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/draft/delete")
        if isinstance(appid, JSONResponse):
            return appid
        draft = _draft_of(world, appid, await json_body(request))
        if draft is None:
            return err(world, 40007)
        del store(world).drafts[draft["media_id"]]
        return ok()

    async def draft_update(request: Request) -> JSONResponse:
        appid = authorize(world, request, "/cgi-bin/draft/update")
        if isinstance(appid, JSONResponse):
            return appid
        body = await json_body(request)
        draft = _draft_of(world, appid, body)
        if draft is None:
            return err(world, 40007)
        index = (body or {}).get("index", 0)
        if not isinstance(index, int) or not 0 <= index < len(draft["articles"]):
            return err(world, 40114)
        article = _check_article(world, appid, (body or {}).get("articles"))
        if isinstance(article, JSONResponse):
            return article
        draft["articles"][index] = article
        draft["update_time"] = world.epoch()
        return ok()

    return [
        Route("/cgi-bin/media/uploadimg", uploadimg, methods=["POST"]),
        Route("/cgi-bin/material/add_material", add_material, methods=["POST"]),
        Route("/cgi-bin/draft/add", draft_add, methods=["POST"]),
        Route("/cgi-bin/draft/get", draft_get, methods=["POST"]),
        Route("/cgi-bin/draft/batchget", draft_batchget, methods=["POST"]),
        Route("/cgi-bin/draft/count", draft_count, methods=["GET"]),
        Route("/cgi-bin/draft/delete", draft_delete, methods=["POST"]),
        Route("/cgi-bin/draft/update", draft_update, methods=["POST"]),
    ]
