"""What douyin error codes mean to the retry layer (a `publisher.adapters.http.Rule` per code)."""

from __future__ import annotations

from collections.abc import Mapping

from publisher.adapters.http import Rule

# docs/platforms/douyin.md#errors-and-what-publisher-does. Revoked/expired refresh tokens are "auth": the
# account needs re-authorising.
# 28001052 "risk control, long backoff" has no documented window [U].
CODES: Mapping[int | str, Rule] = {
    28001005: "transient",
    28001006: "transient",
    2100004: "transient",
    28003018: "rate_limited",
    28001052: ("rate_limited", 600.0),
    28003017: "quota",
    2190001: "quota",
    2114007: "quota",
    10008: "token_expired",
    2190008: "token_expired",
    28001008: "token_expired",
    2190002: "token_expired",
    28001003: "token_expired",  # invalid token on the /api/douyin/v1 paths: refresh once, then re-authorise
    10007: "auth",
    10010: "auth",
    10020: "auth",
    28001012: "auth",
    2190003: "auth",
    **dict.fromkeys(
        (28001014, 28001015, 28001016, 28001017, 28001018, 28001019, 28001045, 28001046, 28001047, 28001056),
        "permanent",
    ),
    **dict.fromkeys((2100007, 2100009, 2190004, 2190015, 2190016, 2114005), "permanent"),
    **dict.fromkeys((28001007, 2100005, 2190005, 2190006, 2190007, 2111001), "validation"),
}

__all__ = ["CODES"]
