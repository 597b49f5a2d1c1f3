"""The dashboard's pages and form actions: parse the request, call the layers below, render a template."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from publisher.calendar.preview import write_previews
from publisher.content.edit import StaleFile, move_publish_at, text_digest
from publisher.content.frontmatter import FrontMatterError
from publisher.content.item import resolve_media
from publisher.content.timeparse import TimeError, parse_publish_at
from publisher.daemon import heartbeat
from publisher.errors import PublisherError, UsageError
from publisher.messages import msg
from publisher.models import PostState
from publisher.queue.overview import PostView, post_views
from publisher.redact import redact_text
from publisher.reports.i18n import platform_label, reason, state_name, ui
from publisher.states import PERSON as PERSON_STATES
from publisher.web import actions, calendar_view, charts, draftcheck, item_view, newpost, reports_view
from publisher.web.security import require_csrf, set_csrf_cookie
from publisher.web.state import AppState

TEMPLATES_DIR = Path(__file__).parent / "templates"
THUMB_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
#: what the queue page lists: every state a person must act on, and the ones waiting on something
QUEUE_STATES = {s.value for s in PERSON_STATES} | {
    PostState.HELD.value,
    PostState.RETRYING.value,
    PostState.RECONCILE.value,
}

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["available"] = actions.available
_env.globals["job_pending"] = actions.job_pending
_env.filters["isodate"] = lambda text: datetime.fromisoformat(text) if text else None
_env.filters["web_url"] = lambda url: url if str(url).startswith(("https://", "http://")) else "#"


@functools.lru_cache(maxsize=32)
def static_url(name: str) -> str:
    """`/static/NAME?v=HASH`: the address changes with the file, so a browser never keeps an old stylesheet
    or script (one cached before an upgrade drew the calendar's thumbnails at full size)."""
    vendor = name.removeprefix("vendor/")
    path = charts.LIBRARY.parents[1] / vendor if vendor != name else Path(__file__).parent / "static" / name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


_env.globals["asset"] = static_url


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.publisher
    return state


def _local(state: AppState, when: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return when.astimezone(state.ws.zone).strftime(fmt) if when else "—"


def _why(value: PostView | str, *, lang: str) -> str:
    """A post's reason (or a stored reason's words) in `lang`: by its code and values when stored, else the
    platform's last error or the older English words, translated where known."""
    if isinstance(value, PostView):
        if value.reason_msg:
            return value.reason_text(lang)
        return reason(value.last_error or value.reason, lang)
    return reason(value, lang)


def _state_word(state: str, lang: str) -> str:
    """A badge's word: a post state by its name, and "overdue" (queued and past due, not a stored state)."""
    return ui("overdue_badge", lang) if state == "overdue" else state_name(state, lang)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page, or with ?fragment=1 only its live part (what the page's script swaps in on an event)."""
    state = _state(request)
    fragment = request.query_params.get("fragment") == "1"
    lang = state.lang
    ctx = {
        "lang": lang,
        "t": partial(ui, lang=lang),
        "sname": partial(_state_word, lang=lang),
        "why": partial(_why, lang=lang),
        "request": request,
        "ws_name": state.ws.settings.name,
        "zone": state.ws.settings.timezone,
        "csrf": state.csrf,
        "error": state.error,
        "local": partial(_local, state),
        "flash": state.take_flash(request.query_params.get("flash")),
        "here": _here(request),
        "version": request.app.state.broadcaster.version,
        "page": name,
        "labels": {key: platform_label(key, rules.label, lang) for key, rules in state.ws.rules.items()},
        "daemon": heartbeat.daemon_status(state.ws.state_dir, state.now()),
        "behind": state.copy_behind(),
        "now": state.now(),
        **context,
    }
    template = _env.get_template(f"{name}_live.html" if fragment else f"{name}.html")
    response = HTMLResponse(template.render(ctx), status_code=status)
    response.headers["cache-control"] = "no-store"
    set_csrf_cookie(response, state.csrf)
    return response


def _here(request: Request) -> str:
    kept = [(k, v) for k, v in request.query_params.items() if k not in ("fragment", "flash")]
    query = "&".join(f"{k}={quote(v)}" for k, v in kept)
    return request.url.path + (f"?{query}" if query else "")


def _problem_page(request: Request, message: str, status: int) -> HTMLResponse:
    return render(request, "problem", {"message": message}, status=status)


async def calendar_page(request: Request) -> Response:
    """The month (default), week (hour grid) or list view, filtered by ?platform=&account=&state=."""
    state = _state(request)
    await anyio.to_thread.run_sync(state.ensure_synced)
    zone = state.ws.zone
    today = state.now().astimezone(zone).date()
    q = request.query_params
    filters = calendar_view.Filters.of(q)
    try:
        if q.get("view") == "list" and q.get("day"):
            kind, first = "list", calendar_view.parse_day(q["day"])
            last = first
        else:
            kind, first, last = calendar_view.parse_period(q.get("month"), q.get("week"), today)
            kind = "list" if q.get("view") == "list" else kind
    except UsageError as exc:
        return _problem_page(request, exc.text(state.lang), 400)
    views = await anyio.to_thread.run_sync(post_views, state.store)
    digests = await anyio.to_thread.run_sync(_digests, state)
    every = calendar_view.entries(views, state.checked, zone, digests, lang=state.lang)
    shown = [e for e in every if filters.keep(e)]
    if kind == "list":
        view = calendar_view.build_list(first, last, shown, today)
    else:
        view = calendar_view.build(kind, first, last, shown, today)
    context = {
        "view": view,
        "filters": filters,
        "fq": filters.query,
        "options": {
            "platform": sorted({e.platform for e in every}),
            "account": sorted({e.account for e in every}),
            "state": sorted({e.state for e in every}),
        },
        "max_tiles": calendar_view.MONTH_TILES,
        "hours": calendar_view.hour_rows(view.rows[0]) if kind == "week" else (),
        "with_images": {
            c.item.id for c in state.checked if c.item is not None and _first_image(c.item.fields)
        },
        "keep": [(k, v) for k, v in q.items() if k in ("month", "week", "view", "day")],
        "links": {
            "month": f"month={first + timedelta(days=3) if kind == 'week' else first:%Y-%m}",
            "week": calendar_view.week_query(today if first <= today <= last else first),
            "list": f"view=list&month={first + timedelta(days=3) if kind == 'week' else first:%Y-%m}",
        },
    }
    return render(request, "calendar", context)


async def favicon(_request: Request) -> Response:
    """GET /favicon.ico: what a browser asks for on pages without an icon link (previews, reports)."""
    return FileResponse(
        Path(__file__).parent / "static" / "favicon.svg",
        media_type="image/svg+xml",
        headers={"cache-control": "max-age=86400"},
    )


def _first_image(fields: Mapping[str, Any]) -> str:
    images = fields.get("images")
    if isinstance(images, list) and images and isinstance(images[0], str):
        return images[0]
    cover = fields.get("cover")
    return cover if isinstance(cover, str) else ""


async def thumbnail(request: Request) -> Response:
    """GET /thumb/<item>: the item's first image (or cover), only from inside the workspace."""
    state = _state(request)
    checked = state.checked_item(request.path_params["item_id"])
    ref = _first_image(checked.item.fields) if checked and checked.item else ""
    if not ref or checked is None or checked.item is None:
        return Response(status_code=404)
    root = state.ws.root
    found = resolve_media(ref, root / checked.item.path, root)
    if not isinstance(found, Path) or found.suffix.lower() not in THUMB_TYPES:
        return Response(status_code=404)
    return FileResponse(
        found, media_type=THUMB_TYPES[found.suffix.lower()], headers={"cache-control": "no-cache"}
    )


def _digests(state: AppState) -> dict[str, str]:
    """Each item's file digest as this page sees it: a drag sends it back, and a changed file is refused."""
    out = {}
    for c in state.checked:
        if c.item is None:
            continue
        try:
            out[c.item.id] = text_digest((state.ws.root / c.item.path).read_bytes())
        except OSError:  # gone since the last scan: not movable
            continue
    return out


async def move_post(request: Request) -> Response:
    """POST /calendar/move: a dropped tile rewrites its item's publish_at line; sync does the rest.

    The form carries the item, its name under `platforms:`, the new local time and the file digest the
    page was rendered with; a file changed since then is refused, never overwritten.
    """
    state = _state(request)
    await require_csrf(request, state.csrf)
    form = {k: str(v) for k, v in (await request.form()).items()}
    lang = state.lang
    try:
        message = await anyio.to_thread.run_sync(lambda: _move(state, form))
        kind = "ok"
    except PublisherError as exc:
        message, kind = redact_text(exc.text(state.lang)), "error"
    except StaleFile:
        message, kind = ui("move_stale", lang), "error"
    request.app.state.broadcaster.publish("changed", paths=[], changes=1, error=None)
    back = _back(state, form, kind, message, "/")
    if request.headers.get("accept") == "application/json":
        # The page's script: it goes to the address itself, so the message is shown there, not fetched.
        return JSONResponse({"ok": kind == "ok", "message": message, "location": back.headers["location"]})
    return back


def _move(state: AppState, form: dict[str, str]) -> str:
    value = form.get("publish_at", "").strip()
    if not _LOCAL_TIME.match(value):
        raise UsageError(ui("move_bad_time", state.lang))
    try:
        parse_publish_at(value, state.ws.zone)
    except TimeError as exc:
        raise UsageError(exc.text(state.lang)) from None
    checked = state.checked_item(form.get("item", ""))
    if checked is None or checked.item is None:
        raise UsageError(msg("usage.no_such_item", item=repr(form.get("item", ""))))
    path = state.ws.root / checked.item.path
    try:
        diff = move_publish_at(path, form.get("digest", ""), value, form.get("key") or None)
    except FrontMatterError as exc:
        where = f"{checked.item.path}:{exc.line}"
        raise UsageError(msg("usage.field_says", field=where, text=exc.text(state.lang))) from None
    state.refresh()
    done = ui("move_done", state.lang, title=checked.item.title, when=value)
    return "\n".join([done, f"{Path(checked.item.path).as_posix()}:", *diff])


def _back(state: AppState, form: dict[str, str], kind: str, message: str, default: str) -> Response:
    key = state.flash(kind, message)
    target = form.get("next", default)
    odd = "\\" in target or any(c.isspace() or not c.isprintable() for c in target)
    if not target.startswith("/") or target.startswith("//") or odd:
        target = default  # never an open redirect, nor one to an address no page has (a line break in it)
    return RedirectResponse(f"{target}{'&' if '?' in target else '?'}flash={key}", status_code=303)


async def calendar_ics(request: Request) -> Response:
    """GET /calendar.ics[?platform=P]: the calendar as iCalendar, the same as `publisher calendar --ics`."""
    from publisher.calendar import ics

    state = _state(request)
    await anyio.to_thread.run_sync(state.ensure_synced)
    platform = request.query_params.get("platform") or None
    text = await anyio.to_thread.run_sync(
        lambda: ics.calendar_ics(state.ws, state.store, now=state.now(), platform=platform)
    )
    return Response(
        text.encode("utf-8"),
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": 'inline; filename="calendar.ics"', "cache-control": "no-store"},
    )


async def queue_page(request: Request) -> Response:
    state = _state(request)
    await anyio.to_thread.run_sync(state.ensure_synced)
    now = state.now()
    views = await anyio.to_thread.run_sync(
        lambda: post_views(state.store, states=QUEUE_STATES | {PostState.QUEUED.value}, now=now)
    )
    titles = state.titles()
    person = [v for v in views if v.state in {s.value for s in PERSON_STATES}]
    overdue = [v for v in views if v.overdue]  # queued and past due: sent late, or missed at missed_at
    waiting = [v for v in views if v not in person and v.state != PostState.QUEUED.value]
    return render(
        request, "queue", {"person": person, "overdue": overdue, "waiting": waiting, "titles": titles}
    )


async def item_page(request: Request) -> Response:
    state = _state(request)
    await anyio.to_thread.run_sync(state.ensure_synced)
    item_id = request.path_params["item_id"]
    checked = state.checked_item(item_id)
    views = [v for v in await anyio.to_thread.run_sync(post_views, state.store) if v.item == item_id]
    if checked is None and not views:
        return _problem_page(request, f"no item {item_id!r}", 404)
    found = checked
    compliance = (
        await anyio.to_thread.run_sync(lambda: item_view.compliance_of(state, found)) if found else None
    )
    return render(
        request,
        "item",
        {
            "item_id": item_id,
            "checked": checked,
            "compliance": compliance,
            "posts": views,
            "title": checked.item.title if checked and checked.item else item_id,
        },
    )


async def open_preview(request: Request) -> Response:
    """Render the item's previews now (the same pages as `publisher preview`) and open the one asked for."""
    state = _state(request)
    await anyio.to_thread.run_sync(state.ensure_synced)
    item_id = request.path_params["item_id"]
    checked = state.checked_item(item_id)
    if checked is None:
        return _problem_page(request, f"no item {item_id!r}", 404)

    def write() -> Any:
        with state.lock:  # the renderer is shared with the calendar's scans
            return write_previews(state.ws, checked, state.calendar.renderer)

    result = await anyio.to_thread.run_sync(write)
    page = result.pages.get(request.query_params.get("target", ""), result.index)
    root = state.ws.state_dir / "previews"
    return RedirectResponse("/previews/" + quote(page.relative_to(root).as_posix()), status_code=303)


async def post_action(request: Request) -> Response:
    """POST /posts/<id>/<action>: CSRF-checked, then the same function the CLI calls; back to the page."""
    state = _state(request)
    await require_csrf(request, state.csrf)
    form = {k: str(v) for k, v in (await request.form()).items()}
    post_id, action = request.path_params["post_id"], request.path_params["action"]
    try:
        message = await anyio.to_thread.run_sync(
            actions.run, state.store, post_id, action, form, state.now(), state.lang
        )
        if (
            action == "publish-now"
            and not heartbeat.daemon_status(state.ws.state_dir, state.now())["running"]
        ):
            message += "; no daemon runs now: it goes out once `publisher run` starts"
        kind, status = "ok", 303
    except PublisherError as exc:
        message, kind, status = redact_text(exc.text(state.lang)), "error", 303
    request.app.state.broadcaster.publish("changed", paths=[], changes=1, error=None)
    key = state.flash(kind, message)
    target = form.get("next", "/queue")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/queue"  # never an open redirect
    return RedirectResponse(f"{target}{'&' if '?' in target else '?'}flash={key}", status_code=status)


async def metrics_page(request: Request) -> Response:
    state = _state(request)
    await anyio.to_thread.run_sync(state.ensure_synced)
    period = request.query_params.get("period", "last_7_days")
    data = request.query_params.get("data")
    day, week = request.query_params.get("day"), request.query_params.get("week")
    ctx = await anyio.to_thread.run_sync(lambda: reports_view.metrics(state, period, data, day, week))
    return render(request, "metrics", ctx, status=200 if not ctx.get("period_error") else 400)


async def report_view(request: Request) -> Response:
    state = _state(request)
    q = request.query_params
    try:
        html = await anyio.to_thread.run_sync(
            lambda: reports_view.report_bytes(
                state, q.get("kind", "engagement"), "html", q.get("period"), q.get("data"), q.get("campaign")
            )[0]
        )
    except PublisherError as exc:
        return _problem_page(request, redact_text(exc.text(state.lang)), 400)
    return HTMLResponse(html.decode("utf-8"), headers={"cache-control": "no-store"})


async def report_download(request: Request) -> Response:
    state = _state(request)
    q = request.query_params
    kind, fmt = q.get("kind", "engagement"), q.get("fmt", "md")
    try:
        body, filename, media = await anyio.to_thread.run_sync(
            lambda: reports_view.report_bytes(
                state, kind, fmt, q.get("period"), q.get("data"), q.get("campaign")
            )
        )
    except PublisherError as exc:
        return _problem_page(request, redact_text(exc.text(state.lang)), 400)
    return Response(
        body,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )


async def new_post_page(request: Request) -> Response:
    """GET /new: the form for a new item (title, body, platforms, time, images from content/media)."""
    state = _state(request)
    await anyio.to_thread.run_sync(state.ensure_synced)
    media = await anyio.to_thread.run_sync(newpost.media_choices, state)
    return render(request, "new", {"draft": newpost.Draft(), "media": media, "problems": []})


async def _draft_of(request: Request) -> newpost.Draft:
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items()}
    lists = {k: [str(v) for v in raw.getlist(k)] for k in ("platforms", "images")}
    return newpost.Draft.of(form, lists)


async def new_post_check(request: Request) -> Response:
    """POST /new/check: the form's draft checked and previewed in memory (the page asks as a person types);
    nothing is written to content/. CSRF-checked like every POST; the answer is JSON for the page's script."""
    state = _state(request)
    await require_csrf(request, state.csrf)
    await anyio.to_thread.run_sync(state.ensure_synced)
    draft = await _draft_of(request)
    try:
        result = await anyio.to_thread.run_sync(draftcheck.check_draft, state, draft)
    except PublisherError as exc:
        why = ui("live_check_failed", state.lang, why=redact_text(exc.text(state.lang)))
        return JSONResponse({"ok": False, "path": "", "problems": [{"severity": "error", "text": why}]})
    return JSONResponse(result.to_dict(), headers={"cache-control": "no-store"})


async def new_post(request: Request) -> Response:
    """POST /new: write the item through the shared writer, then show its page with `check`'s results."""
    state = _state(request)
    await require_csrf(request, state.csrf)
    await anyio.to_thread.run_sync(state.ensure_synced)
    draft = await _draft_of(request)
    try:
        item_id, problems = await anyio.to_thread.run_sync(newpost.create, state, draft)
    except PublisherError as exc:
        item_id, problems = None, [redact_text(exc.text(state.lang))]
    if item_id is None:
        media = await anyio.to_thread.run_sync(newpost.media_choices, state)
        return render(request, "new", {"draft": draft, "media": media, "problems": problems}, status=400)
    request.app.state.broadcaster.publish("changed", paths=[], changes=1, error=None)
    checked = state.checked_item(item_id)
    path = checked.path if checked else item_id
    key = state.flash("ok", ui("new_written", state.lang, path=path))
    return RedirectResponse(f"/items/{quote(item_id)}?flash={key}", status_code=303)
