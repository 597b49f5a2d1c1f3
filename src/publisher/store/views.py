"""What the faces show of posts and attempts, as plain values: shared by the SQLAlchemy reads (posts,
attempts) and the standard-library reads of `store.lite`, and importable without either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from publisher.messages import Msg, reason
from publisher.models import PostState

_MIN = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PostView:
    """One post as `status` and `plan` show it."""

    id: int
    item: str
    platform: str
    account: str
    state: str
    due_at: datetime | None
    reason: str
    attempts: int
    url: str | None
    last_error: str | None
    #: queued and past due (computed against `now` by post_views): goes out late, or at `missed_at` is missed
    overdue: bool = False
    missed_at: datetime | None = None
    #: the reason's catalogue code and values (JSON, `publisher.messages.Msg`); None on older rows
    reason_msg: str | None = None

    @property
    def reason_code(self) -> str | None:
        said = Msg.from_json(self.reason_msg) if self.reason_msg else None
        return said.code if said else None

    def reason_text(self, lang: str) -> str:
        """The reason in `lang`: from its code and values when stored, else the older English words."""
        return reason(self.reason, lang, self.reason_msg)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The post as plain data; `reason` is the stored English, `reason_text` the reason in `lang`."""
        return {
            "id": self.id,
            "item": self.item,
            "platform": self.platform,
            "account": self.account,
            "state": self.state,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "reason_text": self.reason_text(lang),
            "attempts": self.attempts,
            "url": self.url,
            "last_error": self.last_error,
            "overdue": self.overdue,
            "missed_at": self.missed_at.isoformat() if self.missed_at else None,
        }


@dataclass(frozen=True)
class AttemptView:
    """One attempt as the faces show it."""

    post_id: int
    number: int
    started_at: datetime
    finished_at: datetime | None
    step: str
    outcome: str | None
    http_status: int | None
    platform_code: str | None
    error: str | None
    request_hash: str | None


def lateness(
    state: str, due_at: datetime | None, window_s: float | None, now: datetime | None
) -> tuple[bool, datetime | None]:
    """(overdue, missed_at): a queued post past due at `now` goes out late until its late window ends."""
    if now is None or due_at is None or state != PostState.QUEUED.value or due_at >= now:
        return False, None
    return True, due_at + timedelta(seconds=window_s if window_s is not None else 0.0)


def due_order(views: list[PostView]) -> list[PostView]:
    """Posts by due time, unscheduled last, then by id."""
    return sorted(views, key=lambda v: (v.due_at is None, v.due_at or _MIN, v.id))
