"""Whole-process start of the CLI: `publisher --help` and `publisher status` (on the reference workspace, the
repository root) against `python -c pass` measured in the same run.

Targets (README.md#benchmarks): `--help` <= 0.25 s, `status` <= 0.5 s, whole process. Each command runs
--runs times; the figure is the median wall time (and the CPU time the children used, steadier on a busy
machine). `--json` prints one JSON object last.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from figures import Figures, take_json_flag

REPO = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (user + sys) of `runs` runs of `cmd`."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run(cmd, cwd=REPO, env=env, check=True, **quiet)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    as_json = take_json_flag()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    py = [sys.executable]
    timed([*py, "-m", "publisher", "status"], 1)  # the store exists and is at head, caches are warm
    floor_wall, floor_cpu = timed([*py, "-c", "pass"], args.runs)
    figures = Figures("cli")
    print(f"python -c pass (floor): {floor_wall * 1000:.0f} ms wall, {floor_cpu * 1000:.0f} ms cpu")
    for name, cmd, target in (
        ("help", [*py, "-m", "publisher", "--help"], 0.25),
        ("status", [*py, "-m", "publisher", "status"], 0.5),
    ):
        wall, cpu = timed(cmd, args.runs)
        ok = figures.value(f"{name}_s", wall, unit="s", at_most=target, floor=floor_wall)
        figures.ratio(f"{name}_ratio", wall / floor_wall, floor=floor_wall)
        figures.value(f"{name}_cpu_s", cpu, unit="s", at_most=target, floor=floor_cpu)
        print(
            f"publisher {cmd[-1]}: {wall * 1000:.0f} ms wall ({wall / floor_wall:.1f}x the floor), "
            f"{cpu * 1000:.0f} ms cpu ({cpu / floor_cpu:.1f}x) (target <= {target:g} s) "
            f"{'OK' if ok else 'ABOVE TARGET'}"
        )
    return figures.emit(as_json)


if __name__ == "__main__":
    raise SystemExit(main())
