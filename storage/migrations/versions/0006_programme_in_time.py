"""the programme in time: periods, revisions, plan history, retired measures and themes

A database from before keeps its programme as revision 1 of its period: one plan row per
measure and theme as they stand, dated when the measure was added, so the plan as of any
earlier moment is "not yet there" and the first real revision is compared with today's.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_MEASURE = "fk_measure_retired_revision_id_revision"
FK_THEME = "fk_theme_retired_revision_id_revision"


def upgrade() -> None:
    op.create_table(
        "period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("programme_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("vision_year", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["period.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revision_period_id"), ["period_id"], unique=False)

    op.create_table(
        "theme_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("current", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revision.id"],
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["theme.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("theme_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_theme_plan_revision_id"), ["revision_id"], unique=False
        )
        batch_op.create_index("ix_theme_plan_time", ["theme_id", "created_at", "id"], unique=False)

    op.create_table(
        "measure_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("deputy_ids", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("start", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("due", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("budget_eur", sa.Integer(), nullable=True),
        sa.Column("indicator", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("baseline", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revision.id"],
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["theme.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("measure_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_plan_revision_id"), ["revision_id"], unique=False
        )
        batch_op.create_index(
            "ix_measure_plan_time", ["measure_id", "created_at", "id"], unique=False
        )

    _retirement_columns("measure", FK_MEASURE)

    with op.batch_alter_table("status_update", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_update_time", ["measure_id", "created_at", "id"], unique=False
        )

    _retirement_columns("theme", FK_THEME)

    _programme_as_revision_1()


def _retirement_columns(table: str, foreign_key: str) -> None:
    """Plain ADD COLUMN: SQLite's batch mode would copy and drop `table`, which rows of other
    tables reference."""
    op.add_column(table, sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":  # SQLite adds a reference only with the column
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN retired_revision_id INTEGER REFERENCES revision (id)"
        )
    else:
        op.add_column(table, sa.Column("retired_revision_id", sa.Integer(), nullable=True))
        op.create_foreign_key(foreign_key, table, "revision", ["retired_revision_id"], ["id"])


def _programme_as_revision_1() -> None:
    """Today's programme, if there is one, becomes revision 1 of its period."""
    bind = op.get_bind()
    if not bind.execute(sa.text("SELECT COUNT(*) FROM measure")).scalar_one():
        return
    bind.execute(
        sa.text(
            "INSERT INTO period (name, opened_at) "
            "SELECT COALESCE((SELECT period FROM programme WHERE id = 1), ''), MIN(added_at) "
            "FROM measure"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO revision (period_id, label, kind, created_at, created_by, source, "
            "programme_name, vision_year) "
            "SELECT period.id, '1', 'initial', period.opened_at, 'migration', '', "
            "COALESCE(programme.name, ''), programme.vision_year "
            "FROM period LEFT JOIN programme ON programme.id = 1"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO theme_plan (theme_id, revision_id, created_at, code, name, baseline, "
            "current, target, retired) "
            "SELECT theme.id, revision.id, revision.created_at, theme.code, theme.name, "
            "theme.baseline, theme.current, theme.target, FALSE FROM theme, revision"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO measure_plan (measure_id, revision_id, created_at, code, theme_id, title, "
            "description, owner_id, deputy_ids, unit, start, due, budget_eur, indicator, baseline, "
            "target, retired) "
            "SELECT measure.id, revision.id, measure.added_at, measure.code, measure.theme_id, "
            "measure.title, measure.description, (SELECT person_id FROM measure_role "
            "WHERE measure_role.measure_id = measure.id AND role = 'owner'), '', measure.unit, "
            "measure.start, measure.due, measure.budget_eur, measure.indicator, measure.baseline, "
            "measure.target, FALSE FROM measure, revision"
        )
    )
    deputies: dict[int, list[str]] = {}
    for measure_id, person_id in bind.execute(
        sa.text(
            "SELECT measure_id, person_id FROM measure_role WHERE role = 'deputy' "
            "ORDER BY measure_id, position, id"
        )
    ):
        deputies.setdefault(measure_id, []).append(str(person_id))
    for measure_id, ids in deputies.items():
        bind.execute(
            sa.text("UPDATE measure_plan SET deputy_ids = :ids WHERE measure_id = :measure"),
            {"ids": ",".join(ids), "measure": measure_id},
        )


def downgrade() -> None:
    _drop_retirement_columns("theme", FK_THEME)

    with op.batch_alter_table("status_update", schema=None) as batch_op:
        batch_op.drop_index("ix_status_update_time")

    _drop_retirement_columns("measure", FK_MEASURE)

    with op.batch_alter_table("measure_plan", schema=None) as batch_op:
        batch_op.drop_index("ix_measure_plan_time")
        batch_op.drop_index(batch_op.f("ix_measure_plan_revision_id"))

    op.drop_table("measure_plan")
    with op.batch_alter_table("theme_plan", schema=None) as batch_op:
        batch_op.drop_index("ix_theme_plan_time")
        batch_op.drop_index(batch_op.f("ix_theme_plan_revision_id"))

    op.drop_table("theme_plan")
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revision_period_id"))

    op.drop_table("revision")
    op.drop_table("period")


def _drop_retirement_columns(table: str, foreign_key: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(foreign_key, table, type_="foreignkey")
    for column in ("retired_revision_id", "retired_at"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
