"""`python -m publisher.sandbox --port N [--seed S]`: the fakes in their own process (used by crash tests)."""

from __future__ import annotations

import argparse

from publisher.sandbox.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m publisher.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    serve(host=args.host, port=args.port, seed=args.seed)


if __name__ == "__main__":
    main()
