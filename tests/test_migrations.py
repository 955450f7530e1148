"""The schema is Alembic's: migrating an empty database gives exactly the models' tables."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import storage.models  # noqa: F401


def test_migrations_build_the_schema_the_models_describe(engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_foreign_keys_are_enforced_and_sqlite_runs_in_wal_mode(engine) -> None:
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy.exc import IntegrityError

    from storage import crud
    from storage.db import session_scope

    with pytest.raises(IntegrityError), session_scope(engine) as session:
        crud.append_update(
            session, measure_id=9999, author="x", status="done", progress=None, note="",
            source="cli", created_at=datetime.now(UTC),
        )  # fmt: skip
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_current_state_and_history_have_their_indexes(engine) -> None:
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("status_update")}
    assert indexes["ix_status_update_current"] == ["measure_id", "withdrawn_at", "id"]
    assert indexes["ix_status_update_history"] == ["measure_id", "id"]


def test_migrating_twice_changes_nothing_and_stands_at_head(engine) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.db import MIGRATIONS, migrate

    migrate(engine)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert version == head


def _plans(engine, call) -> list[str]:
    """The query plans of every SELECT that `call` runs."""
    from sqlalchemy import event

    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            explain = "EXPLAIN QUERY PLAN "
        else:  # a tiny table is cheaper to scan: ask whether an index can serve at all
            connection.exec_driver_sql("SET enable_seqscan = off")
            explain = "EXPLAIN "
        return [
            row[-1]
            for statement, parameters in statements
            for row in connection.exec_driver_sql(explain + statement, parameters)
        ]


def test_current_state_is_an_index_seek_not_a_scan_of_history(programme) -> None:
    from storage import crud
    from storage.db import session_scope

    def read() -> None:
        with session_scope(programme) as session:
            crud.current_update(session, measure_id=1)
            crud.current_updates(session, measure_ids=[1, 2, 3])
            crud.history(session, measure_id=1, limit=20)

    plans = _plans(programme, read)
    touching_updates = [p for p in plans if "status_update" in p]
    assert touching_updates
    if programme.dialect.name == "sqlite":
        assert all(p.startswith("SEARCH") for p in touching_updates), plans
        assert not any("TEMP B-TREE" in p for p in plans), plans
    else:  # PostgreSQL: every way into status_update goes through one of its indexes
        assert not any("Seq Scan on status_update" in p for p in plans), plans
        assert any("ix_status_update_current" in p for p in plans), plans


def test_data_written_by_the_previous_schema_survives_the_upgrade() -> None:
    """A database at 0002 (before summaries and Teams) with a city's data in it, upgraded."""
    from datetime import UTC, datetime, timedelta

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from storage import crud, maturity, plan
    from storage.db import MIGRATIONS, make_engine, migrate, session_scope
    from tests.conftest import db_url

    engine = make_engine(db_url("upgrade.db"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    with engine.begin() as connection:
        for statement in (
            (
                "INSERT INTO programme (id, name, period, vision_year) "
                "VALUES (1, 'Digiohjelma', '2024-2026', 2030)"
            ),
            (
                "INSERT INTO theme (id, code, code_key, name, baseline, current) "
                "VALUES (1, 'T1', 't1', 'Palvelut', 2.8, 3.1)"
            ),
            "INSERT INTO person (id, ref, name) VALUES (1, 'kj@tornio.fi', 'Kehitysjohtaja')",
            "INSERT INTO person (id, ref, name) VALUES (2, 'U0DEPUTY', 'Varahenkilö')",
            (
                "INSERT INTO measure (id, code, code_key, theme_id, title, due, added_at) "
                "VALUES (1, '1.1', '1.1', 1, 'Suomi.fi-viestit', '2026-06', '2024-06-17 10:00:00')"
            ),
            (
                "INSERT INTO measure_role (id, measure_id, person_id, role, position) "
                "VALUES (1, 1, 1, 'owner', 0)"
            ),
            (
                "INSERT INTO measure_role (id, measure_id, person_id, role, position) "
                "VALUES (2, 1, 2, 'deputy', 1)"
            ),
            (
                "INSERT INTO status_update "
                "(id, measure_id, author, status, progress, note, source, created_at) "
                "VALUES (1, 1, 'kj@tornio.fi', 'on_track', 40, 'Pilotti', 'slack', "
                "'2025-04-01 09:00:00')"
            ),
            (
                "INSERT INTO delivery (key, received_at) "
                "VALUES ('slack:event:Ev1', '2025-04-01 09:00:00')"
            ),
        ):
            connection.execute(text(statement))
    migrate(engine)
    with session_scope(engine) as session:
        measure = crud.find_measure(session, code="1.1")
        update = crud.current_update(session, measure_id=measure.id)
        assert (measure.title, update.status, update.progress, update.note) == (
            "Suomi.fi-viestit",
            "on_track",
            40,
            "Pilotti",
        )
        assert (
            crud.roles_of(session, measure_ids=[measure.id])[measure.id].owner.name
            == "Kehitysjohtaja"
        )
        assert not crud.claim_delivery(session, key="slack:event:Ev1")
        # Today's programme is revision 1 of its period, dated when the measure was added:
        # before then it did not exist; from then on its plan is as it stands.
        (revision,) = plan.revisions(session)
        assert (revision.label, revision.kind, revision.programme_name) == (
            "1",
            "initial",
            "Digiohjelma",
        )
        assert plan.current_period(session).name == "2024-2026"
        added = datetime(2024, 6, 17, 10, tzinfo=UTC)
        assert plan.latest_measure_plans(session, at=added - timedelta(seconds=1)) == {}
        first = plan.latest_measure_plans(session, at=added)[measure.id]
        assert (first.title, first.due, first.owner_id, plan.deputy_ids(first.deputy_ids)) == (
            "Suomi.fi-viestit",
            "2026-06",
            1,
            [2],
        )
        assert plan.latest_theme_plans(session)[1].baseline == 2.8
        assert plan.original_due(session, measure_id=measure.id) == "2026-06"
        # The theme's current level, once overwritten by each import, is its first assessment.
        (assessment,) = maturity.assessments(session)[1]
        assert (assessment.level_hundredths, assessment.origin, assessment.assessed_on) == (
            310,
            "programme",
            "2024-06-17",
        )
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM summary_run")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM conversation_ref")).scalar() == 0
    engine.dispose()


def _alembic(engine, action: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from storage.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


Schema = dict[str, tuple[frozenset[tuple[str, str, bool]], frozenset[tuple[str, tuple, bool]]]]


def _schema(engine) -> Schema:
    """Each table's columns (name, type, nullable) and indexes (name, columns, unique)."""
    found = inspect(engine)
    return {
        table: (
            frozenset((c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)),
            frozenset(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in found.get_indexes(table)
            ),
        )
        for table in found.get_table_names()
        if table != "alembic_version"
    }


def _difference(left: Schema, right: Schema) -> dict[str, object]:
    """What differs between two snapshots, table by table, for the assertion's message."""
    return {
        table: (left.get(table), right.get(table))
        for table in left.keys() | right.keys()
        if left.get(table) != right.get(table)
    }


def test_every_migration_goes_down_and_up_again_stairway() -> None:
    """Each revision's downgrade undoes its upgrade, column and index alike: step up one,
    down one, up again, at every step from the empty database to head; then all the way down
    leaves nothing."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.db import MIGRATIONS, make_engine
    from tests.conftest import db_url

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()][::-1]
    assert len(revisions) >= 4
    engine = make_engine(db_url("stairway.db"))
    before: Schema = {}
    for revision in revisions:
        _alembic(engine, "upgrade", revision)
        after = _schema(engine)
        assert after.keys() >= before.keys(), revision
        _alembic(engine, "downgrade", "-1")
        undone = _schema(engine)
        assert undone == before, f"downgrade of {revision}: {_difference(before, undone)}"
        _alembic(engine, "upgrade", revision)
        redone = _schema(engine)
        assert redone == after, f"upgrade of {revision} again: {_difference(after, redone)}"
        before = after
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    _alembic(engine, "downgrade", "base")
    assert _schema(engine) == {}
    engine.dispose()
