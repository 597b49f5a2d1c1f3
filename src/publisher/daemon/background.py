"""Recurring jobs off the tick: at most one run at a time, in a thread of its own that the daemon's tick never
waits for, and that a stop waits for only briefly.

A metrics pull against a slow platform may take minutes (reads are retried with backoff). Run inside the
tick, it held back every due post and a clean stop. Here the tick only starts a run when none is in flight; a
stop asks the run to give up (`stop_event`, which the actions watch) and waits at most a short bound. A run
given up keeps its `job_run` row unfinished, so the next daemon start (the SQLite lock holder) or the next
PostgreSQL leader runs that period again; a thread still busy past the bound is a daemon thread and ends with
the process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from publisher.daemon.jobs import JobRun
from publisher.errors import Interrupted

logger = logging.getLogger(__name__)

Work = Callable[[threading.Event], list[JobRun]]  # given the stop event, runs what is due, returns the runs


class JobThread:
    """One background run of the recurring jobs at a time."""

    def __init__(self) -> None:
        self.stop_event = threading.Event()
        self.runs: list[JobRun] = []  # every run finished by this daemon, oldest first
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        """A run is in flight."""
        return self._thread is not None and self._thread.is_alive()

    def kick(self, work: Work) -> bool:
        """Start `work` in the background unless a run is in flight or a stop was asked; True if started."""
        if self.busy or self.stop_event.is_set():
            return False
        self._thread = threading.Thread(target=self._body, args=(work,), name="publisher-jobs", daemon=True)
        self._thread.start()
        return True

    def _body(self, work: Work) -> None:
        try:
            runs = work(self.stop_event)
        except Interrupted as exc:
            logger.info("recurring jobs stopped with the daemon: %s", exc)
        except Exception:  # the next alarm tries again; the daemon goes on publishing
            logger.exception("recurring jobs failed")
        else:
            with self._lock:
                self.runs.extend(runs)

    def finished(self) -> list[JobRun]:
        """A copy of the runs finished so far."""
        with self._lock:
            return list(self.runs)

    def stop(self, timeout: float) -> bool:
        """Ask the run in flight to give up; wait for it at most `timeout` seconds. True if none is left."""
        self.stop_event.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            logger.warning(
                "a recurring job did not stop within %.0f s; its period runs again at the next start", timeout
            )
            return False
        return True
