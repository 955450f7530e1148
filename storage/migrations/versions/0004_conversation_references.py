"""conversation references

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "conversation_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("aad_object_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("service_url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "conversation_id"),
    )
    with op.batch_alter_table("conversation_ref", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_ref_aad_object_id"), ["aad_object_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_conversation_ref_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_ref_user_id"), ["user_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("conversation_ref", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_ref_user_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_ref_email"))
        batch_op.drop_index(batch_op.f("ix_conversation_ref_aad_object_id"))

    op.drop_table("conversation_ref")
