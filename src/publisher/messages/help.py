"""The CLI's `--help`: each command's and option's text, and the words Click and Typer print around them.
Part of the one catalogue (`publisher.messages.CHECK`): zh and en per code.

A command's help is `help.<command path>` (`help.metrics.pull`); an option shared by many commands is
`help.opt.<name>`, one of a single command `help.<command>.<option>`. `help.click.*` are the frame's own words
(headings, the help option, a default or a required mark), found by their English. The first sentence of a
command's help (to its first 。 or .) is its line in the command list.
"""

ENTRIES: dict[str, dict[str, str]] = {
    # -- the frame: what Click and Typer print around the texts ---------------------------------------------
    "help.click.usage": {"zh": "用法：", "en": "Usage:"},
    "help.click.options": {"zh": "选项", "en": "Options"},
    "help.click.arguments": {"zh": "参数", "en": "Arguments"},
    "help.click.commands": {"zh": "命令", "en": "Commands"},
    "help.click.help": {"zh": "显示此帮助并退出。", "en": "Show this message and exit."},
    "help.click.default": {"zh": "默认：{value}", "en": "default: {value}"},
    "help.click.required": {"zh": "必填", "en": "required"},
    "help.click.env_var": {"zh": "环境变量：{value}", "en": "env var: {value}"},
    "help.click.install_completion": {
        "zh": "为当前 shell 安装命令补全。",
        "en": "Install completion for the current shell.",
    },
    "help.click.show_completion": {
        "zh": "显示当前 shell 的补全脚本，可复制或自行调整安装。",
        "en": "Show completion for the current shell, to copy it or customize the installation.",
    },
    # -- Click's usage errors, matched by their English (a {why} is itself matched again) -----------------
    "help.click.try": {"zh": "运行 '{command}' 查看帮助。", "en": "Try '{command}' for help."},
    "help.click.error": {"zh": "错误：{text}", "en": "Error: {text}"},
    "help.click.invalid_for": {"zh": "{name} 的值无效：{why}", "en": "Invalid value for {name}: {why}"},
    "help.click.invalid": {"zh": "值无效：{why}", "en": "Invalid value: {why}"},
    "help.click.no_option_maybe": {
        "zh": "没有选项 {name}（可用的有：{maybe}）",
        "en": "No such option: {name} (Possible options: {maybe})",
    },
    "help.click.no_option": {"zh": "没有选项 {name}", "en": "No such option: {name}"},
    "help.click.no_command_maybe": {
        "zh": "没有命令 {name}。是不是想写 {maybe}？",
        "en": "No such command {name}. Did you mean {maybe}?",
    },
    "help.click.no_command": {"zh": "没有命令 {name}。", "en": "No such command {name}."},
    "help.click.missing_command": {"zh": "缺少命令。", "en": "Missing command."},
    "help.click.missing_argument": {"zh": "缺少参数 {name}。", "en": "Missing argument {name}."},
    "help.click.missing_option": {"zh": "缺少选项 {name}。", "en": "Missing option {name}."},
    "help.click.needs_value": {"zh": "选项 {name} 需要一个值。", "en": "Option {name} requires an argument."},
    "help.click.takes_no_value": {
        "zh": "选项 {name} 不接受值。",
        "en": "Option {name} does not take a value.",
    },
    "help.click.extra_arguments": {
        "zh": "多余的参数（{args}）",
        "en": "Got unexpected extra argument(s) ({args})",
    },
    "help.click.not_int": {
        "zh": "应为整数",
        "en": "Input should be a valid integer, unable to parse string as an integer",
    },
    "help.click.not_number": {
        "zh": "应为数字",
        "en": "Input should be a valid number, unable to parse string as a number",
    },
    "help.click.not_bool": {
        "zh": "应为 true 或 false（也可写 yes/no、on/off、1/0）",
        "en": "Input should be a valid boolean, unable to interpret input",
    },
    "help.click.at_least": {"zh": "应大于或等于 {n}", "en": "Input should be greater than or equal to {n}"},
    "help.click.at_most": {"zh": "应小于或等于 {n}", "en": "Input should be less than or equal to {n}"},
    "help.click.does_not_exist": {"zh": "{kind} {path} 不存在。", "en": "{kind} {path} does not exist."},
    "help.click.one_of": {"zh": "{value} 不是 {choices} 之一", "en": "{value} is not one of {choices}"},
    "help.click.aborted": {"zh": "已中止！", "en": "Aborted!"},
    # -- the kind of value an option takes (Typer's <str>, <path>...), the usage line's placeholders -----
    "help.type.str": {"zh": "文本", "en": "str"},
    "help.type.path": {"zh": "路径", "en": "path"},
    "help.type.file": {"zh": "文件", "en": "file"},
    "help.type.dir": {"zh": "文件夹", "en": "dir"},
    "help.type.int": {"zh": "整数", "en": "int"},
    "help.type.float": {"zh": "数字", "en": "float"},
    "help.type.int_range": {"zh": "整数", "en": "int range"},
    "help.type.float_range": {"zh": "数字", "en": "float range"},
    "help.type.datetime": {"zh": "日期时间", "en": "datetime"},
    "help.type.list_str": {"zh": "文本，可给多次", "en": "list[str]"},
    "help.usage.options": {"zh": "[选项]", "en": "[OPTIONS]"},
    "help.usage.command": {"zh": "命令 [参数]...", "en": "COMMAND [ARGS]..."},
    # -- options many commands share -------------------------------------------------------------------------
    "help.opt.version": {"zh": "显示版本并退出。", "en": "Print the version and exit."},
    "help.opt.workspace": {
        "zh": "工作区文件夹（默认：向上最近的含 publisher.toml 的文件夹）。",
        "en": "Workspace folder (default: nearest with publisher.toml).",
    },
    "help.opt.json": {"zh": "输出机器可读的 JSON。", "en": "Print machine-readable JSON."},
    "help.opt.verbose": {
        "zh": "输出 DEBUG 日志（密钥始终隐去）。",
        "en": "DEBUG logs (secrets are always redacted).",
    },
    "help.opt.sandbox": {
        "zh": "所有账号都连接沙箱（PUBLISHER_SANDBOX_URL，未设置时在本进程内启动一个）。",
        "en": "Every account talks to the sandbox (PUBLISHER_SANDBOX_URL, else one started in-process).",
    },
    "help.opt.lang": {
        "zh": "zh | en（默认：工作区的语言，未设置时为中文）",
        "en": "zh | en (default: the workspace's language)",
    },
    "help.opt.item": {"zh": "内容 id 或文件路径。", "en": "Item id or file path."},
    "help.opt.only_platform": {"zh": "只处理这个平台。", "en": "Only this platform."},
    "help.opt.post": {
        "zh": "帖子编号，即 `publisher status` 显示的编号。",
        "en": "Post id, as `publisher status` prints it.",
    },
    # -- the program -----------------------------------------------------------------------------------------
    "help.root": {
        "zh": "检查、渲染、排期并发布内容日历到小红书、抖音、微信公众号和 Product Hunt。",
        "en": "Check, render, schedule and publish a content calendar to 小红书, 抖音, 微信公众号 and "
        "Product Hunt.",
    },
    # -- import ----------------------------------------------------------------------------------------------
    "help.import": {
        "zh": "把博客文章连同图片导入为草稿内容，并逐个文件报告变更。\n\n"
        "退出码 0：全部导入且检查无误；1：有文章未写入或需要修改（报告会说明哪篇、为什么）；2：用法错误。",
        "en": "Import a blog's posts as draft items with their images, and report what changed per file.\n\n"
        "Exit 0: every post imported and checked clean; 1: a post was not written or needs fixing (the "
        "report says which and why); 2: a usage error.",
    },
    "help.import.directory": {
        "zh": "博客所在文件夹（Hexo、Hugo、Jekyll 或任意 Markdown）。",
        "en": "The blog's folder (Hexo, Hugo, Jekyll, or any Markdown).",
    },
    "help.import.platform": {
        "zh": "每条内容的目标平台（可重复；默认：图文平台）。",
        "en": "Target platform of every item (repeat; default: the article platforms).",
    },
    "help.import.into": {
        "zh": "写入 content/ 下的哪个子文件夹（默认：content/）。",
        "en": "Sub-folder of content/ to write into (default: content/).",
    },
    "help.import.dry_run": {
        "zh": "只说明将写入什么，不写任何文件。",
        "en": "Say what would be written; write nothing.",
    },
    # -- the calendar ----------------------------------------------------------------------------------------
    "help.init": {
        "zh": "新建工作区：publisher.toml、默认的 platforms/、schedules/ 和一条示例内容。",
        "en": "Start a workspace: publisher.toml, the default platforms/, schedules/ and an example item.",
    },
    "help.init.directory": {"zh": "在哪个文件夹中创建工作区。", "en": "Folder to create the workspace in."},
    "help.init.force": {
        "zh": "即使文件夹中已有文件也写入。",
        "en": "Write into a folder that already has files.",
    },
    "help.init.workspace": {"zh": "同 DIRECTORY。", "en": "Same as DIRECTORY."},
    "help.check": {
        "zh": "按每个目标平台检查每条内容（有错误时退出码为 1）。"
        '提示默认为中文；`--lang en` 或 publisher.toml 中 `language = "en"` 时为英文。',
        "en": "Validate every item for every target platform (exit 1 on any error); messages in Chinese "
        'unless `--lang en` or `language = "en"` in publisher.toml.',
    },
    "help.sync": {
        "zh": "让数据库与内容文件夹一致（幂等：再运行一次不会有变更）。",
        "en": "Bring the store in line with the content folder (idempotent: a second run changes nothing).",
    },
    "help.plan": {
        "zh": "什么内容何时发出：时间、平台、内容、状态；以及上次同步以来的变更。",
        "en": "What will go out when: when, platform, item, state; and what changed since the last sync.",
    },
    "help.plan.days": {
        "zh": "显示未来多少天（1 到 36500）。",
        "en": "How many days ahead to show (1 to 36500).",
    },
    "help.status": {
        "zh": "各状态的帖子数、下一条的时间，以及每条需人工处理的帖子及其原因和依据。",
        "en": "Posts by state, the next due time, and every post that needs a person with its reason and "
        "evidence.",
    },
    "help.status.watch": {"zh": "持续刷新，直到按 Ctrl-C。", "en": "Keep the view up to date until Ctrl-C."},
    "help.status.every": {
        "zh": "--watch 时每次刷新的间隔秒数。",
        "en": "Seconds between refreshes with --watch.",
    },
    "help.publish": {
        "zh": "立即发布一条内容（经由队列：绝不重复发布），或用 --dry-run 显示将发出的确切请求。",
        "en": "Publish one item now (through the queue: never twice), or with --dry-run show the exact "
        "requests.",
    },
    "help.publish.platform": {"zh": "只发布到这个平台或账号。", "en": "Only this platform or account."},
    "help.publish.dry_run": {
        "zh": "记录确切的请求，不发送。",
        "en": "Record the exact request; send nothing.",
    },
    "help.preview": {
        "zh": "生成仿照各平台样式的 HTML 预览，媒体与实际发送的完全一致。",
        "en": "Write HTML previews that look like each platform, with the media exactly as it would be sent.",
    },
    "help.preview.open": {"zh": "在浏览器中打开索引页。", "en": "Open the index page in a browser."},
    # -- figures ---------------------------------------------------------------------------------------------
    "help.report": {
        "zh": "生成报告：已发布的帖子、KPI 对比目标（✅/⚠️）、问题与风险、计划、图表。",
        "en": "Write a report: what went out, KPIs against targets (✅/⚠️), problems and risks, the plan, "
        "charts.",
    },
    "help.report.kind": {
        "zh": "daily（运营日报）| weekly（运营周报）| engagement（互动）| campaign NAME（市场活动方案）",
        "en": "daily (运营日报) | weekly (运营周报) | engagement | campaign NAME (市场活动方案)",
    },
    "help.report.name": {
        "zh": "市场活动：publisher.toml 中的 [campaigns.NAME]。",
        "en": "The campaign: [campaigns.NAME] in publisher.toml.",
    },
    "help.report.period": {
        "zh": "2027-01-04 | 2027-W01 | 2027-01 | 起..止 | yesterday | last_week | last_7_days | this_month",
        "en": "2027-01-04 | 2027-W01 | 2027-01 | FROM..TO | yesterday | last_week | last_7_days | this_month",
    },
    "help.report.format": {"zh": "md | html | csv | xlsx | json", "en": "md | html | csv | xlsx | json"},
    "help.report.out": {
        "zh": "写到哪里（默认：reports/ 下）。",
        "en": "Where to write (default: under reports/).",
    },
    "help.report.rehearsal": {"zh": "读取上一次演练的数据库。", "en": "Read the last rehearsal's store."},
    "help.calendar": {"zh": "把内容日历导出为 iCalendar。", "en": "Export the calendar as iCalendar."},
    "help.calendar.ics": {
        "zh": "要写入的 .ics 文件（可在任何日历应用中订阅）。",
        "en": "The .ics file to write (subscribe to it in any calendar app).",
    },
    "help.metrics": {
        "zh": "互动数据：从各平台拉取，或导入 CSV 导出文件。",
        "en": "Engagement figures: pull them from the platforms, or import a CSV export.",
    },
    "help.metrics.pull": {
        "zh": "为近期已发布的帖子追加最新的点赞、阅读、播放、投票等数据，以及各账号的粉丝数。",
        "en": "Append the latest likes, reads, plays, votes... of recently published posts and the accounts' "
        "followers.",
    },
    "help.metrics.since": {
        "zh": "统计此日期以来发布的帖子（默认：14 天前）。",
        "en": "Posts published since this date (default: 14 days ago).",
    },
    "help.metrics.sandbox": {
        "zh": "从沙箱而非各平台读取。",
        "en": "Read from the sandbox instead of the platforms.",
    },
    "help.metrics.import": {
        "zh": "导入创作者中心导出的 CSV（同一文件导入两次不会重复添加）。",
        "en": "Import a creator-centre CSV (importing the same file twice adds nothing).",
    },
    "help.metrics.file": {
        "zh": "从创作者中心导出的 CSV（UTF-8 或 GBK）。",
        "en": "A CSV exported from the creator centre (UTF-8 or GBK).",
    },
    "help.metrics.platform": {
        "zh": "导出文件所属平台（默认：提供 CSV 导出的那个平台）。",
        "en": "Whose export it is (default: the platform with a CSV export).",
    },
    "help.metrics.account": {
        "zh": "账号（默认：该平台的默认账号）。",
        "en": "Account (default: the platform's default).",
    },
    # -- running things and acting on posts ------------------------------------------------------------------
    "help.sandbox": {
        "zh": "在本机提供模拟的微信（/wx）、抖音（/dy）、Product Hunt（/ph）和 "
        "xiaohongshu-mcp（/xhs）接口。\n\n"
        "沙箱不属于任何工作区；指定 --workspace 时它必须是一个工作区（其中 mode 为 `sandbox` 的账号"
        "随后通过 PUBLISHER_SANDBOX_URL 使用这个沙箱）。",
        "en": "Serve fake WeChat (/wx), Douyin (/dy), Product Hunt (/ph) and xiaohongshu-mcp (/xhs) APIs "
        "locally.\n\nThe sandbox belongs to no workspace; --workspace, when given, must be one (its accounts "
        "in mode `sandbox` then use this sandbox through PUBLISHER_SANDBOX_URL).",
    },
    "help.sandbox.port": {"zh": "127.0.0.1 上的端口。", "en": "Port on 127.0.0.1."},
    "help.sandbox.seed": {
        "zh": "id 和互动增长的随机种子（种子相同，数字相同）。",
        "en": "Seed for ids and engagement growth (same seed, same numbers).",
    },
    "help.mcp": {
        "zh": "启动 MCP 服务 `social-media-publisher`（stdio），让 AI 助手操作内容日历。\n\n"
        "stdout 用于协议；启动提示写到 stderr（加 --json 时为一行 JSON）。",
        "en": "Serve the MCP server `social-media-publisher` (stdio) so an AI assistant can drive the "
        "calendar.\n\nstdout carries the protocol; the start notice goes to stderr (one JSON line with "
        "--json).",
    },
    "help.mcp.http": {
        "zh": "在 127.0.0.1 上以 streamable HTTP 提供服务，而非 stdio。",
        "en": "Serve streamable HTTP on 127.0.0.1 instead of stdio.",
    },
    "help.mcp.port": {"zh": "--http 使用的端口。", "en": "Port for --http."},
    "help.mcp.no_urls": {"zh": "拒绝以 https 链接提供的媒体。", "en": "Refuse media given as https URLs."},
    "help.mcp.url_host": {
        "zh": "只从这个主机下载媒体（可重复）。",
        "en": "Only download media from this host (repeatable).",
    },
    "help.run": {
        "zh": "守护进程：监视文件夹、按时发布、拉取数据、运行定时任务（按 Ctrl-C 干净退出）。"
        "加 --json 时每个事件输出一行 JSON。",
        "en": "The daemon: watch the folder, publish on time, pull metrics, run scheduled jobs (Ctrl-C stops "
        "cleanly). With --json: one JSON object per line and event.",
    },
    "help.run.once": {
        "zh": "处理当前到期的事项后退出（用于 cron 和 CI）。",
        "en": "Do what is due now, then exit (for cron and CI).",
    },
    "help.rehearse": {
        "zh": "在虚拟时钟上对着沙箱演练内容日历：两周只需几秒，使用独立的数据库。",
        "en": "Play the calendar against the sandbox on a virtual clock: two weeks in seconds, on its own "
        "store.",
    },
    "help.rehearse.from": {
        "zh": "开始时间（YYYY-MM-DD[ HH:MM]，工作区时区）；默认：第一条排期帖子的当天。",
        "en": "Start (YYYY-MM-DD[ HH:MM], workspace zone); default: the day of the first scheduled post.",
    },
    "help.rehearse.until": {
        "zh": "结束时间；默认：开始后 14 天。",
        "en": "End; default: 14 days after the start.",
    },
    "help.rehearse.seed": {
        "zh": "沙箱的随机种子（种子相同，数字相同）。",
        "en": "Sandbox seed (same seed, same numbers).",
    },
    "help.retry": {
        "zh": "把发布失败、已错过或已重新授权的帖子重新排队（需人工处理的帖子须加 --force）。",
        "en": "Queue a failed, missed or re-authorised post again (needs_attention only with --force).",
    },
    "help.retry.force": {
        "zh": "也重新发送结果未知的帖子（需人工处理）：务必先在平台上亲自核对。",
        "en": "Also re-send a post whose outcome is unknown (needs_attention): only after checking the "
        "platform yourself.",
    },
    "help.cancel": {"zh": "取消一条尚未发布的帖子。", "en": "Cancel a post that has not been published."},
    "help.resolve": {
        "zh": "对等待人工答复的帖子作答：--published URL，或 --not-published。",
        "en": "A person's answer for a post waiting on one: --published URL, or --not-published.",
    },
    "help.resolve.published": {"zh": "这条帖子在平台上的链接。", "en": "The post's URL on the platform."},
    "help.resolve.not_published": {"zh": "它没有发出去。", "en": "It did not go out."},
    "help.resolve.force": {
        "zh": "配合 --not-published，也用于平台任务仍在处理中的帖子：务必先在平台上亲自确认任务失败"
        "（之后会重新发送）。",
        "en": "With --not-published, also for a post whose platform job is still processing: only after "
        "checking the platform yourself that the job failed (it is sent again).",
    },
    "help.serve": {
        "zh": "本地看板：日历、队列、预览、数据（实时：修改无需刷新即显示）。",
        "en": "The local dashboard: calendar, queue, previews, metrics (live: edits show up without a "
        "reload).",
    },
    "help.serve.port": {"zh": "端口。", "en": "Port."},
    "help.serve.host": {
        "zh": "监听地址；非本机回环地址须配合 --token。",
        "en": "Address; anything but loopback needs --token.",
    },
    "help.serve.token": {"zh": "访问令牌。", "en": "Access token."},
    "help.auth": {"zh": "账号凭据与授权。", "en": "Account credentials and authorisation."},
    "help.auth.status": {
        "zh": "各账号的凭据与令牌到期时间（从不显示密钥）。",
        "en": "Each account's credentials and token expiry (never a secret).",
    },
    "help.auth.login": {
        "zh": "授权一个{label}账号：打开授权页面并同意，然后粘贴回跳转后的地址（--redirect-uri）；"
        "对着沙箱时由 127.0.0.1 上的回调接收授权码。",
        "en": "Authorise a {label} account: open the consent page, approve, and paste back the address "
        "you land on (--redirect-uri); against the sandbox a callback on 127.0.0.1 receives the code.",
    },
    "help.auth.account": {
        "zh": "publisher.toml 中的{label}账号。",
        "en": "The {label} account in publisher.toml.",
    },
    "help.auth.sandbox": {"zh": "对着沙箱授权。", "en": "Authorise against the sandbox."},
    "help.auth.redirect_uri": {
        "zh": "在平台控制台登记的 https 地址（未指定时用账号的 options.redirect_uri）；"
        "之后粘贴回跳转后的地址。",
        "en": "The https address registered in the platform's console (else the account's "
        "options.redirect_uri); you paste back the address you land on.",
    },
}
