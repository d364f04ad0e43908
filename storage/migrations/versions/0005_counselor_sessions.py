"""Counselor logins that survive a page refresh (counselor_sessions).

Revision ID: 0005_counselor_sessions
Revises: 0004_reopened
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_counselor_sessions"
down_revision: str | None = "0004_reopened"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "counselor_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("counselor_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["counselor_id"], ["counselors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_counselor_sessions_counselor_id", "counselor_sessions", ["counselor_id"])


def downgrade() -> None:
    op.drop_index("ix_counselor_sessions_counselor_id", table_name="counselor_sessions")
    op.drop_table("counselor_sessions")
