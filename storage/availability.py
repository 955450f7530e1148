"""Whether the database answers, as last seen by an engine. An outage is logged once when it
starts and once when it ends (not a traceback per request), and while it lasts only one
connection attempt every `retry_after` seconds goes to the database: the others fail at once,
so a request says "not saved, try again" in time instead of waiting on a dead server."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Availability:
    def __init__(self, *, retry_after: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.retry_after = retry_after
        self.clock = clock
        self.up = True
        self._since = 0.0
        self._next_try = 0.0
        self._lock = threading.Lock()

    def failed(self, error: BaseException) -> None:
        """The database did not answer (or not in time)."""
        with self._lock:
            if not self.up:
                return
            self.up = False
            self._since = self._next_try = self.clock()
            self._next_try += self.retry_after
        reason = " ".join(str(error).split())[:300] or type(error).__name__
        log.error("database unavailable: %s", reason)

    def answered(self) -> None:
        """A statement completed: the database is back, if it was away."""
        if self.up:  # the common case, without the lock
            return
        with self._lock:
            if self.up:
                return
            self.up = True
            away = self.clock() - self._since
        log.warning("database answers again after %.0f s", away)

    def admit(self) -> bool:
        """May a new connection be attempted? Always while up; during an outage, one attempt
        every `retry_after` seconds (it finds out whether the database is back)."""
        if self.up:
            return True
        with self._lock:
            now = self.clock()
            if now < self._next_try:
                return False
            self._next_try = now + self.retry_after
            return True
