"""What `GET /metrics` tells Prometheus: commands, their latency and Slack's acknowledgements,
summaries and reminders, database errors, the version.

Each app owns its registry (never the library's global one): tests, and several apps in one
process, count apart. Every label is a closed set — command names, platforms, outcomes —
never a user, a measure or a channel, so the number of series stays small."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    generate_latest,
)
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import OperationalError

from handlers.commands import find, handle
from handlers.context import Actor, Context
from handlers.effects import Result
from handlers.reminders import Messenger, ReminderOutcome, send_reminders
from handlers.replies import Reply
from handlers.summary.post import Outcome, Publisher, outcome_reply, post

CONTENT_TYPE = CONTENT_TYPE_LATEST
OUTCOMES = ("ok", "refused", "error")
"""ok: answered or carried out; refused: bad input, no permission, no such measure (nothing
changed); error: the bot or its database failed."""
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
"""Seconds; Slack gives up on an acknowledgement after 3."""


def _version() -> str:
    try:
        return version("digibot")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown"


def outcome(result: Result) -> str:
    """What a command's result was, as one of OUTCOMES."""
    if not isinstance(result, Reply) or result.ok:
        return "ok"
    return "error" if result.fault else "refused"


def command_name(text: str, ctx: Context) -> str:
    """The registry's name of the command a text calls (as `handle()` finds it); "unknown"."""
    head = text.strip().partition(" ")[0]
    if not head:
        return "update" if ctx.forms else "help"
    command = find(head)
    return command.name if command else "unknown"


class Metrics:
    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.registry = CollectorRegistry()
        r = self.registry
        self.commands = Counter(
            "digibot_commands", "Commands answered, by command, platform and outcome (ok, "
            "refused, error)", ["command", "platform", "outcome"], registry=r,
        )  # fmt: skip
        self.command_seconds = Histogram(
            "digibot_command_seconds", "Time to answer a command (the handler, database "
            "included), by platform", ["platform"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.slack_ack_seconds = Histogram(
            "digibot_slack_ack_seconds", "Time from a signed Slack request to its HTTP answer "
            "(Slack's acknowledgement; it gives up after 3 s)", buckets=LATENCY_BUCKETS,
            registry=r,
        )  # fmt: skip
        self.summaries = Counter(
            "digibot_summaries", "Summary posts, by platform and outcome (posted, already, busy, "
            "failed)", ["platform", "outcome"], registry=r,
        )  # fmt: skip
        self.reminders = Counter(
            "digibot_reminders", "Reminders, by outcome (sent; failed: the person unreachable "
            "or the platform failing)", ["outcome"], registry=r,
        )  # fmt: skip
        self.database_errors = Counter(
            "digibot_database_errors", "Database operations that failed: unavailable (no "
            "connection, or it was lost) or busy (too slow: a lock, the statement timeout)",
            ["kind"], registry=r,
        )  # fmt: skip
        Info("digibot_build", "The running version", registry=r).info(
            {"version": _version(), "python": sys.version.split()[0]}
        )
        for sent in ("sent", "failed"):  # these series from the start: a rate needs its zero
            self.reminders.labels(sent)
        for kind in ("unavailable", "busy"):
            self.database_errors.labels(kind)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def handle(self, text: str, actor: Actor, ctx: Context, **args: Any) -> Result:
        """`handlers.commands.handle`, counted and timed."""
        started = self.clock()
        result = handle(text, actor, ctx, **args)
        self.command_seconds.labels(ctx.source).observe(self.clock() - started)
        self.commands.labels(command_name(text, ctx), ctx.source, outcome(result)).inc()
        return result

    def post(self, ctx: Context, publisher: Publisher, **args: Any) -> Outcome:
        """`handlers.summary.post.post`, counted."""
        done = post(ctx, publisher, **args)
        self.summaries.labels(publisher.platform, done.state).inc()
        return done

    def post_command(
        self, actor: Actor, ctx: Context, publisher: Publisher, *, force: bool
    ) -> Reply:
        """`summary post` from chat (as `handlers.summary.post.post_command`), counted."""
        done = self.post(ctx, publisher, force=force, trigger="chat", requested_by=actor.author)
        return outcome_reply(done, ctx)

    def send_reminders(self, ctx: Context, messenger: Messenger, **args: Any) -> ReminderOutcome:
        """`handlers.reminders.send_reminders`, counted."""
        done = send_reminders(ctx, messenger, **args)
        self.reminders.labels("sent").inc(len(done.sent))
        self.reminders.labels("failed").inc(len(done.unreachable))
        return done

    def watch(self, engine: Engine) -> None:
        """Count the engine's failures, classified as storage/db.py logs them."""

        @event.listens_for(engine, "handle_error")
        def _failed(context: ExceptionContext) -> None:
            if context.is_disconnect or context.connection is None:
                self.database_errors.labels("unavailable").inc()
            elif isinstance(context.sqlalchemy_exception, OperationalError):
                self.database_errors.labels("busy").inc()
