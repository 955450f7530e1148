"""summary kinds: each scheduled summary date is its own summary; other hand posts are extras

Runs posted before this revision were "the half-year's summary" and keep that meaning: they
become scheduled summaries named by their half-year, which is how the default schedule
(one date in each half) names its summaries, so nothing already posted is posted again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("summary_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="scheduled",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("summary_run", schema=None) as batch_op:
        batch_op.drop_column("kind")
