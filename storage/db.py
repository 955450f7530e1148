"""Engine and sessions. SQLite gets WAL, foreign keys and a busy timeout; anything else is
left to its URL, so PostgreSQL works by changing only DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite's connections set up for a multi-process bot."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping (a round trip a request): a dropped connection fails one command, which
        # says "not saved, try again", and the pool replaces it.
        return create_engine(url, pool_size=10, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        with suppress(OSError):  # if it cannot be made, SQLite says so on connect
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 15})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


MIGRATION_LOCK = 7_246_127  # any fixed number: PostgreSQL's advisory lock for migrations


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (run at every start). Replicas
    starting together migrate one at a time: an advisory lock on PostgreSQL, SQLite's write
    lock (taken first with BEGIN IMMEDIATE) on SQLite."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        elif engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed if the block succeeds, rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
