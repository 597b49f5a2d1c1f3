"""Report wording in Chinese (the default) and English; one table, looked up by key."""

from __future__ import annotations

from publisher.adapters import platforms, spec_for

LABELS: dict[str, dict[str, str]] = {
    "daily": {"zh": "运营日报", "en": "Daily operations report"},
    "weekly": {"zh": "运营周报", "en": "Weekly operations report"},
    "engagement": {"zh": "互动数据", "en": "Engagement"},
    "rehearsal": {"zh": "演练", "en": "Rehearsal"},
    "period": {"zh": "统计周期", "en": "Period"},
    "generated": {"zh": "生成时间", "en": "Generated"},
    "published": {"zh": "本期发布", "en": "Published"},
    "failed": {"zh": "失败与错过", "en": "Failed or missed"},
    "kpi": {"zh": "KPI", "en": "KPIs"},
    "kpi_head": {"zh": "指标 | 目标 | 实际 | 状态", "en": "Metric | Target | Actual | Status"},
    "risks": {"zh": "问题与风险", "en": "Problems and risks"},
    "plan": {"zh": "下期计划", "en": "Next period's plan"},
    "health": {"zh": "账号健康度", "en": "Account health"},
    "best_time": {"zh": "最佳发布时间", "en": "Best time to post"},
    "engagement_table": {"zh": "内容互动明细", "en": "Engagement per post"},
    "charts": {"zh": "图表", "en": "Charts"},
    "trend": {"zh": "每日新增互动（按平台）", "en": "Interactions gained per day, by platform"},
    "top": {"zh": "互动最多的内容", "en": "Top posts by interactions"},
    "heat": {
        "zh": "发布时段 × 星期（24 小时互动，相对值）",
        "en": "Posting hour × weekday (interactions at T+24 h, relative)",
    },
    "ok": {"zh": "达标", "en": "met"},
    "below": {"zh": "未达标", "en": "below"},
    "none": {"zh": "无", "en": "none"},
    "no_data": {"zh": "无数据", "en": "no data"},
    "when": {"zh": "时间", "en": "When"},
    "platform": {"zh": "平台", "en": "Platform"},
    "account": {"zh": "账号", "en": "Account"},
    "title": {"zh": "标题", "en": "Title"},
    "state": {"zh": "状态", "en": "State"},
    "note": {"zh": "说明", "en": "Note"},
    "score": {"zh": "得分", "en": "Score"},
    "how": {"zh": "计算方式", "en": "How it was computed"},
    "posts": {"zh": "篇", "en": "posts"},
    "change": {"zh": "本期变化", "en": "change"},
    "rate": {"zh": "互动率", "en": "engagement rate"},
    "interactions": {"zh": "互动", "en": "interactions"},
    "views_24h": {"zh": "24 小时阅读/播放", "en": "views at T+24 h"},
    "taken_at": {"zh": "数据时间", "en": "sampled"},
    "kpi_publish_success_rate": {"zh": "发布成功率", "en": "Publish success rate"},
    "kpi_on_time_rate": {"zh": "准时发布率", "en": "On-time rate"},
    "kpi_followers_growth": {"zh": "涨粉", "en": "Follower growth"},
    "kpi_engagement_rate": {"zh": "互动率", "en": "Engagement rate"},
    "weekday": {"zh": "一,二,三,四,五,六,日", "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
}

METRIC_NAMES: dict[str, dict[str, str]] = {
    "views": {"zh": "阅读/播放", "en": "views"},
    "likes": {"zh": "点赞", "en": "likes"},
    "comments": {"zh": "评论", "en": "comments"},
    "shares": {"zh": "分享", "en": "shares"},
    "favorites": {"zh": "收藏", "en": "favorites"},
}


def t(key: str, lang: str) -> str:
    entry = LABELS.get(key)
    return entry.get(lang, entry["en"]) if entry else key


def platform_name(name: str, lang: str) -> str:
    """The platform's display name from the registry; an unknown platform keeps its name."""
    spec = spec_for(name)
    return spec.label(lang) if spec else name


def metric_name(name: str, lang: str) -> str:
    """A shared metric's label, else the label a platform gives its own figure, else the name."""
    if name in METRIC_NAMES:
        return METRIC_NAMES[name].get(lang, name)
    for spec in platforms().values():
        for m in spec.metrics:
            if m.name == name and m.label_en:
                return m.label_zh if lang == "zh" else m.label_en
    return name


def weekday(n: int, lang: str) -> str:
    return t("weekday", lang).split(",")[n]


# -- the dashboard (`publisher serve`) shares this catalogue: menus, state names, reasons -------------------

UI: dict[str, dict[str, str]] = {
    "nav_calendar": {"zh": "日历", "en": "Calendar"},
    "nav_queue": {"zh": "队列", "en": "Queue"},
    "nav_metrics": {"zh": "数据", "en": "Metrics"},
    "live": {"zh": "实时更新", "en": "live updates"},
    "prev": {"zh": "上一页", "en": "previous"},
    "next": {"zh": "下一页", "en": "next"},
    "view_month": {"zh": "月", "en": "Month"},
    "view_week": {"zh": "周", "en": "Week"},
    "view_list": {"zh": "列表", "en": "List"},
    "n_posts": {"zh": "{n} 条", "en": "{n} posts"},
    "not_scheduled": {"zh": "未定时", "en": "Not scheduled"},
    "weekdays_short": {"zh": "一,二,三,四,五,六,日", "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
    "more": {"zh": "还有 {n} 条", "en": "+{n} more"},
    "filter_platform": {"zh": "平台", "en": "Platform"},
    "filter_account": {"zh": "账号", "en": "Account"},
    "filter_state": {"zh": "状态", "en": "State"},
    "filter_all": {"zh": "全部", "en": "All"},
    "filter_apply": {"zh": "筛选", "en": "Filter"},
    "workspace_problem": {
        "zh": "工作区有问题，当前显示上次正常的日历：",
        "en": "The workspace has a problem; showing the last good calendar: ",
    },
    "needs_person": {"zh": "需要处理", "en": "Needs a person"},
    "nothing_needs_you": {"zh": "目前没有需要你处理的内容。", "en": "Nothing needs you right now."},
    "waiting": {"zh": "等待中", "en": "Waiting"},
    "no_waiting": {"zh": "没有暂停或重试中的内容。", "en": "No held or retrying posts."},
    "due": {"zh": "计划时间", "en": "due"},
    "attempts": {"zh": "尝试 {n} 次", "en": "{n} attempt(s)"},
    "publish_now": {"zh": "立即发布", "en": "Publish now"},
    "retry": {"zh": "重试", "en": "Retry"},
    "checked_not_there": {"zh": "我已确认：平台上没有这条", "en": "I checked: it is not on the platform"},
    "published_url": {"zh": "https://… 已发布的链接", "en": "https://… the published post"},
    "mark_published": {"zh": "已发布", "en": "Published"},
    "mark_not_published": {"zh": "未发布", "en": "Not published"},
    "cancel": {"zh": "取消", "en": "Cancel"},
    "previews": {"zh": "预览", "en": "Previews"},
    "preview": {"zh": "预览", "en": "preview"},
    "problems": {"zh": "问题", "en": "Problems"},
    "checked_ok": {"zh": "检查通过：没有问题。", "en": "Checked: no problems."},
    "posts": {"zh": "发布任务", "en": "Posts"},
    "no_posts": {"zh": "没有发布任务（草稿，或尚未同步）。", "en": "No posts (a draft, or not synced yet)."},
    "status": {"zh": "状态", "en": "status"},
    "not_here": {"zh": "找不到", "en": "Not here"},
    "back_to_calendar": {"zh": "回到日历", "en": "Back to the calendar"},
    "metrics_title": {"zh": "数据", "en": "Metrics"},
    "show": {"zh": "查看", "en": "Show"},
    "reports": {"zh": "报告", "en": "Reports"},
    "report": {"zh": "报告", "en": "Report"},
    "view": {"zh": "查看", "en": "View"},
    "download": {"zh": "下载", "en": "Download"},
    "open": {"zh": "打开", "en": "open"},
    "no_metrics": {
        "zh": "这个周期还没有互动数据：运行 publisher metrics pull 拉取数据，"
        "或运行 publisher rehearse 演练后切换到演练数据。",
        "en": "No engagement figures for this period yet: run publisher metrics pull, or run "
        "publisher rehearse and switch to the rehearsal data.",
    },
    "period_last_7_days": {"zh": "最近 7 天", "en": "last 7 days"},
    "period_this_week": {"zh": "本周", "en": "this week"},
    "period_last_week": {"zh": "上周", "en": "last week"},
    "period_this_month": {"zh": "本月", "en": "this month"},
    "period_last_month": {"zh": "上月", "en": "last month"},
    "period_today": {"zh": "今天", "en": "today"},
    "period_yesterday": {"zh": "昨天", "en": "yesterday"},
    "data_real": {"zh": "正式数据", "en": "Real data"},
    "data_rehearsal": {"zh": "演练数据", "en": "Rehearsal data"},
    "rehearsal_banner": {
        "zh": "演练数据：显示的是 publisher rehearse 的演练库（{path}），不是正式发布。",
        "en": "Rehearsal data: showing the store of publisher rehearse ({path}), not real publishing.",
    },
    "no_rehearsal": {
        "zh": "还没有演练数据：先运行 publisher rehearse。",
        "en": "No rehearsal yet: run publisher rehearse first.",
    },
    "draft_reason": {"zh": "草稿：已检查，不会发布", "en": "draft: checked, never published"},
    "action_due_now": {
        "zh": "#{id} 已设为立即到期：运行中的队列（publisher run）会发出它",
        "en": "post {id} is due now: the running queue (`publisher run`) sends it",
    },
    "action_moved": {"zh": "#{id} 现在是「{state}」", "en": "post {id} is {state}"},
    "axis_day": {"zh": "日期", "en": "Day"},
    "axis_interactions": {"zh": "互动数", "en": "Interactions"},
    "axis_hour": {"zh": "发布时段（点）", "en": "Posting hour"},
    "axis_weekday": {"zh": "星期", "en": "Weekday"},
    "heat_low": {"zh": "低", "en": "low"},
    "heat_high": {"zh": "高", "en": "high"},
}

STATE_NAMES: dict[str, dict[str, str]] = {
    "queued": {"zh": "排队中", "en": "queued"},
    "claimed": {"zh": "已领取", "en": "claimed"},
    "sending": {"zh": "发送中", "en": "sending"},
    "published": {"zh": "已发布", "en": "published"},
    "retrying": {"zh": "重试中", "en": "retrying"},
    "failed": {"zh": "失败", "en": "failed"},
    "awaiting_manual": {"zh": "待人工发布", "en": "awaiting manual"},
    "reconcile": {"zh": "核对中", "en": "reconcile"},
    "needs_attention": {"zh": "需人工确认", "en": "needs attention"},
    "needs_reauth": {"zh": "需重新授权", "en": "needs reauth"},
    "held": {"zh": "已暂停", "en": "held"},
    "cancelled": {"zh": "已取消", "en": "cancelled"},
    "missed": {"zh": "已错过", "en": "missed"},
    "waiting_approval": {"zh": "待审批", "en": "waiting approval"},
    "planned": {"zh": "已计划", "en": "planned"},
    "dry_run": {"zh": "演示发送", "en": "dry run"},
    "draft": {"zh": "草稿", "en": "draft"},
    "ready": {"zh": "就绪", "en": "ready"},
}

#: the queue's reasons, start by start (the rest of the text, e.g. the platform's message, is kept)
REASON_PREFIXES: tuple[tuple[str, str], ...] = (
    ("pack ready", "发布包已备好：请手动发布，然后确认链接"),
    ("will retry: ", "稍后重试："),
    ("gave up after ", "多次尝试后放弃："),
    ("daily quota used up; waiting for the reset: ", "今日额度已用完，等待重置："),
    ("outcome unknown: ", "结果未知，需核对："),
    ("pre-flight: ", "发布前检查："),
    ("lease released: the daemon stopped before sending", "守护进程在发送前停止，已放回队列"),
    ("publish now (a person)", "有人点了立即发布"),
    ("published", "已发布"),
    ("draft: checked, never published", "草稿：已检查，不会发布"),
    ("waiting for approval", "等待审批（approved_by）"),
    ("credentials of ", "账号凭证需要更新（publisher auth）："),
)


def ui(key: str, lang: str, **values: object) -> str:
    """A dashboard string; `values` fill its {placeholders}."""
    entry = UI.get(key) or LABELS.get(key)
    text = entry.get(lang, entry["en"]) if entry else key
    return text.format(**values) if values else text


def state_name(state: str, lang: str) -> str:
    return STATE_NAMES.get(state, {}).get(lang, state.replace("_", " "))


def reason(text: str, lang: str) -> str:
    """A queue reason in `lang`: known openings translated, the specific rest (platform messages) kept."""
    if lang == "en" or not text:
        return text
    for start, zh in REASON_PREFIXES:
        if text.startswith(start):
            rest = text[len(start) :].strip(" :")
            if start == "pack ready" or not rest:
                return zh
            return f"{zh}{rest}" if zh.endswith("：") else f"{zh}（{rest}）"
    return text


def platform_label(name: str, fallback: str, lang: str) -> str:
    """A platform's display name in `lang` from the registry, else the label its platform.yaml gives."""
    spec = spec_for(name)
    return spec.label(lang) if spec and lang in ("zh", "en") else fallback
