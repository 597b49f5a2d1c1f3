"""Initial schema: items, posts, attempts, metrics, jobs, tokens, sync state, events, and the state guard.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

The state list and the transition pairs are a frozen copy of publisher.states as of this revision: a migration
must build the same schema forever. tests/test_store.py fails when states.TRANSITIONS drifts from the DB,
which is the cue to write a migration that re-seeds post_transition (delete + insert)
and replaces ck_post_state.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATES = (
    "queued", "claimed", "sending", "published", "retrying", "failed", "awaiting_manual", "reconcile",
    "needs_attention", "needs_reauth", "held", "cancelled", "missed", "waiting_approval", "planned",
)  # fmt: skip

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "planned": ("cancelled", "held", "queued", "waiting_approval"),
    "waiting_approval": ("cancelled", "held", "planned", "queued"),
    "held": ("cancelled", "planned", "queued", "waiting_approval"),
    "queued": ("cancelled", "claimed", "held", "missed", "planned", "waiting_approval"),
    "claimed": ("cancelled", "held", "missed", "needs_reauth", "queued", "sending"),
    "sending": (
        "awaiting_manual",
        "failed",
        "needs_attention",
        "needs_reauth",
        "published",
        "reconcile",
        "retrying",
    ),
    "retrying": ("cancelled", "claimed", "held"),
    "reconcile": ("needs_attention", "published", "retrying"),
    "needs_attention": ("cancelled", "failed", "published", "queued"),
    "awaiting_manual": ("cancelled", "failed", "published"),
    "needs_reauth": ("cancelled", "queued"),
    "failed": ("cancelled", "queued"),
    "missed": ("cancelled", "queued"),
    "cancelled": ("held", "planned", "queued", "waiting_approval"),
    "published": (),
}

_SQLITE_GUARD = """
CREATE TRIGGER post_state_guard BEFORE UPDATE OF state ON post
WHEN NEW.state IS NOT OLD.state AND NOT EXISTS (
    SELECT 1 FROM post_transition WHERE from_state = OLD.state AND to_state = NEW.state)
BEGIN
    SELECT RAISE(ABORT, 'illegal post state transition');
END
"""

_PG_GUARD_FN = """
CREATE FUNCTION post_state_guard() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state AND NOT EXISTS (
        SELECT 1 FROM post_transition WHERE from_state = OLD.state AND to_state = NEW.state) THEN
        RAISE EXCEPTION 'illegal post state transition: % -> %', OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

_PG_GUARD = """
CREATE TRIGGER post_state_guard BEFORE UPDATE OF state ON post
FOR EACH ROW EXECUTE FUNCTION post_state_guard()
"""


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "item",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        _when("synced_at", nullable=False),
    )
    state_check = "state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")"
    op.create_table(
        "post",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.String(), sa.ForeignKey("item.id"), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        _when("due_at"),
        sa.Column("late_window_s", sa.Float(), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        sa.Column("lease_owner", sa.String(), nullable=True),
        _when("lease_expires_at"),
        sa.Column("remote_id", sa.String(), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("rendered_hash", sa.String(), nullable=True),
        sa.Column("content_hash", sa.String(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("ids", sa.JSON(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.UniqueConstraint("item_id", "platform", "account", name="uq_post_target"),
        sa.CheckConstraint(state_check, name="ck_post_state"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_post_state_due", "post", ["state", "due_at"])
    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _when("started_at", nullable=False),
        _when("finished_at"),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("platform_code", sa.String(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("request_hash", sa.String(), nullable=True),
        sa.UniqueConstraint("post_id", "number", name="uq_attempt_number"),
    )
    op.create_table(
        "metric",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=True),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("raw_name", sa.String(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        _when("taken_at", nullable=False),
        sa.Column("age_s", sa.Float(), nullable=True),
    )
    op.create_index("ix_metric_post_name_taken", "metric", ["post_id", "name", "taken_at"])
    op.create_table(
        "account_metric",
        sa.Column("platform", sa.String(), primary_key=True),
        sa.Column("account", sa.String(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("value", sa.Float(), nullable=False),
    )
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job", sa.String(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        _when("started_at", nullable=False),
        _when("finished_at"),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.UniqueConstraint("job", "period", name="uq_job_run_period"),
    )
    op.create_table(
        "token",
        sa.Column("account", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
        _when("expires_at"),
        sa.Column("meta", sa.JSON(), nullable=False),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=True),
    )
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=True),
        _when("at", nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
    )
    op.create_index("ix_event_post", "event", ["post_id", "at"])
    transition = op.create_table(
        "post_transition",
        sa.Column("from_state", sa.String(), primary_key=True),
        sa.Column("to_state", sa.String(), primary_key=True),
    )
    op.bulk_insert(
        transition, [{"from_state": a, "to_state": b} for a, bs in TRANSITIONS.items() for b in bs]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARD_FN)
        op.execute(_PG_GUARD)
    else:
        op.execute(_SQLITE_GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS post_state_guard ON post")
        op.execute("DROP FUNCTION IF EXISTS post_state_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS post_state_guard")
    for table in ("post_transition", "event", "sync_state", "token", "job_run", "account_metric", "metric"):
        op.drop_table(table)
    op.drop_table("attempt")
    op.drop_table("post")
    op.drop_table("item")
