"""What is being handled — command, platform, user, measure — for every log line written
meanwhile, so that an operator can tell whose request a warning or a traceback belongs to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[dict[str, str] | None] = ContextVar("digibot_log_fields", default=None)


@contextmanager
def about(
    *,
    command: str | None = None,
    platform: str | None = None,
    user: str | None = None,
    measure: str | None = None,
) -> Iterator[None]:
    """These fields (those known) on every log line until the block ends."""
    token = _current.set(_with(command=command, platform=platform, user=user, measure=measure))
    try:
        yield
    finally:
        _current.reset(token)


def note(*, command: str | None = None, measure: str | None = None) -> None:
    """Add what has become known, for the rest of the enclosing `about` block."""
    _current.set(_with(command=command, measure=measure))


def current() -> dict[str, str]:
    return _current.get() or {}


def _with(**fields: str | None) -> dict[str, str]:
    """User text is clipped: a log line is not the place for a 3,000-character id."""
    return {**current(), **{name: value[:100] for name, value in fields.items() if value}}
