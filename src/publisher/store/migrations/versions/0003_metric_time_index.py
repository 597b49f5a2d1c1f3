"""Index metric samples by time: reports read "the latest figure before the period's end" across all posts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_metric_name_taken_at", "metric", ["name", "taken_at"])


def downgrade() -> None:
    op.drop_index("ix_metric_name_taken_at", table_name="metric")
