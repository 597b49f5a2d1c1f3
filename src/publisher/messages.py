"""What `publisher check` says, in Chinese (the default) and English: the check section of the one catalogue.

A finding carries a `Msg` (a stable code and its values), never finished text; `Msg.text(lang)` words it
when it is shown (`publisher check`, `--json`, the MCP check tool, the dashboard's live check). The report,
menu and summary strings live in `publisher.reports.i18n`, whose `t()` also finds these; each string once.
Codes are stable (`--json` carries them): rename one only with its tests and docs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Msg:
    """A message by code with its values (a value may itself be a `Msg`, worded in the same language)."""

    code: str
    args: tuple[tuple[str, Any], ...] = ()

    def text(self, lang: str = "en") -> str:
        return say(self.code, lang, **dict(self.args))

    def to_json(self) -> str:
        """The message as stored (a post's `reason_msg`): its code and values, worded when shown."""
        return json.dumps(_encode(self), ensure_ascii=False, default=str)

    @staticmethod
    def from_json(text: str) -> Msg | None:
        """A stored message, or None for anything that is not one (an old or foreign value)."""
        try:
            value = _decode(json.loads(text))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return value if isinstance(value, Msg) else None


def _encode(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"msg": value.code, "args": {k: _encode(v) for k, v in value.args}}
    if isinstance(value, Either):
        return {"either": [_encode(v) for v in value]}
    if isinstance(value, tuple | list):
        return {"list": [_encode(v) for v in value]}
    return value if isinstance(value, int | float | str | None) else str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "msg" in value:
            return Msg(str(value["msg"]), tuple((k, _decode(v)) for k, v in value["args"].items()))
        if "either" in value:
            return Either(_decode(v) for v in value["either"])
        return tuple(_decode(v) for v in value["list"])
    return value


def msg(code: str, **args: Any) -> Msg:
    """`Msg(code, args)`; lists become tuples (a finding is a frozen value)."""
    return Msg(
        code,
        tuple(
            (k, tuple(sorted(v) if isinstance(v, set) else v) if isinstance(v, list | set) else v)
            for k, v in args.items()
        ),
    )


class Either(tuple[Any, ...]):
    """Alternatives: worded "a or b" (a或b); a plain tuple is a list (a, b / a、b)."""


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, Msg):
        return value.text(lang)
    if isinstance(value, Either):
        return ("或" if lang == "zh" else " or ").join(str(_value(v, lang)) for v in value)
    if isinstance(value, tuple):
        return ("、" if lang == "zh" else ", ").join(str(_value(v, lang)) for v in value)
    return value


def field_word(name: str) -> Msg | str:
    """A field's name as people say it (标题, 正文 …), or the name."""
    return msg(f"field.{name}") if f"field.{name}" in CHECK else name


def counted(counter: str) -> dict[str, Msg | str]:
    """`unit` and `how` of a length counted by `counter` (platforms/rules.py `count_length`)."""
    if f"unit.{counter}" not in CHECK:
        return {"unit": "", "how": ""}
    return {"unit": msg(f"unit.{counter}"), "how": msg(f"how.{counter}")}


def say(code: str, lang: str, **args: Any) -> str:
    """The message `code` in `lang` (English where a language lacks it), filled with `args`."""
    entry = CHECK.get(code)
    if entry is None:
        return code
    text = entry.get(lang, entry["en"])
    return text.format(**{k: _value(v, lang) for k, v in args.items()})


CHECK: dict[str, dict[str, str]] = {
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
        "zh": "{path}《{title}》（{when} 已发布在 {platform}，账号 {account}，发布任务 #{id}）",
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
    # -- the CLI's summary lines and table heads (sync, plan, status, publish, run) ------------------------
    "cli.synced": {
        "zh": "已同步：{changes} 处变更；{errors} 个内容错误",
        "en": "synced: {changes} change(s); {errors} content error(s)",
    },
    "cli.see_check": {"zh": "（详情请运行 `publisher check`）", "en": " — run `publisher check` for details"},
    "cli.changes": {"zh": "上次同步以来的变更", "en": "changes since the last sync"},
    "cli.plan_applies": {
        "zh": "计划已包含这些变更；`publisher sync`（或 `publisher run`）会写入",
        "en": "the plan includes them; `publisher sync` (or `publisher run`) applies them",
    },
    "cli.plan_title": {"zh": "计划：未来 {days} 天（{zone}）", "en": "plan: the next {days} days ({zone})"},
    "cli.pending_new": {"zh": "文件夹中新增（尚未同步）", "en": "new in the folder (not synced yet)"},
    "cli.pending_change": {
        "zh": "{kind}：{before} → {after}（尚未同步）",
        "en": "{kind}: {before} → {after} (not synced yet)",
    },
    "cli.pending_due": {
        "zh": "文件夹中的时间已修改（尚未同步）",
        "en": "time changed in the folder (not synced yet)",
    },
    "cli.by_state": {"zh": "各状态内容数", "en": "posts by state"},
    "cli.next_due": {"zh": "内容 · 下一条 {when}", "en": "posts · next due {when}"},
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
    "cli.post_line": {"zh": "内容 {id} {target}：", "en": "post {id} {target}: "},
    "cli.daemon_sends": {
        "zh": "正在运行的守护进程（{holder}）会发送它；等待结果…",
        "en": "the running daemon ({holder}) sends it; waiting for the outcome…",
    },
    "run.error": {"zh": "publisher run：{error}", "en": "publisher run: {error}"},
    "run.once": {
        "zh": "publisher run --once：处理了 {n} 条内容",
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
    "rehearse.no_posts": {"zh": "没有内容", "en": "no posts"},
    "rehearse.table": {"zh": "演练时间线", "en": "rehearsal timeline"},
    "rehearse.h_metrics": {"zh": "沙盒中增长的数据", "en": "Metrics the sandbox grew"},
    "rehearse.h_failed": {"zh": "失败的步骤", "en": "Steps that failed"},
    "rehearse.h_jobs": {"zh": "定时任务", "en": "Recurring jobs"},
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
    "cli.post_state": {"zh": "内容 {id}：", "en": "post {id}: "},
    "cli.dashboard_on": {"zh": "仪表盘：{url}", "en": "dashboard on {url}"},
    "cli.dashboard_token": {
        "zh": "（首次请打开 /?token=<你的令牌>）",
        "en": " (open /?token=<your token> once)",
    },
    "cli.index": {"zh": "索引页：{path}", "en": "index: {path}"},
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


#: A post's state as people say it (models.PostState values).
STATES: dict[str, dict[str, str]] = {
    "planned": {"zh": "已计划", "en": "planned"},
    "waiting_approval": {"zh": "待审批", "en": "waiting for approval"},
    "held": {"zh": "已暂停（内容不合规）", "en": "held (content invalid)"},
    "queued": {"zh": "排队中", "en": "queued"},
    "claimed": {"zh": "发送中", "en": "being sent"},
    "sending": {"zh": "发送中", "en": "being sent"},
    "published": {"zh": "已发布", "en": "published"},
    "retrying": {"zh": "等待重试", "en": "retrying"},
    "failed": {"zh": "发布失败", "en": "failed"},
    "awaiting_manual": {"zh": "待人工发布", "en": "to post by hand"},
    "reconcile": {"zh": "结果待核对", "en": "outcome being checked"},
    "needs_attention": {"zh": "需人工处理", "en": "needs a person"},
    "needs_reauth": {"zh": "需重新授权", "en": "needs re-authorisation"},
    "cancelled": {"zh": "已取消", "en": "cancelled"},
    "missed": {"zh": "已错过", "en": "missed"},
    "dry_run": {"zh": "演示发送", "en": "dry run"},
    "draft": {"zh": "草稿", "en": "draft"},
    "ready": {"zh": "就绪", "en": "ready"},
}

#: The queue's reasons (English in the store) as readers say them; the platform's own message is kept.
REASONS: tuple[tuple[str, dict[str, str]], ...] = (
    (r"late window passed", {"zh": "已超过补发时限"}),
    (r"will retry: (?P<msg>.*)", {"zh": "稍后重试：{msg}"}),
    (r"gave up after (?P<n>\d+) attempts: (?P<msg>.*)", {"zh": "重试 {n} 次后放弃：{msg}"}),
    (
        r"daily quota used up; waiting for the reset(?: at .+?)?: (?P<msg>.*)",
        {"zh": "当日配额已用完，等待重置：{msg}"},
    ),
    (
        r"credentials of (?P<acc>\S+) need renewing \(publisher auth\): (?P<msg>.*)",
        {"zh": "账号 {acc} 的凭据需要更新（publisher auth）：{msg}"},
    ),
    (r"outcome unknown: (?P<msg>.*)", {"zh": "结果未知，需要核对：{msg}"}),
    (r"pre-flight: (?P<msg>.*)", {"zh": "发送前检查未通过：{msg}"}),
    (r"pack ready.*", {"zh": "发布包已备好：请手动发布，然后确认链接"}),
    (r"published", {"zh": "已发布"}),
    (r"draft: checked, never published", {"zh": "草稿：已检查，不会发布"}),
    (r"ready to post by hand: (?P<msg>.*)", {"zh": "发布包已备好，请人工发布：{msg}"}),
    (r"ready to post by hand", {"zh": "发布包已备好，请人工发布"}),
    (r"waiting for approval.*", {"zh": "等待审批（评审时加上 approved_by:）"}),
    (r"no publish_at: planned, not scheduled", {"zh": "未设置 publish_at：已计划，未排期"}),
    (r"rate limited: (?P<msg>.*)", {"zh": "触发限流：{msg}"}),
    (r"lease released: the daemon stopped before sending", {"zh": "守护进程在发送前停止，已放回队列"}),
    (r"publish now \(a person\)", {"zh": "人工要求立即发布"}),
)


def state_name(state: str, lang: str) -> str:
    return STATES.get(state, {}).get(lang, state.replace("_", " "))


def reason(text: str, lang: str, said: str | None = None) -> str:
    """A stored reason in the reader's language: worded from its stored code and values (`said`, the post's
    `reason_msg`) when it has them, else an older row's English translated where known; a platform's own
    message is kept as it is."""
    stored = Msg.from_json(said) if said else None
    if stored is not None:
        return stored.text(lang)
    text = text.strip()
    if lang == "en":
        return text
    for pattern, words in REASONS:
        if m := re.fullmatch(pattern, text, flags=re.DOTALL):
            return words.get(lang, text).format(**m.groupdict())
    return text
