"""What a notification tells a person (publisher.notify: the headline, the body's lines and the command to
act). Part of the one catalogue (`publisher.messages.CHECK`): zh and en per code; `{id}` is the post id.
"""

ENTRIES: dict[str, dict[str, str]] = {
    # -- the headline's label, by the state the post entered ---------------------------------------------
    "notify.label.awaiting_manual": {"zh": "待手动发布", "en": "to post by hand"},
    "notify.label.needs_attention": {"zh": "结果未知，需要核对", "en": "outcome unknown, to check"},
    "notify.label.needs_reauth": {"zh": "账号需要重新授权", "en": "account needs re-authorising"},
    "notify.label.missed": {"zh": "已错过发布时间", "en": "publish time missed"},
    "notify.label.failed": {"zh": "发布失败", "en": "publishing failed"},
    "notify.label.job_failed": {"zh": "定时任务失败", "en": "recurring job failed"},
    "notify.label.other": {"zh": "需要处理", "en": "needs a person"},
    # -- what to do, by state ---------------------------------------------------------------------------
    "notify.do.awaiting_manual": {
        "zh": "按发布包手动发布后确认：publisher resolve {id} --published URL",
        "en": "post it by hand from the pack, then confirm: publisher resolve {id} --published URL",
    },
    "notify.do.needs_attention": {
        "zh": "到平台核对后：publisher resolve {id} --published URL "
        "或 publisher resolve {id} --not-published",
        "en": "check on the platform, then: publisher resolve {id} --published URL "
        "or publisher resolve {id} --not-published",
    },
    "notify.do.needs_reauth": {
        "zh": "查看：publisher auth status；更新凭据后：publisher retry {id}",
        "en": "see: publisher auth status; once the credentials are renewed: publisher retry {id}",
    },
    "notify.do.missed": {
        "zh": "仍要发布：publisher retry {id}；不再发布：publisher cancel {id}",
        "en": "to post it still: publisher retry {id}; to drop it: publisher cancel {id}",
    },
    "notify.do.failed": {
        "zh": "修复原因后：publisher retry {id}",
        "en": "once the cause is fixed: publisher retry {id}",
    },
    "notify.do.status": {"zh": "查看：publisher status", "en": "see: publisher status"},
    # -- the body's lines -------------------------------------------------------------------------------
    "notify.what_post": {"zh": "{item}（帖子 #{id}）", "en": "{item} (post #{id})"},
    "notify.what": {"zh": "内容：{what}", "en": "Content: {what}"},
    "notify.when": {"zh": "时间：{when} ({zone})", "en": "When: {when} ({zone})"},
    "notify.reason": {"zh": "原因：{reason}", "en": "Reason: {reason}"},
    "notify.pack": {"zh": "发布包：{pack}", "en": "Pack: {pack}"},
    "notify.url": {"zh": "链接：{url}", "en": "Link: {url}"},
    "notify.job_failed": {"zh": "定时任务 {name} 失败", "en": "recurring job {name} failed"},
    "notify.preflight_failed": {
        "zh": "发布前凭证检查未通过",
        "en": "credentials check before publishing failed",
    },
    "notify.job_item": {"zh": "定时任务 {name}（{period}）", "en": "job {name} ({period})"},
    "notify.window": {"zh": "发布窗口 {start}", "en": "window {start}"},
    # -- a channel that could not deliver (the daemon's log and each channel's outcome) ----------------------
    "notify.send_failed": {
        "zh": "通知 {kind}（帖子 {post}）经 {channel}（{via}）发送失败：{detail}",
        "en": "notification {kind} for post {post} via {channel} ({via}) failed: {detail}",
    },
    "notify.no_url": {
        "zh": "Webhook 地址变量 {var} 为空",
        "en": "the webhook URL variable {var} is empty",
    },
    "notify.no_url_env": {"zh": "（未设置 url_env）", "en": "(url_env not set)"},
    "notify.no_secret": {"zh": "密钥变量 {var} 为空", "en": "the secret variable {var} is empty"},
    "notify.http": {"zh": "HTTP {status}：{body}", "en": "HTTP {status}: {body}"},
    "notify.odd_answer": {"zh": "无法识别的应答：{body}", "en": "unexpected answer: {body}"},
    "notify.refused": {"zh": "错误码 {number}：{said}", "en": "code {number}: {said}"},
    "notify.slack_said": {"zh": "Slack 应答：{body}", "en": "{body}"},
    "notify.broke": {"zh": "发送出错：{kind}：{said}", "en": "{kind}: {said}"},
    "notify.email_fields": {
        "zh": "邮件渠道需要 smtp_host、sender 和 to",
        "en": "e-mail channel needs smtp_host, sender and to",
    },
}
