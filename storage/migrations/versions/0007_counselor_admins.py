"""Admin counselors manage the others in the app (counselors.is_admin), and a counselor
can be disabled (counselors.disabled: no login, sessions revoked). The earliest counselor
of an existing database becomes its admin, as the first one made is from now on.

Revision ID: 0007_counselor_admins
Revises: 0006_couple_names_plans
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_counselor_admins"
down_revision: str | None = "0006_couple_names_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("counselors") as batch:
        batch.add_column(sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False))
    counselors = sa.table(
        "counselors",
        sa.column("id", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("is_admin", sa.Boolean),
    )
    first = sa.select(counselors.c.id).order_by(counselors.c.created_at, counselors.c.id).limit(1).scalar_subquery()
    op.execute(counselors.update().where(counselors.c.id == first).values(is_admin=True))


def downgrade() -> None:
    with op.batch_alter_table("counselors") as batch:
        batch.drop_column("disabled")
        batch.drop_column("is_admin")
