"""WeChat engagement: datacube article totals joined by msgid, and the follower count (verified only)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from publisher.adapters.wechat.api import BEIJING, PLATFORM, WechatApi
from publisher.models import MetricSample, RemoteRef

# datacube field -> normalised name (docs/platforms/wechat.md#metrics); 在看 keeps a name of its own.
ARTICLE_METRICS = (
    ("read_user", "views"),
    ("share_user", "shares"),
    ("like_user", "likes"),
    ("zaikan_user", "zaikan"),
    ("comment_count", "comments"),
    ("collection_user", "favorites"),
)


def msgid_of(ref: RemoteRef) -> str | None:
    """The join key `{msg_data_id}_{index}` (index 1-based; our drafts hold one article)."""
    msg_data_id = ref.ids.get("msg_data_id")
    if not msg_data_id:
        return None
    return f"{msg_data_id}_{int(ref.ids.get('index') or 1)}"


def _latest(row: dict[str, Any]) -> dict[str, Any] | None:
    details = [d for d in row.get("detail_list") or [] if isinstance(d, dict)]
    return max(details, key=lambda d: str(d.get("stat_date") or ""), default=None)


async def fetch_metrics(api: WechatApi, refs: list[RemoteRef]) -> list[MetricSample]:
    """One getarticletotaldetail per publish day (begin_date == end_date), then followers for yesterday.

    Each detail is cumulative from the publish date, so the newest `stat_date` is the post's total so far.
    Days that are not over yet (Beijing time) have no data and are skipped.
    """
    now = api.now
    today = now.astimezone(BEIJING).date()
    by_day: dict[date, list[tuple[RemoteRef, str]]] = defaultdict(list)
    for ref in refs:
        msgid = msgid_of(ref)
        if msgid is not None:
            by_day[ref.published_at.astimezone(BEIJING).date()].append((ref, msgid))
    samples: list[MetricSample] = []
    for day in sorted(by_day):
        if day >= today:
            continue
        data = await api.post(
            "/datacube/getarticletotaldetail",
            {"begin_date": day.isoformat(), "end_date": day.isoformat()},
            idempotent=True,
        )
        rows = {str(r.get("msgid")): r for r in data.get("list") or [] if isinstance(r, dict)}
        for ref, msgid in by_day[day]:
            latest = _latest(rows.get(msgid) or {})
            if latest is None:
                continue
            for raw, name in ARTICLE_METRICS:
                if isinstance(latest.get(raw), (int, float)):
                    samples.append(MetricSample(ref.post_id, PLATFORM, name, float(latest[raw]), now, raw))
    yesterday = (today - timedelta(days=1)).isoformat()
    data = await api.post(
        "/datacube/getusercumulate", {"begin_date": yesterday, "end_date": yesterday}, idempotent=True
    )
    totals = [
        r["cumulate_user"]
        for r in data.get("list") or []
        if isinstance(r, dict) and isinstance(r.get("cumulate_user"), (int, float))
    ]
    if totals:  # one row per day; the account's figure, not a per-post one
        samples.append(MetricSample(None, PLATFORM, "followers", float(totals[-1]), now, "cumulate_user"))
    return samples
