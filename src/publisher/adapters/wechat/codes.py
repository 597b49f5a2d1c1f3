"""What wechat error codes mean to the retry layer (a `publisher.adapters.http.Rule` per code)."""

from __future__ import annotations

from collections.abc import Mapping

from publisher.adapters.http import Rule

# docs/platforms/wechat.md#errors-and-what-publisher-does. 45011 "retry next minute"; 53501 "back off
# minutes to hours" (window [U]).
CODES: Mapping[int | str, Rule] = {
    -1: "transient",
    45011: ("rate_limited", 60.0),
    45066: ("rate_limited", 60.0),
    53501: ("rate_limited", 900.0),
    45009: "quota",
    48006: "quota",
    45028: "quota",
    40001: "token_expired",
    40014: "token_expired",
    42001: "token_expired",
    40013: "auth",
    40125: "auth",
    41002: "auth",
    41004: "auth",
    40243: "auth",
    40164: "needs_person",
    89503: "needs_person",
    89506: "needs_person",
    89507: "needs_person",
    41001: "permanent",
    48001: "permanent",
    50002: "permanent",
    53500: "permanent",
    **dict.fromkeys(
        (40004, 40005, 40007, 40009, 40114, 41039, 44002, 45002, 45003, 45004, 45067, 45166, 53503),
        "validation",
    ),
    45065: "already_done",
}

__all__ = ["CODES"]
