"""Who is acting, checked at every action (issue #18):

- people.counselor_link: this partner's link was made by the couple's counselor (started in
  the office or sent as homework), so the counselor may replace it; a partner who joined on
  their own never has a link a counselor may issue.
- safety_flags: every safety concern a partner ever raised in an assessment, with when it was
  raised and when the answer changed, so a reopened and changed answer never erases it from
  the counselor's private panel.
- counselors.must_change_password: a new counselor changes the first password (issue #20).

Revision ID: 0008_identity
Revises: 0007_counselor_admins
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_identity"
down_revision: str | None = "0007_counselor_admins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("counselor_link", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("counselors") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "safety_flags",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.String(32), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("questionnaire_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_safety_flags_person_id", "safety_flags", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_safety_flags_person_id", table_name="safety_flags")
    op.drop_table("safety_flags")
    with op.batch_alter_table("counselors") as batch:
        batch.drop_column("must_change_password")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("counselor_link")
