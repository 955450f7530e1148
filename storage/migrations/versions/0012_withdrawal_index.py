"""withdrawal index: the public page's change token reads the latest withdrawal in one seek

A partial index (only withdrawn rows): tiny, and `max(withdrawn_at)` no longer reads the
whole status history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITHDRAWN = sa.text("withdrawn_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_status_update_withdrawn",
        "status_update",
        ["withdrawn_at"],
        sqlite_where=WITHDRAWN,
        postgresql_where=WITHDRAWN,
    )


def downgrade() -> None:
    op.drop_index("ix_status_update_withdrawn", table_name="status_update")
