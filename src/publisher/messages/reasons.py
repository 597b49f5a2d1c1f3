"""Why a post is where it is: reasons stored with the post by code and values, worded when shown. Part of the
one catalogue (`publisher.messages.CHECK`): zh and en per code.
"""

ENTRIES: dict[str, dict[str, str]] = {
    # -- why a post is where it is (stored with the post by code and values; worded when shown) -------------
    "reason.problem": {
        "zh": "{where}：{field}：{platform}{text}{hint}",
        "en": "{where}: {field}: {platform}{text}{hint}",
    },
    "reason.held": {"zh": "{n} 个问题：{first}", "en": "{n} problem(s): {first}"},
    "reason.unreadable": {"zh": "内容文件无法读取：{first}", "en": "the item file cannot be read: {first}"},
    "reason.retry": {"zh": "稍后重试：{msg}", "en": "will retry: {msg}"},
    "reason.gave_up": {"zh": "重试 {n} 次后放弃：{msg}", "en": "gave up after {n} attempts: {msg}"},
    "reason.quota": {
        "zh": "当日配额已用完，{reset} 重置后再发：{msg}",
        "en": "daily quota used up; waiting for the reset at {reset}: {msg}",
    },
    "reason.reauth": {
        "zh": "账号 {account} 的凭据需要更新（publisher auth）：{msg}",
        "en": "credentials of {account} need renewing (publisher auth): {msg}",
    },
    "reason.reauth_wait": {
        "zh": "账号需要重新授权（publisher auth）",
        "en": "account needs re-authorisation (publisher auth)",
    },
    "reason.needs_person": {"zh": "需要人工处理：{msg}", "en": "{msg}"},
    "reason.unknown": {"zh": "结果未知，需要核对：{msg}", "en": "outcome unknown: {msg}"},
    "reason.missed": {
        "zh": "原定 {due}；补发时限（{window}）已于 {ended} 结束，未能发送；请人工决定"
        "（publisher retry POST 可立即发送）",
        "en": "due {due}; its late window ({window}) ended {ended} before it could be sent; a person decides "
        "(publisher retry POST sends it now)",
    },
    "reason.approval": {
        "zh": "等待审批（评审时加上 `approved_by:`）",
        "en": "waiting for approval (add `approved_by:` in review)",
    },
    "reason.unscheduled": {
        "zh": "未设置 publish_at：已计划，未排期",
        "en": "no publish_at: planned, not scheduled",
    },
    "reason.item_removed": {"zh": "内容文件已删除", "en": "item removed"},
    "reason.changed_after_publish": {
        "zh": "发布后被修改；不会重新发布",
        "en": "edited after it was published; it will not be re-posted",
    },
    "reason.draft_or_platform_removed": {
        "zh": "内容已改为草稿或已移除该平台",
        "en": "item set to draft or platform removed",
    },
    "reason.file_gone": {"zh": "内容文件已删除（发送时未找到）", "en": "item removed (its file is gone)"},
    "reason.not_in_copy": {
        "zh": "本节点的内容文件夹副本中没有此文件（可能尚未拉取）：已放回队列，由有此文件的节点发送",
        "en": "not in this node's copy of the content folder (not pulled yet?): "
        "released for a node whose copy has it",
    },
    "reason.copy_differs": {
        "zh": "本节点的内容文件与已同步的版本不同（可能尚未拉取）：已放回队列，由副本一致的节点发送",
        "en": "this node's copy of the file differs from the synced version (not pulled yet?): "
        "released for a node whose copy matches",
    },
    "reason.set_to_draft": {"zh": "内容已改为草稿", "en": "item set to draft"},
    "reason.target_removed": {
        "zh": "内容中已移除 {platform}（{account}）",
        "en": "{platform} ({account}) was removed from the item",
    },
    "reason.dry_run_passed": {
        "zh": "之前只做了演示发送（未真正发出）；该账号现为 {mode}，而帖子的时间（{due}）已过："
        "`publisher retry --force` 会发送，`publisher cancel` 则放弃",
        "en": "only a dry run went out (nothing sent); the account is {mode} now and the post's time ({due}) "
        "has passed: `publisher retry --force` sends it, `publisher cancel` drops it",
    },
    "reason.dry_run_real": {
        "zh": "该账号现为 {mode}：已排队，将真正发出",
        "en": "the account is {mode} now: queued to go out for real",
    },
    "reason.lease_released": {
        "zh": "守护进程在发送前停止，已放回队列",
        "en": "lease released: the daemon stopped before sending",
    },
    "cli.dry_run": {"zh": "（演示：未发送）", "en": " (dry run: nothing sent)"},
    "cli.written_to": {"zh": "已写入 {path}", "en": "written to {path}"},
    # column heads
    "col.when": {"zh": "时间", "en": "when"},
    "col.platform": {"zh": "平台", "en": "platform"},
    "col.account": {"zh": "账号", "en": "account"},
    "col.item": {"zh": "内容", "en": "item"},
    "col.state": {"zh": "状态", "en": "state"},
    "col.note": {"zh": "备注", "en": "note"},
    "col.posts": {"zh": "条数", "en": "posts"},
    "col.id": {"zh": "编号", "en": "id"},
    "col.why": {"zh": "原因 / 最近错误", "en": "reason / last error"},
    "col.reason": {"zh": "原因", "en": "reason"},
    "col.evidence": {"zh": "证据", "en": "evidence"},
    "col.change": {"zh": "变更", "en": "change"},
    "col.before": {"zh": "之前", "en": "before"},
    "col.after": {"zh": "之后", "en": "after"},
    "col.detail": {"zh": "详情", "en": "detail"},
    "state.overdue": {"zh": "已过时间", "en": "overdue"},
}
