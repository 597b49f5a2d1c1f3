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
    "mcp.no_post": {"zh": "post_id：没有编号为 {id} 的帖子", "en": "post_id: no post {id}"},
    "mcp.no_item_posts": {
        "zh": "item_id：内容 {item} 没有帖子（是草稿，还是尚未同步？）",
        "en": "item_id: no posts for item {item} (is it a draft, or not synced yet?)",
    },
    # -- a media URL the server will not download (mcp/fetch.py, R30 in docs/reliability.md) ---------------
    "fetch.no_resolve": {"zh": "无法解析主机 {host}：{why}", "en": "cannot resolve host {host}: {why}"},
    "fetch.no_location": {
        "zh": "{url} 重定向了，但没有给出 Location",
        "en": "{url} redirected without a Location",
    },
    "fetch.http_status": {"zh": "{url} 返回 HTTP {status}", "en": "{url} answered HTTP {status}"},
    "fetch.too_many_redirects": {
        "zh": "{url}：重定向超过 {n} 次",
        "en": "{url}: more than {n} redirects",
    },
    "fetch.bad_url": {"zh": "{url} 不是有效的 URL：{why}", "en": "{url} is not a valid URL: {why}"},
    "fetch.https_only": {"zh": "{url}：只下载 https 链接", "en": "{url}: only https URLs are downloaded"},
    "fetch.credentials_in_url": {
        "zh": "{url}：拒绝带用户名或密码的链接",
        "en": "{url}: URLs with user names or passwords are refused",
    },
    "fetch.port": {
        "zh": "{url}：只允许标准 https 端口 443",
        "en": "{url}: only the standard https port 443 is allowed",
    },
    "fetch.no_host": {"zh": "{url} 没有主机名", "en": "{url} has no host"},
    "fetch.host_not_allowed": {
        "zh": "{host} 不在允许的主机中（{hosts}）",
        "en": "{host} is not in the allowed hosts ({hosts})",
    },
    "fetch.no_address": {"zh": "{host} 没有解析到任何地址", "en": "{host} resolves to no address"},
    "fetch.private": {
        "zh": "{url} 已拒绝：{via}（只下载公网地址）",
        "en": "{url} refused: {via} (only public addresses are fetched)",
    },
    "fetch.resolves_to": {"zh": "{host} 解析到 {ip}，{why}", "en": "{host} resolves to {ip}, {why}"},
    "fetch.is_address": {"zh": "{ip} 是{why}", "en": "{ip} is {why}"},
    "fetch.addr.unspecified": {"zh": "未指定地址", "en": "an unspecified address"},
    "fetch.addr.loopback": {"zh": "回环地址", "en": "a loopback address"},
    "fetch.addr.link-local": {"zh": "链路本地地址", "en": "a link-local address"},
    "fetch.addr.multicast": {"zh": "组播地址", "en": "a multicast address"},
    "fetch.addr.private": {"zh": "私有地址", "en": "a private address"},
    "fetch.addr.reserved": {"zh": "保留地址", "en": "a reserved address"},
    "fetch.addr.not_public": {"zh": "非公网地址", "en": "not a public address"},
    "fetch.addr.not_ip": {"zh": "不是 IP 地址", "en": "not an IP address"},
    "fetch.too_slow": {"zh": "{url}：用时超过 {s} 秒", "en": "{url}: took longer than {s} s"},
    "fetch.failed": {"zh": "{url}：下载失败（{kind}）", "en": "{url}: download failed ({kind})"},
    "fetch.wrong_type": {
        "zh": "{url} 的类型是 {ctype}，不是{kind}（{types}）",
        "en": "{url} is {ctype}, not an {kind} ({types})",
    },
    "fetch.no_type": {"zh": "没有内容类型", "en": "of no content type"},
    "fetch.kind.image": {"zh": "图片", "en": "image"},
    "fetch.kind.video": {"zh": "视频", "en": "video"},
    "fetch.too_big_declared": {
        "zh": "{url} 有 {size} 字节；{kind}上限为 {limit}",
        "en": "{url} is {size} bytes; the {kind} limit is {limit}",
    },
    "fetch.too_big": {
        "zh": "{url} 超过{kind}上限 {limit} 字节",
        "en": "{url} is larger than the {kind} limit of {limit} bytes",
    },
    "fetch.not_that_file": {
        "zh": "{url} 声称是 {ctype}，但其内容不是 {ext} 文件",
        "en": "{url} says {ctype} but its bytes are not a {ext} file",
    },
    "mcp.internal": {
        "zh": "内部错误（{what}）；没有做其他更改；服务仍在运行",
        "en": "internal error ({what}); nothing more was changed; the server keeps running",
    },
    "mcp.no_match": {
        "zh": "没有符合 post_id/item_id/platform 的帖子",
        "en": "no posts match post_id/item_id/platform",
    },
}
