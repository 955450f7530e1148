"""A stalled database (frozen server, network black hole, a lock held too long) and SQLite's
durability. Every wait on the database is bounded: /health answers 503, a command says
"not saved", operators read one line per outage change, and the bot recovers by itself.
Timeouts are short settings here; nothing asserts how long anything took."""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot.platforms import context
from bot.settings import Settings
from bot.slack.app import build_app
from bot.web import create_web_app
from handlers.messages import Messages
from storage.db import Timeouts, make_engine
from tests.conftest import POSTGRES, count_updates, db_url
from tests.slack_standin import SECRET, SlackClient, SlackStandIn
from tests.test_slack import OWNER, USERS, start_server, text_of

TIMEOUTS = Timeouts(connect=2, statement=0.5, pool=0.5, retry_after=5)
NOT_SAVED = "nothing was saved"


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class BlackHole:
    """A host that accepts TCP connections and never says a word."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        port = self.listener.getsockname()[1]
        return f"postgresql+psycopg://digibot:digibot@127.0.0.1:{port}/digibot"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                self.accepted.append(self.listener.accept()[0])
            except TimeoutError:
                continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for held in [*self.accepted, self.listener]:
            held.close()


class FreezableProxy:
    """TCP between the bot and PostgreSQL that can freeze like a SIGSTOPped server: bytes
    stay unread in the kernel's buffers, nothing comes back, until it thaws."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.flowing = threading.Event()
        self.flowing.set()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._sockets: list[socket.socket] = []
        self._threads[0].start()

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client = self.listener.accept()[0]
            except TimeoutError:
                continue
            self._sockets.append(client)
            self._spawn(self._connect, client)

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _connect(self, client: socket.socket) -> None:
        while not self.flowing.is_set():
            if self._stop.wait(0.05):
                return
        server = socket.create_connection(self.upstream)
        self._sockets.append(server)
        self._spawn(self._pump, client, server)
        self._pump(server, client)

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        while not self._stop.is_set():
            if not self.flowing.is_set():  # frozen: nothing read, nothing sent
                self._stop.wait(0.05)
                continue
            if not select.select([source], [], [], 0.05)[0]:
                continue
            try:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
            except OSError:
                break
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        for held in [*self._sockets, self.listener]:
            held.close()


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(USERS) as running:
        yield running


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


def serve_bot(engine, standin: SlackStandIn):
    """The real Slack app and /health behind uvicorn, on `engine`."""
    settings = Settings(
        _env_file=None, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
        slack_api_url=f"{standin.url}/api/", digibot_language="en",
    )  # fmt: skip
    slack = build_app(settings, context(settings, engine, source="slack"))
    app = create_web_app(
        engine, slack=slack, messages=Messages("en"), health_timeout=0.5,
        slack_signing_secret=SECRET,
    )  # fmt: skip
    server, thread, url = start_server(app)
    return server, thread, url, SlackClient(url, standin)


def said(response: httpx.Response, standin: SlackStandIn, text: str) -> bool:
    """The user read `text`: in the acknowledgement, or later through response_url."""
    if text in text_of(response):
        return True
    return text in json.dumps(standin.wait_for_text(text))


def outage_lines(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith(("database unavailable", "database answers again"))
    ]


def wait_until(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "it never happened"
        time.sleep(0.02)


def no_tracebacks(caplog) -> bool:
    return not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


# --- SQLite durability ---


def test_sqlite_connections_use_wal_and_full_sync(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'durable.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


# --- a database host that never answers ---


def test_a_black_holed_database_gets_503_and_not_saved_while_slack_still_answers(
    standin: SlackStandIn, ticks: Ticks, caplog
) -> None:
    caplog.set_level(logging.WARNING)
    hole = BlackHole()
    engine = make_engine(hole.url, TIMEOUTS, clock=ticks)
    server, thread, url, slack = serve_bot(engine, standin)
    try:
        with ThreadPoolExecutor(max_workers=50) as probes:  # more than the server's 40 threads
            answers = list(probes.map(lambda _: httpx.get(f"{url}/health", timeout=20), range(60)))
        assert {a.status_code for a in answers} == {503}
        wait_until(lambda: outage_lines(caplog))  # the first probe has found out
        response = slack.command("status 1.1 on-track 50%", user=OWNER)
        assert response.status_code == 200 and NOT_SAVED in text_of(response)  # at once
        assert httpx.get(f"{url}/health", timeout=20).status_code == 503
        # During the outage the database is tried once per retry period, not per request.
        assert len(hole.accepted) == 1
        # The form and the Home tab say so too.
        assert slack.command("", user=OWNER).status_code == 200
        standin.wait_for_text(NOT_SAVED)
        event = {"type": "app_home_opened", "user": OWNER, "channel": "D0HOME", "tab": "home"}
        assert slack.event(event, event_id="Ev001").status_code == 200
        [home] = standin.wait_for("views.publish")
        assert NOT_SAVED in json.dumps(home) and len(hole.accepted) == 1
        ticks.now += TIMEOUTS.retry_after
        response = slack.command("status 1.1 on-track 60%", user=OWNER)
        assert said(response, standin, NOT_SAVED) and len(hole.accepted) == 2
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
        hole.close()
    assert outage_lines(caplog) == [outage_lines(caplog)[0]]
    assert outage_lines(caplog)[0].startswith("database unavailable")
    assert no_tracebacks(caplog)


# --- a lock held too long: statements end, the bot says so, then carries on ---


def test_a_long_lock_says_not_saved_in_one_line_and_the_bot_carries_on(
    programme, standin: SlackStandIn, ticks: Ticks, caplog
) -> None:
    caplog.set_level(logging.WARNING)
    engine = make_engine(db_url(), TIMEOUTS, clock=ticks)
    blocker_engine = create_engine(db_url())
    server, thread, url, slack = serve_bot(engine, standin)
    try:
        assert "Saved" in text_of(slack.command("status 1.1 on-track 10%", user=OWNER))
        with blocker_engine.connect() as blocker:
            if engine.dialect.name == "sqlite":
                blocker.exec_driver_sql("BEGIN EXCLUSIVE")
            else:
                blocker.exec_driver_sql("BEGIN")
                blocker.exec_driver_sql("LOCK TABLE status_update IN ACCESS EXCLUSIVE MODE")
            response = slack.command("status 1.1 on-track 20%", user=OWNER)
            assert said(response, standin, NOT_SAVED)
            blocker.exec_driver_sql("ROLLBACK")
        assert "Saved" in text_of(slack.command("status 1.1 on-track 30%", user=OWNER))
        assert httpx.get(f"{url}/health", timeout=20).status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
        blocker_engine.dispose()
    assert count_updates(programme) == 2
    busy = [r for r in caplog.records if r.getMessage().startswith("database busy")]
    assert len(busy) == 1 and no_tracebacks(caplog)


# --- a frozen server (SIGSTOP) or a network black hole mid-connection, then its return ---
# A server to freeze exists in the suite's PostgreSQL run (DIGIBOT_TEST_DATABASE_URL); the
# SQLite run has none, and there the two tests above cover the stalls SQLite can have.


if POSTGRES:

    def test_a_frozen_database_gets_503_and_not_saved_and_the_bot_recovers(
        programme, standin: SlackStandIn, ticks: Ticks, caplog
    ) -> None:
        caplog.set_level(logging.WARNING)
        real = make_url(db_url())
        proxy = FreezableProxy(real.host or "127.0.0.1", real.port or 5432)
        through = real.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        engine = make_engine(through, TIMEOUTS, clock=ticks)
        server, thread, url, slack = serve_bot(engine, standin)
        try:
            assert "Saved" in text_of(slack.command("status 1.1 on-track 10%", user=OWNER))
            proxy.flowing.clear()  # the server freezes
            for _ in range(3):
                assert httpx.get(f"{url}/health", timeout=20).status_code == 503
            response = slack.command("status 1.1 on-track 20%", user=OWNER)
            assert said(response, standin, NOT_SAVED)
            response = slack.command("status 1.1 on-track 30%", user=OWNER)
            assert NOT_SAVED in text_of(response)  # during the outage: at once, in the answer
            proxy.flowing.set()  # the server thaws
            ticks.now += TIMEOUTS.retry_after
            assert httpx.get(f"{url}/health", timeout=20).status_code == 200
            assert "Saved" in text_of(slack.command("status 1.1 on-track 40%", user=OWNER))
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            engine.dispose()
            proxy.close()
        assert count_updates(programme) == 2
        lines = outage_lines(caplog)
        assert len(lines) == 2 and lines[0].startswith("database unavailable")
        assert lines[1].startswith("database answers again") and no_tracebacks(caplog)


def test_teams_messages_during_an_outage_say_not_saved_without_a_traceback(
    ticks: Ticks, caplog, monkeypatch
) -> None:
    from tests.teams_standin import ConnectorStandIn, activity, texts
    from tests.test_teams import ANONYMOUS, MEMBERS, served
    from tests.test_teams import OWNER as TEAMS_OWNER

    caplog.set_level(logging.WARNING)
    hole = BlackHole()
    engine = make_engine(hole.url, TIMEOUTS, clock=ticks)
    with ConnectorStandIn(MEMBERS) as connector:
        _, app = served(monkeypatch, engine, ANONYMOUS)
        server, thread, url = start_server(app)
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                for text in ("status 1.1 on-track 40%", "show 1.1"):
                    body = activity(connector.url, TEAMS_OWNER, text=text)
                    assert http.post("/api/messages", json=body).status_code in (200, 202)
            answers = connector.activities()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            engine.dispose()
            hole.close()
    assert len(answers) == 2 and all("database is not available" in texts(a) for a in answers)
    assert len(outage_lines(caplog)) == 1 and no_tracebacks(caplog)


def test_a_replica_waits_for_anothers_migration_however_short_the_timeouts(ticks) -> None:
    from storage.db import MIGRATION_LOCK, STALL_GRACE, migrate

    url = db_url("fresh.db")
    blocker_engine = make_engine(url)  # another replica, set up as the bot sets it up
    engine = make_engine(url, Timeouts(connect=2, statement=0.05, pool=0.5), clock=ticks)
    try:
        with blocker_engine.connect() as blocker, ThreadPoolExecutor(max_workers=1) as pool:
            if engine.dialect.name == "sqlite":
                blocker.exec_driver_sql("BEGIN IMMEDIATE")  # another replica is migrating
            else:
                blocker.exec_driver_sql("BEGIN")
                blocker.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            migrating = pool.submit(migrate, engine)
            if engine.dialect.name == "postgresql":  # it is waiting for the lock
                waiting = (
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                )
                with blocker_engine.connect() as look:
                    wait_until(lambda: look.exec_driver_sql(waiting).scalar())
            time.sleep(0.05 + STALL_GRACE + 0.5)  # past every bounded wait
            assert not migrating.done()  # still waiting, not failed
            blocker.exec_driver_sql("ROLLBACK")
            migrating.result(timeout=60)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM measure").scalar() == 0
    finally:
        engine.dispose()
        blocker_engine.dispose()
