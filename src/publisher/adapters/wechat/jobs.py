"""WeChat publish jobs and lookups: each outcome as a PublishResult, job status, exact-match search.

Reconcile's convention (shared with the queue): a PublishResult with `detail["reconcile"] == "absent"` is a
confirmed negative (safe to publish again: ids already committed are reused); None means "cannot tell".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from publisher import errors
from publisher.adapters.checks import next_check_after
from publisher.adapters.platform_clock import SENT_AT
from publisher.adapters.wechat.api import PLATFORM, WechatApi, beijing_day, next_beijing_midnight
from publisher.models import PublishResult

# publish_status values of freepublish/get (docs/platforms/wechat.md#publishing-step-by-step, step 5) [H].
PUBLISHED, PUBLISHING = 0, 1
STATUS_REASONS = {
    2: "原创校验未通过 (the originality check failed)",
    3: "常规失败 (general failure)",
    4: "平台审核不通过 (rejected by the platform's review)",
    5: "已发表后被用户删除 (deleted by the account after it was published)",
    6: "已发表后被系统封禁 (banned by the platform after it was published)",
}
# The quota-aware check schedule of a publish job (freepublish/get has 100 calls a day:
# docs/platforms/wechat.md#publishing-step-by-step): checks fall at these many seconds after the submit, then
# every POLL_LATEST seconds. Each check moves the next one to the following mark, so a job costs at most 5
# calls in its first hour and 12 in a day.
POLL_AT = (15.0, 60.0, 300.0, 1800.0, 3600.0)
POLL_LATEST = 3 * 3600.0
#: A lost submit answer whose submit count cannot be compared is checked at the marks of POLL_AT up to this
#: long (15 s, 1 min, 5 min: a job has usually finished, and its draft left the box, by then); a draft still
#: in the box after it cannot tell "never submitted" from "still publishing": a person decides.
UNCOUNTED_S = 300.0
MAX_PAGES = 5  # 100 drafts / articles: beyond that an exact match in the attempt window is implausible

REASON_UNVERIFIED = (
    "this account is not verified, so WeChat lets it create drafts but not publish by API: the draft is in "
    "the draft box; publish it in mp.weixin.qq.com and confirm with publisher resolve"
)
REASON_DRAFT_MODE = (
    "the item asks for a draft only (mode: draft): the draft is in the draft box; publish it in "
    "mp.weixin.qq.com and confirm with publisher resolve"
)
REASON_48001 = (
    "this account cannot publish by API (48001): the draft is in the draft box; publish it in "
    "mp.weixin.qq.com and confirm with publisher resolve"
)
SUBMIT_PATH = "/cgi-bin/freepublish/submit"
SUBMIT_COUNT, SUBMIT_DAY = "submit_count", "submit_count_day"  # the day's submit count before our submit
# bookkeeping for resume/reconcile, not platform ids
PRIVATE_IDS = ("submit_at", "thumb_sha256", SENT_AT, SUBMIT_COUNT, SUBMIT_DAY)


def public(ids: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ids.items() if k not in PRIVATE_IDS}


def manual(ids: Mapping[str, Any], reason: str, *, draft_only: bool = False) -> PublishResult:
    """The draft waits for a person to press publish in the web console."""
    detail = {**public(ids), "reason": reason}
    if draft_only:
        detail["draft_only"] = True
    return PublishResult(str(ids.get("draft_media_id") or "") or None, None, "awaiting_manual", detail)


def absent(ids: Mapping[str, Any], why: str) -> PublishResult:
    """Reconcile's confirmed negative: nothing went out; publishing again reuses the committed ids."""
    return PublishResult(None, None, "submitted", {**public(ids), "reconcile": "absent", "why": why})


def poll_after(ids: Mapping[str, Any], now: datetime) -> float:
    """Seconds from `now` to the next freepublish/get of the job: the next mark of POLL_AT after the submit
    (then every POLL_LATEST): the checks of one job follow the schedule however often the queue restarts."""
    submit_at = ids.get("submit_at")
    return next_check_after(float(submit_at) if submit_at else None, now, POLL_AT, POLL_LATEST)


def submitted(ids: Mapping[str, Any], now: datetime) -> PublishResult:
    detail = {**public(ids), "poll_after_s": poll_after(ids, now), "reason": "WeChat is still publishing"}
    return PublishResult(str(ids.get("publish_id")), None, "submitted", detail)


def published(ids: Mapping[str, Any]) -> PublishResult:
    remote = ids.get("article_id") or ids.get("msg_id") or ids.get("publish_id")
    return PublishResult(str(remote), ids.get("article_url"), "published", public(ids))


def _platform_now(api: WechatApi) -> datetime:
    return api.platform_clock.now() or api.now


async def _submits_today(api: WechatApi) -> tuple[int, int | None] | None:
    """(used, remain) of today's freepublish/submit quota (openapi/quota/get), or None when it cannot be read.
    A failure to read is never a reason not to publish: the caller goes on without the count."""
    try:
        data = await api.post("/cgi-bin/openapi/quota/get", {"cgi_path": SUBMIT_PATH}, idempotent=True)
    except (errors.TransientError, errors.OutcomeUnknown, errors.QuotaExhausted, errors.PermanentError):
        return None
    quota = data.get("quota") or {}
    used, remain = quota.get("used"), quota.get("remain")
    if not isinstance(used, int) or isinstance(used, bool):
        return None
    return used, remain if isinstance(remain, int) and not isinstance(remain, bool) else None


async def submit_counter(api: WechatApi) -> dict[str, Any]:
    """The ids to commit before a submit: the day's submit count (and its Beijing day), or nothing when
    unknown. A day with no submit left raises QuotaExhausted before anything is sent."""
    found = await _submits_today(api)
    if found is None:
        return {}
    used, remain = found
    if remain == 0:
        reset = next_beijing_midnight(api.now)
        api.remember_quota_spent(SUBMIT_PATH, reset)
        raise errors.QuotaExhausted(
            "freepublish/submit: no submit left today (45009 would follow); waiting for the reset",
            platform=PLATFORM,
            code=45009,
            reset_at=reset,
        )
    return {SUBMIT_COUNT: used, SUBMIT_DAY: beijing_day(_platform_now(api))}


async def submit_count_moved(api: WechatApi, ids: Mapping[str, Any]) -> bool | None:
    """Whether WeChat's own count of today's submits moved since before our submit. False: it did not, so the
    request never reached it (a 503 from a gateway, a connection refused, a worker killed before it sent).
    True: it moved (ours, or another of the account's). None: it cannot be compared (no count from before
    the submit, another Beijing day, or openapi/quota/get cannot be read now): then only identity (the draft
    leaving the box, the article appearing) decides."""
    before, day = ids.get(SUBMIT_COUNT), ids.get(SUBMIT_DAY)
    if not isinstance(before, int) or isinstance(before, bool) or day != beijing_day(_platform_now(api)):
        return None
    found = await _submits_today(api)
    return None if found is None else found[0] != before


def uncounted(ids: Mapping[str, Any], waited_s: float) -> errors.NeedsPerson:
    """A lost submit answer that neither the count nor identity settled within UNCOUNTED_S: a person looks."""
    return errors.NeedsPerson(
        "the answer to freepublish/submit was lost and WeChat's count of today's submits cannot be compared "
        "(openapi/quota/get unreadable, or no count from before the submit): the draft "
        f"{ids.get('draft_media_id')} is still in the draft box {waited_s / 60:.0f} min after the submit, "
        "so a publish job may still be running or may never have started. Look at 发表记录 in "
        "mp.weixin.qq.com, then `publisher resolve` (--published URL, or --not-published to send it again)",
        platform=PLATFORM,
    )


def code_is(exc: errors.PlatformError, code: int) -> bool:
    return str(exc.code) == str(code)


async def check_job(api: WechatApi, ids: dict[str, Any]) -> dict[str, Any] | None:
    """One freepublish/get: the new ids when published, None while publishing, PermanentError on failure."""
    publish_id = str(ids["publish_id"])
    data = await api.post("/cgi-bin/freepublish/get", {"publish_id": publish_id}, idempotent=True)
    status = data.get("publish_status")
    if status == PUBLISHING:
        return None
    if status == PUBLISHED:
        items = (data.get("article_detail") or {}).get("item") or []
        first: dict[str, Any] = min(items, key=lambda i: int(i.get("idx") or 1), default={})
        return {"article_id": data.get("article_id"), "article_url": first.get("article_url")}
    number = status if isinstance(status, int) else -1
    reason = STATUS_REASONS.get(number, f"unknown status {status!r}")
    fail_idx = data.get("fail_idx") or []
    where = f"; failed articles (1-based): {fail_idx}" if fail_idx else ""
    draft = f"; the draft {ids.get('draft_media_id')} stays in the draft box" if number < 5 else ""
    raise errors.PermanentError(
        f"publish job {publish_id} failed: {reason}{where}{draft}",
        platform=PLATFORM,
        code=f"publish_status={status}",
    )


def _news(item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((item.get("content") or {}).get("news_item") or [])


async def _scan(
    api: WechatApi, path: str, since: datetime, match: Callable[[Mapping[str, Any]], bool]
) -> tuple[list[Mapping[str, Any]], bool]:
    """Page a newest-first list back to `since` (on the platform's clock: see adapters.platform_clock);
    (matching items, whether the whole window was seen)."""
    start = since.timestamp()
    found: list[Mapping[str, Any]] = []
    offset = 0
    for _ in range(MAX_PAGES):
        data = await api.post(path, {"offset": offset, "count": 20, "no_content": 1}, idempotent=True)
        items = list(data.get("item") or [])
        for item in items:
            if float(item.get("update_time") or 0) >= start and any(match(n) for n in _news(item)):
                found.append(item)
        offset += len(items)
        older = any(float(i.get("update_time") or 0) < start for i in items)
        if not items or older or offset >= int(data.get("total_count") or 0):
            return found, True
    return found, False


def _same_digest(n: Mapping[str, Any], digest: str | None) -> bool:
    return not digest or not n.get("digest") or n.get("digest") == digest


async def find_draft(
    api: WechatApi, title: str, thumb_media_id: str, since: datetime, digest: str | None = None
) -> tuple[list[str], bool]:
    """Drafts with this title, digest and cover (the cover's media_id was minted for this post: identity)
    updated since `since` (draft/batchget, no_content=1). An image post's cover is its first image."""

    def cover(n: Mapping[str, Any]) -> Any:
        images = (n.get("image_info") or {}).get("image_list") or [{}]
        return n.get("thumb_media_id") or (images[0] or {}).get("image_media_id")

    items, complete = await _scan(
        api,
        "/cgi-bin/draft/batchget",
        since,
        lambda n: n.get("title") == title and cover(n) == thumb_media_id and _same_digest(n, digest),
    )
    return [str(i.get("media_id")) for i in items], complete


async def find_article(
    api: WechatApi, title: str, thumb_media_id: str | None, since: datetime, digest: str | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """Published articles with this title, digest (and cover, when the platform lists it) since `since`."""

    def match(n: Mapping[str, Any]) -> bool:
        thumb = n.get("thumb_media_id")
        same_thumb = not thumb or not thumb_media_id or thumb == thumb_media_id
        return n.get("title") == title and same_thumb and _same_digest(n, digest)

    items, complete = await _scan(api, "/cgi-bin/freepublish/batchget", since, match)
    found = []
    for item in items:
        url = next((n.get("url") for n in _news(item) if n.get("title") == title), None)
        found.append({"article_id": item.get("article_id"), "article_url": url})
    return found, complete
