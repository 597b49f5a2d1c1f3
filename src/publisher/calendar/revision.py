"""Which version of the content folder a node reads: the git commit its copy is at (HEAD), and how it stands
against the newest version already synced into a shared (PostgreSQL) store.

Several `publisher run` nodes may share one PostgreSQL database, each with its own checkout of the folder. A
node whose copy lags (not pulled yet, or an older commit) must not judge the store by it: a file it does not
have yet is not a removed file, and an older text is not an edit. So each sync on a shared store records the
commit it read, and a node syncs only from a commit at least as new as the newest recorded one: the same
commit, or one that has it as an ancestor. Two commits neither of which is the other's ancestor (a rewritten
history, or a commit the node has not fetched) are ordered by their commit time. A folder that is not a git
checkout has no revision, and its syncs are not guarded (keep the folder in git when several nodes share it).
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from publisher.messages import say

GIT_TIMEOUT_S = 10.0

logger = logging.getLogger(__name__)
_WARNED: set[Path] = set()  # folders whose unreadable checkout was logged already (once per process)

Standing = Literal["first", "same", "newer", "behind"]


@dataclass(frozen=True)
class Revision:
    """A commit of the content folder: its id and its commit time (Unix seconds)."""

    commit: str
    committed_at: int

    def to_json(self) -> dict[str, str | int]:
        return {"commit": self.commit, "committed_at": self.committed_at}

    @staticmethod
    def from_json(value: object) -> Revision | None:
        if not isinstance(value, dict):
            return None
        commit, when = value.get("commit"), value.get("committed_at")
        if not isinstance(commit, str) or not isinstance(when, int):
            return None
        return Revision(commit, when)

    @property
    def short(self) -> str:
        return self.commit[:10]


#: is_ancestor(older, newer): True or False, or None when git cannot tell (a commit it does not have)
Ancestry = Callable[[str, str], bool | None]


def standing(local: Revision, newest: Revision | None, is_ancestor: Ancestry) -> Standing:
    """Pure: how this node's commit stands against the newest one synced so far."""
    if newest is None:
        return "first"
    if local.commit == newest.commit:
        return "same"
    if is_ancestor(newest.commit, local.commit):
        return "newer"
    if is_ancestor(local.commit, newest.commit):
        return "behind"
    # Unrelated as far as this copy knows: the later commit wins (a rewritten history moves on; a commit this
    # copy has not fetched yet is, in practice, the later one).
    return "newer" if local.committed_at > newest.committed_at else "behind"


class GitFolder:
    """The git side of one workspace folder (I/O: runs `git`). No git, or not a checkout: no revision."""

    def __init__(self, root: Path, lang: str = "zh") -> None:
        self.root = root
        self.lang = lang  # of the one line said when git cannot read the checkout

    def head(self) -> Revision | None:
        out = self._git("log", "-1", "--format=%H %ct", "HEAD")
        if out is None or out[0] != 0:
            if (self.root / ".git").exists() and self.root not in _WARNED:
                # A checkout git will not read (not installed, another owner and no safe.directory, damaged):
                # the guard against a lagging copy is off, which must not go unsaid.
                _WARNED.add(self.root)
                code = "" if out is None else say("cli.git_exit", self.lang, status=out[0])
                logger.warning("%s", say("cli.git_unreadable", self.lang, root=self.root, exit=code))
            return None
        parts = out[1].split()
        if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
            return None
        return Revision(parts[0], int(parts[1]))

    def is_ancestor(self, older: str, newer: str) -> bool | None:
        out = self._git("merge-base", "--is-ancestor", older, newer)
        if out is None or out[0] not in (0, 1):
            return None  # e.g. a commit this copy has not fetched
        return out[0] == 0

    def _git(self, *args: str) -> tuple[int, str] | None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env["GIT_OPTIONAL_LOCKS"] = "0"  # reading HEAD must not take the index lock of a pull in progress
        try:
            done = subprocess.run(
                ["git", "-C", str(self.root), *args],
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT_S,
                env=env,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.returncode, done.stdout
