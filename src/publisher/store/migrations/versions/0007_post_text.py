"""Post texts: `post_text` holds each post's rendered, normalised text as the near-duplicate guard compares
it, so `publisher check` can compare new items with what was already published (store.texts).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_text",
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), primary_key=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("post_text")
