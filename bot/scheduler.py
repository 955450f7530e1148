"""The summary and reminder schedule inside `digibot serve`.

APScheduler only ticks (every minute, and once at start); each tick asks the calendar what is
owed now and claims the work in the database. So a summary missed while the bot was down is
posted when it is back (within 7 days), several replicas do each thing once, and daylight
saving cannot shift a summary: the calendar works in the configured zone."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.metrics import Metrics
from bot.settings import Settings
from handlers.context import Context
from handlers.reminders import Messenger
from handlers.schedule import due_reminder, due_summary, scheduled_key
from handlers.summary.post import Outcome, Publisher
from storage.models import utcnow

log = logging.getLogger(__name__)


class Schedule:
    def __init__(
        self,
        settings: Settings,
        ctx: Context,
        publishers: list[Publisher],
        messenger: Messenger | None,
        metrics: Metrics | None = None,
    ) -> None:
        """`messenger` None: no platform reaches people (a Teams webhook alone), no reminders."""
        self.metrics = metrics or Metrics()
        self.calendar = settings.calendar
        self.ctx = replace(ctx, schedule=self.calendar)
        self.publishers = publishers
        self.messenger = messenger
        self.month_days = list(self.calendar.month_days)
        self.at = self.calendar.at
        self.zone = settings.timezone
        self.reminder_days = list(self.calendar.reminder_days)
        self._told: set[tuple[str, str]] = set()

    def tick(self, now: datetime | None = None) -> None:
        """Do what is owed at `now`; never raises (the next tick tries again)."""
        now = now or utcnow()
        try:
            ctx = replace(self.ctx, now=lambda: now)
            slot = due_summary(now, self.month_days, self.at, self.zone, self.calendar.grace)
            if slot:
                key = scheduled_key(slot, self.calendar, self.zone)
                for publisher in self.publishers:
                    outcome = self.metrics.post(
                        ctx, publisher, key=key, trigger="schedule", requested_by="schedule"
                    )
                    if outcome.state == "already" and outcome.run.trigger != "schedule":
                        self._tell_once(key.name, outcome)
            reminder = due_reminder(now, self.month_days, self.at, self.zone, self.reminder_days)
            if reminder and self.messenger:
                self.metrics.send_reminders(ctx, self.messenger, slot=reminder[0], day=reminder[1])
        except Exception:
            log.exception("scheduled work failed; the next tick tries again")

    def _tell_once(self, name: str, outcome: Outcome) -> None:
        """A summary a coordinator posted early is not posted again: say so, once."""
        run = outcome.run
        if (name, run.channel) not in self._told:
            self._told.add((name, run.channel))
            log.info(
                "summary %s to %s: already posted by hand (%s, %s at %s); the schedule posts "
                "nothing", name, run.channel, run.trigger, run.requested_by, run.posted_at,
            )  # fmt: skip

    def start(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone=self.zone)
        scheduler.add_job(
            self.tick, IntervalTrigger(minutes=1, timezone=self.zone), id="digibot-tick",
            next_run_time=datetime.now(self.zone), coalesce=True, max_instances=1,
            misfire_grace_time=60,
        )  # fmt: skip
        scheduler.start()
        return scheduler
