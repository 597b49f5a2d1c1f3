"""What `check` says of an item's file, its front matter and its publish_at, and how a finding is laid out.
Part of the one catalogue (`publisher.messages.CHECK`): zh and en per code.
"""

ENTRIES: dict[str, dict[str, str]] = {
    # -- how a finding is laid out: `path:line: field: [platform] message (hint: ...)` --------------------
    "problem.hint": {"zh": "；{hint}", "en": " (hint: {hint})"},
    "rule_setting.hint": {
        "zh": "{hint}；此上限可在 platforms/{platform}/platform.yaml 中设置",
        "en": "{hint}; this limit is a setting in platforms/{platform}/platform.yaml",
    },
    "rule_setting_only.hint": {
        "zh": "此上限可在 platforms/{platform}/platform.yaml 中设置",
        "en": "this limit is a setting in platforms/{platform}/platform.yaml",
    },
    # -- `publisher check`'s summary --------------------------------------------------------------------
    "ck_platform": {"zh": "平台", "en": "platform"},
    "ck_valid": {"zh": "可发布", "en": "valid"},
    "ck_invalid": {"zh": "有错误", "en": "with errors"},
    "ck_all_ok": {"zh": "✓ 全部可发布", "en": "✓ all postable"},
    "ck_errors": {"zh": "✗ {n} 个错误", "en": "✗ {n} error(s)"},
    "ck_counts": {
        "zh": "{items} 条内容 · {warnings} 个提醒",
        "en": "{items} item(s) · {warnings} warning(s)",
    },
    # -- the dashboard's new-post form, before the check ---------------------------------------------------
    "form_title": {"zh": "请填写标题", "en": "required"},
    "form_exists": {
        "zh": "content/ 里已有 {path}（同一份内容提交了两次？），没有覆盖它",
        "en": "content/ already has {path} (the same draft sent twice?); it was not overwritten",
    },
    "form_platforms": {"zh": "请至少选择一个平台", "en": "choose at least one"},
    "form_unknown_platforms": {"zh": "未知平台：{names}", "en": "unknown {names}"},
    "form_images_outside": {"zh": "不在 content/media 里：{names}", "en": "not in content/media: {names}"},
    "form_too_long": {
        "zh": "超出内容文件的上限（{limit:,} 字节）",
        "en": "longer than a content file may be ({limit:,} bytes)",
    },
    # -- joining words -----------------------------------------------------------------------------------
    "did_you_mean": {"zh": "是不是想写 `{word}`？", "en": "did you mean `{word}`?"},
    # -- the file and its front matter (content/frontmatter.py) ------------------------------------------
    "file_too_big": {
        "zh": "文件超过上限 {limit:,} 字节（只读了开头，所以不知道整个文件多大）",
        "en": "file is larger than the {limit:,}-byte limit (only its start was read)",
    },
    "file_too_big.hint": {
        "zh": "拆成几篇，媒体文件单独存放",
        "en": "split it, and keep media in separate files",
    },
    "not_utf8": {
        "zh": "不是 UTF-8 编码（偏移 {offset} 处的字节 0x{byte:02x}）",
        "en": "not UTF-8 (byte 0x{byte:02x} at offset {offset})",
    },
    "not_utf8.hint": {
        "zh": "请把文件另存为 UTF-8（多数编辑器：“以某种编码保存”）",
        "en": "save the file as UTF-8 (most editors: 'Save with encoding')",
    },
    "nul_char": {"zh": "文件里有 NUL 字符", "en": "contains a NUL character"},
    "nul_char.hint": {"zh": "这看起来是二进制文件", "en": "this looks like a binary file"},
    "file_empty": {"zh": "文件是空的", "en": "the file is empty"},
    "file_empty.hint": {
        "zh": "开头写头部信息：---、title: ...、---，然后是正文",
        "en": "start it with a front matter block: ---, title: ..., ---, then the body",
    },
    "no_front_matter": {
        "zh": "文件开头不是 `---` 头部信息块",
        "en": "the file does not start with a `---` front matter block",
    },
    "no_front_matter.hint": {
        "zh": "第一行写 `---`，接着是 YAML 字段，正文前再写一行 `---`",
        "en": "put `---` on the first line, the YAML fields, then `---` before the body",
    },
    "front_matter_unclosed": {"zh": "头部信息没有闭合", "en": "the front matter block is never closed"},
    "front_matter_unclosed.hint": {
        "zh": "在最后一个 YAML 字段后加一行 `---`",
        "en": "add a line with `---` after the last YAML field",
    },
    "yaml_invalid": {"zh": "YAML 格式错误：{why}", "en": "invalid YAML: {why}"},
    "yaml_invalid.hint": {
        "zh": "检查缩进；值里有 ': '，或以 @ # * & ! | 开头时，请加引号",
        "en": "check indentation and quote values that contain ': ' or start with @ # * & ! |",
    },
    "front_matter_not_mapping": {
        "zh": "头部信息应是一行一个 `字段: 值`",
        "en": "front matter must be a mapping of `field: value` lines",
    },
    "full_width_colon": {
        "zh": "用了中文冒号“：”，应为英文冒号 : 加一个空格",
        "en": "full-width colon ：— use : followed by a space",
    },
    "full_width_colon.hint": {
        "zh": "写成 `{key}: ...`，并把输入法切换到英文标点",
        "en": "write `{key}: ...` (switch the keyboard to English punctuation)",
    },
    "colon_no_space": {
        "zh": "`{key}:` 的冒号后缺少空格，应为 : 加一个空格",
        "en": "no space after the colon in `{key}:` — use : followed by a space",
    },
    "colon_no_space.hint": {"zh": "写成 `{key}: {value}`", "en": "write `{key}: {value}`"},
    "tab_indent": {
        "zh": "第 {line} 行有制表符（Tab）：头部信息只能用空格缩进",
        "en": "a tab on line {line}: YAML front matter takes spaces only",
    },
    "tab_indent.hint": {
        "zh": "把 Tab 换成空格（每级缩进两个空格）",
        "en": "replace the tab with spaces (two per indentation level)",
    },
    "yaml_too_many_values": {
        "zh": "头部信息展开后超过 {limit:,} 个值（YAML 别名 `*name` 会重复整块内容）",
        "en": "the front matter expands to more than {limit:,} values "
        "(YAML aliases `*name` repeat whole blocks)",
    },
    "yaml_too_many_values.hint": {
        "zh": "直接写出各个值，不要嵌套锚点（&name）和别名（*name）",
        "en": "write the values out instead of nesting anchors (&name) and aliases (*name)",
    },
    "yaml_tag": {"zh": "不允许使用 YAML 标签 {tag}", "en": "YAML tag {tag} is not allowed"},
    "yaml_tag.hint": {
        "zh": "删掉这个标签：内容文件只能写文字、数字、列表和映射",
        "en": "remove the tag: content files hold plain text, numbers, lists and mappings only",
    },
    "yaml_key_not_text": {"zh": "字段名必须是普通文字", "en": "a key must be plain text"},
    "yaml_merge_key": {"zh": "不支持 YAML 合并键（<<）", "en": "YAML merge keys (<<) are not supported"},
    "yaml_merge_key.hint": {"zh": "把字段逐个写出来", "en": "write the fields out"},
    "key_twice": {"zh": "`{key}` 写了两次", "en": "`{key}` is set twice"},
    "key_twice.hint": {"zh": "两行只保留一行", "en": "keep one of the two lines"},
    "number_too_long": {
        "zh": "数字有 {digits:,} 位，太长了",
        "en": "a number of {digits:,} digits is too long",
    },
    "number_too_long.hint": {
        "zh": '如果是文字，请加引号（"..."），否则请缩短',
        "en": 'quote it if it is text ("..."), or shorten it',
    },
    "value_invalid": {"zh": "值无效：{why}", "en": "invalid value: {why}"},
    # -- reading the file (content/item.py) -----------------------------------------------------------------
    "file_control_char": {
        "zh": "文件名里有换行或其他控制字符",
        "en": "the file name contains a line break or another control character",
    },
    "file_control_char.hint": {
        "zh": "把文件名改成只含字母、数字、- 和 _",
        "en": "rename the file to plain letters, digits, - and _",
    },
    "file_symlink_out": {
        "zh": "是指向工作区外文件的符号链接",
        "en": "is a symlink to a file outside the workspace",
    },
    "file_symlink_out.hint": {
        "zh": "把文件复制到 content/ 里，不要用链接",
        "en": "copy the file into content/ instead of linking to it",
    },
    "file_unreadable": {"zh": "无法读取：{why}", "en": "cannot read: {why}"},
    "file_unreadable.hint": {"zh": "检查文件权限", "en": "check the file's permissions"},
    "csv_encoding": {
        "zh": "既不是 UTF-8 也不是 GBK 编码的文本",
        "en": "is neither UTF-8 nor GBK text",
    },
    "csv_encoding.hint": {
        "zh": "从创作中心重新导出 CSV，或在 Excel 里另存为“CSV UTF-8”",
        "en": "export the CSV again from the creator centre, or save it from Excel as “CSV UTF-8”",
    },
    "csv_unreadable": {"zh": "不是可读的 CSV：{why}", "en": "not a readable CSV: {why}"},
    "csv_unreadable.hint": {
        "zh": "从创作中心重新导出 CSV，不要手动修改",
        "en": "export the CSV again from the creator centre and do not edit it by hand",
    },
    "platform_field_top": {"zh": "`{key}` 是平台专属字段", "en": "`{key}` is a platform-specific field"},
    "platform_field_top.hint": {
        "zh": "移到 `platforms: {{<平台>: {{{key}: ...}}}}` 下",
        "en": "move it under `platforms: {{<platform>: {{{key}: ...}}}}`",
    },
    "blog_field": {
        "zh": "`{key}` 是博客字段，日历不读取它",
        "en": "`{key}` is a blog field the calendar does not read",
    },
    "blog_field.date": {
        "zh": "要定时发布请写 `publish_at: {value}`；要保留首次发表时间请写 `published_on: {value}`"
        "（`publisher import` 可一次处理整个博客）",
        "en": "to publish it at a time write `publish_at: {value}`; to keep when it first appeared elsewhere "
        "write `published_on: {value}` (`publisher import` does this for a whole blog)",
    },
    "blog_field.updated": {
        "zh": "要保留首次发表时间请写 `published_on:`；修改记录由日历自己跟踪",
        "en": "to keep when it first appeared write `published_on:`; the calendar tracks edits itself",
    },
    "blog_field.categories": {"zh": "写成 `tags: [...]`", "en": "write them as `tags: [...]`"},
    "blog_field.category": {"zh": "写成 `tags: [...]`", "en": "write it as `tags: [...]`"},
    "blog_field.subtitle": {
        "zh": "摘要写成 `description:`（公众号：`platforms: {{wechat: {{digest: ...}}}}`）",
        "en": "write a summary as `description:` (for 公众号: `platforms: {{wechat: {{digest: ...}}}}`)",
    },
    "blog_field.summary": {
        "zh": "写成 `description:`（公众号：`platforms: {{wechat: {{digest: ...}}}}`）",
        "en": "write it as `description:` (for 公众号: `platforms: {{wechat: {{digest: ...}}}}`)",
    },
    "blog_field.excerpt": {
        "zh": "写成 `description:`，或在摘要后保留一行 `<!--more-->`",
        "en": "write it as `description:`, or keep a `<!--more-->` line after the summary",
    },
    "blog_field.layout": {
        "zh": "日历没有布局（layout）：删掉即可",
        "en": "the calendar has no layouts: remove it",
    },
    "unknown_field": {"zh": "未知字段 `{key}`", "en": "unknown field `{key}`"},
    "known_fields": {"zh": "可用字段：{names}", "en": "known fields: {names}"},
    "id_empty": {"zh": "id 不能为空", "en": "id must be non-empty text"},
    "id_empty.hint": {"zh": "例如 `id: launch-day`", "en": "e.g. `id: launch-day`"},
    "id_control": {
        "zh": "id 含有控制字符（例如换行或 NUL），命令和链接都无法指向它；暂用文件名作 id",
        "en": "the id contains a control character (such as a line break or NUL) no command or link can "
        "name; the file name stands in for it",
    },
    "id_control.hint": {
        "zh": "id 只用字母、数字、-、_ 或中文，例如 `id: launch-day`",
        "en": "use letters, digits, - and _ (or Chinese) in the id, e.g. `id: launch-day`",
    },
    "value_nul": {
        "zh": "值中含有 NUL 字符（YAML 的 \\0），已替换为 �",
        "en": "the value holds a NUL character (YAML's \\0), replaced by �",
    },
    "value_nul.hint": {"zh": "删去 \\0", "en": "remove the \\0"},
    "status_invalid": {
        "zh": "status 应为 {allowed} 之一，当前是“{value}”",
        "en": "status must be one of {allowed}, not {value!r}",
    },
    "approved_by_invalid": {"zh": "approved_by 应为人名", "en": "approved_by must be a name"},
    "approved_by_invalid.hint": {"zh": "例如 `approved_by: 李娜`", "en": "e.g. `approved_by: 李娜`"},
    "platform_twice": {
        "zh": "`{name}` 重复列出（即 {canonical}）",
        "en": "`{name}` is listed twice (as {canonical})",
    },
    "platform_twice.hint": {"zh": "每个平台只列一次", "en": "list each platform once"},
    "full_width_comma": {
        "zh": "“{entry}”成了 `{key}` 里的一项：中文逗号“，”不能分隔列表项",
        "en": "{entry!r} became one entry of `{key}`: a full-width comma ， does not separate list items",
    },
    "full_width_comma.hint": {
        "zh": "用英文逗号加空格：[{parts}]",
        "en": "use an ASCII comma and a space: [{parts}]",
    },
    "field_required": {"zh": "缺少 `{key}`", "en": "`{key}` is required"},
    "field_required.hint": {
        "zh": "在头部信息里加一行 `{key}: ...`",
        "en": "add a line `{key}: ...` to the front matter",
    },
    "field_not_text": {"zh": "`{key}` 应为文字，而不是 {kind}", "en": "`{key}` must be text, not {kind}"},
    "field_not_text.hint": {"zh": '加上引号：key: "..."', "en": 'quote it: key: "..."'},
    "quote_it": {"zh": "加上引号", "en": "quote it"},
    "secret_in_content": {
        "zh": "`{key}` 看起来是密钥；内容文件里绝不能写密钥",
        "en": "`{key}` looks like a secret; secrets must never be written in content files",
    },
    "secret_in_content.hint": {
        "zh": "删掉它，改用环境变量设置（见 README：凭据）",
        "en": "remove it and set it as an environment variable (see README: Credentials)",
    },
    "field_not_bool": {"zh": "`{key}` 应为 true 或 false", "en": "`{key}` must be true or false"},
    "field_not_number": {"zh": "`{key}` 应为数字", "en": "`{key}` must be a number"},
    "field_not_list": {
        "zh": "`{key}` 应为文字列表，例如 [效率工具, AI]",
        "en": "`{key}` must be a list of text, e.g. [效率工具, AI]",
    },
    "field_not_paths": {
        "zh": "`{key}` 应为文件路径列表，例如 [media/a.png, media/b.png]",
        "en": "`{key}` must be a list of file paths, e.g. [media/a.png, media/b.png]",
    },
    "field_not_date": {
        "zh": "`{key}` 应为日期，例如 2015-03-02 或 2015-03-02 10:30",
        "en": "`{key}` must be a date such as 2015-03-02 or 2015-03-02 10:30",
    },
    "field_not_path": {
        "zh": "`{key}` 应为文件路径，例如 media/launch.mp4",
        "en": "`{key}` must be a file path, e.g. media/launch.mp4",
    },
    "no_platforms": {"zh": "没有列出平台", "en": "no platforms listed"},
    "no_platforms.hint": {
        "zh": "例如加上 `platforms: [xiaohongshu, wechat]`",
        "en": "add e.g. `platforms: [xiaohongshu, wechat]`",
    },
    "platforms_not_names": {
        "zh": "platforms 应为平台名，例如 [xiaohongshu, douyin]",
        "en": "platforms must be names, e.g. [xiaohongshu, douyin]",
    },
    "platforms_invalid": {
        "zh": "platforms 应为平台名列表，或 平台名: {{覆盖字段}} 的映射",
        "en": "platforms must be a list of names or a mapping of name: {{overrides}}",
    },
    "unknown_platform": {"zh": "未知的平台或账号 `{name}`", "en": "unknown platform or account `{name}`"},
    "known_platforms": {"zh": "可用：{names}", "en": "known: {names}"},
    "account_twice": {
        "zh": "`{name}` 重复列出（账号 {account}）",
        "en": "`{name}` is listed twice (account {account})",
    },
    "account_twice.hint": {"zh": "每个账号只列一次", "en": "list each account once"},
    "overrides_not_mapping": {
        "zh": "`{name}` 后面应是覆盖字段，例如 `{name}: {{title: ...}}` 或 `{name}: {{}}`",
        "en": "`{name}` must map to overrides, e.g. `{name}: {{title: ...}}` or `{name}: {{}}`",
    },
    "not_platform_field": {
        "zh": "{platform} 没有 `{key}` 字段",
        "en": "`{key}` is not a field of {platform}",
    },
    "platform_accepts": {"zh": "{platform} 可用字段：{names}", "en": "{platform} accepts: {names}"},
    "declare_invalid": {
        "zh": "declare 应为 {allowed} 之一，当前是“{value}”",
        "en": "declare must be one of {allowed}, not {value!r}",
    },
    "repost_no_source": {"zh": "转载必须注明来源", "en": "a repost must name its source"},
    "repost_no_source.hint": {
        "zh": "在 `declare: repost` 旁加上 `source: <原作者或链接>`",
        "en": "add `source: <original author or URL>` next to `declare: repost`",
    },
    # media references
    "media_empty": {"zh": "媒体路径是空的", "en": "empty media path"},
    "media_remote": {
        "zh": "“{ref}”是网络图片（URL）；检查和发布只使用工作区里的文件",
        "en": "{ref!r} is a remote image (a URL); check and publishing use only files in the workspace",
    },
    "media_remote.hint": {
        "zh": "下载到 content/media/ 并写它的路径，例如 media/photo.jpg",
        "en": "download it into content/media/ and write its path, e.g. media/photo.jpg",
    },
    "media_path.hint": {
        "zh": "路径相对于内容文件所在文件夹，且必须在工作区内",
        "en": "paths are relative to the item's folder and must stay inside the workspace",
    },
    "media_absolute": {"zh": "“{ref}”是绝对路径", "en": "{ref!r} is an absolute path"},
    "media_control": {
        "zh": "“{ref}”含有控制字符（例如 NUL），不是有效的文件路径",
        "en": "{ref!r} contains a control character (such as NUL) and is not a valid file path",
    },
    "media_unresolvable": {"zh": "“{ref}”无法解析", "en": "{ref!r} cannot be resolved"},
    "media_outside": {"zh": "“{ref}”指向工作区之外", "en": "{ref!r} points outside the workspace"},
    "media_symlink": {
        "zh": "“{ref}”是（或经过）符号链接",
        "en": "{ref!r} is (or passes through) a symbolic link",
    },
    "media_missing": {"zh": "找不到“{ref}”", "en": "{ref!r} does not exist"},
    "media_unreadable": {"zh": "“{ref}”无法读取：{why}", "en": "{ref!r} cannot be read: {why}"},
    "media_not_file": {"zh": "“{ref}”不是普通文件", "en": "{ref!r} is not a regular file"},
    "media_type": {
        "zh": "“{ref}”不是支持的媒体类型（{exts}）",
        "en": "{ref!r} is not a supported media type ({exts})",
    },
    # -- publish_at (content/timeparse.py) -------------------------------------------------------------------
    "time_skipped": {
        "zh": "{when} 在 {zone} 不存在（夏令时跳过了这一小时）",
        "en": "{when} does not exist in {zone} (clocks skip it for daylight saving)",
    },
    "time_skipped.hint": {
        "zh": "换一个不在跳过时段内的时间，或写明时差，例如 +02:00",
        "en": "pick a time outside the skipped hour, or give an explicit offset such as +02:00",
    },
    "time_twice": {
        "zh": "{when} 在 {zone} 出现两次（夏令时结束时钟回拨）",
        "en": "{when} occurs twice in {zone} (clocks go back for daylight saving)",
    },
    "time_twice.hint": {
        "zh": "写明时差，例如 '2026-10-25T02:30:00+02:00'，或换一个时间",
        "en": "give an explicit offset, e.g. '2026-10-25T02:30:00+02:00', or pick another time",
    },
    "time_out_of_range": {
        "zh": "“{value}”超出可排期的日期范围",
        "en": "{value!r} is outside the dates that can be scheduled",
    },
    "time_out_of_range.hint": {
        "zh": "写本世纪的日期，例如 2026-12-01 12:00",
        "en": "write a date in this century, e.g. 2026-12-01 12:00",
    },
    "time_unknown_zone": {"zh": "未知时区“{zone}”", "en": "unknown time zone {zone!r}"},
    "time_unknown_zone.hint": {
        "zh": "用 IANA 时区名，例如 Asia/Shanghai 或 America/Los_Angeles",
        "en": "use an IANA name such as Asia/Shanghai or America/Los_Angeles",
    },
    "time_not_real": {"zh": "不是有效的日期时间：{why}", "en": "not a real date/time: {why}"},
    "time_format.hint": {"zh": "写成 YYYY-MM-DD HH:MM", "en": "write it as YYYY-MM-DD HH:MM"},
    "time_unreadable": {"zh": "无法把“{value}”识别为时间", "en": "cannot read {value!r} as a time"},
    "time_unreadable.hint": {
        "zh": "写成 `YYYY-MM-DD HH:MM`（工作区时区），或加上时区名/时差，或用 `slot`",
        "en": "write `YYYY-MM-DD HH:MM` (workspace zone), add a zone name or offset, or use `slot`",
    },
    "time_no_time": {"zh": "“{value}”只有日期，没有时间", "en": "{value!r} has a date but no time"},
    "time_no_time.hint": {"zh": "写成 `YYYY-MM-DD HH:MM`", "en": "write `YYYY-MM-DD HH:MM`"},
}
