"""A publish job the platform failed after accepting it: reconcile -> failed (the poll that reads the failure
keeps the platform's reason); and the media cache, so one image is uploaded once per account as permanent
material (keyed by platform, account and the file's SHA-256).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Frozen copy, as in 0001: the new transition pair and the new table as of this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NEW_TRANSITIONS = (("reconcile", "failed"),)  # the platform's publish job ended in failure


def upgrade() -> None:
    pairs = sa.table("post_transition", sa.column("from_state"), sa.column("to_state"))
    op.bulk_insert(pairs, [{"from_state": a, "to_state": b} for a, b in NEW_TRANSITIONS])
    op.create_table(
        "media_cache",
        sa.Column("platform", sa.String(), primary_key=True),
        sa.Column("account", sa.String(), primary_key=True),
        sa.Column("sha256", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), primary_key=True),
        sa.Column("media_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("media_cache")
    for a, b in NEW_TRANSITIONS:
        op.execute(f"DELETE FROM post_transition WHERE from_state = '{a}' AND to_state = '{b}'")
