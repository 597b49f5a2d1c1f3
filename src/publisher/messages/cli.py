"""The CLI's summary lines and table heads, and the preview index page. Part of the one catalogue
(`publisher.messages.CHECK`): zh and en per code.
"""

ENTRIES: dict[str, dict[str, str]] = {
    # -- the CLI's summary lines and table heads (sync, plan, status, publish, run) ------------------------
    "cli.sync_behind": {
        "zh": "本机的内容文件夹（提交 {commit}）落后于数据库已同步的最新版本（{newest}）："
        "未同步任何内容；请先 git pull",
        "en": "this copy of the content folder (commit {commit}) is behind the newest version synced "
        "into the database ({newest}): nothing synced; git pull first",
    },
    "cli.copy_behind": {
        "zh": "本节点的内容文件夹（提交 {commit}）落后于数据库已同步的最新版本（{newest}）："
        "本节点不会同步，也不发送它没有的版本；请在本节点 git pull",
        "en": "this node's copy of the content folder (commit {commit}) is behind the newest version synced "
        "into the database ({newest}): this node does not sync, nor send a version it lacks; git pull here",
    },
    "cli.git_unreadable": {
        "zh": "{root} 是 git 仓库，但 git 无法读取它的 HEAD{exit}：本节点同步时没有“副本落后”保护（R35）；"
        "请检查 `git -C {root} log -1`（safe.directory、文件所有者）",
        "en": "{root} is a git checkout but git cannot read its HEAD{exit}: this node syncs without the "
        "lagging-copy guard (R35); check `git -C {root} log -1` (safe.directory, ownership)",
    },
    "cli.git_exit": {"zh": "（git 退出码 {status}）", "en": " (git exit {status})"},
    # -- metrics pull / import summaries (metrics/pull.py, metrics/imports.py) ----------------------------
    "cli.metrics_pulled": {
        "zh": "{accounts} 个账号的 {posts} 条帖子，共 {samples} 条数据",
        "en": "{samples} sample(s) for {posts} post(s) on {accounts} account(s)",
    },
    "cli.metrics_account_figures": {"zh": "，{n} 项账号数据", "en": ", {n} account figure(s)"},
    "cli.metrics_errors": {"zh": "；{n} 个错误：{errors}", "en": "; {n} error(s): {errors}"},
    "cli.metrics_imported_before": {
        "zh": "此文件之前已导入：未添加任何数据",
        "en": "this file was imported before: nothing added",
    },
    "cli.metrics_imported": {
        "zh": "{rows} 行中 {matched} 行对应到帖子，共 {samples} 条数据",
        "en": "{samples} sample(s) from {matched} of {rows} row(s)",
    },
    "cli.metrics_unmatched": {"zh": "；找不到对应帖子：{rows}", "en": "; no post found for: {rows}"},
    "cli.synced": {
        "zh": "已同步：{changes} 处变更；{errors} 个内容错误",
        "en": "synced: {changes} change(s); {errors} content error(s)",
    },
    "cli.see_check": {"zh": "（详情请运行 `publisher check`）", "en": " — run `publisher check` for details"},
    "cli.changes": {"zh": "上次同步以来的变更", "en": "changes since the last sync"},
    # the kinds of change sync shows (calendar.sync.Change.kind)
    "change.new": {"zh": "新增", "en": "new"},
    "change.state": {"zh": "状态", "en": "state"},
    "change.due": {"zh": "时间", "en": "due"},
    "change.edited": {"zh": "已编辑", "en": "edited"},
    "change.removed": {"zh": "已移除", "en": "removed"},
    "change.changed_after_publish": {"zh": "发布后被修改", "en": "changed after publish"},
    "cli.plan_applies": {
        "zh": "计划已包含这些变更；`publisher sync`（或 `publisher run`）会写入",
        "en": "the plan includes them; `publisher sync` (or `publisher run`) applies them",
    },
    "cli.plan_title": {"zh": "计划：未来 {days} 天（{zone}）", "en": "plan: the next {days} days ({zone})"},
    "cli.plan_drafts": {
        "zh": "另有 {n} 条草稿不在计划中（status: draft：只检查，不发布）：{items}；"
        "改成 status: ready 才会排期",
        "en": "{n} draft(s) not in the plan (status: draft: checked, never published): {items}; "
        "set status: ready to schedule",
    },
    "cli.pending_new": {"zh": "文件夹中新增（尚未同步）", "en": "new in the folder (not synced yet)"},
    "cli.pending_change": {
        "zh": "{kind}：{before} → {after}（尚未同步）",
        "en": "{kind}: {before} → {after} (not synced yet)",
    },
    "cli.pending_due": {
        "zh": "文件夹中的时间已修改（尚未同步）",
        "en": "time changed in the folder (not synced yet)",
    },
    "cli.by_state": {"zh": "各状态帖子数", "en": "posts by state"},
    "cli.next_due": {"zh": "帖子 · 下一条 {when}", "en": "posts · next due {when}"},
    "cli.needs_person": {
        "zh": "需人工处理（publisher retry / cancel / resolve POST）",
        "en": "needs a person (publisher retry / cancel / resolve POST)",
    },
    "cli.in_flight": {"zh": "进行中", "en": "in flight"},
    "cli.attempt": {"zh": "第 {number} 次尝试 {step}：{outcome}", "en": "attempt {number} {step}: {outcome}"},
    "cli.overdue_late": {
        "zh": "已过时间：守护进程运行时补发；{ends} 之后为已错过",
        "en": "overdue: goes out when the daemon runs; missed after {ends}",
    },
    "cli.overdue_missed": {
        "zh": "已超过补发时限（{ends} 结束）：守护进程运行时标为已错过",
        "en": "overdue beyond the late window (ended {ends}): missed when the daemon runs",
    },
    "cli.daemon_running": {"zh": "守护进程运行中，自 {since} 起", "en": "daemon running since {since}"},
    "cli.daemon_last_seen": {
        "zh": "守护进程未运行（最后一次 {when}）；请启动 `publisher run`",
        "en": "no daemon running (last seen {when}); start `publisher run`",
    },
    "cli.daemon_none": {
        "zh": "守护进程未运行：启动 `publisher run` 才能按时发布",
        "en": "no daemon running: start `publisher run` to publish on time",
    },
    "cli.post_line": {"zh": "帖子 {id} {target}：", "en": "post {id} {target}: "},
    "cli.daemon_sends": {
        "zh": "正在运行的守护进程（{holder}）会发送它；等待结果…",
        "en": "the running daemon ({holder}) sends it; waiting for the outcome…",
    },
    "run.error": {"zh": "publisher run：{error}", "en": "publisher run: {error}"},
    "run.once": {
        "zh": "publisher run --once：处理了 {n} 条帖子",
        "en": "publisher run --once: {n} post(s) handled",
    },
    "run.started": {
        "zh": "publisher run：正在监视 {root}（持有者 {owner}）；按 Ctrl-C 停止",
        "en": "publisher run: watching {root} (owner {owner}); Ctrl-C to stop",
    },
    "run.stopped": {"zh": "publisher run：已停止", "en": "publisher run: stopped"},
    "rehearse.progress": {
        "zh": "正在演练 {start} .. {until}（沙盒）",
        "en": "rehearsing {start} .. {until} against the sandbox",
    },
    "rehearse.summary": {
        "zh": "已演练 {start} .. {until} UTC，用时 {elapsed} 秒（{steps} 个时钟步）：{states}；"
        "定时任务运行 {jobs} 次",
        "en": "rehearsed {start} .. {until} UTC in {elapsed} s ({steps} clock steps): {states}; "
        "{jobs} recurring job run(s)",
    },
    "rehearse.failed_steps": {"zh": "；{n} 步失败", "en": "; {n} step(s) failed"},
    "rehearse.removed": {
        "zh": "已删除 {n} 个旧版演练写下的文件（现由 rehearsal-summary-* 取代）：",
        "en": "removed {n} file(s) an older rehearsal wrote (now rehearsal-summary-*):",
    },
    "rehearse.no_posts": {"zh": "没有帖子", "en": "no posts"},
    "rehearse.table": {"zh": "演练时间线", "en": "rehearsal timeline"},
    "rehearse.h_metrics": {"zh": "沙盒中增长的数据", "en": "Metrics the sandbox grew"},
    "rehearse.h_failed": {"zh": "失败的步骤", "en": "Steps that failed"},
    "rehearse.h_jobs": {"zh": "定时任务", "en": "Recurring jobs"},
    # the report a rehearsal ends with: the whole rehearsed window (not a week), in the weekly report's form
    "rehearse.report": {"zh": "演练总结", "en": "Rehearsal summary"},
    "rehearse.h_overview": {"zh": "演练期间概览", "en": "Over the rehearsal"},
    "rehearse.h_after": {"zh": "演练之后的计划", "en": "Planned after the rehearsal"},
    "col.when_utc": {"zh": "时间（UTC）", "en": "when (UTC)"},
    "col.metric": {"zh": "指标", "en": "metric"},
    "col.total": {"zh": "合计", "en": "total"},
    "col.job": {"zh": "任务", "en": "job"},
    "col.period": {"zh": "周期", "en": "period"},
    "col.outcome": {"zh": "结果", "en": "outcome"},
    "col.url": {"zh": "链接", "en": "url"},
    # -- the preview index page (calendar/templates/preview_index.html.j2) ---------------------------------
    "pvi.id": {"zh": "编号", "en": "id"},
    "pvi.file": {"zh": "文件", "en": "file"},
    "pvi.status": {"zh": "状态", "en": "status"},
    "pvi.previews": {"zh": "{n} 个预览", "en": "{n} preview(s)"},
    "pvi.failed_n": {"zh": "{n} 个无法生成", "en": "{n} cannot render"},
    "pvi.when": {"zh": "定时 {when}", "en": "scheduled {when}"},
    "pvi.over": {"zh": "超出上限：{fields}", "en": "over limit: {fields}"},
    "pvi.within": {"zh": "均在上限内", "en": "within limits"},
    "pvi.warnings": {"zh": "{n} 个提醒", "en": "{n} warning(s)"},
    "pvi.media": {"zh": "{n} 个媒体文件", "en": "{n} media"},
    "pvi.none": {"zh": "没有匹配的发布目标。", "en": "No target matched."},
    "pvi.cannot_render": {"zh": "无法生成预览", "en": "Cannot render"},
    "cli.init_ready": {"zh": "工作区已就绪：{path}", "en": "workspace ready in {path}"},
    "cli.init_next": {
        "zh": "下一步：`publisher check`，然后 `publisher preview ITEM`",
        "en": "next: `publisher check` then `publisher preview ITEM`",
    },
    "cli.post_state": {"zh": "帖子 {id}：", "en": "post {id}: "},
    "cli.dashboard_on": {"zh": "仪表盘：{url}", "en": "dashboard on {url}"},
    "cli.dashboard_token": {
        "zh": "（首次请打开 /?token=<你的令牌>）",
        "en": " (open /?token=<your token> once)",
    },
    "cli.index": {"zh": "索引页：{path}", "en": "index: {path}"},
    # -- publisher auth status ------------------------------------------------------------------------------
    "auth.title": {"zh": "账号与授权", "en": "accounts"},
    "auth.col.account": {"zh": "账号", "en": "account"},
    "auth.col.platform": {"zh": "平台", "en": "platform"},
    "auth.col.mode": {"zh": "模式", "en": "mode"},
    "auth.col.state": {"zh": "状态", "en": "state"},
    "auth.col.credentials": {"zh": "凭据", "en": "credentials"},
    "auth.col.expires": {"zh": "到期", "en": "expires"},
    "auth.col.check": {"zh": "检查", "en": "check"},
    "auth.state.ok": {"zh": "正常", "en": "ok"},
    "auth.state.missing": {"zh": "缺少凭据", "en": "missing"},
    "auth.state.expiring": {"zh": "即将过期", "en": "expiring"},
    "auth.state.expired": {"zh": "已过期", "en": "expired"},
    "auth.state.error": {"zh": "出错", "en": "error"},
    "auth.field_set": {"zh": "已设置（{source}）", "en": "set ({source})"},
    "auth.field_missing": {"zh": "缺少", "en": "missing"},
    "auth.authorised": {"zh": "{account} 已授权；{detail}", "en": "{account} authorised; {detail}"},
}
