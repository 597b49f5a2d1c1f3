"""The MCP tools' own checks, before `publisher check` runs. Part of the one catalogue
(`publisher.messages.CHECK`): zh and en per code.
"""

ENTRIES: dict[str, dict[str, str]] = {
    # -- the MCP tools' own checks, before `publisher check` runs (mcp/items.py, media.py, read.py) ------
    "mcp.field_says": {"zh": "{field}：{text}", "en": "{field}: {text}"},
    "mcp.with_hint": {"zh": "{said}；{hint}", "en": "{said}; {hint}"},
    "mcp.empty_path": {"zh": "{field}：路径为空", "en": "{field}: empty path"},
    "mcp.control_char": {
        "zh": "{field}：路径含控制字符 {char}；请给出普通的工作区路径，如 content/media/photo.png",
        "en": "{field}: the path contains the control character {char}; "
        "give a plain workspace path such as content/media/photo.png",
    },
    "mcp.no_downloads": {
        "zh": "{field}：此服务器已关闭 URL 下载；请给出工作区内的路径",
        "en": "{field}: downloading URLs is switched off on this server; give a workspace path",
    },
    "mcp.outside": {
        "zh": "{field}：{value} 在工作区之外；请给出 {root} 内的路径",
        "en": "{field}: {value} is outside the workspace; give a path inside {root}",
    },
    "mcp.not_media": {
        "zh": "{field}：{value} 不是支持的媒体文件（{exts}）",
        "en": "{field}: {value} is not a supported media file ({exts})",
    },
    "mcp.missing_file": {
        "zh": "{field}：{value} 不存在（请给出相对工作区的路径，如 content/media/photo.png，或 https 链接）",
        "en": "{field}: {value} does not exist (give a path relative to the workspace, e.g. "
        "content/media/photo.png, or an https URL)",
    },
    "mcp.key_reused": {
        "zh": "idempotency_key {key} 已用于另一个请求（内容 {item}）；每个新请求请用新的 key",
        "en": "idempotency_key {key} was already used for a different request (item {item}); "
        "give each new request a new key",
    },
    "mcp.not_written": {
        "zh": "内容未写入；请修改以下问题后再调用：\n{lines}",
        "en": "the item was not written; fix these and call again:\n{lines}",
    },
    "mcp.no_platforms": {
        "zh": "platforms：请至少给出一个平台的内容",
        "en": "platforms: give at least one platform payload",
    },
    "mcp.unknown_platform": {
        "zh": "{where}platform：未知平台 {name}；这些工具可发布到 {names}",
        "en": "{where}platform: unknown platform {name}; these tools publish to {names}",
    },
    "mcp.platform_twice": {
        "zh": "{where}platform：{name} 出现了两次；每个平台只给一份内容",
        "en": "{where}platform: {name} is listed twice; give one payload per platform",
    },
    "mcp.too_many_images": {
        "zh": "{where}images：{n} 张图片；{label} 最多 {max} 张",
        "en": "{where}images: {n} images; {label} allows at most {max}",
    },
    "mcp.too_many_tags": {
        "zh": "{where}tags：{n} 个标签；{label} 最多 {max} 个",
        "en": "{where}tags: {n} tags; {label} allows at most {max}",
    },
    "mcp.tag_too_long": {
        "zh": "{where}tags：标签 {tag} 超过 {max} 个字符",
        "en": "{where}tags: tag {tag} is longer than {max} characters",
    },
    "mcp.required": {"zh": "{where}{name}：{label} 必填", "en": "{where}{name}: required for {label}"},
    "mcp.publish_at_form": {
        "zh": "publish_at：请给出时间，如 2026-12-01 12:00（工作区时区 {zone}）或带时区偏移的 ISO 8601；"
        "不填则立即发布",
        "en": "publish_at: give a time such as 2026-12-01 12:00 (workspace zone {zone}) or ISO 8601 with an "
        "offset; omit it to publish now",
    },
    "mcp.publish_at_past": {
        "zh": "publish_at：{when} 已经过去；不填则立即发布",
        "en": "publish_at: {when} is in the past; omit it to publish now",
    },
    "mcp.one_of_ids": {"zh": "post_id 与 item_id 只能给一个", "en": "give exactly one of post_id or item_id"},
    "mcp.no_post": {"zh": "post_id：没有编号为 {id} 的内容", "en": "post_id: no post {id}"},
    "mcp.no_item_posts": {
        "zh": "item_id：内容 {item} 没有发布记录（是草稿，还是尚未同步？）",
        "en": "item_id: no posts for item {item} (is it a draft, or not synced yet?)",
    },
    "mcp.no_match": {
        "zh": "没有符合 post_id/item_id/platform 的内容",
        "en": "no posts match post_id/item_id/platform",
    },
}
