"""The rehearsal's own files an older version wrote under names it no longer uses, removed on the next
rehearsal so the folder does not hold two summaries of one window under two names.

Rehearsals wrote their summary as `rehearsal-weekly-<window>.md` / `.xlsx`; they write
`rehearsal-summary-<window>.*` now. Only files that can be nothing else are removed:

- in the rehearsal's own default folder (`reports/rehearsal/`), never in a folder the caller chose;
- named exactly `rehearsal-weekly-<window>.md|xlsx`, the window a range of days (`2026-12-01_2026-12-14`) or
  one ISO week (`2026-W49`), directly in that folder (no subfolder);
- a regular file (not a link), last written before this rehearsal began;
- and not while a recurring job's `out` is named `weekly-…` (`{kind}-…` of a weekly report included): in a
  rehearsal such a job writes `reports/rehearsal/rehearsal-weekly-…` itself, a current report and not a
  superseded one, so nothing is removed then (the files stay; the log says why).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

logger = logging.getLogger(__name__)

OLD_SUMMARY = re.compile(r"rehearsal-weekly-(\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}|\d{4}-W\d{2})\.(md|xlsx)")


def is_old_summary(name: str) -> bool:
    """Pure: whether a file name is one an older rehearsal gave its summary."""
    return OLD_SUMMARY.fullmatch(name) is not None


def job_writes_weekly_names(jobs: Iterable[tuple[str, Mapping[str, Any]]]) -> bool:
    """Pure: whether a recurring job's `out` (its `run` and `args`) is named `weekly-…` ({kind} filled in),
    which a rehearsal writes as `rehearsal-weekly-…`."""
    for run, args in jobs:
        name = PurePosixPath(str(args.get("out") or "")).name
        if name.replace("{kind}", run.rpartition(".")[2]).startswith("weekly-"):
            return True
    return False


def remove_old_summaries(
    folder: Path, *, began_at: float, jobs: Iterable[tuple[str, Mapping[str, Any]]] = ()
) -> list[Path]:
    """Remove the old-named summaries in `folder` (the rehearsal's own) written before `began_at` (Unix
    seconds); returns what was removed. Nothing when a job may write such names itself."""
    if job_writes_weekly_names(jobs):
        logger.info(
            "a recurring job's out is named weekly-…: old rehearsal-weekly-* files in %s stay as they are",
            folder,
        )
        return []
    removed: list[Path] = []
    try:
        entries = sorted(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return []
    for path in entries:
        if not is_old_summary(path.name) or path.is_symlink() or not path.is_file():
            continue
        try:
            if path.stat().st_mtime >= began_at:
                continue
            path.unlink()
        except OSError as exc:
            logger.warning("could not remove the superseded rehearsal file %s: %s", path, exc)
            continue
        removed.append(path)
    return removed
