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
