"""What producthunt error codes mean to the retry layer (a `publisher.adapters.http.Rule` per code)."""

from __future__ import annotations

from collections.abc import Mapping

from publisher.adapters.http import Rule

# docs/platforms/producthunt.md#rate-limits-and-errors: classify by HTTP status. A developer token never
# changes: a second 401 is AuthError.
CODES: Mapping[int | str, Rule] = {
    401: "token_expired",
    403: "auth",
    408: "transient",
    429: "rate_limited",
}

__all__ = ["CODES"]
