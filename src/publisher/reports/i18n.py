"""Report wording in Chinese (the default) and English: the one catalogue every report string comes from.

`t(key, lang, **values)` formats a message; `state_name`, `reason` and `platform_name` turn store values into
words a reader knows. A string lives here once; writers, KPIs, risks and summaries look it up by key.
"""

from __future__ import annotations

from publisher.adapters import platforms, spec_for
from publisher.adapters.spec import Metric
from publisher.errors import UsageError
from publisher.messages import msg, say
from publisher.messages import reason as reason
from publisher.messages import state_name as state_name

LANGS = ("zh", "en")

LABELS: dict[str, dict[str, str]] = {
    # titles and the seed's sections (运营周报 / 运营日报 / 市场活动方案)
    "daily": {"zh": "运营日报", "en": "Daily operations report"},
    "weekly": {"zh": "运营周报", "en": "Weekly operations report"},
    "engagement": {"zh": "互动数据", "en": "Engagement"},
    "campaign": {"zh": "市场活动方案", "en": "Campaign plan"},
    "rehearsal": {"zh": "演练", "en": "Rehearsal"},
    "period": {"zh": "统计周期", "en": "Period"},
    "generated": {"zh": "生成时间", "en": "Generated"},
    "summary": {"zh": "本周总结", "en": "This week"},
    "done": {"zh": "完成事项", "en": "Done"},
    "results": {"zh": "关键成果", "en": "Key results"},
    "kpi": {"zh": "指标达成", "en": "Targets"},
    "kpi_head": {"zh": "指标 | 目标 | 实际 | 状态", "en": "Metric | Target | Actual | Status"},
    "risks": {"zh": "问题与风险", "en": "Problems and risks"},
    "plan_week": {"zh": "下周计划", "en": "Next week's plan"},
    "today_done": {"zh": "今日完成", "en": "Done today"},
    "key_figures": {"zh": "关键指标", "en": "Key figures"},
    "open_issues": {"zh": "待解决问题", "en": "Open issues"},
    "plan_day": {"zh": "明日计划", "en": "Tomorrow's plan"},
    "appendix": {"zh": "附：数据明细", "en": "Appendix: details"},
    "published": {"zh": "已发布", "en": "Published"},
    "failed": {"zh": "失败与错过", "en": "Failed or missed"},
    "health": {"zh": "账号健康度", "en": "Account health"},
    "best_time": {"zh": "最佳发布时间", "en": "Best time to post"},
    "engagement_table": {"zh": "帖子互动明细", "en": "Engagement per post"},
    "engagement_sheet": {
        "zh": "帖子互动明细",
        "en": "Post engagement",
    },  # an XLSX sheet: room for "·Platform"
    "charts": {"zh": "图表", "en": "Charts"},
    "launch_day": {"zh": "发布日逐小时曲线", "en": "Launch day, hour by hour"},
    "launch_note": {
        "zh": "按每条投票和评论的时间逐小时统计（发布日从太平洋时间 0 点起算），每个整点为截至该时的累计数",
        "en": "Counted from each vote's and comment's time (the launch day starts at midnight Pacific); "
        "each hour shows the totals by its end",
    },
    "launch_head": {
        "zh": "整点 | 累计投票 | 本小时新增投票 | 累计评论",
        "en": "Hour | Votes | Votes this hour | Comments",
    },
    "launch_votes": {"zh": "累计投票", "en": "Votes"},
    "launch_comments": {"zh": "累计评论", "en": "Comments"},
    "trend": {"zh": "每日新增互动（按平台）", "en": "Interactions gained per day, by platform"},
    "top": {"zh": "互动最多的帖子", "en": "Top posts by interactions"},
    "heat": {
        "zh": "发布时段 × 星期（24 小时互动，相对值）",
        "en": "Posting hour × weekday (interactions at T+24 h, relative)",
    },
    # the campaign report (市场活动方案 with 效果追踪)
    "c_goal": {"zh": "活动目标", "en": "Goals"},
    "c_audience": {"zh": "目标受众", "en": "Audience"},
    "c_channels": {"zh": "推广渠道", "en": "Channels"},
    "c_schedule": {"zh": "时间安排", "en": "Schedule"},
    "c_expected": {"zh": "预期效果", "en": "Expected effect"},
    "c_tracking": {"zh": "效果追踪", "en": "Tracking"},
    "c_head": {"zh": "指标 | 预期 | 实际 | 状态", "en": "Metric | Expected | Actual | Status"},
    "c_reach": {"zh": "曝光（阅读/播放）", "en": "Reach (views)"},
    "c_engagement": {"zh": "互动", "en": "Interactions"},
    "c_votes": {"zh": "Product Hunt 投票", "en": "Product Hunt votes"},
    "c_followers": {"zh": "活动期间涨粉", "en": "Followers gained"},
    "c_posts": {"zh": "{n} 条帖子", "en": "{n} post(s)"},
    "c_window": {"zh": "活动时间：{first} 至 {last}", "en": "Runs {first} to {last}"},
    "c_unknown": {"zh": "没有带 campaign: {name} 的内容", "en": "no item carries campaign: {name}"},
    # table heads and small words
    "ok": {"zh": "达标", "en": "met"},
    "below": {"zh": "未达标", "en": "below"},
    "none": {"zh": "无", "en": "none"},
    "no_data": {"zh": "无数据", "en": "no data"},
    "when": {"zh": "时间", "en": "When"},
    "platform": {"zh": "平台", "en": "Platform"},
    "account": {"zh": "账号", "en": "Account"},
    "title": {"zh": "标题", "en": "Title"},
    "item": {"zh": "内容 ID", "en": "Item"},
    "link": {"zh": "链接", "en": "Link"},
    "state": {"zh": "状态", "en": "State"},
    "note": {"zh": "说明", "en": "Note"},
    "score": {"zh": "得分", "en": "Score"},
    "cadence": {"zh": "按时率", "en": "On time"},
    "success": {"zh": "成功率", "en": "Success"},
    "trend_score": {"zh": "互动趋势", "en": "Trend"},
    "how": {"zh": "计算方式", "en": "How it was computed"},
    "weekday_h": {"zh": "星期", "en": "Weekday"},
    "hour": {"zh": "小时", "en": "Hour"},
    "posts_h": {"zh": "帖子数", "en": "Posts"},
    "change": {"zh": "本期新增", "en": "Change"},
    "rate": {"zh": "互动率", "en": "Engagement rate"},
    "interactions": {"zh": "互动", "en": "Interactions"},
    "views_24h": {"zh": "24 小时阅读/播放", "en": "Views at T+24 h"},
    "published_at": {"zh": "发布时间", "en": "Published"},
    "taken_at": {"zh": "数据时间", "en": "Sampled"},
    "weekday": {"zh": "一,二,三,四,五,六,日", "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
    "paren": {"zh": "（{x}）", "en": " ({x})"},
    "period_line": {"zh": "{label}（{first} – {last}，{zone}）", "en": "{label} ({first} – {last}, {zone})"},
    "slot": {"zh": "周{wd} {hour:02d}:00", "en": "{wd} {hour:02d}:00"},
    # KPI lines
    "kpi_publish_success_rate": {"zh": "发布成功率", "en": "Publish success rate"},
    "kpi_on_time_rate": {"zh": "准时发布率", "en": "On-time rate"},
    "kpi_followers_growth": {"zh": "涨粉", "en": "Follower growth"},
    "kpi_engagement_rate": {"zh": "互动率（{platform}）", "en": "Engagement rate ({platform})"},
    "kpi_month_scaled": {
        "zh": "按月目标 {month:g} × {days}/30 折算",
        "en": "monthly target {month:g} × {days}/30",
    },
    # summaries (本周总结 and the notification line)
    "s_published": {"zh": "发布 {n} 条", "en": "{n} published"},
    "s_published_by": {"zh": "发布 {n} 条帖子（{by}）", "en": "{n} post(s) published ({by})"},
    "s_failed": {"zh": "失败/错过 {n} 条", "en": "{n} failed or missed"},
    "s_missed_kpis": {"zh": "未达标: {names}", "en": "below target: {names}"},
    "s_risks": {"zh": "风险 {n} 项", "en": "{n} risk(s)"},
    "s_kpis_met": {"zh": "指标达成 {ok}/{n}", "en": "{ok} of {n} targets met"},
    "s_followers": {"zh": "涨粉 {n:+.0f}", "en": "followers {n:+.0f}"},
    "s_interactions": {"zh": "新增互动 {n:,.0f}", "en": "{n:,.0f} interactions gained"},
    "s_top": {
        "zh": "互动最多：《{title}》（{platform}，{n:,.0f} 互动）",
        "en": "top post: “{title}” ({platform}, {n:,.0f} interactions)",
    },
    "s_plan": {"zh": "{when} {platform}《{title}》", "en": "{when} {platform}: “{title}”"},
    # risks (问题与风险)
    "r_post": {
        "zh": "[{state}] #{id} {title}（{platform}/{account}）",
        "en": "[{state}] #{id} {title} ({platform}/{account})",
    },
    "r_why": {"zh": "：{why}", "en": ": {why}"},
    "r_allow": {
        "zh": "合规已说明：「{word}」（{path}），理由：{reason}",
        "en": "compliance acknowledged: “{word}” ({path}), because: {reason}",
    },
    "r_reauth": {
        "zh": "账号 {account} 需要重新授权：{reason}",
        "en": "account {account} needs re-authorisation: {reason}",
    },
    "r_token": {
        "zh": "账号 {account} 的 {kind} 将于 {when} 过期，请提前重新授权",
        "en": "account {account}: {kind} expires {when}; re-authorise before then",
    },
    "r_falling": {
        "zh": "{platform} 24 小时互动较上期下降 {pct:.0f}%（{cur:.0f} vs {before:.0f}）",
        "en": "{platform}: interactions at T+24 h fell {pct:.0f}% ({cur:.0f} vs {before:.0f})",
    },
    # account health
    "h_on_time": {"zh": "按时发布 {n}/{d} ×{w}", "en": "on time {n}/{d} ×{w}"},
    "h_success": {"zh": "发布成功 {n}/{d} ×{w}", "en": "published {n}/{d} ×{w}"},
    "h_trend": {
        "zh": "24 小时互动较上期 {change:+.0f}% → {score:.2f} ×{w}",
        "en": "interactions at T+24 h vs before {change:+.0f}% → {score:.2f} ×{w}",
    },
    "h_join": {"zh": " + ", "en": " + "},
    "h_weight": {"zh": "，按可用权重 {w} 归一化", "en": ", normalised by weight {w}"},
    "h_nothing": {"zh": "窗口内无可评估的数据", "en": "nothing to judge in the window"},
    # best time
    "b_basis": {
        "zh": "近 {days} 天 {n} 条帖子发布后 24 小时的互动，按发布的星期和小时取平均",
        "en": "mean interactions at T+24 h of {n} post(s) of the last {days} days, "
        "by weekday and hour published",
    },
    "b_few": {"zh": "（少于 {n} 条，仅供参考）", "en": " (fewer than {n}: a hint only)"},
    # `publisher import DIR`: what became of each blog post
    "im_head_source": {"zh": "源文件", "en": "Source"},
    "im_head_item": {"zh": "写入", "en": "Item file"},
    "im_head_outcome": {"zh": "结果", "en": "Outcome"},
    "im_head_changes": {"zh": "改动", "en": "Changes"},
    "im_head_check": {"zh": "检查", "en": "Check"},
    "im_title": {"zh": "导入 {kind} 博客：{source}", "en": "Importing the {kind} blog at {source}"},
    "im_title_dry": {"zh": "（试运行：不写入任何文件）", "en": " (dry run: nothing is written)"},
    "im_outcome_written": {"zh": "已写入", "en": "written"},
    "im_outcome_would_write": {"zh": "将写入", "en": "would write"},
    "im_outcome_unchanged": {"zh": "已导入过（内容相同）", "en": "already imported (same text)"},
    "im_outcome_exists": {"zh": "未写入：已存在", "en": "not written: exists"},
    "im_outcome_unreadable": {"zh": "未写入：无法读取", "en": "not written: unreadable"},
    "im_check_ok": {"zh": "通过（{warnings} 个提示）", "en": "ok ({warnings} warning(s))"},
    "im_check_errors": {
        "zh": "{errors} 个错误、{warnings} 个提示：运行 publisher check",
        "en": "{errors} error(s), {warnings} warning(s): run publisher check",
    },
    "im_summary": {"zh": "{kind}：{n} 篇（{parts}）", "en": "{kind}: {n} post(s) ({parts})"},
    "im_needs": {"zh": "；{n} 篇需要处理", "en": "; {n} need a person"},
    "im_none": {
        "zh": "{source} 里没有找到 Markdown 文章（.md / .markdown）",
        "en": "no Markdown posts (.md / .markdown) found in {source}",
    },
    "im_next": {
        "zh": "导入的内容都是草稿（status: draft）：检查后填上 publish_at 并改为 ready 才会发布。",
        "en": "Imported items are drafts (status: draft): nothing is published until you set publish_at "
        "and status: ready.",
    },
    "im_line": {"zh": "第 {line} 行：", "en": "line {line}: "},
    "im_routine": {"zh": "另有 {n} 项常规改动（-v 查看）", "en": "and {n} routine change(s) (-v lists them)"},
    "im_draft": {"zh": "status: draft（草稿，不会发布）", "en": "status: draft (never published as is)"},
    "im_title_from": {"zh": "没有 title：用“{title}”", "en": "no title: used “{title}”"},
    "im_title_heading": {
        "zh": "删除了与标题相同的一级标题",
        "en": "removed the first-level heading that repeats the title",
    },
    "im_date": {
        "zh": "date {date} → published_on（首次发布的历史时间，不是发布时间）",
        "en": "date {date} → published_on (when it first appeared; not a publish time)",
    },
    "im_tags": {"zh": "{fields} → tags: {tags}", "en": "{fields} → tags: {tags}"},
    "im_tag_space": {
        "zh": "标签“{tag}”含空格，改为“{new}”（小红书话题遇空格会断开）",
        "en": "tag “{tag}” has a space; now “{new}” (小红书 ends a topic at a space)",
    },
    "im_summary_field": {"zh": "{field} → description", "en": "{field} → description"},
    "im_cover": {"zh": "{field} → cover: {path}", "en": "{field} → cover: {path}"},
    "im_cover_missing": {
        "zh": "{field}: {ref} 找不到或是远程图片，未用作封面",
        "en": "{field}: {ref} not found or remote; not used as the cover",
    },
    "im_was_draft": {"zh": "原文是草稿（draft: true）", "en": "it was a draft in the blog (draft: true)"},
    "im_author": {
        "zh": "author → {platforms} 的作者：{author}",
        "en": "author → author on {platforms}: {author}",
    },
    "im_dropped": {
        "zh": "删除了用不上的字段：{fields}",
        "en": "dropped fields the calendar has no use for: {fields}",
    },
    "im_images": {
        "zh": "正文里的 {n} 张本地图片 → images（小红书笔记的配图）",
        "en": "the body's {n} local image(s) → images (a 小红书 note's pictures)",
    },
    "im_more": {
        "zh": "保留 <!--more-->：其上的文字作为公众号摘要（digest）",
        "en": "kept <!--more-->: the text above it becomes the WeChat digest",
    },
    "im_codeblock": {"zh": "{tag} 标签 → ``` 代码块", "en": "{tag} tag → ``` code block"},
    "im_quote": {"zh": "{tag} 标签 → 引用块", "en": "{tag} tag → block quote"},
    "im_asset_img": {"zh": "{{% asset_img {name} %}} → {path}", "en": "{{% asset_img {name} %}} → {path}"},
    "im_figure": {"zh": "Hugo figure → Markdown 图片", "en": "Hugo figure → Markdown image"},
    "im_baseurl": {"zh": "去掉了 {tag}", "en": "resolved {tag}"},
    "im_site_link": {
        "zh": "指向博客内另一篇文章的链接只保留文字「{text}」（文章还没有新地址）",
        "en": "a link to another post of the blog keeps only its text “{text}” (it has no address yet)",
    },
    "im_image": {"zh": "图片 {ref} → {path}", "en": "image {ref} → {path}"},
    "im_image_missing": {
        "zh": "图片 {ref} 在博客目录里找不到：保留原样，请补上文件",
        "en": "image {ref} is not in the blog folder: kept as written; add the file",
    },
    "im_remote_image": {
        "zh": "远程图片 {ref}：保留链接（下载到 content/media/ 更可靠）",
        "en": "remote image {ref}: link kept (downloading it into content/media/ is safer)",
    },
    "im_unknown_tag": {
        "zh": "无法转换的模板标签 {tag}：保留原样，请手工改写（check 会拒绝模板代码）",
        "en": "template tag {tag} cannot be converted: kept; rewrite it by hand (check refuses templates)",
    },
    "im_unclosed": {"zh": "{what} 没有闭合", "en": "{what} is never closed"},
    "im_exists": {
        "zh": "{path} 已存在且内容不同：没有覆盖（改名或删除后再导入）",
        "en": "{path} exists with other text: not overwritten (rename or remove it, then import again)",
    },
    "im_too_big": {
        "zh": "文件超过 {limit} 字节：没有导入（拆成几篇，或把图片移出正文）",
        "en": "the file is over {limit} bytes: not imported (split it, or move media out of the text)",
    },
    "im_not_utf8": {"zh": "不是 UTF-8 编码：请另存为 UTF-8", "en": "not UTF-8: save it as UTF-8"},
    "im_unreadable": {"zh": "无法读取：{why}", "en": "cannot be read: {why}"},
    "im_front_matter": {"zh": "头部信息有误：{why}", "en": "front matter: {why}"},
}

#: Shared figure names (the normalised ones every platform may report).
METRIC_NAMES: dict[str, dict[str, str]] = {
    "views": {"zh": "阅读/播放", "en": "Views"},
    "likes": {"zh": "点赞", "en": "Likes"},
    "comments": {"zh": "评论", "en": "Comments"},
    "shares": {"zh": "分享", "en": "Shares"},
    "favorites": {"zh": "收藏", "en": "Favorites"},
}


def check_lang(lang: str | None, default: str = "zh") -> str:
    """`lang`, or the default; anything but zh or en is a usage error (exit 2)."""
    value = (lang or default).strip().lower()
    if value not in LANGS:
        raise UsageError(msg("usage.unknown_language", given=repr(lang), langs=tuple(LANGS)))
    return value


def t(key: str, lang: str, **values: object) -> str:
    """The message `key` in `lang` (English where a language lacks it), formatted with `values`."""
    entry = LABELS.get(key)
    if entry is None:
        return say(key, lang, **values)  # `publisher check`'s section of the catalogue
    text = entry.get(lang, entry["en"])
    return text.format(**values) if values else text


def platform_name(name: str, lang: str) -> str:
    """The platform's display name from the registry; an unknown platform keeps its name."""
    spec = spec_for(name)
    return spec.label(lang) if spec else name


def _declared(platform: str) -> list[Metric]:
    """The figures a platform's spec declares, each raw figure once: Douyin reports play_count as `views`
    and `plays`; the table shows it once, under the first name."""
    spec = spec_for(platform)
    out: list[Metric] = []
    for m in spec.metrics if spec else ():
        if all(m.raw != other.raw for other in out):
            out.append(m)
    return out


def metric_name(name: str, lang: str, platform: str | None = None) -> str:
    """A figure's label (a column head): the platform's own word for it (its spec's label), else the shared
    one, else the label any platform gives a figure only it has, else the name."""
    label = _metric_label(name, lang, platform)
    return label[:1].upper() + label[1:] if lang == "en" else label


def _metric_label(name: str, lang: str, platform: str | None) -> str:
    spec = spec_for(platform) if platform else None
    for m in spec.metrics if spec else ():
        if m.name == name and m.label_en:
            return m.label_zh if lang == "zh" else m.label_en
    if name in METRIC_NAMES:
        return METRIC_NAMES[name].get(lang, name)
    for other in platforms().values():
        for m in other.metrics:
            if m.name == name and m.label_en:
                return m.label_zh if lang == "zh" else m.label_en
    return name


def platform_metrics(platform: str, seen: set[str] | None = None) -> list[str]:
    """The figures a platform's engagement table shows, in its spec's order, each once; a platform without
    declared figures shows the shared ones. With `seen`, only those it reported. Other figures (totals,
    durations) stay in the JSON export, never a column under a raw API name."""
    names = [m.name for m in _declared(platform)] or list(METRIC_NAMES)
    return names if seen is None else [n for n in names if n in seen]


def weekday(n: int, lang: str) -> str:
    return t("weekday", lang).split(",")[n]


def slot(wd: int, hour: int, lang: str) -> str:
    return t("slot", lang, wd=weekday(wd, lang), hour=hour)


# -- the dashboard (`publisher serve`) shares this catalogue: menus (state names and reasons above) --------

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
    "move_done": {"zh": "已改为 {when}：《{title}》", "en": "Moved “{title}” to {when}"},
    "move_stale": {
        "zh": "文件在页面打开后被修改过，没有移动：刷新页面后再试",
        "en": "The file changed since this page loaded; nothing was moved: reload and try again",
    },
    "move_bad_time": {
        "zh": "时间应为 YYYY-MM-DD HH:MM，例如 2026-12-03 12:00",
        "en": "the time must be YYYY-MM-DD HH:MM, e.g. 2026-12-03 12:00",
    },
    "new_post": {"zh": "新建内容", "en": "New post"},
    "new_refused": {"zh": "没有写入：请先修正这些问题", "en": "Nothing was written; fix these first"},
    "new_written": {"zh": "已写入 {path}，检查结果如下", "en": "Wrote {path}; the check's results are below"},
    "field_title": {"zh": "标题", "en": "Title"},
    "field_body": {"zh": "正文（Markdown）", "en": "Body (Markdown)"},
    "field_platforms": {"zh": "平台", "en": "Platforms"},
    "field_publish_at": {"zh": "发布时间", "en": "Publish at"},
    "field_images": {"zh": "图片（content/media）", "en": "Images (content/media)"},
    "create_post": {"zh": "写入日历", "en": "Add to the calendar"},
    "drag_hint": {"zh": "拖到另一天（或小时）即可改期", "en": "Drag to another day (or hour) to reschedule"},
    "workspace_problem": {
        "zh": "工作区有问题，当前显示上次正常的日历：",
        "en": "The workspace has a problem; showing the last good calendar: ",
    },
    "needs_person": {"zh": "需要处理", "en": "Needs a person"},
    "nothing_needs_you": {"zh": "目前没有需要你处理的内容。", "en": "Nothing needs you right now."},
    "waiting": {"zh": "等待中", "en": "Waiting"},
    "no_waiting": {"zh": "没有暂停或重试中的帖子。", "en": "No held or retrying posts."},
    "due": {"zh": "计划时间", "en": "due"},
    "attempts": {"zh": "尝试 {n} 次", "en": "{n} attempt(s)"},
    "publish_now": {"zh": "立即发布", "en": "Publish now"},
    "publish_now_waits": {"zh": "立即发布（等待守护进程）", "en": "Publish now (waits for a daemon)"},
    "publish_now_waits_hint": {
        "zh": "没有运行中的守护进程：`publisher run` 启动后才会发出",
        "en": "no daemon runs: it goes out once `publisher run` starts",
    },
    "daemon_off": {
        "zh": "没有运行中的守护进程{seen}：`publisher run` 启动前不会发布任何内容；“立即发布”会等待它。",
        "en": "No daemon running{seen}: nothing is published until `publisher run` starts; "
        '"Publish now" waits for it.',
    },
    "daemon_seen": {"zh": "（上次心跳 {when}）", "en": " (last seen {when})"},
    "overdue": {"zh": "已逾期", "en": "Overdue"},
    "overdue_note": {
        "zh": "已逾期：{who}；若到 {missed_at} 仍未发出，将变为“已错过”",
        "en": "overdue: {who}, unless it is still waiting at {missed_at}: then it becomes missed",
    },
    "overdue_missed_note": {
        "zh": "已超过补发时限（{missed_at} 结束）：守护进程运行时会标为“已错过”，不再发送；"
        "要发出请点“立即发布”",
        "en": "overdue beyond the late window (ended {missed_at}): the daemon marks it missed and never "
        'sends it; "Publish now" sends it',
    },
    "overdue_badge": {"zh": "已过时间", "en": "overdue"},
    "overdue_daemon": {"zh": "守护进程会补发", "en": "the daemon sends it late"},
    "overdue_no_daemon": {"zh": "`publisher run` 启动后补发", "en": "goes out when `publisher run` starts"},
    "retry": {"zh": "重试", "en": "Retry"},
    "checked_not_there": {"zh": "我已确认：平台上没有这条", "en": "I checked: it is not on the platform"},
    "checked_job_failed": {"zh": "已核对：任务失败", "en": "checked: the job failed"},
    "job_pending_hint": {
        "zh": "平台仍在处理发布任务：请等待结果，或到平台核对后再标为未发布",
        "en": "the platform is still processing the publish job: wait for it, or check there first",
    },
    "published_url": {"zh": "https://… 已发布的链接", "en": "https://… the published post"},
    "mark_published": {"zh": "已发布", "en": "Published"},
    "mark_not_published": {"zh": "未发布", "en": "Not published"},
    "cancel": {"zh": "取消", "en": "Cancel"},
    "previews": {"zh": "预览", "en": "Previews"},
    "preview": {"zh": "预览", "en": "preview"},
    "problems": {"zh": "问题", "en": "Problems"},
    "checked_ok": {"zh": "检查通过：没有问题。", "en": "Checked: no problems."},
    "posts": {"zh": "帖子", "en": "Posts"},
    "no_posts": {"zh": "没有帖子（草稿，或尚未同步）。", "en": "No posts (a draft, or not synced yet)."},
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
        "zh": "显示的是 publisher rehearse 的演练库（{path}），不是正式发布。",
        "en": "showing the store of publisher rehearse ({path}), not real publishing.",
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
    "axis_hour_of_day": {"zh": "时间", "en": "Time"},
    "axis_total": {"zh": "累计数", "en": "Total"},
    "axis_weekday": {"zh": "星期", "en": "Weekday"},
    "heat_low": {"zh": "低", "en": "low"},
    "heat_high": {"zh": "高", "en": "high"},
    "live_check": {"zh": "实时检查与预览", "en": "Live check and previews"},
    "live_check_hint": {
        "zh": "边写边检查（与 publisher check 相同），不会写入任何文件；点“写入日历”才保存。",
        "en": "Checked as you type (the same check as publisher check); nothing is written until you add it.",
    },
    "live_checking": {"zh": "检查中…", "en": "Checking…"},
    "no_preview": {
        "zh": "还无法预览：先修正上面的问题。",
        "en": "No preview yet: fix the problems above first.",
    },
    "live_check_ok": {"zh": "检查通过：没有问题。", "en": "Checked: no problems."},
    "live_check_failed": {"zh": "暂时无法检查：{why}", "en": "Could not check just now: {why}"},
    "compliance": {"zh": "合规检查", "en": "Compliance"},
    "compliance_none": {"zh": "没有命中合规词表。", "en": "No word of the compliance lists."},
    "acknowledged": {"zh": "已说明（allow）", "en": "Acknowledged (allow)"},
    "report_day": {"zh": "日报日期", "en": "Daily report day"},
    "pv_not_scheduled": {"zh": "未排期（没有 publish_at）", "en": "not scheduled (no publish_at)"},
    "pv_slot": {"zh": "自动排期：下一个空档", "en": "next free slot"},
    "pv_best": {"zh": "自动排期：最佳时段", "en": "the best time"},
    "pv_mode_dry-run": {"zh": "演示发送（dry-run，不发出）", "en": "dry-run (nothing is sent)"},
    "pv_mode_sandbox": {"zh": "沙盒（sandbox）", "en": "sandbox"},
    "pv_mode_live": {"zh": "正式发布（live）", "en": "live"},
    "pv_mode_assisted": {"zh": "人工发布（assisted）", "en": "assisted (a person posts it)"},
    "campaigns": {"zh": "市场活动", "en": "Campaigns"},
    "campaign_covers": {"zh": "活动内容（campaign: {name}）", "en": "its posts (campaign: {name})"},
    "no_campaigns": {
        "zh": "还没有市场活动：在 publisher.toml 里加 [campaigns.NAME]，并给内容加上 campaign: NAME。",
        "en": "No campaign yet: add [campaigns.NAME] to publisher.toml and campaign: NAME to its items.",
    },
    "campaign_needs_name": {
        "zh": "哪个市场活动？请给出 campaign=NAME（publisher.toml 里的 [campaigns.NAME]）。",
        "en": "which campaign? give campaign=NAME (a [campaigns.NAME] in publisher.toml).",
    },
    "report_week": {"zh": "周报周次", "en": "Weekly report week"},
    "report_covers": {"zh": "统计周期", "en": "Covers"},
    "daily_needs_day": {
        "zh": "日报只统计一天，{period!r} 不是一天：请给出日期（如 2027-01-04）、today 或 yesterday。",
        "en": "a daily report covers one day and {period!r} is not one: give a date (2027-01-04), today or "
        "yesterday.",
    },
    "weekly_needs_week": {
        "zh": "周报统计一个完整的 ISO 周（周一至周日），{period!r} 不是一周：请给出周次（如 2027-W01）、"
        "this_week、last_week 或这周中的一天。",
        "en": "a weekly report covers one ISO week (Monday to Sunday) and {period!r} is not one: give a week "
        "(2027-W01), this_week, last_week or a day of the week.",
    },
}


def ui(key: str, lang: str, **values: object) -> str:
    """A dashboard string; `values` fill its {placeholders}."""
    entry = UI.get(key) or LABELS.get(key)
    if entry is None:
        return say(key, lang, **values)  # the CLI's and check's sections of the catalogue
    text = entry.get(lang, entry["en"])
    return text.format(**values) if values else text


def platform_label(name: str, fallback: str, lang: str) -> str:
    """A platform's display name in `lang` from the registry, else the label its platform.yaml gives."""
    spec = spec_for(name)
    return spec.label(lang) if spec and lang in ("zh", "en") else fallback
