"""Where the bot's log lines go: stderr, as text for a terminal or as JSON lines (one object a
line, UTC times) for a log collector, each with the command, platform, user and measure being
handled where they are known."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from handlers import log_context

TEXT = "%(levelname)s %(name)s: %(message)s"
CHATTY = ("apscheduler", "alembic.runtime.plugins")
"""Libraries that log routine work at INFO (the scheduler twice a minute, Alembic's plugins at
every start): shown at DEBUG only."""


class ContextFields(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.digibot = log_context.current()
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "digibot", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def configure(level: str, fmt: str) -> None:
    """Replace whatever logging was set before (the command line sets it twice: before and
    after it knows that it serves)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFields())
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter(TEXT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in CHATTY:
        logging.getLogger(name).setLevel(level if level == "DEBUG" else "WARNING")
