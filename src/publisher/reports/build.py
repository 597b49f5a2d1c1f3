"""Build a report (daily, weekly, engagement) from the store alone: one set of queries, every section."""

from __future__ import annotations

from datetime import datetime, timedelta

from publisher.messages import msg
from publisher.metrics.samples import INTERACTIONS
from publisher.models import PostState
from publisher.reports import data
from publisher.reports.besttime import HISTORY_DAYS, figures_at_24h, heat_map, post_scores_from, rank
from publisher.reports.compliance import acknowledged
from publisher.reports.engagement import charts, engagement_rows, local
from publisher.reports.health import health_all
from publisher.reports.i18n import check_lang, platform_name, state_name, t
from publisher.reports.kpi import falling, kpis, mean_scores
from publisher.reports.launch import launch_curves
from publisher.reports.lines import post_line, tidy
from publisher.reports.lines import why as reason_of
from publisher.reports.model import Report
from publisher.reports.period import Period, parse_period
from publisher.states import PROBLEM as PROBLEM_STATES
from publisher.store.db import Store
from publisher.workspace.settings import Workspace

KINDS = ("daily", "weekly", "engagement", "campaign")
DEFAULT_PERIOD = {
    "daily": "yesterday",
    "weekly": "last_week",
    "engagement": "last_7_days",
    "campaign": "today",
}
HEALTH_WINDOW = timedelta(days=28)
TOKEN_WARNING = timedelta(days=7)
S = PostState


def resolve_period(kind: str, period: str | Period | None, ws: Workspace, now: datetime) -> Period:
    if isinstance(period, Period):
        return period
    return parse_period(period or DEFAULT_PERIOD[kind], zone=ws.zone, now=now)


def build(
    kind: str,
    store: Store,
    ws: Workspace,
    *,
    period: str | Period | None = None,
    lang: str | None = None,
    now: datetime,
    campaign: str | None = None,
) -> Report:
    """`publisher report KIND`: read the store, compute every section; writers choose what to show.
    A campaign report (`kind` "campaign") needs the campaign's name and ignores `period`."""
    if kind not in KINDS:
        from publisher.errors import UsageError

        raise UsageError(msg("usage.unknown_report", kind=repr(kind), kinds=tuple(KINDS)))
    lang = check_lang(lang, ws.settings.language)
    if kind == "campaign":
        from publisher.errors import UsageError
        from publisher.reports.campaign import build_campaign

        if not campaign:
            raise UsageError(msg("usage.which_campaign"))
        return build_campaign(store, ws, campaign, lang=lang, now=now)
    per = resolve_period(kind, period, ws, now)
    prev = per.previous()
    zone = ws.zone
    report = Report(kind, lang, per, now, ws.settings.name, next_period=per.following())
    report.rehearsal = ws.is_rehearsal
    posts = data.all_posts(store)
    by_id = {p.id: p for p in posts}
    in_period = [p for p in posts if data.in_window(p, per.start, per.end)]
    report.published = sorted(
        (post_line(p, zone) for p in in_period if p.state == S.PUBLISHED.value), key=lambda x: (x.when, x.id)
    )
    report.failed = [
        post_line(p, zone, reason_of(p, ws, lang)) for p in in_period if p.state in PROBLEM_STATES
    ]

    # Figures: latest as of the end and the start of the period, and at T+24 h for fair comparisons.
    end_l = data.latest(store, before=per.end)
    # Only posts published before the period can have a reading before it; none means no query at all.
    older = {p.id for p in posts if p.published_at is not None and p.published_at < per.start}
    start_l = (
        data.latest(store, before=per.start, post_ids=older if len(older) < 5000 else None) if older else {}
    )
    history_from = min(per.end - timedelta(days=HISTORY_DAYS), prev.start - HEALTH_WINDOW)
    history = [p for p in posts if p.published_at is not None and history_from <= p.published_at < per.end]
    at24 = figures_at_24h(store, history, before=per.end)
    scores = post_scores_from(at24)
    report.engagement = engagement_rows(by_id, end_l, start_l, at24, per)
    day_starts = [(d.isoformat(), Period("day", d, d, zone).start) for d in per.local_days()]
    daily = data.daily_maxima(store, days=day_starts, end=per.end, names=INTERACTIONS)
    best_from = per.end - timedelta(days=HISTORY_DAYS)
    best_window = [p for p in history if p.published_at is not None and p.published_at >= best_from]
    report.charts = charts(report.engagement, daily, start_l, by_id, per, heat_map(best_window, scores, zone))

    # Followers: per account, and the platform's current total (denominator where there are no views).
    follow = data.followers(store, per.first, per.last)
    growth = sum(b - a for a, b in follow.values() if a is not None and b is not None) if follow else None
    per_platform: dict[str, float] = {}
    for (platform, _), (_, now_v) in follow.items():
        per_platform[platform] = per_platform.get(platform, 0.0) + (now_v or 0.0)
    report.kpis = kpis(ws.settings.targets, per, in_period, report.engagement, growth, per_platform, lang)

    # Trends at T+24 h: posts published in this period against the previous one.
    published_prev = [
        p
        for p in posts
        if p.published_at is not None and prev.start <= p.published_at < prev.start + (per.end - per.start)
    ]
    published_now = [p for p in in_period if p.published_at is not None]
    cur, before = mean_scores(scores, published_now), mean_scores(scores, published_prev)
    report.risks = _risks(store, ws, report, posts, falling(cur, before), now, lang)
    if kind == "weekly":
        report.risks += acknowledged(store, in_period, lang)

    plan_period = report.next_period or per.following()
    report.plan = [
        post_line(p, zone, tidy(p.reason, ws, lang) if p.state != S.QUEUED.value else "")
        for p in data.planned(store, plan_period.start, plan_period.end, now=now)
    ]
    report.done, report.results = _summary(report, growth)
    if kind == "daily":
        report.launches = launch_curves(store, by_id, per)

    window = [p for p in posts if p.due_at is not None and per.end - HEALTH_WINDOW <= p.due_at < per.end]
    half = HEALTH_WINDOW / 2
    trends = {}
    accounts = {(a.platform, n) for n, a in ws.settings.accounts.items()} | {
        (p.platform, p.account) for p in posts
    }
    for platform, account in accounts:
        mine = [p for p in history if (p.platform, p.account) == (platform, account)]
        recent = [p for p in mine if p.published_at is not None and p.published_at >= per.end - half]
        earlier = [
            p
            for p in mine
            if p.published_at is not None and per.end - HEALTH_WINDOW <= p.published_at < per.end - half
        ]
        a, b = mean_scores(scores, recent), mean_scores(scores, earlier)
        if platform in a and platform in b:
            trends[(platform, account)] = (a[platform], b[platform])
    report.health = health_all(accounts, window, trends, lang)
    report.best_times = [
        rank(platform, account, best_window, scores, zone, lang) for platform, account in sorted(accounts)
    ]
    return report


def _summary(report: Report, growth: float | None) -> tuple[list[str], list[str]]:
    """本周总结: what was done (published per platform, failures) and the key results (targets, followers,
    interactions gained, the top post)."""
    lang = report.lang
    per: dict[str, int] = {}
    for p in report.published:
        per[p.platform] = per.get(p.platform, 0) + 1
    sep = "、" if lang == "zh" else ", "
    by = sep.join(
        f"{platform_name(k, lang)} {v}" for k, v in sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    done = [t("s_published_by", lang, n=len(report.published), by=by) if by else t("s_published", lang, n=0)]
    if report.failed:
        done.append(t("s_failed", lang, n=len(report.failed)))
    judged = [k for k in report.kpis if k.ok is not None]
    results = []
    if judged:
        results.append(t("s_kpis_met", lang, ok=sum(1 for k in judged if k.ok), n=len(judged)))
    if growth is not None:
        results.append(t("s_followers", lang, n=growth))
    gained = sum(r.interactions_change for r in report.engagement)
    if report.engagement:
        results.append(t("s_interactions", lang, n=gained))
        top = max(report.engagement, key=lambda r: (r.interactions_change, -r.post_id))
        results.append(
            t(
                "s_top",
                lang,
                title=top.title,
                platform=platform_name(top.platform, lang),
                n=top.interactions_change,
            )
        )
    return done, results


def _risks(
    store: Store,
    ws: Workspace,
    report: Report,
    posts: list[data.PostInfo],
    drops: dict[str, tuple[float, float]],
    now: datetime,
    lang: str,
) -> list[str]:
    """问题与风险 / 待解决问题 up to the end of the period, whatever `now` is: nothing due, published or
    flagged after it (a rehearsal's daily job, or `--period` for a past day, names a later day's problems in
    that day's report), and credentials expiring within a week of the earlier of `now` and the end."""
    out: list[str] = []
    end = report.period.end
    as_of = min(now, end)
    waiting = {s.value for s in (S.NEEDS_ATTENTION, S.NEEDS_REAUTH, S.AWAITING_MANUAL)}
    for p in posts:
        # Failures of this period, and anything still waiting for a person however old it is, but nothing
        # published or due after the period's end (a later day's report names it).
        when = p.published_at or p.due_at
        if when is not None and when >= end:
            continue
        if p.state in waiting or (p.state in PROBLEM_STATES and data.in_window(p, report.period.start, end)):
            why = reason_of(p, ws, lang)
            out.append(
                t(
                    "r_post",
                    lang,
                    state=state_name(p.state, lang),
                    id=p.id,
                    title=p.title,
                    platform=platform_name(p.platform, lang),
                    account=p.account,
                )
                + (t("r_why", lang, why=why) if why else "")
            )
    for account, why in sorted(data.reauth_flags(store, before=end).items()):
        out.append(t("r_reauth", lang, account=account, reason=tidy(why, ws, lang)))
    for account, kind, expires in data.token_risks(store, now=as_of, within=TOKEN_WARNING):
        out.append(t("r_token", lang, account=account, kind=kind, when=local(expires, ws.zone)))
    for platform, (cur, before) in drops.items():
        change = (cur / before - 1) * 100
        out.append(
            t("r_falling", lang, platform=platform_name(platform, lang), pct=-change, cur=cur, before=before)
        )
    return out
