"""money and maturity: appropriations per budget year, spending reports, maturity assessments

A theme's `current` level, which imports used to overwrite, becomes its first assessment
(origin "programme"), dated with the programme's first revision.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "maturity_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("level_hundredths", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("assessed_on", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["theme.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("maturity_assessment", schema=None) as batch_op:
        batch_op.create_index("ix_maturity_time", ["theme_id", "created_at", "id"], unique=False)

    op.create_table(
        "spending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("spent_cents", sa.Integer(), nullable=False),
        sa.Column("reported_on", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("spending", schema=None) as batch_op:
        batch_op.create_index(
            "ix_spending_time", ["measure_id", "year", "created_at", "id"], unique=False
        )

    for table in ("measure", "measure_plan"):  # plain ADD COLUMN: rows elsewhere refer to them
        op.add_column(
            table,
            sa.Column(
                "appropriations",
                sqlmodel.sql.sqltypes.AutoString(),
                server_default="",
                nullable=False,
            ),
        )
    _current_levels_as_assessments()


def _current_levels_as_assessments() -> None:
    bind = op.get_bind()
    first = bind.execute(sa.text("SELECT MIN(created_at) FROM revision")).scalar()
    day = str(first)[:10] if first is not None else None
    bind.execute(
        sa.text(
            "INSERT INTO maturity_assessment (theme_id, level_hundredths, source, assessed_on, "
            "author, origin, created_at) "
            "SELECT id, CAST(ROUND(current * 100) AS INTEGER), '', "
            "COALESCE(:day, CAST(CURRENT_DATE AS VARCHAR)), 'migration', 'programme', "
            "COALESCE((SELECT MIN(created_at) FROM revision), CURRENT_TIMESTAMP) "
            "FROM theme WHERE current IS NOT NULL"
        ),
        {"day": day},
    )


def downgrade() -> None:
    for table in ("measure_plan", "measure"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN appropriations")

    with op.batch_alter_table("spending", schema=None) as batch_op:
        batch_op.drop_index("ix_spending_time")

    op.drop_table("spending")
    with op.batch_alter_table("maturity_assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_maturity_time")

    op.drop_table("maturity_assessment")
