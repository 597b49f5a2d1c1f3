"""What `check` says of the calendar as a whole and of the clock. Part of the one catalogue
(`publisher.messages.CHECK`): zh and en per code.
"""

ENTRIES: dict[str, dict[str, str]] = {
    # -- the calendar as a whole (calendar/load.py) ------------------------------------------------------
    "internal_error": {
        "zh": "检查时出现内部错误：{kind}: {why}",
        "en": "internal error while checking: {kind}: {why}",
    },
    "internal_error.hint": {
        "zh": "请报告这个问题；其他内容已正常检查",
        "en": "please report this; the other items were checked",
    },
    "id_duplicate": {"zh": "id“{id}”也被 {others} 使用", "en": "id {id!r} is also used by {others}"},
    "id_duplicate.hint": {
        "zh": "id 不能重复：改掉其中一个，或删掉 `id:` 改用文件名",
        "en": "ids must be unique: change one, or remove `id:` to use the file name",
    },
    "near_duplicate": {
        "zh": "内容雷同：与 {what} 的相似度为 {score:.0%}{images}",
        "en": "near-duplicate: {score:.0%} alike with {what}{images}",
    },
    "near_duplicate.images": {"zh": "，图片也几乎一样", "en": "; its images look the same"},
    "near_duplicate.hint": {
        "zh": "平台会对重复内容限流或删除：请改写，或删掉其中一条；相似度阈值和时间窗口是 publisher.toml 里 "
        "[compliance] 的 similarity 和 window",
        "en": "platforms demote or remove repeated content: rewrite it, or drop one; the threshold and "
        "window are [compliance] similarity and window in publisher.toml",
    },
    "near_duplicate_more": {"zh": "{first}（另有 {n} 条）", "en": "{first} (and {n} more)"},
    "dup_self": {
        "zh": "自身（{platform} 的账号 {a} 和 {b}：同一内容发两次）",
        "en": "itself on {platform} accounts {a} and {b} (the same content twice)",
    },
    "dup_accounts": {
        "zh": "{path}（{platform} 的账号 {a} 和 {b}：同一内容发在两个账号）",
        "en": "{path} on {platform} (accounts {a} and {b}: the same content on two accounts)",
    },
    "dup_other": {"zh": "{path}（{pa} / {pb}）", "en": "{path} ({pa} / {pb})"},
    "dup_published": {
        "zh": "{path}《{title}》（{when} 已发布在 {platform}，账号 {account}，帖子 #{id}）",
        "en": "{path} «{title}», published on {platform} (account {account}) at {when} (post #{id})",
    },
    # -- the clock (calendar/check.py) -----------------------------------------------------------------------
    "past_due": {
        "zh": "{when} 已经过去（{platforms}）；{what}",
        "en": "{when} is in the past ({platforms}); {what}",
    },
    "past_due.late": {
        "zh": "{ends} 之前 `publisher run` 仍会补发；之后变为“已错过”（missed）",
        "en": "until {ends} `publisher run` still sends it, late; after that it becomes `missed`",
    },
    "past_due.missed": {
        "zh": "补发时限已于 {ends} 结束：`publisher run` 会将其标为“已错过”（missed），不再发送",
        "en": "its late window ended at {ends}: `publisher run` marks it `missed` and sends nothing",
    },
    "past_due.hint": {
        "zh": "修改 publish_at，或用 `publisher publish {id}` 立即发送",
        "en": "move publish_at, or send it now with `publisher publish {id}`",
    },
}
