"""What every benchmark reports: its figures against their targets, as text and, with `--json`, as one JSON
object on the last line: {"bench": name, "figures": {key: {"ratio" or "value", "floor", "target", "ok"}},
"ok": all of them}."""

from __future__ import annotations

import json
import sys
from typing import Any


def take_json_flag(argv: list[str] | None = None) -> bool:
    """Whether `--json` was given; it is taken out of `argv` (default sys.argv), so the rest parses as
    before."""
    args = sys.argv if argv is None else argv
    found = "--json" in args
    while "--json" in args:
        args.remove("--json")
    return found


class Figures:
    """A benchmark's figures, each judged against its target (`at_most` or `at_least`)."""

    def __init__(self, bench: str) -> None:
        self.bench = bench
        self.figures: dict[str, dict[str, Any]] = {}

    def ratio(
        self,
        key: str,
        ratio: float,
        *,
        floor: float,
        at_most: float | None = None,
        at_least: float | None = None,
        unit: str = "s",
    ) -> bool:
        """A figure as a ratio to a floor measured in the same run (`floor` in `unit`)."""
        return self._add(key, "ratio", ratio, floor=floor, unit=unit, at_most=at_most, at_least=at_least)

    def value(
        self,
        key: str,
        value: float,
        *,
        unit: str,
        at_most: float | None = None,
        at_least: float | None = None,
        floor: float | None = None,
    ) -> bool:
        """An absolute figure (`unit`), against an absolute target."""
        return self._add(key, "value", value, floor=floor, unit=unit, at_most=at_most, at_least=at_least)

    def _add(
        self,
        key: str,
        kind: str,
        figure: float,
        *,
        floor: float | None,
        unit: str,
        at_most: float | None,
        at_least: float | None,
    ) -> bool:
        ok = (at_most is None or figure <= at_most) and (at_least is None or figure >= at_least)
        target = ""
        if at_most is not None:
            target = f"<= {at_most:g}"
        elif at_least is not None:
            target = f">= {at_least:g}"
        self.figures[key] = {
            kind: round(figure, 4),
            "floor": None if floor is None else round(floor, 6),
            "target": target,
            "unit": unit,
            "ok": ok,
        }
        return ok

    @property
    def ok(self) -> bool:
        return all(f["ok"] for f in self.figures.values())

    def emit(self, as_json: bool) -> int:
        """Print the JSON object last when asked; the exit code is 0 (figures missing a target are reported,
        not failed: the machine may be loaded)."""
        if as_json:
            data = {"bench": self.bench, "figures": self.figures, "ok": self.ok}
            print(json.dumps(data, ensure_ascii=False))
        return 0
