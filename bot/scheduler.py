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

from bot.settings import Settings
from handlers.context import Context
from handlers.reminders import Messenger, send_reminders
from handlers.schedule import due_reminder, due_summary, parse_month_days, parse_time
from handlers.summary_post import Publisher, post
from storage.models import utcnow

log = logging.getLogger(__name__)


class Schedule:
    def __init__(
        self, settings: Settings, ctx: Context, publishers: list[Publisher], messenger: Messenger
    ) -> None:
        self.ctx = ctx
        self.publishers = publishers
        self.messenger = messenger
        self.month_days = parse_month_days(settings.digibot_summary_dates)
        self.at = parse_time(settings.digibot_summary_time)
        self.zone = settings.timezone
        self.reminder_days = settings.digibot_reminder_days

    def tick(self, now: datetime | None = None) -> None:
        """Do what is owed at `now`; never raises (the next tick tries again)."""
        now = now or utcnow()
        try:
            ctx = replace(self.ctx, now=lambda: now)
            slot = due_summary(now, self.month_days, self.at, self.zone)
            for publisher in self.publishers if slot else ():
                post(
                    ctx, publisher, period=slot.period, trigger="schedule", requested_by="schedule"
                )
            reminder = due_reminder(now, self.month_days, self.at, self.zone, self.reminder_days)
            if reminder:
                send_reminders(ctx, self.messenger, slot=reminder[0], day=reminder[1])
        except Exception:
            log.exception("scheduled work failed; the next tick tries again")

    def start(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone=self.zone)
        scheduler.add_job(
            self.tick, IntervalTrigger(minutes=1, timezone=self.zone), id="digibot-tick",
            next_run_time=datetime.now(self.zone), coalesce=True, max_instances=1,
            misfire_grace_time=60,
        )  # fmt: skip
        scheduler.start()
        return scheduler
