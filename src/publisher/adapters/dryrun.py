"""The dry-run adapter: records the exact request the real adapter would send, and sends nothing."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from publisher.adapters.base import AdapterContext
from publisher.models import Attempt, MetricSample, Problem, PublishResult, RemoteRef, RenderedPost


def request_of(post: RenderedPost) -> dict[str, Any]:
    """The request as the platform adapter would build it: text fields verbatim, media by file and hash."""
    return {
        "platform": post.platform,
        "account": post.account,
        "item": post.item_id,
        "fields": dict(post.fields),
        "media": [
            {
                "role": m.role,
                "file": m.path,
                "source": m.source,
                "sha256": m.sha256,
                "bytes": m.bytes,
                "mime": m.mime,
                "width": m.width,
                "height": m.height,
            }
            for m in post.media
        ],
        "rendered_hash": post.rendered_hash,
    }


@dataclass
class DryRunAdapter:
    """Stands in for any platform: deterministic ids, the request written to `ctx.out_dir`."""

    ctx: AdapterContext
    name: str = "dryrun"

    def validate(self, post: RenderedPost) -> list[Problem]:
        return []

    async def publish(self, post: RenderedPost, attempt: Attempt) -> PublishResult:
        request = request_of(post)
        remote_id = (
            "dryrun-" + hashlib.sha256(f"{post.rendered_hash}:{post.account}".encode()).hexdigest()[:16]
        )
        if self.ctx.out_dir is not None:
            # Compact: indent=2 falls back to the pure-Python encoder, a tenth of a millisecond per post.
            line = json.dumps(request, ensure_ascii=False)
            if self.ctx.options.get("dry_run_log") == "daily":
                # The queue records every dry-run send in one file a day: a file per post costs a create, and
                # every store commit's fsync then flushes those new files too.
                day = (self.ctx.now or (lambda: datetime.now(UTC)))().date()
                _append(self.ctx.out_dir, _daily_name(day), (line + "\n").encode("utf-8"))
            else:
                self.ctx.out_dir.mkdir(parents=True, exist_ok=True)
                path = (
                    self.ctx.out_dir
                    / f"{post.item_id.replace('/', '__')}.{post.platform}.{post.account}.json"
                )
                path.write_text(line, encoding="utf-8")
        return PublishResult(
            remote_id=remote_id,
            url=f"dryrun://{post.platform}/{remote_id}",
            detail={"dry_run": True},
            request=request,
        )

    async def reconcile(self, post: RenderedPost, attempt: Attempt) -> PublishResult | None:
        return None

    async def fetch_metrics(self, refs: list[RemoteRef]) -> list[MetricSample]:
        now = (self.ctx.now or (lambda: datetime.now(UTC)))()
        return [MetricSample(r.post_id, r.platform, "views", 0.0, now) for r in refs]


_named: dict[date, str] = {}  # day -> its record's file name (formatting a date costs more than the lookup)


def _daily_name(day: date) -> str:
    name = _named.get(day)
    if name is None:
        if len(_named) > 64:
            _named.clear()
        name = _named[day] = f"requests-{day:%Y-%m-%d}.jsonl"
    return name


def _append(folder: Path, name: str, data: bytes) -> None:
    """Append `data` to folder/name, creating both if need be. One open, write and close at the OS level: the
    folder is made only when the open finds it missing (a mkdir and a text-mode file object per send cost
    more than the write itself)."""
    path = os.path.join(folder, name)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    try:
        fd = os.open(path, flags, 0o666)
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o666)
    try:
        view = memoryview(data)
        while view:  # a write to a regular file is whole but for a full disk; a short one goes on
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def dry_run_dir(state_dir: Path) -> Path:
    return state_dir / "dry-run"
