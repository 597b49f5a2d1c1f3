"""Accounts and credentials: what `publisher auth status` says about each account (the hints of
workspace/credentials.py `describe`, a platform's cheap check), the credentials file's refusals and the OAuth
login's lines. Part of the one catalogue (`publisher.messages.CHECK`): zh and en per code. No message ever
holds a secret: only a variable's name, a file's path, a field's name.
"""

ENTRIES: dict[str, dict[str, str]] = {
    # -- what to do about an account (credentials.describe's hints) ----------------------------------------
    "cred.hint.set": {
        "zh": "设置 {var}（或写入系统钥匙串 / 凭据文件）",
        "en": "set {var} (or keyring / credentials file)",
    },
    "cred.hint.grant": {
        "zh": "在 {platform} 上授权该账号（OAuth），以保存其令牌",
        "en": "authorise the account on {platform} (OAuth) to store its tokens",
    },
    "cred.hint.renew": {
        "zh": "请在令牌过期前重新授权该账号（publisher auth {platform}）",
        "en": "re-authorise the account before its token expires (publisher auth {platform})",
    },
    # the pre-flight's reason (daemon/actions.py), also worded from an older row's English by its pattern
    # -- an account's credentials an adapter finds missing or refused ----------------------------------------
    "cred.douyin_client": {
        "zh": "抖音分享链接需要应用的 client_key 和 client_secret：请设置 PUBLISHER_{account}_CLIENT_KEY "
        "和 _CLIENT_SECRET（见 README 的 Credentials 一节）",
        "en": "the Douyin share link needs the app's client_key and client_secret; set "
        "PUBLISHER_{account}_CLIENT_KEY and _CLIENT_SECRET (README, Credentials)",
    },
    "cred.wechat_appid": {
        "zh": "该账号没有配置 appid/secret 凭据",
        "en": "the account has no appid/secret credentials configured",
    },
    "cred.xhs_bridge_token": {
        "zh": "xiaohongshu-mcp 桥接服务要求 AUTH_TOKEN：请把 PUBLISHER_<ACCOUNT>_TOKEN 设为相同的值",
        "en": "the xiaohongshu-mcp bridge wants its AUTH_TOKEN: set PUBLISHER_<ACCOUNT>_TOKEN to the same "
        "value",
    },
    # -- an OAuth platform's stored grant (adapters/oauth.py): none, or expired ------------------------------
    "oauth.none": {
        "zh": "账号 {account} 没有保存的{label}授权；{reauth}",
        "en": "no {label} authorisation stored for account {account}; {reauth}",
    },
    "oauth.expired": {
        "zh": "{label}的 {kind} 令牌已于 {date} 过期；{reauth}",
        "en": "the {label} {kind} token expired on {date}; {reauth}",
    },
    "oauth.reauth": {
        "zh": "请运行 `publisher auth {platform}` 重新授权该账号",
        "en": "run `publisher auth {platform}` to authorise the account again",
    },
    "oauth.reauth.no_refresh": {
        "zh": "请运行 `publisher auth {platform}` 重新授权该账号（微博网页应用没有 refresh token）",
        "en": "run `publisher auth {platform}` to authorise the account again (Weibo web apps get no refresh "
        "token)",
    },
    "cred.missing": {"zh": "缺少凭据：{msg}", "en": "credentials missing: {msg}"},
    "cred.expired": {"zh": "凭据已过期：{msg}", "en": "credentials expired: {msg}"},
    "cred.state_only": {"zh": "凭据状态：{state}", "en": "credentials {state}"},
    # -- the credentials file ------------------------------------------------------------------------------
    "cred.file_in_workspace": {
        "zh": "凭据文件位于工作区内（会被提交进 git）；请移走它，"
        "例如移到 ~/.config/publisher/credentials.toml，或让 PUBLISHER_CREDENTIALS_FILE 指向别处",
        "en": "the credentials file lies inside the workspace (it would end up in git); move it, e.g. to "
        "~/.config/publisher/credentials.toml, or point PUBLISHER_CREDENTIALS_FILE elsewhere",
    },
    "cred.file_not_yours": {
        "zh": "凭据文件属于另一个用户；它必须属于你",
        "en": "the credentials file is owned by another user; it must be yours",
    },
    "cred.file_open": {
        "zh": "凭据文件其他人可读（权限 {mode}）；请用 `chmod 600 {path}` 修正",
        "en": "the credentials file is readable by others (mode {mode}); fix it with `chmod 600 {path}`",
    },
    "cred.file_unreadable": {
        "zh": "无法读取凭据文件（{kind}）",
        "en": "cannot read the credentials file ({kind})",
    },
    "cred.not_a_table": {
        "zh": '[{account}] 必须是字段表（如 appid = "…"）',
        "en": "[{account}] must be a table of fields",
    },
    # -- a platform's cheap check (auth status) ------------------------------------------------------------
    "auth.check.wechat_ok": {
        "zh": "API 可用：令牌有效，本机地址在 IP 白名单中",
        "en": "API reachable: the token works and this machine's address is on the IP whitelist",
    },
    "auth.whitelist": {
        "zh": "微信拒绝了调用：{who}不在该账号的 IP 白名单中。请在 {console} 添加 {ip}"
        "（管理员扫码确认，几分钟内生效），然后运行 `publisher auth status` 检查",
        "en": "WeChat refused the call: {who} is not on the account's IP whitelist. Add {ip} at {console} "
        "(an administrator confirms by scanning; it takes effect within minutes), then run "
        "`publisher auth status` to check",
    },
    "auth.whitelist.this_ip": {"zh": "本机地址 {ip} ", "en": "this machine's address {ip}"},
    "auth.whitelist.this_machine": {"zh": "本机的公网地址", "en": "this machine's public address"},
    "auth.whitelist.it": {"zh": "该地址", "en": "it"},
    # -- publisher auth <platform> (accounts/login.py, the platform's login) --------------------------------
    "login.none": {"zh": "{platform} 没有可运行的登录", "en": "{platform} has no login to run"},
    "login.no_account": {
        "zh": "publisher.toml 中没有名为 {account} 的 {label} 账号",
        "en": "no {label} account named {account} in publisher.toml",
    },
    "login.set_first": {
        "zh": "请先为 {account} 设置 {fields}（见 README：Credentials）",
        "en": "set {fields} for {account} first (see README: Credentials)",
    },
    "login.opening": {
        "zh": "正在打开授权页面；如果浏览器没有打开，请访问：\n{url}",
        "en": "opening the consent page; if no browser opens, visit:\n{url}",
    },
    "login.paste": {
        "zh": "请粘贴同意授权后跳转到的地址（或其中的 code）",
        "en": "paste the address you landed on after approving (or just its code)",
    },
    "login.tokens_until": {
        "zh": "访问令牌有效期至 {access}，刷新令牌有效期至 {refresh}",
        "en": "access token valid until {access}, refresh token until {refresh}",
    },
    "login.needs_person": {
        "zh": "此登录需要有人粘贴回跳转地址",
        "en": "this login needs a person to paste an address back",
    },
    "login.douyin_redirect": {
        "zh": "抖音只会跳转回其控制台中登记的 https 地址：请加上 --redirect-uri https://…，"
        "或在账号的 options 中设置 redirect_uri",
        "en": "Douyin sends the person back only to the https address registered in its console: pass "
        "--redirect-uri https://… or set redirect_uri in the account's options",
    },
    "login.not_https": {
        "zh": "跳转地址必须是抖音控制台中登记的 https 地址，而不是 {uri}",
        "en": "the redirect address must be the https address registered in the Douyin console, not {uri}",
    },
    "login.timed_out": {"zh": "{s} 秒内没有收到授权", "en": "no authorisation arrived within {s} s"},
    "login.nothing_pasted": {
        "zh": "没有粘贴任何内容：缺少授权 code",
        "en": "nothing was pasted: no authorisation code",
    },
    "login.state_mismatch": {
        "zh": "OAuth state 不一致：该地址属于另一次授权请求",
        "en": "OAuth state mismatch: that address answers another authorisation request",
    },
    "login.no_code": {
        "zh": "该地址中没有 code：授权未被同意",
        "en": "the address has no code: the authorisation was not approved",
    },
}
