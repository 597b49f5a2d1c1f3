"""The `dry_run` post state: a send by a dry-run account ends there (recorded, nothing sent), never in
`published`; when the account's mode becomes sandbox or live, sync queues its future dry-run posts again and
hands the past ones to a person.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Frozen copy, as in 0001: the states and the new transition pairs as of this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATES = (
    "queued", "claimed", "sending", "published", "retrying", "failed", "awaiting_manual", "reconcile",
    "needs_attention", "needs_reauth", "held", "cancelled", "missed", "waiting_approval", "planned",
    "dry_run",
)  # fmt: skip

NEW_TRANSITIONS = (
    ("sending", "dry_run"),  # a dry-run account's send: recorded, nothing sent
    ("dry_run", "queued"),  # the account went sandbox/live and the post is still in the future
    ("dry_run", "needs_attention"),  # the account went sandbox/live and the post's time has passed
    ("dry_run", "cancelled"),  # the item was removed or set to draft
)

_SQLITE_GUARD = """
CREATE TRIGGER post_state_guard BEFORE UPDATE OF state ON post
WHEN NEW.state IS NOT OLD.state AND NOT EXISTS (
    SELECT 1 FROM post_transition WHERE from_state = OLD.state AND to_state = NEW.state)
BEGIN
    SELECT RAISE(ABORT, 'illegal post state transition');
END
"""


def _check(states: tuple[str, ...]) -> str:
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


def _replace_check(states: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ck_post_state", "post", type_="check")
        op.create_check_constraint("ck_post_state", "post", _check(states))
        return
    # SQLite cannot alter a CHECK: the table is rebuilt, which drops its trigger; it is created again.
    op.execute("DROP TRIGGER IF EXISTS post_state_guard")
    with op.batch_alter_table("post", recreate="always") as batch:
        batch.drop_constraint("ck_post_state", type_="check")
        batch.create_check_constraint("ck_post_state", _check(states))
    op.execute(_SQLITE_GUARD)


def upgrade() -> None:
    _replace_check(STATES)
    pairs = sa.table("post_transition", sa.column("from_state"), sa.column("to_state"))
    op.bulk_insert(pairs, [{"from_state": a, "to_state": b} for a, b in NEW_TRANSITIONS])


def downgrade() -> None:
    op.execute("UPDATE post SET state = 'published' WHERE state = 'dry_run'")  # as before this revision
    for a, b in NEW_TRANSITIONS:
        op.execute(f"DELETE FROM post_transition WHERE from_state = '{a}' AND to_state = '{b}'")
    _replace_check(STATES[:-1])
