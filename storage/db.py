"""Engine and sessions. SQLite gets WAL, foreign keys and a busy timeout; anything else is
left to its URL, so PostgreSQL works by changing only DATABASE_URL. Every wait on the
database is bounded (`Timeouts`): a stalled server makes a request fail in time, never hang."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from sqlalchemy import Connection, Dialect, Engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from storage.availability import Availability

if TYPE_CHECKING:
    import psycopg
    from psycopg.abc import PQGen

RV = TypeVar("RV")

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
STALL_GRACE = 1.0
"""Seconds past the statement timeout after which a server that sends nothing is cut off."""


@dataclass(frozen=True)
class Timeouts:
    """Seconds. The defaults suit production (README, "Configuration")."""

    connect: float = 3.0
    """A new connection (PostgreSQL counts whole seconds, at least 2)."""
    statement: float = 5.0
    """A statement: PostgreSQL's statement_timeout, SQLite's busy timeout. A server that does
    not answer at all (frozen, or behind a network black hole) is cut off STALL_GRACE later."""
    pool: float = 2.0
    """Waiting for a free connection from the pool."""
    retry_after: float = 5.0
    """During an outage, one connection attempt this often; the rest fail at once."""


def make_engine(
    url: str, timeouts: Timeouts = Timeouts(), *, clock: Callable[[], float] = time.monotonic
) -> Engine:
    """An engine for `url`, with SQLite's connections set up for a multi-process bot."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping (a round trip a request): a dropped connection fails one command, which
        # says "not saved, try again", and the pool replaces it.
        options = f"-c statement_timeout={round(timeouts.statement * 1000)}"
        if given := parsed.query.get("options"):  # the URL's own options win
            options = f"{options} {given}"
        engine = create_engine(
            url, pool_size=10, max_overflow=10, pool_timeout=timeouts.pool,
            connect_args={"connect_timeout": max(2, round(timeouts.connect)), "options": options},
        )  # fmt: skip
        _watch(engine, timeouts, clock)
        return engine
    if parsed.database and parsed.database != ":memory:":
        with suppress(OSError):  # if it cannot be made, SQLite says so on connect
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, pool_timeout=timeouts.pool, connect_args={"timeout": timeouts.statement}
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # An acknowledged update survives a power loss (NORMAL may lose the last commits).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _begin_first(connection: Connection, _name: str | None) -> None:
        # Python's sqlite3 begins a transaction only before a write; a SAVEPOINT outside one
        # is a transaction of its own, committed when released, whatever the caller decides.
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            raw.execute("BEGIN")

    _watch(engine, timeouts, clock)
    return engine


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__


def _watch(engine: Engine, timeouts: Timeouts, clock: Callable[[], float]) -> None:
    """Outages logged once each way; during one, connection attempts only now and then;
    psycopg's connections cut off when the server stops answering."""
    state = Availability(retry_after=timeouts.retry_after, clock=clock)
    stall = timeouts.statement + STALL_GRACE if engine.driver == "psycopg" else None

    @event.listens_for(engine, "handle_error")
    def _failed(context: ExceptionContext) -> None:
        if context.is_disconnect or context.connection is None:  # lost, or never connected
            state.failed(context.original_exception)
        elif isinstance(context.sqlalchemy_exception, OperationalError):
            # The server answers, but too slowly (a lock, statement_timeout): one line each.
            log.warning("database busy: %s", _one_line(context.original_exception))

    @event.listens_for(engine, "after_cursor_execute")
    def _answered(*_: object) -> None:
        state.answered()

    @event.listens_for(engine, "do_connect")
    def _connect(
        dialect: Dialect, _record: ConnectionPoolEntry, cargs: list[Any], cparams: dict[str, Any]
    ) -> DBAPIConnection | None:
        if not state.admit():
            raise dialect.loaded_dbapi.OperationalError("database unavailable: not retried yet")
        if stall is None:
            return None  # the dialect connects as usual
        connection = _bounded_connection().connect(*cargs, **cparams)
        cast(_Stalls, connection).stall_after = stall
        # A DB-API connection, though psycopg's signatures differ from SQLAlchemy's protocol.
        return cast(DBAPIConnection, connection)


class _Stalls(Protocol):
    """A connection cut off after `stall_after` seconds without an answer (None: never)."""

    stall_after: float | None


@cache
def _bounded_connection() -> type[psycopg.Connection[Any]]:
    """A psycopg connection whose every wait on the server ends: PostgreSQL's own
    statement_timeout does not run in a frozen server, nor reach us through a black hole.
    (Made on first use: SQLite deployments do not load psycopg.)"""
    import psycopg

    try:  # psycopg 3.3's own bounded wait; a later psycopg may move it
        from psycopg.errors import _WaitTimeout
    except ImportError:
        log.warning("psycopg %s: a frozen database server is not cut off", psycopg.__version__)
        return psycopg.Connection

    class BoundedConnection(psycopg.Connection[Any]):
        stall_after: float | None = None

        def wait(
            self, gen: PQGen[RV], *args: Any, timeout: float | None = None, **kwargs: Any
        ) -> RV:
            kwargs["timeout"] = timeout = self.stall_after if timeout is None else timeout
            try:
                return super().wait(gen, *args, **kwargs)
            except _WaitTimeout:
                self.close()  # stopped mid-protocol: unusable, and the pool must replace it
                raise psycopg.OperationalError(
                    f"the database did not answer within {timeout:g} s"
                ) from None

    return BoundedConnection


@contextmanager
def _unbounded(connection: Connection) -> Iterator[None]:
    """No time limit for this transaction (migrations: one replica waits for another's)."""
    raw = connection.connection.dbapi_connection
    stall: float | None = getattr(raw, "stall_after", None)
    bounded = cast(_Stalls, raw)  # used only when it has stall_after
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
        if stall is not None:
            bounded.stall_after = None
    elif connection.dialect.name == "sqlite":
        busy = connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
        connection.exec_driver_sql("PRAGMA busy_timeout = 600000")
    try:
        yield
    finally:
        if stall is not None:
            bounded.stall_after = stall
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy)}")


MIGRATION_LOCK = 7_246_127  # any fixed number: PostgreSQL's advisory lock for migrations


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (run at every start). Replicas
    starting together migrate one at a time: an advisory lock on PostgreSQL, SQLite's write
    lock (taken first with BEGIN IMMEDIATE) on SQLite."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection, _unbounded(connection):
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
