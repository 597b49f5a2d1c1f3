"""The CLI's error line and the errors a command's own arguments or the workspace's folder run into (a usage
error, exit code 2; a workspace that is not one; the daemon's lock). Part of the one catalogue
(`publisher.messages.CHECK`): zh and en per code. Raised as `UsageError(msg(...))`, worded by the CLI in the
reader's language; `str(exc)` stays the English.
"""

ENTRIES: dict[str, dict[str, str]] = {
    # -- the error line itself (cli/main.py) --------------------------------------------------------------
    "cli.error": {"zh": "错误：", "en": "error: "},
    "cli.internal": {"zh": "内部错误：", "en": "internal error: "},
    "cli.internal_what": {
        "zh": "{what}（加 -v 重新运行可看详情，并请报告此问题）",
        "en": "{what} (run again with -v for details, and please report it)",
    },
    "cli.interrupted": {"zh": "已中断", "en": "interrupted"},
    # -- a command's arguments ----------------------------------------------------------------------------
    "usage.port_busy": {
        "zh": "{option}：{host}:{port} 不可用（{why}）",
        "en": "{option}: {host}:{port} is not available ({why})",
    },
    "usage.field_says": {"zh": "{field}：{text}", "en": "{field}: {text}"},
    "usage.as_said": {"zh": "{text}", "en": "{text}"},  # an error that has only its English
    "usage.date_value": {
        "zh": "{option}：“{value}”不是有效的日期，请写成如 {example} 的形式（可加时间，如 {example} 09:30）",
        "en": "{option}: {value!r} is not a valid date; write it as {example} (a time may follow: "
        "{example} 09:30)",
    },
    "usage.until_before_from": {
        "zh": "--until：{until} 不晚于 --from {start}",
        "en": "--until: {until} is not after --from {start}",
    },
    "usage.two_workspaces": {
        "zh": "--workspace：与 DIRECTORY 指向不同的文件夹；只给其中一个",
        "en": "--workspace: names another folder than DIRECTORY; give one of them",
    },
    "usage.unknown_platform": {
        "zh": "--platform：未知平台 {name}；可选 {names}",
        "en": "--platform: unknown platform {name}; one of {names}",
    },
    "usage.not_a_folder": {
        "zh": "DIR：{root} 不是文件夹（请给出博客的文件夹，如 ~/blog）",
        "en": "DIR: {root} is not a folder (give the blog's folder, e.g. ~/blog)",
    },
    "usage.not_a_file": {
        "zh": "FILE：{path} 不是可读取的文件（请给出从创作者中心导出的 CSV）",
        "en": "FILE: {path} is not a readable file (give the CSV exported from the creator centre)",
    },
    "usage.into": {
        "zh": "--into：请给出 content/ 内的文件夹，如 --into blog",
        "en": "--into: give a folder inside content/, e.g. --into blog",
    },
    "usage.published_or_not": {
        "zh": "--published URL 与 --not-published 只能给一个",
        "en": "give exactly one of --published URL or --not-published",
    },
    "usage.bind_needs_token": {
        "zh": "在 {host} 上提供服务会让其他机器访问仪表盘：请给出令牌（--token 或环境变量 "
        "PUBLISHER_WEB_TOKEN），或改在 127.0.0.1 上提供服务",
        "en": "serving on {host} makes the dashboard reachable from other machines: give a token "
        "(--token, or the PUBLISHER_WEB_TOKEN environment variable), or serve on 127.0.0.1",
    },
    "usage.short_token": {
        "zh": "令牌至少需要 {n} 个字符（例如 `python -c 'import secrets; print(secrets.token_urlsafe())'` "
        "的输出）",
        "en": "the token must be at least {n} characters (e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe())'`)",
    },
    "usage.no_item": {
        "zh": "没有内容 {ref}（请给出编号或文件路径）{hint}",
        "en": "no item {ref} (give an id or a file path){hint}",
    },
    "usage.then": {"zh": "；{text}", "en": "; {text}"},
    "usage.not_targeted": {"zh": "{item} 没有发布到 {platform}", "en": "{item} does not target {platform}"},
    "usage.nothing_to_publish": {"zh": "{item} 没有要发布的帖子", "en": "{item} has no post to publish"},
    "usage.nothing_to_publish_on": {
        "zh": "{item} 在 {platform} 上没有要发布的帖子",
        "en": "{item} has no post on {platform} to publish",
    },
    "usage.no_rehearsal": {
        "zh": "还没有演练：请先运行 `publisher rehearse`",
        "en": "no rehearsal yet: run `publisher rehearse` first",
    },
    "usage.no_exports": {
        "zh": "没有平台能读取创作者中心导出；{platform} 不支持",
        "en": "no platform reads creator-centre exports; {platform} has none",
    },
    "usage.unknown_language": {
        "zh": "未知语言 {given}；可选 {langs}",
        "en": "unknown language {given}; one of {langs}",
    },
    # -- a report's kind, period and file (reports/) -------------------------------------------------------
    "usage.unknown_report": {
        "zh": "未知报告 {kind}；可选 {kinds}",
        "en": "unknown report {kind}; one of {kinds}",
    },
    "usage.unknown_format": {
        "zh": "未知格式 {fmt}；可选 {fmts}",
        "en": "unknown format {fmt}; one of {fmts}",
    },
    "usage.which_campaign": {
        "zh": "哪个活动？publisher report campaign NAME",
        "en": "which campaign? publisher report campaign NAME",
    },
    "usage.no_campaign": {
        "zh": "没有活动 {name}：请在 publisher.toml 中加入 [campaigns.{bare}]，"
        "并在其内容中写 `campaign: {bare}`（现有活动：{known}）",
        "en": "no campaign {name}: add [campaigns.{bare}] to publisher.toml and `campaign: {bare}` to its "
        "items (campaigns: {known})",
    },
    "usage.no_campaigns": {"zh": "无", "en": "none"},
    "usage.window_backwards": {"zh": "时间窗口的结束早于开始", "en": "the window ends before it starts"},
    "usage.period_range": {
        "zh": "{text} 超出范围：只能是 0002 到 9998 年之间的日期",
        "en": "{text} is out of range: only days from the year 0002 to 9998",
    },
    "usage.period_too_long": {
        "zh": "{text} 太长：它和前后同样长的时段都要落在 0002 到 9998 年之间",
        "en": "{text} is too long: it and the periods as long before and after it must lie in the years "
        "0002 to 9998",
    },
    "usage.not_a_date": {
        "zh": "不是日期：{text}（应为 YYYY-MM-DD）",
        "en": "not a date: {text} (expected YYYY-MM-DD)",
    },
    "usage.period_backwards": {
        "zh": "时段 {text} 的结束早于开始",
        "en": "period {text} ends before it starts",
    },
    "usage.no_week": {"zh": "没有这个 ISO 周：{text}", "en": "no such ISO week: {text}"},
    "usage.no_month": {"zh": "没有这个月份：{text}", "en": "no such month: {text}"},
    "usage.report_outside": {
        "zh": "报告路径 {rel} 在工作区之外",
        "en": "report path {rel} leaves the workspace",
    },
    # -- the workspace's folder ---------------------------------------------------------------------------
    "usage.unknown_zone": {"zh": "未知的 IANA 时区 {zone}", "en": "unknown IANA time zone {zone}"},
    "usage.mapping": {"zh": "应为键值映射", "en": "expected a mapping"},
    "usage.unknown_key": {"zh": "未知的键；已知：{known}", "en": "unknown key; known: {known}"},
    # -- schedules/jobs.yaml (daemon/jobs.py, daemon/cron.py) and durations (platforms/durations.py) ---------
    "usage.jobs_mapping": {
        "zh": "应为“任务名 -> 任务”的映射",
        "en": "expected a mapping of job name -> job",
    },
    "usage.unknown_job_action": {
        "zh": "未知操作 {action}；可选 {actions}",
        "en": "unknown action {action}; one of {actions}",
    },
    "usage.cron_or_before": {
        "zh": "`cron` 与 `before_due` 只能给一个",
        "en": "give exactly one of `cron` or `before_due`",
    },
    "usage.bool": {"zh": "应为 true 或 false", "en": "expected true or false"},
    "usage.merge_before_due": {
        "zh": "merge_within 只适用于 before_due 任务",
        "en": "merge_within applies to before_due jobs only",
    },
    "usage.cron_unreadable": {
        "zh": "无法读取 cron 的 {name} 字段 {text}",
        "en": "cannot read cron {name} field {text}",
    },
    "usage.cron_range": {
        "zh": "cron 的 {name} 字段 {text} 超出范围 {low}..{high}",
        "en": "cron {name} field {text} is out of range {low}..{high}",
    },
    "usage.cron_weekday": {
        "zh": "星期请写名称（mon..sun），不要写 {value}：APScheduler 3 把 0 当作星期一，crontab 则当作星期日",
        "en": "weekdays take names (mon..sun), not {value}: APScheduler 3 counts 0 as Monday, "
        "crontab as Sunday",
    },
    "usage.cron_number": {
        "zh": "cron 的 {name} 字段应为数字，实际为 {value}",
        "en": "expected a number in the cron {name} field, got {value}",
    },
    "usage.cron_fields": {
        "zh": "应为五个 cron 字段“minute hour day month weekday”，实际为 {text}",
        "en": 'expected five cron fields "minute hour day month weekday", got {text}',
    },
    "usage.duration_form": {
        "zh": "应为时长，如 2h、30m 或 7200，实际为 {value}",
        "en": "expected a duration such as 2h, 30m or 7200, got {value}",
    },
    "usage.duration_range": {
        "zh": "时长应在 0 到 100 年（36500d）之间，实际为 {value}",
        "en": "expected a duration from 0 to 100 years (36500d), got {value}",
    },
    # -- a platform's platform.yaml (platforms/rules.py) ---------------------------------------------------
    "usage.size_form": {
        "zh": "应为大小，如 1000000 或 '1 MB'",
        "en": "expected a size such as 1000000 or '1 MB'",
    },
    "usage.size_got": {
        "zh": "应为大小，如 1000000 或 '1 MB'，实际为 {value}",
        "en": "expected a size such as 1000000 or '1 MB', got {value}",
    },
    "usage.aspect_form": {
        "zh": "应为宽高比，如 '3:4' 或 2.35，实际为 {value}",
        "en": "expected an aspect ratio such as '3:4' or 2.35, got {value}",
    },
    "usage.unknown_settings": {
        "zh": "未知的设置 {keys}；已知：{known}",
        "en": "unknown setting(s) {keys}; known: {known}",
    },
    "usage.unknown_settings_only": {"zh": "未知的设置 {keys}", "en": "unknown setting(s) {keys}"},
    "usage.rules_unreadable": {"zh": "无法读取平台规则：{why}", "en": "cannot read platform rules: {why}"},
    "usage.top_mapping": {"zh": "顶层应为键值映射", "en": "expected a mapping at the top level"},
    "usage.counter": {"zh": "count 必须是 {counters} 之一", "en": "count must be one of {counters}"},
    "usage.aliases": {
        "zh": "aliases 必须是名称列表，如 [小红书, xhs]",
        "en": "aliases must be a list of names, e.g. [小红书, xhs]",
    },
    "usage.unknown_declaration": {
        "zh": "未知的声明 {name}；已知：{known}",
        "en": "unknown declaration {name}; known: {known}",
    },
    "usage.no_label_field": {
        "zh": "没有用于标注的文本字段 {target}",
        "en": "no text field {target} for the label",
    },
    # -- schedules/slots.yaml (calendar/slots.py) ---------------------------------------------------------
    "usage.slot_days": {
        "zh": "应为 daily、weekdays、weekends 或 mon..sun 的列表，实际为 {entry}（不接受数字：cron 与 "
        "APScheduler 对 0 的理解不同）",
        "en": "expected daily, weekdays, weekends or a list of mon..sun, got {entry} (numbers are refused: "
        "cron and APScheduler disagree on 0)",
    },
    "usage.no_days": {"zh": "没有给出日期", "en": "no days given"},
    "usage.time_quoted": {
        "zh": '时间必须是带引号的字符串，如 "12:00"，实际为 {value}'
        "（YAML 会把不带引号的 12:00 读成数字 720）",
        "en": 'times must be quoted strings such as "12:00", got {value} (YAML reads an unquoted 12:00 as '
        "the number 720)",
    },
    "usage.time_form": {
        "zh": '应为时间 "HH:MM"（24 小时制），实际为 {value}',
        "en": 'expected a time "HH:MM" (24 h), got {value}',
    },
    "usage.date_quoted": {
        "zh": '应为日期 "YYYY-MM-DD"，实际为 {value}',
        "en": 'expected a date "YYYY-MM-DD", got {value}',
    },
    "usage.slots_mapping": {
        "zh": "应为“平台 -> 规则列表”的映射",
        "en": "expected a mapping of platform -> list of rules",
    },
    "usage.rules_list": {"zh": "应为规则列表", "en": "expected a list of rules"},
    "usage.times_list": {"zh": '应为 "HH:MM" 时间的列表', "en": 'expected a list of "HH:MM" times'},
    "usage.positive": {"zh": "应为正整数，实际为 {value}", "en": "expected a positive integer, got {value}"},
    "usage.blackout_list": {
        "zh": "应为 {{date}} 或 {{from, until}} 条目的列表",
        "en": "expected a list of {{date}} or {{from, until}} entries",
    },
    "usage.date_or_range": {
        "zh": "date 与 from/until 只能给一种",
        "en": "give either date or from/until, not both",
    },
    "usage.until_before": {"zh": "until 早于 from", "en": "until is before from"},
    "usage.needs_date": {
        "zh": "需要 `date`，或 `from` 和 `until`",
        "en": "needs `date`, or `from` and `until`",
    },
    "usage.names_list": {
        "zh": "应为平台或账号名称的列表",
        "en": "expected a list of platform or account names",
    },
    # -- a compliance word list (compliance/lists.py) -------------------------------------------------------
    "usage.list_mapping": {
        "zh": "应为含 `category` 与 `entries` 的映射",
        "en": "expected a mapping with `category` and `entries`",
    },
    "usage.unknown_keys": {"zh": "未知的键 {keys}", "en": "unknown key(s) {keys}"},
    "usage.entries_list": {"zh": "`entries` 必须是列表", "en": "`entries` must be a list"},
    "usage.entry_word": {"zh": "每个条目都需要 `word`", "en": "each entry needs a `word`"},
    "usage.severity": {
        "zh": "severity 必须是 error、warning 或 off",
        "en": "severity must be error, warning or off",
    },
    "usage.exception_word": {
        "zh": "例外 {exception} 不包含 {word}",
        "en": "exception {exception} does not contain {word}",
    },
    "usage.platforms_list": {"zh": "应为平台名称的列表", "en": "expected a list of platform names"},
    "usage.list_unreadable": {"zh": "无法读取词表：{why}", "en": "cannot read word list: {why}"},
    # -- the dashboard's own arguments (web/) ----------------------------------------------------------------
    "usage.unknown_action": {
        "zh": "未知操作 {action}（可选 {actions}）",
        "en": "unknown action {action} (one of {actions})",
    },
    "usage.week_form": {
        "zh": "周 {week}：应为 YYYY-Www，如 2026-W49",
        "en": "week {week}: expected YYYY-Www, e.g. 2026-W49",
    },
    "usage.month_form": {
        "zh": "月份 {month}：应为 YYYY-MM，如 2026-12",
        "en": "month {month}: expected YYYY-MM, e.g. 2026-12",
    },
    "usage.day_form": {
        "zh": "日期 {day}：应为 YYYY-MM-DD，如 2026-12-02",
        "en": "day {day}: expected YYYY-MM-DD, e.g. 2026-12-02",
    },
    "usage.no_such_item": {"zh": "没有内容 {item}", "en": "no item {item}"},
    "usage.unknown_data": {
        "zh": "未知数据 {data}；可选 {sources}",
        "en": "unknown data {data}; one of {sources}",
    },
    "usage.has_workspace": {
        "zh": "{directory} 已有 {name}；未做任何更改",
        "en": "{directory} already has a {name}; nothing was changed",
    },
    "usage.not_empty": {
        "zh": "{directory} 不是空文件夹；加 --force 才会在其中创建工作区",
        "en": "{directory} is not empty; pass --force to add a workspace to it",
    },
    # -- publisher.toml values (workspace/settings.py): its own checks, then pydantic's by error type -------
    "usage.setting_unknown": {
        "zh": "未知的设置；请检查拼写（见 README：publisher.toml）",
        "en": "unknown setting; check the spelling (see README: publisher.toml)",
    },
    "usage.setting_zone": {
        "zh": "未知的 IANA 时区 {zone}（例如 Asia/Shanghai、Europe/Berlin）",
        "en": "unknown IANA time zone {zone} (e.g. Asia/Shanghai, Europe/Berlin)",
    },
    "usage.setting_duration": {
        "zh": "应为时长，例如 {example}，实际为 {value}",
        "en": "expected a duration such as {example}, got {value}",
    },
    "usage.setting_share": {
        "zh": "similarity 是 0 到 1 之间的比例，例如 0.85，实际为 {value}",
        "en": "similarity is a share between 0 and 1, e.g. 0.85, got {value}",
    },
    "usage.setting_expectation": {
        "zh": "未知的预期指标 {name}；应为 reach、engagement、votes、followers 之一",
        "en": "unknown expectation {name}; one of reach, engagement, votes, followers",
    },
    "usage.setting.literal_error": {"zh": "应为 {expected}", "en": "expected {expected}"},
    "usage.setting.bool_parsing": {"zh": "应为 true 或 false", "en": "expected true or false"},
    "usage.setting.bool_type": {"zh": "应为 true 或 false", "en": "expected true or false"},
    "usage.setting.int_parsing": {"zh": "应为整数", "en": "expected a whole number"},
    "usage.setting.int_type": {"zh": "应为整数", "en": "expected a whole number"},
    "usage.setting.float_parsing": {"zh": "应为数字", "en": "expected a number"},
    "usage.setting.float_type": {"zh": "应为数字", "en": "expected a number"},
    "usage.setting.string_type": {"zh": "应为字符串（加引号）", "en": "expected a string (in quotes)"},
    "usage.setting.list_type": {"zh": "应为列表 [...]", "en": "expected a list [...]"},
    "usage.setting.dict_type": {
        "zh": "应为一个表（[...] 或 {{...}}）",
        "en": "expected a table ([...] or {{...}})",
    },
    "usage.setting.model_type": {
        "zh": "应为一个表（[...] 或 {{...}}）",
        "en": "expected a table ([...] or {{...}})",
    },
    "usage.setting.missing": {"zh": "缺少这项必填设置", "en": "this setting is required"},
    "usage.setting_invalid": {"zh": "设置无效：{why}", "en": "invalid setting: {why}"},
    # -- accounts' modes and options (adapters) --------------------------------------------------------------
    "usage.no_adapter": {
        "zh": "{platform} 还没有 {mode} 模式的适配器；请把该账号的 mode 设为 dry-run",
        "en": "no {mode} adapter for {platform} yet; set the account's mode to dry-run",
    },
    "usage.pack_folder": {
        "zh": "人工辅助发布需要一个存放发布包的文件夹（ctx.out_dir）",
        "en": "assisted publishing needs a folder for its packs (ctx.out_dir)",
    },
    "usage.share_base_url": {
        "zh": "抖音分享链接需要 App 下载视频所用的 https 地址：请设置 accounts.{account}.options."
        "share_media_base_url（例如 https://cdn.example.com/douyin），"
        "即 share_media_dir 文件夹对外提供的地址",
        "en": "a Douyin share link needs the https address the app downloads the video from: set "
        "accounts.{account}.options.share_media_base_url (e.g. https://cdn.example.com/douyin), the "
        "address where the folder share_media_dir is served",
    },
    "usage.share_media": {
        "zh": "{path}：抖音分享需要一个视频或图片",
        "en": "{path}: a Douyin share needs a video or images",
    },
    "usage.bad_period": {
        "zh": "无法识别时间段 {text}：请用 2027-01-04、2027-W01、2027-01、起..止 或 {words}",
        "en": "cannot read period {text}: use 2027-01-04, 2027-W01, 2027-01, FROM..TO or {words}",
    },
    "usage.bad_toml": {"zh": "不是有效的 TOML：{why}", "en": "not valid TOML: {why}"},
    "usage.unreadable": {"zh": "无法读取：{why}", "en": "cannot read: {why}"},
    "usage.workspace_table": {
        "zh": "应为一个表：[workspace]，含 name、timezone 等",
        "en": "expected a table: [workspace] with name, timezone, ...",
    },
    "usage.no_workspace": {
        "zh": "当前文件夹及其上级都没有 {name}（用 `publisher init DIR` 创建）",
        "en": "no {name} here or in any parent folder (create one with `publisher init DIR`)",
    },
    "usage.not_a_workspace": {
        "zh": "{root} 不是工作区：其中没有 {name}（用 `publisher init` 创建）",
        "en": "{root} is not a workspace: it has no {name} (create one with `publisher init`)",
    },
    "usage.daemon_locked": {
        "zh": "另一个 publisher 守护进程正在此工作区运行（{holder}）；请先停止它，"
        "或使用 PostgreSQL（database_url）以运行多个",
        "en": "another publisher daemon is running on this workspace ({holder}); stop it first, or use "
        "PostgreSQL (database_url) to run several",
    },
    # -- what the local servers say when they start ---------------------------------------------------------
    "cli.sandbox_on": {
        "zh": "沙盒：{url}（控制接口：/__fake/state、/__fake/clock、/__fake/faults）；"
        "模式为 `sandbox` 的账号通过 PUBLISHER_SANDBOX_URL={url} 使用它",
        "en": "sandbox on {url} (control plane: /__fake/state, /__fake/clock, /__fake/faults); "
        "accounts in mode `sandbox` use it via PUBLISHER_SANDBOX_URL={url}",
    },
    "cli.mcp_on": {
        "zh": "MCP 服务 social-media-publisher：{where}",
        "en": "MCP server social-media-publisher on {where}",
    },
    # -- a person's action on a post (queue/actions.py) ---------------------------------------------------
    "action.no_post": {
        "zh": "没有编号为 {id} 的帖子（用 `publisher status` 查看编号）",
        "en": "no post {id} (see `publisher status` for post ids)",
    },
    "action.no_item_posts": {"zh": "内容 {item} 没有帖子", "en": "no posts for item {item}"},
    "action.changed": {
        "zh": "帖子 {id} 刚被改变（现为“{state}”）；请用 publisher status 再看一次",
        "en": "post {id} changed meanwhile (now {state}); look again with publisher status",
    },
    "action.publish_now_refused": {
        "zh": "帖子 {id} 当前为“{state}”：{hint}",
        "en": "post {id} is {state}: {hint}",
    },
    "action.hint.held": {
        "zh": "请先修正内容（publisher check）",
        "en": "fix the item (publisher check) first",
    },
    "action.hint.approval": {"zh": "请先加上 `approved_by:`", "en": "add `approved_by:` first"},
    "action.hint.published": {"zh": "它已经发布", "en": "it is already published"},
    "action.hint.reauth": {
        "zh": "请更新凭据（publisher auth），然后 publisher retry {id}",
        "en": "renew the credentials (publisher auth), then publisher retry {id}",
    },
    "action.hint.failed": {
        "zh": "publisher retry {id} 会再次发送",
        "en": "publisher retry {id} sends it again",
    },
    "action.hint.unknown": {
        "zh": "无法判断它是否已发出：请先 publisher resolve {id}",
        "en": "nobody can tell whether it went out: publisher resolve {id} first",
    },
    "action.hint.not_waiting": {"zh": "它不在等待发送", "en": "it is not waiting to be sent"},
    "action.already_published": {
        "zh": "帖子 {id} 已经发布；发布后的修改不会重新发布",
        "en": "post {id} is already published; an edit after publishing is never re-posted",
    },
    "action.needs_force": {
        "zh": "帖子 {id} 当前为“{state}”：它可能已经在平台上。请先到平台核对，然后 `publisher resolve`，"
        "或加 --force 重试以再次发布",
        "en": "post {id} is {state}: it may already be on the platform. Check there, then `publisher "
        "resolve` it, or retry with --force to publish it again",
    },
    "action.retry_refused": {
        "zh": "帖子 {id} 当前为“{state}”；retry 只适用于发布失败、已错过、需重新授权"
        "和（加 --force）需人工处理的帖子{hint}",
        "en": "post {id} is {state}; retry applies to failed, missed, needs_reauth and (with --force) "
        "needs_attention{hint}",
    },
    "action.hint.by_hand": {
        "zh": "；请手动发布，然后运行 `publisher resolve --published URL`",
        "en": "; post it by hand and run `publisher resolve --published URL`",
    },
    "action.hint.checking": {
        "zh": "；队列正在向平台核对；如果你知道结果，请 `publisher resolve`",
        "en": "; the queue is checking the platform; `publisher resolve` if you know the answer",
    },
    "action.cancel_refused": {
        "zh": "帖子 {id} 不能取消：{why}",
        "en": "post {id} cannot be cancelled: {why}",
    },
    "action.why.published": {
        "zh": "它已经发布（请到平台上删除）",
        "en": "it is already published (delete it on the platform)",
    },
    "action.why.cancelled": {"zh": "它已经取消", "en": "it is already cancelled"},
    "action.why.sending": {
        "zh": "它正在发送；请稍后再看",
        "en": "it is being sent right now; look again in a moment",
    },
    "action.why.unknown": {
        "zh": "其结果未知：请先 `publisher resolve`",
        "en": "its outcome is unknown: `publisher resolve` it first",
    },
    "action.why.state": {"zh": "它当前为“{state}”", "en": "it is {state}"},
    "action.resolve_refused": {
        "zh": "帖子 {id} 当前为“{state}”；resolve 只适用于待人工发布、需人工处理和结果待核对的帖子",
        "en": "post {id} is {state}; resolve applies to awaiting_manual, needs_attention and reconcile",
    },
    "action.job_pending": {
        "zh": "帖子 {id} 已提交给 {platform}，平台的发布任务 {job} 仍在处理中：现在标为未发布会再发一次，"
        "任务随后完成就会发两遍。请等待（队列按计划查询任务结果），或到 {console} 查看；"
        "确认任务已失败后，再用 publisher resolve {id} --not-published --force"
        "（仪表盘：勾选“已核对：任务失败”）",
        "en": "post {id} was submitted to {platform} and its publish job {job} is still processing: marking "
        "it not published now sends it again, so it goes out twice if the job then completes. Wait (the "
        "queue checks the job on its schedule), or look at {console}; once you see the job failed, run "
        'publisher resolve {id} --not-published --force (dashboard: tick "checked: the job failed")',
    },
    "action.not_a_url": {
        "zh": "{url} 不是已发布帖子的 http(s) 链接",
        "en": "{url} is not an http(s) URL of the published post",
    },
}
