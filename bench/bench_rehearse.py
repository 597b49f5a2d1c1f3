"""`publisher rehearse` of the reference calendar (the repository root): two weeks through the real queue and
adapters against the in-process sandbox on a virtual clock, whole process, against `publisher check` of the
same workspace (the floor: reading and checking the calendar, which the rehearsal also does) measured in the
same run.

Target (README.md#benchmarks): <= 5 s wall. Also printed: the CPU time (steadier on a busy machine) and the
rehearsal's own clock steps. `--json` prints one JSON object last.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from figures import Figures, take_json_flag

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 5.0


def timed(args: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + sys) of `publisher ARGS` in the repository root, and its stdout."""
    # Bytecode is written and reused, as an installed package has it (PYTHONDONTWRITEBYTECODE would compile
    # every module of the source tree again in each run, in the floor and the rehearsal alike).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(REPO / "src")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout


def main() -> int:
    as_json = take_json_flag()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="start", help="as `publisher rehearse --from`")
    args = parser.parse_args()
    extra = ["--from", args.start] if args.start else []
    timed(["check", "--json"])  # warm: the media cache and bytecode, as a second run finds them
    floor_wall, floor_cpu, _ = timed(["check", "--json"])
    wall, cpu, out = timed(["rehearse", "--json", *extra])
    summary = json.loads(out)["summary"] if out.strip() else "(no output)"
    figures = Figures("rehearse")
    ok = figures.value("rehearse_s", wall, unit="s", at_most=TARGET_S, floor=floor_wall)
    figures.ratio("rehearse_ratio", wall / floor_wall, floor=floor_wall)
    figures.value("rehearse_cpu_s", cpu, unit="s", at_most=TARGET_S, floor=floor_cpu)
    print(summary)
    print(f"publisher check (floor): {floor_wall:.2f} s wall, {floor_cpu:.2f} s cpu")
    print(
        f"publisher rehearse: {wall:.2f} s wall ({wall / floor_wall:.1f}x the floor), {cpu:.2f} s cpu "
        f"({cpu / floor_cpu:.1f}x) (target <= {TARGET_S:g} s) {'OK' if ok else 'ABOVE TARGET'}"
    )
    return figures.emit(as_json)


if __name__ == "__main__":
    raise SystemExit(main())
