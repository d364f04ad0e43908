"""Couples: one device in turn or two devices with a join code (commit 1376595).

Revision ID: 0002_couples
Revises: 0001_solo
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_couples"
down_revision: str | None = "0001_solo"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: SQLite reflects unnamed foreign keys without a name; name them as PostgreSQL does.
FK_NAMES = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}


def upgrade() -> None:
    op.create_table(
        "couples",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("device_token_hash", sa.String(length=64), nullable=True),
        sa.Column("active_slot", sa.Integer(), nullable=False),
        sa.Column("join_prefix", sa.String(length=8), nullable=True),
        sa.Column("join_secret_hash", sa.String(length=64), nullable=True),
        sa.Column("join_expires_at", sa.DateTime(), nullable=True),
        sa.Column("join_failed_attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_token_hash"),
        sa.UniqueConstraint("join_prefix"),
    )
    # SQLite: the table is rebuilt (batch mode) to gain the foreign key; every row is copied.
    # The name is the one PostgreSQL gives an unnamed foreign key, as create_all made it.
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("couple_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("slot", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("share_level", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("finished_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key("people_couple_id_fkey", "couples", ["couple_id"], ["id"], ondelete="CASCADE")
        batch.create_index("ix_people_couple_slot", ["couple_id", "slot"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("people", naming_convention=FK_NAMES) as batch:
        batch.drop_index("ix_people_couple_slot")
        batch.drop_constraint("people_couple_id_fkey", type_="foreignkey")
        batch.drop_column("finished_at")
        batch.drop_column("share_level")
        batch.drop_column("slot")
        batch.drop_column("couple_id")
    op.drop_table("couples")
