"""The rehearsal's pictures processed ahead: while the rehearsal starts and plays, one background thread
processes, into the workspace's media cache, the pictures of the posts it will send, each under its
platform's image rules, soonest post first; the send path then finds them there (or waits for the one being
made). Pillow leaves the interpreter lock while it decodes, resizes and encodes, so this overlaps the
rehearsal's own work. Only the rehearsal does it (the daemon processes a picture when its post is sent)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path

from publisher.calendar.load import Calendar, Checked
from publisher.platforms.rules import ImageRule
from publisher.render.engine import Renderer
from publisher.render.media import MediaStats, process_image
from publisher.workspace.settings import Workspace

logger = logging.getLogger(__name__)


class MediaPrefetch:
    """One worker thread processing the pictures of `ws`'s posts due up to `until`; `close` stops it between
    two pictures and waits for it. Whatever fails here is left for the send, which reports it."""

    def __init__(self, ws: Workspace, until: datetime) -> None:
        self._ws, self._until = ws, until
        self._stop = threading.Event()
        self.stats = MediaStats()
        self.done = 0  # pictures processed (or found in the cache) so far
        self._thread = threading.Thread(target=self._run, name="rehearsal-media", daemon=True)

    def start(self) -> MediaPrefetch:
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Wait (at most `timeout` seconds) for every picture to be processed; whether they all were."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self) -> None:
        """Ask the thread to stop after the picture in hand (without waiting for it)."""
        self._stop.set()

    def close(self) -> None:
        """Stop after the picture in hand, and wait for the thread."""
        self.stop()
        if self._thread.ident is not None:
            self._thread.join()

    def __enter__(self) -> MediaPrefetch:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        try:
            for path, rule in self._work():
                if self._stop.is_set():
                    return
                try:
                    process_image(path, rule, self._ws.cache_dir, source=path.name, stats=self.stats)
                except Exception:  # the send processes it again and reports what is wrong
                    logger.debug("prefetching %s failed", path, exc_info=True)
                self.done += 1
        except Exception:  # a prefetch never fails the rehearsal
            logger.debug("prefetching the rehearsal's pictures failed", exc_info=True)

    def _work(self) -> list[tuple[Path, ImageRule]]:
        """Each (picture, rule) of the ready posts due up to `until` (or at a slot's or the best time, which
        sync picks), soonest post first, once. The files are checked here one by one, as a small scan does
        (no worker processes, nothing written), and each item is dropped once its pictures are listed."""
        calendar = Calendar(self._ws)
        renderer, ctx = calendar.renderer, calendar.context()
        wanted: list[tuple[float, int, Path, ImageRule]] = []
        with renderer.checking():
            for path in calendar.files():
                if self._stop.is_set():
                    return []
                wanted += self._pictures(calendar.check_file(path, ctx), renderer, len(wanted))
        wanted.sort(key=lambda w: w[:2])
        seen: set[tuple[Path, ImageRule]] = set()
        work: list[tuple[Path, ImageRule]] = []
        for _when, _order, path, rule in wanted:
            if (path, rule) not in seen:
                seen.add((path, rule))
                work.append((path, rule))
        return work

    def _pictures(
        self, record: Checked, renderer: Renderer, order: int
    ) -> list[tuple[float, int, Path, ImageRule]]:
        """The record's ready posts' pictures: (when due, order found, picture, rule)."""
        item = record.item
        if item is None or item.status != "ready":
            return []
        found: list[tuple[float, int, Path, ImageRule]] = []
        for target in item.targets:
            when = target.publish_at
            if when is None or (target.platform, target.account) not in record.valid_targets:
                continue  # not scheduled (planned), or held: never sent
            if isinstance(when, datetime) and when > self._until:
                continue
            at = when.timestamp() if isinstance(when, datetime) else float("-inf")
            for path, rule in renderer.image_sources(item, target):
                found.append((at, order + len(found), path, rule))
        return found
