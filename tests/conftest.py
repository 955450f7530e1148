"""Real SQLite files, migrated by Alembic, and a test backend in errbot's style:
`bot.push(...)` then `assert ... in bot.pop()`."""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.console import respond
from handlers.context import Actor, Context
from handlers.render_text import render_text
from handlers.replies import Reply
from handlers.summary.build import Summary
from handlers.summary.post import preview
from storage import crud
from storage.db import make_engine, migrate, session_scope
from storage.models import StatusUpdate
from storage.programme_io import import_file

ROOT = Path(__file__).resolve().parent.parent
# `python -m bot.cli` run by a test from its own folder must import this checkout, not
# whichever one the virtualenv has installed.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
EXAMPLE = ROOT / "storage" / "example_programme.yaml"

OWNER = "kehitysjohtaja@example.org"  # owns 1.1
DEPUTY = "tietohallintopaallikko@example.org"  # deputy of 1.1
COORDINATOR = "U0COORD"
STRANGER = "U0STRANGER"


# The suite runs on SQLite files, and with DIGIBOT_TEST_DATABASE_URL set (a PostgreSQL
# database, plus one named like it with "_2" for tests that need two) on PostgreSQL.
POSTGRES = os.environ.get("DIGIBOT_TEST_DATABASE_URL")
PRIMARY = "digibot.db"


class Databases:
    """This test's databases by name: SQLite files in its folder, or the PostgreSQL test
    databases, emptied the first time the test asks for them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.given: dict[str, str] = {}

    def url(self, name: str = PRIMARY) -> str:
        if not POSTGRES:
            return f"sqlite:///{self.folder / name}"
        if name not in self.given:
            base = make_url(POSTGRES)
            target = POSTGRES if name == PRIMARY else base.set(database=f"{base.database}_2")
            target = target if isinstance(target, str) else target.render_as_string(False)
            if target in self.given.values():
                raise RuntimeError("a test may use two PostgreSQL databases")
            _empty(target)
            self.given[name] = target
        return self.given[name]


def _empty(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


_current: list[Databases] = []


@pytest.fixture(autouse=True)
def _slack_answers_in_the_acknowledgement(monkeypatch: pytest.MonkeyPatch) -> None:
    """How long `/digi` waits to answer in Slack's acknowledgement before saying "working on
    it" is a race against the clock: on a loaded machine a direct answer would turn into the
    other path. Tests get the direct answer, however slow the machine; the tests of the
    other path set the budget to nothing on purpose."""
    monkeypatch.setattr("bot.slack.listeners.commands.ACK_BUDGET", 20.0)


@pytest.fixture(autouse=True)
def databases(tmp_path: Path) -> Databases:
    _current[:] = [Databases(tmp_path)]
    return _current[0]


def db_url(name: str = PRIMARY) -> str:
    """The URL of this test's database `name` (for subprocesses and second databases)."""
    return _current[0].url(name)


def unreachable_url(folder: Path) -> str:
    """A database that cannot be reached: a path under a plain file, or a closed port."""
    if POSTGRES:
        return make_url(POSTGRES).set(port=1).render_as_string(False)
    (folder / "not-a-folder").write_text("x")
    return f"sqlite:///{folder / 'not-a-folder' / 'db.sqlite'}"


@pytest.fixture
def engine(databases: Databases) -> Engine:
    engine = make_engine(databases.url())
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def programme(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        import_file(session, EXAMPLE)
    return engine


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.value = start

    def __call__(self) -> datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.value += timedelta(**delta)


@dataclass
class ChatBot:
    ctx: Context
    replies: deque[Reply] = field(default_factory=deque)

    def push(self, text: str, *, as_: str = OWNER, key: str | None = None) -> Reply:
        reply = respond(text, Actor.from_ref(as_), self.ctx, key=key)
        self.replies.append(reply)
        return reply

    def pop(self) -> str:
        return render_text(self.replies.popleft())

    def ask(self, text: str, *, as_: str = OWNER, key: str | None = None) -> str:
        self.push(text, as_=as_, key=key)
        return self.pop()

    def in_language(self, language: str) -> ChatBot:
        return ChatBot(replace(self.ctx, language=language))

    def updates(self) -> list[StatusUpdate]:
        with Session(self.ctx.engine) as session:
            return list(session.exec(select(StatusUpdate).order_by(StatusUpdate.id)))


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 4, 1, 9, 30, tzinfo=UTC))


@pytest.fixture
def bot(programme: Engine, clock: Callable[[], datetime]) -> ChatBot:
    ctx = Context(engine=programme, language="en", coordinators=frozenset({COORDINATOR}), now=clock)
    return ChatBot(ctx)


def previewed(ctx: Context) -> tuple[Summary, list[Reply]]:
    """The summary preview, read in a transaction of its own (as the CLI does)."""
    with session_scope(ctx.engine) as session:
        return preview(session, ctx)


def count_updates(engine: Engine) -> int:
    with session_scope(engine) as session:
        return len(list(session.exec(select(StatusUpdate))))


__all__ = ["COORDINATOR", "DEPUTY", "OWNER", "STRANGER", "count_updates", "crud"]


def record(engine, code: str, status: str, *, progress=None, note="", when) -> None:
    with session_scope(engine) as session:
        measure = crud.find_measure(session, code=code)
        crud.append_update(
            session, measure_id=measure.id, author="U0OWNER", status=status, progress=progress,
            note=note, source="slack", created_at=when,
        )  # fmt: skip


@pytest.fixture
def big(engine, tmp_path):
    """A 300-measure programme over 10 themes, with long notes that try to ping everyone."""
    themes = [
        {"id": f"T{n}", "name": f"Teema {n} " + "pitkä nimi " * 3, "baseline": 2, "target": 4}
        for n in range(1, 11)
    ]
    measures = [
        {
            "id": f"{n // 30 + 1}.{n % 30 + 1}",
            "theme": f"T{n // 30 + 1}",
            "title": f"Toimenpide {n}: " + "digitaalisen palvelun kehittäminen " * 4,
            "owner": "kehitysjohtaja@example.org" if n % 2 else "U0ICT",
            "start": "2024-09",
            "due": "2026-12",
        }
        for n in range(300)
    ]
    path = tmp_path / "big.yaml"
    path.write_text(
        yaml.safe_dump(
            {"programme": {"name": "Iso ohjelma"}, "themes": themes, "measures": measures},
            allow_unicode=True,
        )
    )
    with session_scope(engine) as session:
        import_file(session, path)
    when = datetime(2025, 4, 1, tzinfo=UTC)
    for n in range(0, 300, 3):
        code = f"{n // 30 + 1}.{n % 30 + 1}"
        status = ["on_track", "delayed", "at_risk", "done"][n % 4]
        record(
            engine,
            code,
            status,
            progress=n % 101,
            note=f"<!channel> {code} " + "syy " * 700,
            when=when,
        )
    return engine


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """What the server logs, uvicorn's own errors ("Exception in ASGI application") included."""
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addHandler(caplog.handler)
    yield caplog
    uvicorn_errors.removeHandler(caplog.handler)


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
