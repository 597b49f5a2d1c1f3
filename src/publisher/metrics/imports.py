"""`publisher metrics import`: a creator-centre export's figures, matched to published posts, stored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.adapters import platforms, spec_for
from publisher.content.files import file_digest
from publisher.errors import UsageError
from publisher.messages import msg, say
from publisher.models import RemoteRef
from publisher.store import metrics as metric_store
from publisher.store.db import Store
from publisher.workspace.settings import Workspace

IMPORT_EVENT = "metrics.import"


@dataclass(frozen=True)
class ImportResult:
    """One CSV import: rows read, rows matched to posts, samples added, and the rows no post matched."""

    rows: int
    matched: int
    samples: int
    unmatched: tuple[str, ...] = ()
    already_imported: bool = False

    def summary(self, lang: str = "en") -> str:
        if self.already_imported:
            return say("cli.metrics_imported_before", lang)
        text = say("cli.metrics_imported", lang, samples=self.samples, matched=self.matched, rows=self.rows)
        return text + (
            say("cli.metrics_unmatched", lang, rows=tuple(self.unmatched)) if self.unmatched else ""
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "matched": self.matched,
            "samples": self.samples,
            "unmatched": list(self.unmatched),
            "already_imported": self.already_imported,
        }


def _norm(title: str) -> str:
    return re.sub(r"\s+", "", str(title or "")).casefold()


@dataclass
class _Candidates:
    by_id: dict[str, RemoteRef] = field(default_factory=dict)
    by_title: dict[str, list[RemoteRef]] = field(default_factory=dict)


def _candidates(store: Store, platform: str, account: str) -> _Candidates:
    refs = [r for r in metric_store.published_refs(store) if r.platform == platform and r.account == account]
    titles = metric_store.post_titles(store, [r.post_id for r in refs])
    found = _Candidates()
    for ref in refs:
        for key in (ref.remote_id, ref.ids.get("note_id"), ref.ids.get("item_id")):
            if key:
                found.by_id[str(key)] = ref
        found.by_title.setdefault(_norm(titles.get(ref.post_id, "")), []).append(ref)
    return found


def _match(row: dict[str, Any], found: _Candidates, ws: Workspace) -> RemoteRef | None:
    if row.get("note_id") and str(row["note_id"]) in found.by_id:
        return found.by_id[str(row["note_id"])]
    same = found.by_title.get(_norm(row.get("title", "")), [])
    when = row.get("published_at")
    if when is not None and len(same) > 1:  # two posts share a title: the publish day decides
        same = [
            r for r in same if r.published_at.astimezone(ws.zone).date() == when.astimezone(ws.zone).date()
        ]
    return same[0] if len(same) == 1 else None


def import_csv(
    ws: Workspace, store: Store, path: Path, *, platform: str, account: str | None = None, now: datetime
) -> ImportResult:
    """`publisher metrics import FILE`: a creator-centre export's figures, matched to posts by id, else title.

    Idempotent: the file's SHA-256 is recorded with the samples in one transaction, so the same file again
    adds nothing.
    """
    own = spec_for(platform)
    # the platform's own parser, else the one creator-centre format publisher reads
    parse = own.csv_import if own and own.csv_import else None
    parse = parse or next((s.csv_import for s in platforms().values() if s.csv_import), None)
    if parse is None:
        raise UsageError(msg("usage.no_exports", platform=platform))
    account = account or ws.default_account(platform)
    if not Path(path).is_file():
        raise UsageError(msg("usage.not_a_file", path=path))
    digest = file_digest(Path(path)).hex()
    marker = f"{digest} {platform}/{account}"
    if metric_store.import_recorded(store, marker, kind=IMPORT_EVENT):
        return ImportResult(0, 0, 0, already_imported=True)
    records = parse(Path(path))
    found = _candidates(store, platform, account)
    rows: list[dict[str, Any]] = []
    unmatched: list[str] = []
    matched = 0
    for rec in records:
        ref = _match(rec, found, ws)
        if ref is None:
            unmatched.append(f"{rec.get('title') or '?'} (line {rec.get('line')})")
            continue
        matched += 1
        for name, value in rec["metrics"].items():
            rows.append(
                {
                    "post_id": ref.post_id,
                    "platform": platform,
                    "account": account,
                    "name": name,
                    "raw_name": rec["raw_names"].get(name, name),
                    "value": float(value),
                    "taken_at": now,
                    "age_s": (now - ref.published_at).total_seconds(),
                }
            )
    message = f"{marker} {Path(path).name}: {len(rows)} sample(s)"
    if not metric_store.record_import(
        store, rows, marker=marker, kind=IMPORT_EVENT, message=message, now=now
    ):
        return ImportResult(0, 0, 0, already_imported=True)  # a concurrent import of the same file won
    return ImportResult(len(records), matched, len(rows), tuple(unmatched))
