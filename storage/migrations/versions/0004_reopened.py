"""Partners may reopen their finished answers: when they last did (people.reopened_at).

Revision ID: 0004_reopened
Revises: 0003_counselors
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_reopened"
down_revision: str | None = "0003_counselors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("reopened_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("reopened_at")
