"""The campaign report: the seed's 市场活动方案 with 效果追踪, filled from the workspace and the store.

活动目标, 目标受众 and 预期效果 come from `[campaigns.NAME]` in publisher.toml; 推广渠道 and 时间安排 from the
posts of the items carrying `campaign: NAME`; 效果追踪 sets the campaign's actual reach, interactions, votes
and followers gained beside what was expected, with ✅/⚠️."""

from __future__ import annotations

from datetime import datetime

from publisher.errors import UsageError
from publisher.messages import msg
from publisher.models import PostState
from publisher.reports import data
from publisher.reports.engagement import engagement_rows
from publisher.reports.i18n import t
from publisher.reports.lines import post_line, why
from publisher.reports.model import Campaign, Kpi, Report
from publisher.reports.period import Period
from publisher.store.db import Store
from publisher.workspace.settings import CampaignSettings, Workspace

#: 效果追踪's lines: (key in `expected`, catalogue label); each is "at least the expected figure".
TRACKED = (
    ("reach", "c_reach"),
    ("engagement", "c_engagement"),
    ("votes", "c_votes"),
    ("followers", "c_followers"),
)


def _count(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def build_campaign(store: Store, ws: Workspace, name: str, *, lang: str, now: datetime) -> Report:
    """`publisher report campaign NAME`: the plan and how it went, as of `now`."""
    plan = ws.settings.campaigns.get(name)
    ids = set(data.campaign_post_ids(store, name))
    posts = [p for p in data.all_posts(store) if p.id in ids and p.state != PostState.CANCELLED.value]
    if plan is None and not posts:
        known = tuple(sorted(ws.settings.campaigns)) or msg("usage.no_campaigns")
        raise UsageError(msg("usage.no_campaign", name=repr(name), bare=name, known=known))
    plan = plan or CampaignSettings()
    zone = ws.zone
    times = [w for p in posts if (w := p.published_at or p.due_at) is not None]
    first = min(times).astimezone(zone).date() if times else now.astimezone(zone).date()
    last = max(times).astimezone(zone).date() if times else first
    period = Period("range", first, last, zone)
    report = Report("campaign", lang, period, now, ws.settings.name)
    report.rehearsal = ws.is_rehearsal

    schedule = sorted(
        (post_line(p, zone, why(p, ws, lang) if p.state != "published" else "") for p in posts),
        key=lambda x: (x.at or now, x.id),
    )
    report.published = [x for x in schedule if x.state == PostState.PUBLISHED.value]
    channels: dict[str, int] = {}
    for p in posts:
        channels[p.platform] = channels.get(p.platform, 0) + 1

    # Actuals: the campaign's posts' latest figures; followers gained from the day before it to its last day.
    by_id = {p.id: p for p in posts}
    end = data.latest(store, before=now, post_ids=ids) if ids else {}
    report.engagement = engagement_rows(by_id, end, {}, {}, Period("range", first, max(last, first), zone))
    reach = sum(r.figures.get("views", 0.0) for r in report.engagement) if report.engagement else None
    inter = sum(r.interactions for r in report.engagement) if report.engagement else None
    votes_rows = [r for r in report.engagement if "votes" in r.figures]
    votes = sum(r.figures["votes"] for r in votes_rows) if votes_rows else None
    follow = data.followers(store, first, min(last, now.astimezone(zone).date()))  # during the campaign
    gained = [
        b - a
        for (platform, _), (a, b) in follow.items()
        if platform in channels and a is not None and b is not None
    ]
    actual = {
        "reach": reach,
        "engagement": inter,
        "votes": votes,
        "followers": sum(gained) if gained else None,
    }

    tracking = []
    for key, label in TRACKED:
        want = plan.expected.get(key)
        have = actual[key]
        if want is None and have is None:
            continue
        tracking.append(
            Kpi(
                key,
                t(label, lang),
                "—" if want is None else f"≥ {_count(want)}",
                t("no_data", lang) if have is None else _count(have),
                None if want is None or have is None else have >= want,
                unit="count",
                target_value=want,
                actual_value=have,
            )
        )
    report.kpis = tracking
    report.campaign = Campaign(
        name=name,
        title=plan.title or name,
        goal=list(plan.goal),
        audience=list(plan.audience),
        expected=list(plan.notes),
        channels=sorted(channels.items(), key=lambda kv: (-kv[1], kv[0])),
        schedule=schedule,
        first=first if times else None,
        last=last if times else None,
        tracking=tracking,
    )
    report.next_period = None
    return report
