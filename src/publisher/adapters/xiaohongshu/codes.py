"""What xiaohongshu error codes mean to the retry layer (a `publisher.adapters.http.Rule` per code)."""

from __future__ import annotations

from collections.abc import Mapping

from publisher.adapters.http import Rule

# docs/platforms/xiaohongshu.md#why-assisted-is-the-default (observed private-web behaviour, relayed by a
# user-run bridge). HTTP 461/471 are captcha statuses; -100 is an expired login only a person can renew.
# 300012 (IP block): window unknown [U].
CODES: Mapping[int | str, Rule] = {
    461: "needs_person",
    471: "needs_person",
    300015: "needs_person",
    300012: ("rate_limited", 3600.0),
    -100: "auth",
    -510001: "permanent",
}

__all__ = ["CODES"]
