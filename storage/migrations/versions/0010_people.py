"""people: one person, many ids; an update's author is a person

Each person gets their e-mail and their ids on Slack and Teams (unique each, linked as they
talk to the bot) and `forgotten_at` (pseudonymised on request); `status_update` gets
`author_person_id`, filled for the updates whose author the programme names (by its ref,
or by the e-mail remembered with a Teams user's personal chat), and a person's `email` is
filled from a ref that is one.

Revision ID: 0010
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IDS = ("email", "slack_id", "teams_aad_id", "teams_id")
FK_AUTHOR = "fk_status_update_author_person_id_person"


def upgrade() -> None:
    for column in IDS:
        op.add_column(
            "person", sa.Column(column, sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        op.create_index(f"ix_person_{column}", "person", [column], unique=True)
    op.add_column("person", sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True))
    # Plain ADD COLUMN: SQLite's batch mode would copy and drop the table, which others
    # reference; SQLite adds a reference only with the column.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE status_update ADD COLUMN author_person_id INTEGER REFERENCES person (id)"
        )
    else:
        op.add_column("status_update", sa.Column("author_person_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK_AUTHOR, "status_update", "person", ["author_person_id"], ["id"])
    op.create_index(
        "ix_status_update_author_person_id", "status_update", ["author_person_id"], unique=False
    )
    _link_existing()


def _link_existing() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE person SET email = ref WHERE ref LIKE '%@%'"))
    bind.execute(
        sa.text(
            "UPDATE status_update SET author_person_id = "
            "(SELECT person.id FROM person WHERE person.ref = status_update.author)"
        )
    )
    # Authors recorded by a Teams id: the e-mail remembered with their personal chat.
    bind.execute(
        sa.text(
            "UPDATE status_update SET author_person_id = (SELECT person.id FROM person "
            "JOIN conversation_ref c ON c.email = person.ref "
            "WHERE c.user_id = status_update.author OR c.aad_object_id = status_update.author "
            "ORDER BY c.updated_at DESC LIMIT 1) "
            "WHERE author_person_id IS NULL"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_status_update_author_person_id", table_name="status_update")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK_AUTHOR, "status_update", type_="foreignkey")
    op.execute("ALTER TABLE status_update DROP COLUMN author_person_id")
    op.execute("ALTER TABLE person DROP COLUMN forgotten_at")
    for column in reversed(IDS):
        op.drop_index(f"ix_person_{column}", table_name="person")
        op.execute(f"ALTER TABLE person DROP COLUMN {column}")
