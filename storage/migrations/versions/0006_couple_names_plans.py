"""Partners may give a first name or nickname (people.nickname); a couple keeps the plan
they chose and ticks its steps off (plan_steps).

Revision ID: 0006_couple_names_plans
Revises: 0005_counselor_sessions
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_couple_names_plans"
down_revision: str | None = "0005_counselor_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("nickname", sa.String(length=40), nullable=True))
    op.create_table(
        "plan_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("couple_id", sa.String(length=32), nullable=False),
        sa.Column("suggestion_id", sa.String(length=64), nullable=False),
        sa.Column("chosen_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["couple_id"], ["couples.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("couple_id", "suggestion_id", name="uq_plan_step"),
    )
    op.create_index(op.f("ix_plan_steps_couple_id"), "plan_steps", ["couple_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_steps_couple_id"), table_name="plan_steps")
    op.drop_table("plan_steps")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("nickname")
