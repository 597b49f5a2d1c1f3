"""publisher: check, render, schedule and publish a content calendar
to Chinese social platforms and Product Hunt."""

import sys as _sys

__version__ = "0.1.0"

# httpx's package imports its command-line client whenever rich, click and pygments are installed (they are:
# the CLI uses rich), which costs every process that makes a request about 3 MB (the daemon's peak among
# them). publisher never runs that client: it is kept from loading (`httpx.main` then says it cannot run).
_sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: "not importable"
