"""Counselors: accounts, rosters, notes, homework; consent and assessments (commit 6e6c4a8).

Revision ID: 0003_counselors
Revises: 0002_couples
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_counselors"
down_revision: str | None = "0002_couples"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: SQLite reflects unnamed foreign keys without a name; name them as PostgreSQL does.
FK_NAMES = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}


def upgrade() -> None:
    op.create_table(
        "counselors",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("counselor_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("label_key", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["counselor_id"], ["counselors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_clients_counselor_label", "clients", ["counselor_id", "label_key"])
    op.create_index("ix_clients_counselor_updated", "clients", ["counselor_id", "updated_at"])
    op.create_table(
        "session_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_session_notes_client_id", "session_notes", ["client_id"])
    op.create_table(
        "homework",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("suggestion_id", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_homework_client_id", "homework", ["client_id"])
    with op.batch_alter_table("couples") as batch:
        batch.add_column(sa.Column("client_id", sa.String(length=32), nullable=True))
        batch.create_foreign_key("couples_client_id_fkey", "clients", ["client_id"], ["id"], ondelete="CASCADE")
        batch.create_index("ix_couples_client_created", ["client_id", "created_at"])
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("counselor_consent_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("counselor_consent_at")
    with op.batch_alter_table("couples", naming_convention=FK_NAMES) as batch:
        batch.drop_index("ix_couples_client_created")
        batch.drop_constraint("couples_client_id_fkey", type_="foreignkey")
        batch.drop_column("client_id")
    op.drop_index("ix_homework_client_id", table_name="homework")
    op.drop_table("homework")
    op.drop_index("ix_session_notes_client_id", table_name="session_notes")
    op.drop_table("session_notes")
    op.drop_index("ix_clients_counselor_updated", table_name="clients")
    op.drop_index("ix_clients_counselor_label", table_name="clients")
    op.drop_table("clients")
    op.drop_table("counselors")
