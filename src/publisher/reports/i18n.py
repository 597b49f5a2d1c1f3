"""Report wording in Chinese (the default) and English; one table, looked up by key."""

from __future__ import annotations

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

PLATFORM_NAMES: dict[str, dict[str, str]] = {
    "xiaohongshu": {"zh": "小红书", "en": "Xiaohongshu"},
    "douyin": {"zh": "抖音", "en": "Douyin"},
    "wechat": {"zh": "微信公众号", "en": "WeChat"},
    "producthunt": {"zh": "Product Hunt", "en": "Product Hunt"},
}

METRIC_NAMES: dict[str, dict[str, str]] = {
    "views": {"zh": "阅读/播放", "en": "views"},
    "likes": {"zh": "点赞", "en": "likes"},
    "comments": {"zh": "评论", "en": "comments"},
    "shares": {"zh": "分享", "en": "shares"},
    "favorites": {"zh": "收藏", "en": "favorites"},
    "zaikan": {"zh": "在看", "en": "zaikan (在看)"},
    "plays": {"zh": "播放", "en": "plays"},
    "votes": {"zh": "投票", "en": "votes"},
}


def t(key: str, lang: str) -> str:
    entry = LABELS.get(key)
    return entry.get(lang, entry["en"]) if entry else key


def platform_name(name: str, lang: str) -> str:
    return PLATFORM_NAMES.get(name, {}).get(lang, name)


def metric_name(name: str, lang: str) -> str:
    return METRIC_NAMES.get(name, {}).get(lang, name)


def weekday(n: int, lang: str) -> str:
    return t("weekday", lang).split(",")[n]
