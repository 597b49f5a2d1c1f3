"""Frozen value types that cross layer boundaries. No I/O, no ORM; of the product only the
message catalogue (`publisher.messages`, which imports nothing)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

from publisher.messages import Msg, msg, say

#: What an item may declare about its origin (`declare:`); platform.yaml says which each platform supports.
DECLARATIONS = ("original", "repost", "ai_generated", "ai_assisted")

Severity = Literal["error", "warning", "info"]  # info: an acknowledged finding, listed, never blocking


@dataclass(frozen=True)
class Problem:
    """One finding about one item: `path:line: field: message` plus a hint on how to fix it."""

    path: str
    line: int
    field: str
    message: str
    hint: str = ""
    platform: str = ""
    severity: Severity = "error"
    said: Msg | None = None  # the message by code (worded in any language); `message` is its English
    hint_said: Msg | None = None

    @classmethod
    def of(
        cls,
        path: str,
        line: int,
        field: str,
        said: Msg,
        hint: Msg | None = None,
        platform: str = "",
        severity: Severity = "error",
    ) -> Problem:
        """A finding worded from the catalogue (`publisher.messages`): shown in the reader's language."""
        return cls(
            path,
            line,
            field,
            said.text("en"),
            hint.text("en") if hint else "",
            platform,
            severity,
            said,
            hint,
        )

    @property
    def code(self) -> str:
        """The message's stable code (`--json` carries it); "" for a message not yet in the catalogue."""
        return self.said.code if self.said else ""

    def text(self, lang: str = "en") -> str:
        return self.said.text(lang) if self.said else self.message

    def hint_text(self, lang: str = "en") -> str:
        return self.hint_said.text(lang) if self.hint_said else self.hint

    def format(self, lang: str = "en") -> str:
        where = f"[{self.platform}] " if self.platform else ""
        text = f"{self.path}:{self.line}: {self.field}: {where}{self.text(lang)}"
        hint = self.hint_text(lang)
        return text + say("problem.hint", lang, hint=hint) if hint else text

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "field": self.field,
            "code": self.code,
            "message": self.text(lang),
            "hint": self.hint_text(lang),
            "platform": self.platform,
            "severity": self.severity,
        }


def problem_msg(p: Problem) -> Msg:
    """A finding as one catalogue message (`path:line: field: [platform] message; hint`), for a reason stored
    with a post and worded in each reader's language."""
    hint = msg("problem.hint", hint=p.hint_said or p.hint) if (p.hint_said or p.hint) else ""
    return msg(
        "reason.problem",
        where=f"{p.path}:{p.line}",
        field=p.field,
        platform=f"[{p.platform}] " if p.platform else "",
        text=p.said or p.message,
        hint=hint,
    )


class PostState(StrEnum):
    """States of one post (item x platform x account); the legal moves are in states.py."""

    QUEUED = "queued"
    CLAIMED = "claimed"
    SENDING = "sending"
    PUBLISHED = "published"
    RETRYING = "retrying"
    FAILED = "failed"
    AWAITING_MANUAL = "awaiting_manual"
    RECONCILE = "reconcile"
    NEEDS_ATTENTION = "needs_attention"
    NEEDS_REAUTH = "needs_reauth"
    HELD = "held"
    CANCELLED = "cancelled"
    MISSED = "missed"
    WAITING_APPROVAL = "waiting_approval"
    PLANNED = "planned"  # valid, ready, but no publish_at yet
    DRY_RUN = "dry_run"  # a dry-run account's send: the request was recorded, nothing was sent (terminal)


@dataclass(frozen=True, slots=True)  # one per item (per target) the daemon holds: no __dict__
class Target:
    """One destination of an item: a platform, an account, and the merged per-platform fields."""

    platform: str
    account: str
    fields: Mapping[str, Any]
    publish_at: datetime | str | None  # aware UTC datetime, "slot", "best", or None (not scheduled)
    line: int  # line of the platform entry in the front matter

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its constructor's arguments: a parallel check sends thousands back, and a slotted
        # dataclass's own pickling restores each field through a Python loop.
        return Target, (self.platform, self.account, self.fields, self.publish_at, self.line)


@dataclass(frozen=True, slots=True)  # one per item (per target) the daemon holds: no __dict__
class Item:
    """One content file, parsed. `fields` is the front matter as plain data."""

    id: str
    path: str  # workspace-relative, POSIX separators
    status: str  # draft | ready
    title: str
    body: str
    body_line: int
    fields: Mapping[str, Any]
    lines: Mapping[str, int]  # dotted field path -> line number in the file
    targets: tuple[Target, ...]
    hash: str  # front matter + body + media bytes
    approved_by: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # as Target's
        return Item, (
            self.id,
            self.path,
            self.status,
            self.title,
            self.body,
            self.body_line,
            self.fields,
            self.lines,
            self.targets,
            self.hash,
            self.approved_by,
        )


@dataclass(frozen=True)
class MediaFile:
    """A processed media file exactly as it will be sent."""

    role: str  # image | cover | video | thumbnail | gallery
    path: str  # absolute path of the processed file (in the cache)
    source: str  # workspace-relative source path
    sha256: str
    bytes: int
    mime: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


@dataclass(frozen=True)
class RenderedPost:
    """The exact payload an adapter will send for one item on one platform account."""

    item_id: str
    item_path: str
    platform: str
    account: str
    fields: Mapping[str, Any]  # text fields after templates: title, body/content/text, tags, ...
    media: tuple[MediaFile, ...] = ()
    warnings: tuple[Problem, ...] = ()
    content_hash: str = ""  # the item's version hash
    publish_at: datetime | None = None

    @cached_property
    def rendered_hash(self) -> str:
        """Hash of what would be sent: fields plus processed media bytes' hashes. Computed once per post (it
        serialises every field; the queue, the adapter and the ledger each ask): a payload is never changed
        after it was rendered, a changed one is a new RenderedPost (`dataclasses.replace`)."""
        payload = json.dumps(
            {"fields": self.fields, "media": [(m.role, m.sha256) for m in self.media]},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def for_account(self, account: str) -> RenderedPost:
        """The same payload for another account of the platform (a render whose templates never read the
        account): a copy differing in `account` alone, with the hash already computed carried over (the
        account is not part of it), so the posts of one item to several accounts serialise it once."""
        if account == self.account:
            return self
        other = object.__new__(RenderedPost)
        other.__dict__.update(self.__dict__)  # every field, and rendered_hash once computed
        other.__dict__["account"] = account  # frozen: set as the dataclass's own __init__ sets it
        return other

    def media_of(self, role: str) -> tuple[MediaFile, ...]:
        return tuple(m for m in self.media if m.role == role)


@dataclass(frozen=True)
class PublishResult:
    """What a platform gave back: the remote id and URL, or a pack waiting for a person."""

    remote_id: str | None
    url: str | None
    state: Literal["published", "awaiting_manual", "submitted"] = "published"
    detail: Mapping[str, Any] = field(default_factory=dict)  # every id the platform returned
    request: Mapping[str, Any] | None = None  # dry-run: the exact request that would be sent


@dataclass(frozen=True)
class Attempt:
    """One try of one post, as the adapter needs it to reconcile."""

    post_id: int
    number: int
    started_at: datetime
    ids: Mapping[str, Any] = field(default_factory=dict)  # ids committed so far (media_id, publish_id...)


@dataclass(frozen=True)
class RemoteRef:
    """A published post on a platform, for metric reads."""

    post_id: int
    platform: str
    account: str
    remote_id: str
    url: str | None
    published_at: datetime
    ids: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricSample:
    """One reading of one figure; the store appends, never overwrites."""

    post_id: int | None  # None for account-level figures
    platform: str
    name: str  # normalised: views, likes, comments, shares, favorites, followers, or platform's own
    value: float
    taken_at: datetime
    raw_name: str = ""
