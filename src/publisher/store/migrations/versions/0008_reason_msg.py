"""Reasons by code: `post.reason_msg` holds the catalogue code and values of the post's reason (JSON, see
publisher.messages `Msg.to_json`), so the dashboard, status and reports word it in the reader's language;
`reason` keeps the English words (older rows have only those).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.add_column(sa.Column("reason_msg", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.drop_column("reason_msg")
