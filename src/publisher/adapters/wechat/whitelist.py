"""WeChat's IP whitelist (IP白名单): every API call must come from an address the account lists, else 40164.

40164's errmsg names the caller as WeChat sees it ("invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist
rid: …"), so each such error says exactly which address to add and where. `api.probe` is the cheap call
`publisher auth status` makes; `whitelist_in_sandbox` is what a rehearsal does in place of the person who adds
the address in the console.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from publisher import errors
from publisher.messages import Msg, msg

PLATFORM = "wechat"
CODE = 40164
CONSOLE = "mp.weixin.qq.com → 设置与开发 → 基本配置 → IP白名单"
_CALLER = re.compile(r"invalid ip\s+([0-9A-Fa-f:.]+?)(?:,|\s)")


def caller_ip(errmsg: str) -> str | None:
    """The caller's address in a 40164 message (the IPv4 one; an IPv4-mapped IPv6 needs no entry)."""
    found = _CALLER.search(errmsg)
    return found.group(1) if found else None


def advice(errmsg: str) -> Msg:
    """What the person does about a 40164: the exact address, and where it goes."""
    ip = caller_ip(errmsg)
    who = msg("auth.whitelist.this_ip", ip=ip) if ip else msg("auth.whitelist.this_machine")
    return msg("auth.whitelist", who=who, ip=ip or msg("auth.whitelist.it"), console=CONSOLE)


def needs_whitelisting(errmsg: str) -> errors.NeedsPerson:
    return errors.NeedsPerson(advice(errmsg), platform=PLATFORM, code=CODE)


async def whitelist_in_sandbox(
    client: httpx.AsyncClient, base: str, prefix: str, credentials: Mapping[str, str]
) -> None:
    """As a person setting up a fresh account would: the (fake) console's whitelist starts empty, a first call
    is refused with 40164 naming this machine's address, and that address is added."""
    await client.post(f"{base}/__fake/config", json={"wechat": {"ip_whitelist": []}})
    body = {"grant_type": "client_credential", "force_refresh": False, **credentials}
    answer = (await client.post(f"{base}{prefix}/cgi-bin/stable_token", json=body)).json()
    ip = caller_ip(str(answer.get("errmsg") or "")) if isinstance(answer, dict) else None
    if ip is None:
        raise errors.PermanentError(
            f"the sandbox did not name the caller's address: {answer}", platform=PLATFORM
        )
    await client.post(f"{base}/__fake/config", json={"wechat": {"ip_whitelist": [ip]}})


__all__ = ["advice", "caller_ip", "needs_whitelisting", "whitelist_in_sandbox"]
