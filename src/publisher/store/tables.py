"""The SQLModel tables of the store (docs/architecture.md#packages); every instant is a UTC-aware datetime."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import JSON, Column, Field, SQLModel

from publisher.models import PostState

#: SQL text of the CHECK on post.state; the migration carries its own frozen copy.
STATE_CHECK = "state IN (" + ", ".join(f"'{s.value}'" for s in PostState) + ")"


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive values are refused, not guessed."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to the store; pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: store naive UTC in a fixed-width text form that sorts correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _when(nullable: bool = True) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, nullable=True)
    return Field(sa_type=UTCDateTime, nullable=False)


class ItemRow(SQLModel, table=True):
    """One content file as last synced."""

    __tablename__ = "item"

    id: str = Field(primary_key=True)
    path: str
    hash: str
    fields: dict[str, Any] = _json()
    status: str
    title: str = ""
    synced_at: datetime = _when(nullable=False)


class PostRow(SQLModel, table=True):
    """One item on one platform account: its state, lease and remote identity."""

    __tablename__ = "post"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "platform", "account", name="uq_post_target"),
        sa.CheckConstraint(STATE_CHECK, name="ck_post_state"),
        sa.Index("ix_post_state_due", "state", "due_at"),
        # Post ids are shown to people; never reuse one.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(foreign_key="item.id")
    platform: str
    account: str
    state: str = PostState.PLANNED.value
    due_at: datetime | None = _when()
    due_override_at: datetime | None = _when()  # a person's "publish now": wins over the file until sent
    late_window_s: float = 7200.0
    attempt_count: int = 0
    next_attempt_at: datetime | None = _when()
    lease_owner: str | None = None
    lease_expires_at: datetime | None = _when()
    remote_id: str | None = None
    url: str | None = None
    rendered_hash: str | None = None
    content_hash: str | None = None
    last_error: str | None = None  # already redacted
    reason: str | None = None  # in English; `reason_msg` has its code and values (publisher.messages)
    reason_msg: str | None = None
    ids: dict[str, Any] = _json()  # every platform id, committed as it arrives
    created_at: datetime = _when(nullable=False)
    updated_at: datetime = _when(nullable=False)


class AttemptRow(SQLModel, table=True):
    """One try of one post; committed before the request leaves (write-ahead intent)."""

    __tablename__ = "attempt"
    __table_args__ = (sa.UniqueConstraint("post_id", "number", name="uq_attempt_number"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id")
    number: int
    started_at: datetime = _when(nullable=False)
    finished_at: datetime | None = _when()
    step: str = "publish"
    outcome: str | None = None  # None while in flight
    http_status: int | None = None
    platform_code: str | None = None
    error: str | None = None  # already redacted
    request_hash: str | None = None


class MetricRow(SQLModel, table=True):
    """One metric sample; a time series, appended and never overwritten."""

    __tablename__ = "metric"
    __table_args__ = (
        sa.Index("ix_metric_post_name_taken", "post_id", "name", "taken_at"),
        sa.Index("ix_metric_name_taken_at", "name", "taken_at"),  # reports: latest figure before a time
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int | None = Field(default=None, foreign_key="post.id")
    platform: str
    account: str
    name: str
    raw_name: str = ""
    value: float
    taken_at: datetime = _when(nullable=False)
    age_s: float | None = None  # post age at taken_at, to compare posts at T+1h, T+24h, T+7d


class MetricHourRow(SQLModel, table=True):
    """The samples of one (post, metric) in one UTC hour, rolled up at ingest (store.rollups): the hour's
    newest reading, its highest, and its newest at a post age of at most 24 h. Reports read these instead of
    the samples; every day boundary of a whole-hour time zone falls on an hour."""

    __tablename__ = "metric_hour"
    __table_args__ = (sa.Index("ix_metric_hour_hour", "hour"),)

    post_id: int = Field(primary_key=True, foreign_key="post.id")
    name: str = Field(primary_key=True)
    hour: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    last_value: float
    last_taken_at: datetime = _when(nullable=False)
    max_value: float
    day1_age_s: float | None = None
    day1_value: float | None = None
    day1_taken_at: datetime | None = _when()


class MetricLatestRow(SQLModel, table=True):
    """The newest sample of one (post, metric), rolled up at ingest (store.rollups)."""

    __tablename__ = "metric_latest"

    post_id: int = Field(primary_key=True, foreign_key="post.id")
    name: str = Field(primary_key=True)
    platform: str
    value: float
    taken_at: datetime = _when(nullable=False)


class PostTextRow(SQLModel, table=True):
    """The text a post sends as the near-duplicate guard compares it (rendered, normalised), recorded by sync
    until the post is published: a published post keeps the text that went out (store.texts)."""

    __tablename__ = "post_text"

    post_id: int = Field(primary_key=True, foreign_key="post.id")
    text: str
    recorded_at: datetime = _when(nullable=False)


class AccountMetricRow(SQLModel, table=True):
    """One account figure (followers and the like) per day."""

    __tablename__ = "account_metric"

    platform: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    name: str = Field(primary_key=True)
    value: float


class JobRunRow(SQLModel, table=True):
    """One run of a recurring job; UNIQUE(job, period) makes it run once per period."""

    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "period", name="uq_job_run_period"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str
    period: str
    started_at: datetime = _when(nullable=False)
    finished_at: datetime | None = _when()
    outcome: str | None = None


class TokenRow(SQLModel, table=True):
    """A token that changes at runtime; the one place a token is stored. Never log `value`."""

    __tablename__ = "token"

    account: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    value: str = Field(repr=False)
    expires_at: datetime | None = _when()
    meta: dict[str, Any] = _json()


class MediaCacheRow(SQLModel, table=True):
    """A file uploaded once to an account as permanent material: its platform media id, by content hash."""

    __tablename__ = "media_cache"

    platform: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    sha256: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)  # what the upload made, e.g. "image" (permanent image material)
    media_id: str
    created_at: datetime = _when(nullable=False)


class SyncStateRow(SQLModel, table=True):
    """Small key/value facts about the last sync ('what changed since the last sync')."""

    __tablename__ = "sync_state"

    key: str = Field(primary_key=True)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class EventRow(SQLModel, table=True):
    """Audit log: transitions, forced retries, notifications sent."""

    __tablename__ = "event"
    __table_args__ = (sa.Index("ix_event_post", "post_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int | None = Field(default=None, foreign_key="post.id")
    at: datetime = _when(nullable=False)
    kind: str
    message: str = ""


class PostTransitionRow(SQLModel, table=True):
    """A legal (from, to) state pair; the DB's state guard trigger reads it. Seeded by the migrations."""

    __tablename__ = "post_transition"

    from_state: str = Field(primary_key=True)
    to_state: str = Field(primary_key=True)


metadata = SQLModel.metadata


def table_of(row: type[SQLModel]) -> sa.Table:
    """The Core table behind a SQLModel class (SQLModel declares `__table__` without a type)."""
    found = getattr(row, "__table__", None)
    if not isinstance(found, sa.Table):
        raise TypeError(f"{row.__name__} is not a table model")
    return found


#: Core table handles, typed once: queries in store/ use these, nothing outside store/ does.
item_t = table_of(ItemRow)
post_t = table_of(PostRow)
attempt_t = table_of(AttemptRow)
metric_t = table_of(MetricRow)
metric_hour_t = table_of(MetricHourRow)
metric_latest_t = table_of(MetricLatestRow)
account_metric_t = table_of(AccountMetricRow)
post_text_t = table_of(PostTextRow)
job_run_t = table_of(JobRunRow)
token_t = table_of(TokenRow)
media_cache_t = table_of(MediaCacheRow)
sync_state_t = table_of(SyncStateRow)
event_t = table_of(EventRow)
post_transition_t = table_of(PostTransitionRow)
