"""What `check` says by each platform's rules (texts, tags, images, video), of media files and of compliance.
Part of the one catalogue (`publisher.messages.CHECK`): zh and en per code.
"""

ENTRIES: dict[str, dict[str, str]] = {
    # -- platform rules: texts, tags, images, video (render/engine.py) ----------------------------------
    # How each counter counts (platforms/rules.py `count_length`): a unit and how it is counted.
    "unit.xhs": {"zh": " 字", "en": ""},
    "unit.weibo": {"zh": " 字", "en": ""},
    "unit.chars": {"zh": " 字", "en": " characters"},
    "unit.utf16": {"zh": " 个 UTF-16 单位", "en": " UTF-16 units"},
    "unit.bytes": {"zh": " 字节", "en": " bytes"},
    "unit.graphemes": {"zh": " 字", "en": " characters"},
    "how.xhs": {
        "zh": "（按小红书规则：中文 1 字、英文/数字 2 个算 1 字、表情 2 字，向上取整）",
        "en": " (counted as 小红书 does: each CJK character 1, each emoji outside the BMP 2, "
        "two ASCII characters 1, rounded up)",
    },
    "how.weibo": {
        "zh": "（按微博规则：中文 1 字、英文/数字 2 个算 1 字、每个链接算 10 字）",
        "en": " (counted as 微博 does: each CJK character 1, two ASCII characters 1, each link 10)",
    },
    "how.chars": {
        "zh": "",  # a 字 is a 字: no note needed
        "en": " (Unicode code points: a CJK character or most emoji 1, a joined emoji like 👨‍👩‍👧 "
        "one per part)",
    },
    "how.utf16": {"zh": "", "en": ""},
    "how.bytes": {"zh": "", "en": ""},
    "how.graphemes": {
        "zh": "（按看到的字符计：一个表情序列算 1 个）",
        "en": " as seen (an emoji sequence counts once)",
    },
    # The fields' names as people say them (a field without an entry keeps its name).
    "field.title": {"zh": "标题", "en": "title"},
    "field.body": {"zh": "正文", "en": "body"},
    "field.caption": {"zh": "文案", "en": "caption"},
    "field.digest": {"zh": "摘要", "en": "digest"},
    "field.author": {"zh": "作者", "en": "author"},
    "field.description": {"zh": "描述", "en": "description"},
    "field.tagline": {"zh": "标语（tagline）", "en": "tagline"},
    "field.name": {"zh": "产品名", "en": "name"},
    "field.images": {"zh": "图片", "en": "images"},
    "field.cover": {"zh": "封面", "en": "cover"},
    "field.thumbnail": {"zh": "缩略图", "en": "thumbnail"},
    "field.gallery": {"zh": "图集图片", "en": "gallery"},
    "field.video": {"zh": "视频", "en": "video"},
    "none": {"zh": "无", "en": "none"},
    "template_sandbox": {
        "zh": "模板 {template} 被沙箱拦下：{why}",
        "en": "template {template} was stopped by the sandbox: {why}",
    },
    "template_sandbox.hint": {
        "zh": "模板只能使用内容的字段",
        "en": "templates may only use the item's fields",
    },
    "template_failed": {"zh": "模板 {template} 出错：{why}", "en": "template {template} failed: {why}"},
    "template_failed.hint": {
        "zh": "请修改 platforms/{pid}/{template}",
        "en": "fix platforms/{pid}/{template}",
    },
    "tags_too_many": {
        "zh": "话题有 {n} 个，{platform}最多 {max} 个",
        "en": "{n} tags, {platform} allows at most {max}",
    },
    "tags_too_many.hint": {"zh": "只保留最相关的", "en": "keep the most relevant ones"},
    "tag_too_long": {
        "zh": "话题“{tag}”有 {length}{unit}{how}，{platform}最多 {max}{unit}",
        "en": "tag {tag!r} is {length}{unit}{how}; {platform} allows at most {max}",
    },
    "tag_too_long.hint": {"zh": "请缩短", "en": "shorten it"},
    "tag_space": {
        "zh": "话题“{tag}”含空格：在{platform}上 #话题 遇到空格就断开",
        "en": "tag {tag!r} has a space: on {platform} the #topic ends at the space",
    },
    "tag_space.hint": {"zh": "写成 {joined} 或 {underscored}", "en": "write it as {joined} or {underscored}"},
    "link_dropped": {
        "zh": "链接 [{text}]({href})：{platform}只保留文字「{text}」，去掉网址（正文里的链接不能点击）",
        "en": "link [{text}]({href}): {platform} keeps the text 「{text}」 and drops the address "
        "(links in its text are not clickable)",
    },
    "link_dropped.hint": {
        "zh": "把网址放在读者会看的地方（主页、评论区），或者删掉",
        "en": "write the address where readers look for it (profile, comments), or leave it out",
    },
    "declare_unsupported": {
        "zh": "{platform}没有 `{value}` 这种声明（支持：{supported}）",
        "en": "{platform} has no `{value}` declaration (it supports: {supported})",
    },
    "declare_unsupported.hint": {
        "zh": "在 `platforms: {{{pid}: ...}}` 下把 `declare:` 改成它支持的一种，"
        "或查看 platforms/{pid}/platform.yaml",
        "en": "set `declare:` under `platforms: {{{pid}: ...}}` to one it supports, "
        "or see platforms/{pid}/platform.yaml",
    },
    "text_required": {"zh": "{platform}需要{name}", "en": "{platform} needs a {name}"},
    "text_required.hint": {
        "zh": "在 `platforms: {{{pid}: ...}}` 下或顶层加上 `{field}:`",
        "en": "add `{field}:` under `platforms: {{{pid}: ...}}` or at the top level",
    },
    "html_too_long": {
        "zh": "{name}文字有 {length:,} 字（不含 HTML 标记），{platform}最多 {max:,} 字",
        "en": "{name} has {length:,} characters of text (HTML markup not counted); "
        "{platform} allows at most {max:,}",
    },
    "html_too_long.hint": {
        "zh": "请删去至少 {over:,} 字，或拆成几篇",
        "en": "cut {over:,} or more characters of text, or split the article",
    },
    "text_too_long": {
        "zh": "{name}超出{platform}上限 {max}{unit}{how}：当前 {length}{unit}",
        "en": "{name} is {length}{unit}{how}; {platform} allows at most {max}",
    },
    "text_too_long.hint": {"zh": "请删去至少 {over}{unit}", "en": "cut {over}{unit} or more"},
    "text_too_short": {
        "zh": "{name}只有 {length}{unit}{how}，至少需要 {min}{unit}",
        "en": "{name} is {length}{unit}{how}, at least {min} needed",
    },
    "text_too_big": {
        "zh": "{name}有 {size:,} 字节，上限 {max:,} 字节",
        "en": "{name} is {size:,} bytes; the limit is {max:,}",
    },
    "text_too_big.hint": {"zh": "请缩短，或把部分内容移出", "en": "shorten it or move content out"},
    "raw_html_refused": {
        "zh": "{platform}文章里不允许原始 HTML“{snippet}”",
        "en": "raw HTML {snippet!r} is not allowed in a {platform} article",
    },
    "raw_html_refused.hint": {
        "zh": "请删除：脚本、框架和事件处理代码不会发到平台",
        "en": "remove it: scripts, frames and event handlers never reach a platform",
    },
    "html_comment_shows": {
        "zh": "HTML 注释“{snippet}”会原样显示为文字",
        "en": "the HTML comment {snippet!r} will show as text",
    },
    "raw_html_shows": {
        "zh": "原始 HTML <{tag}> 会原样显示为文字（“{snippet}”）",
        "en": "raw HTML <{tag}> will show as text ({snippet!r})",
    },
    "raw_html_shows.hint": {
        "zh": "改用 Markdown 写，或放进 `code` 代码片段",
        "en": "write it in Markdown instead, or put it in a `code` span",
    },
    "template_code": {
        "zh": "含有模板代码（{{{{ … }}}} 或 {{% … %}}）；内容永远不会当作模板执行",
        "en": "contains template code ({{{{ … }}}} or {{% … %}}); content is never run as a template",
    },
    "template_code.hint": {
        "zh": "请删除，或放进 `code` 代码片段",
        "en": "remove it, or put it in a `code` span",
    },
    "template_code.blog": {
        "zh": "`{{% {tag} … %}}` 是博客生成器（Hexo/Jekyll）的标签：请改写成 Markdown（图片写成 "
        "![说明](media/x.png)），或用 `publisher import DIR` 导入，它会转换这类标签",
        "en": "`{{% {tag} … %}}` is a blog generator's tag (Hexo/Jekyll): write it as Markdown (an image as "
        "![说明](media/x.png)), or bring the post in with `publisher import DIR`, which converts such tags",
    },
    "images_too_few": {
        "zh": "{platform}至少需要 {min} 张{role}",
        "en": "{platform} needs at least {min} {role}",
    },
    "images_too_few.hint": {
        "zh": "加上 `{field}:`，写上图片文件路径",
        "en": "add `{field}:` with an image file",
    },
    "images_too_many": {
        "zh": "{role}有 {n} 张，{platform}最多 {max} 张",
        "en": "{n} {role}; {platform} allows at most {max}",
    },
    "images_too_many.hint": {"zh": "请删掉一些", "en": "remove some"},
    "media_problem": {"zh": "{ref}：{why}", "en": "{ref}: {why}"},
    "video_not_taken": {"zh": "{platform}这里不接受视频", "en": "{platform} does not take a video here"},
    "requires_one_of": {
        "zh": "{platform}需要以下之一：{options}",
        "en": "{platform} needs one of: {options}",
    },
    "requires_one_of.hint": {"zh": "加上 `{field}:`", "en": "add `{field}:`"},
    "formula_failed": {"zh": "公式 ${tex}$ 无法绘制：{why}", "en": "formula ${tex}$ cannot be drawn: {why}"},
    "formula_failed.hint": {"zh": "请修正 TeX", "en": "fix the TeX"},
    "formula_media": {"zh": "公式 ${tex}$：{why}", "en": "formula ${tex}$: {why}"},
    # -- media files: images and video (render/media.py, render/crop.py) -----------------------------------
    "m_not_found": {"zh": "找不到文件", "en": "file not found"},
    "m_not_found.hint": {"zh": "检查头部信息里的路径", "en": "check the path in the front matter"},
    "m_unreadable": {"zh": "无法读取文件（{why}）", "en": "cannot read the file ({why})"},
    "m_unopenable": {"zh": "无法打开文件（{why}）", "en": "cannot open the file ({why})"},
    "m_permissions.hint": {"zh": "检查文件权限", "en": "check its permissions"},
    "m_symlink": {"zh": "是符号链接", "en": "is a symbolic link"},
    "m_symlink.hint": {"zh": "把原文件复制到工作区里", "en": "copy the real file into the workspace"},
    "m_not_file": {"zh": "不是普通文件", "en": "is not a regular file"},
    "m_not_file.hint": {"zh": "请指向图片或视频文件", "en": "point to an image or video file"},
    "m_too_big": {"zh": "文件有 {size}，超过上限 {limit}", "en": "file is {size}, above the {limit} limit"},
    "m_smaller.hint": {"zh": "请导出更小的文件", "en": "export it smaller"},
    "m_video_smaller.hint": {
        "zh": "请导出更短的视频，或降低码率",
        "en": "export it shorter or at a lower bitrate",
    },
    "m_empty": {"zh": "文件是空的", "en": "file is empty"},
    "m_reexport.hint": {"zh": "请重新导出", "en": "re-export it"},
    "m_changed": {"zh": "读取时文件发生了变化", "en": "changed while being read"},
    "m_changed.hint": {"zh": "请重试", "en": "try again"},
    "m_bomb": {"zh": "图片太大，无法安全打开（{why}）", "en": "image is too large to open safely ({why})"},
    "m_not_image": {"zh": "不是可接受格式的图片", "en": "not an image in an accepted format"},
    "m_not_image.hint": {"zh": "请导出为 JPEG 或 PNG", "en": "export it as JPEG or PNG"},
    "m_damaged": {
        "zh": "图片已损坏或无法读取（{kind}: {why}）",
        "en": "the image is damaged or unreadable ({kind}: {why})",
    },
    "m_damaged.hint": {"zh": "请从原图重新导出", "en": "re-export it from the original"},
    "m_pixels": {
        "zh": "图片为 {w}×{h}（{mp}），超过上限 {limit}",
        "en": "image is {w}×{h} ({mp}), above the {limit} limit",
    },
    "m_no_safe_format": {
        "zh": "这里没有接受任何安全的图片格式（{formats}）",
        "en": "no safe image format is accepted here ({formats})",
    },
    "m_no_safe_format.hint": {
        "zh": "在 platform.yaml 里接受 jpeg、png 或 webp",
        "en": "accept jpeg, png or webp in platform.yaml",
    },
    "m_too_small": {
        "zh": "图片为 {w}×{h}，短边小于 {min} 像素",
        "en": "image is {w}×{h}, smaller than {min} px on a side",
    },
    "m_too_small.hint": {"zh": "请换一张更大的图片", "en": "use a larger image"},
    "m_jpeg_cut": {
        "zh": "JPEG 文件在图像数据之前就被截断或已损坏",
        "en": "the JPEG file is cut short or damaged before its image data",
    },
    "m_jpeg_no_end": {
        "zh": "JPEG 文件被截断（图像数据后没有结束标记）",
        "en": "the JPEG file is cut short (no end after its image data)",
    },
    "m_export_again.hint": {"zh": "请重新导出", "en": "export it again"},
    "m_cannot_fit": {"zh": "无法把图片压到 {limit} 以内", "en": "cannot fit the image under {limit}"},
    "m_cannot_fit.hint": {
        "zh": "换一张简单些的图片，或在 platform.yaml 里调大 max_bytes",
        "en": "use a simpler image, or raise max_bytes in platform.yaml",
    },
    "m_output_format": {
        "zh": "不支持输出格式“{format}”",
        "en": "output format {format!r} is not supported",
    },
    "m_output_format.hint": {
        "zh": "在 platform.yaml 里用 jpeg 或 png",
        "en": "use jpeg or png in platform.yaml",
    },
    "m_webm_name": {
        "zh": "是 Matroska/WebM 文件，但文件名不是 .webm",
        "en": "a Matroska/WebM file without a .webm name",
    },
    "m_webm_name.hint": {"zh": "请改名为 .webm", "en": "rename it to .webm"},
    "m_not_video": {"zh": "不是 MP4、MOV 或 WebM 视频", "en": "not an MP4, MOV or WebM video"},
    "m_not_video.hint": {"zh": "请导出为 MP4（H.264）", "en": "export it as MP4 (H.264)"},
    "m_bad_mp4": {"zh": "不是有效的 MP4/MOV 文件（{why}）", "en": "not a valid MP4/MOV file ({why})"},
    "m_bad_mp4.hint": {
        "zh": "请重新导出；复制或录制中断会留下不完整的文件",
        "en": "re-export it; an interrupted copy or recording leaves it incomplete",
    },
    "m_video_format": {"zh": "这里不接受 {format} 视频", "en": "{format} videos are not accepted here"},
    "m_video_format.hint": {"zh": "请导出为 {formats}", "en": "export it as {formats}"},
    "m_video_long": {
        "zh": "视频长 {duration:.1f} 秒，超过上限 {limit:g} 秒",
        "en": "video is {duration:.1f} s long, above the {limit:g} s limit",
    },
    "m_video_long.hint": {"zh": "请剪短", "en": "cut it shorter"},
    "m_video_short": {
        "zh": "视频长 {duration:.1f} 秒，短于下限 {limit:g} 秒",
        "en": "video is {duration:.1f} s long, below the {limit:g} s minimum",
    },
    "m_video_short.hint": {"zh": "请换一段更长的视频", "en": "use a longer clip"},
    "fit_invalid": {
        "zh": "fit 应为 crop 或 pad，当前是“{value}”",
        "en": "fit must be crop or pad, not {value!r}",
    },
    "fit_invalid.hint": {
        "zh": "写 `fit: pad` 可保留整张图",
        "en": "write `fit: pad` to keep the whole picture",
    },
    "crop": {
        "zh": "{ref}（{w}×{h}）在{platform}会被裁成 {ratio}：画面的 {loss:.0%} 会被裁掉",
        "en": "{ref} ({w}×{h}) is cropped to {ratio} for {platform}: {loss:.0%} of the picture is cut away",
    },
    "crop.hint": {
        "zh": "{own}在内容里（或其平台下）加上 `fit: pad`，整张图会放在纯色底上{nearer}",
        "en": "{own}add `fit: pad` to the item (or under its platform) to keep the whole picture on a plain "
        "band{nearer}",
    },
    "crop.own": {
        "zh": "给 `{field}:` 单独配一张接近 {ratio} 的图，或",
        "en": "give `{field}:` its own picture near {ratio}, or ",
    },
    "crop.nearer": {"zh": "，或导出接近 {ratio} 的图", "en": ", or export it nearer {ratio}"},
    # -- compliance (compliance/scan.py) -----------------------------------------------------------------
    "allow_no_word": {"zh": "allow 的每一项都要写明词语", "en": "each allow entry needs a word"},
    "allow_no_reason": {"zh": "allow 里的“{word}”没有写理由", "en": "allow {word!r} gives no reason"},
    "allow.hint": {
        "zh": '例如 allow: [{{word: 第一, reason: "排名有第三方报告"}}] 或 allow: {{第一: 排名有第三方报告}}',
        "en": 'e.g. allow: [{{word: 第一, reason: "排名有第三方报告"}}] or allow: {{第一: 排名有第三方报告}}',
    },
    "allow_unused": {
        "zh": "allow 里的“{word}”在正文中没有出现",
        "en": "allow {word!r} matches nothing in the text",
    },
    "allow_unused.hint": {
        "zh": "从 `allow:` 里删掉（否则以后改稿时会悄悄放过它）",
        "en": "remove it from `allow:` (it would silently cover a later edit)",
    },
    "compliance_ack": {
        "zh": "「{text}」{label}：已说明——{reason}",
        "en": "「{text}」 {label}: acknowledged — {reason}",
    },
    "compliance_hit": {"zh": "「{text}」属于{label}{source}", "en": "「{text}」 is {label}{source}"},
    "compliance_source": {"zh": "（{source}）", "en": " ({source})"},
    "compliance_hit.hint": {
        "zh": "{suggest}如确有依据，可在 allow 中说明：allow: [{{word: {word}, reason: ...}}]",
        "en": "{suggest}if it is proven, acknowledge it: allow: [{{word: {word}, reason: ...}}]",
    },
    "compliance_suggest": {"zh": "建议改写，例如：{suggest}；", "en": "rewrite, e.g. {suggest}; "},
}
