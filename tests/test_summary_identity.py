"""Which summary a post is: each configured summary date is its own summary, a hand post
in the reminder window before a date is that date's, any other hand post is an extra that
never suppresses a scheduled one; invalid schedule settings are refused at start."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.scheduler import Schedule
from bot.slack.app import web_client
from bot.slack.publisher import SlackMessenger, SlackPublisher
from handlers.context import Context
from handlers.render_text import render_text
from handlers.schedule import Calendar, summary_slots
from handlers.summary.post import outcome_reply, post
from storage.models import SummaryRun
from tests.conftest import ROOT, record
from tests.slack_standin import SlackStandIn
from tests.test_summary import LEADERSHIP, posted_messages, settings_for

MAY_20_0900 = datetime(2025, 5, 20, 6, 0, tzinfo=UTC)  # 09:00 in Helsinki


@pytest.fixture
def standin():
    with SlackStandIn({"U0OWNER": "kehitysjohtaja@example.org"}) as running:
        yield running


def main_messages(standin) -> list[dict]:
    return [m for m in posted_messages(standin) if not m.get("thread_ts")]


def runs(engine) -> list[tuple[str, str, int, str]]:
    with Session(engine) as session:
        rows = session.exec(select(SummaryRun).order_by(col(SummaryRun.id)))
        return [(r.period, r.kind, r.attempt, r.trigger) for r in rows]


def hand_post(engine, standin, when: datetime, *, force: bool = False, **settings):
    ctx = Context(engine=engine, language="en", now=lambda: when, schedule=_calendar(settings))
    publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
    return post(ctx, publisher, force=force, trigger="chat", requested_by="U0COORD"), ctx


def _calendar(settings: dict) -> Calendar:
    return Calendar.parse(
        settings.get("digibot_summary_dates", ["05-20", "09-20"]),
        settings.get("digibot_summary_time", "09:00"),
        settings.get("digibot_reminder_days", [14, 3]),
    )


def schedule_for(engine, standin, **settings) -> Schedule:
    configured = settings_for(standin, **settings)
    client = web_client(configured)
    return Schedule(
        configured,
        Context(engine=engine, language="en"),
        [SlackPublisher(client, LEADERSHIP)],
        SlackMessenger(client),
    )


def test_a_january_hand_post_is_an_extra_and_the_may_summary_still_posts(
    programme, standin, caplog
) -> None:
    january = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)
    extra, ctx = hand_post(programme, standin, january)
    assert extra.state == "posted"
    said = render_text(outcome_reply(extra, ctx))
    assert "(extra)" in said and "20 May 2025" in said  # the scheduled one still comes
    record(programme, "1.1", "delayed", note="Vendor late", when=datetime(2025, 3, 1, tzinfo=UTC))
    schedule = schedule_for(programme, standin)
    schedule.tick(MAY_20_0900)
    schedule.tick(MAY_20_0900 + timedelta(minutes=1))
    assert len(main_messages(standin)) == 2
    assert runs(programme) == [
        ("2025-01-15-extra", "extra", 0, "chat"),
        ("2025-H1", "scheduled", 0, "schedule"),
    ]
    with Session(programme) as session:
        january_run, may_run = session.exec(select(SummaryRun).order_by(col(SummaryRun.id)))
    # What leadership saw last was the January extra: May tells what changed since then.
    assert may_run.baseline_update_id == january_run.cutoff_update_id


def test_a_hand_post_five_days_before_the_may_date_counts_as_mays(
    programme, standin, caplog
) -> None:
    early, _ = hand_post(programme, standin, MAY_20_0900 - timedelta(days=5))
    assert early.state == "posted"
    assert (early.run.period, early.run.kind) == ("2025-H1", "scheduled")
    schedule = schedule_for(programme, standin)
    with caplog.at_level("INFO", logger="bot.scheduler"):
        for minutes in (0, 1, 60, 3 * 24 * 60):
            schedule.tick(MAY_20_0900 + timedelta(minutes=minutes))
    assert len(main_messages(standin)) == 1
    assert runs(programme) == [("2025-H1", "scheduled", 0, "chat")]
    said = [r.getMessage() for r in caplog.records if "2025-H1" in r.getMessage()]
    assert len(said) == 1 and "already posted" in said[0]  # said once, not every minute


def test_four_configured_dates_post_four_summaries(programme, standin) -> None:
    dates = ["02-20", "05-20", "09-20", "11-20"]
    schedule = schedule_for(programme, standin, digibot_summary_dates=dates)
    slots = summary_slots(2025, [(2, 20), (5, 20), (9, 20), (11, 20)], time(9), schedule.zone)
    for slot in slots:
        schedule.tick(slot.at.astimezone(UTC))
        schedule.tick(slot.at.astimezone(UTC) + timedelta(minutes=1))
    assert len(main_messages(standin)) == 4
    assert [name for name, *_ in runs(programme)] == [
        "2025-02-20", "2025-05-20", "2025-09-22", "2025-11-20",
    ]  # fmt: skip


def test_force_is_recorded_as_a_repost_and_the_schedule_still_posts_once(
    programme, standin
) -> None:
    schedule = schedule_for(programme, standin)
    schedule.tick(MAY_20_0900)
    again, ctx = hand_post(programme, standin, MAY_20_0900 + timedelta(hours=2))
    assert again.state == "already"
    forced, ctx = hand_post(programme, standin, MAY_20_0900 + timedelta(hours=3), force=True)
    assert forced.state == "posted" and forced.run.attempt == 1
    assert "repost" in render_text(outcome_reply(forced, ctx))
    schedule.tick(MAY_20_0900 + timedelta(days=1))
    assert len(main_messages(standin)) == 2
    assert runs(programme) == [
        ("2025-H1", "scheduled", 0, "schedule"),
        ("2025-H1", "scheduled", 1, "chat"),
    ]


def test_a_second_hand_post_the_same_day_is_the_same_extra(programme, standin) -> None:
    january = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)
    hand_post(programme, standin, january)
    again, _ = hand_post(programme, standin, january + timedelta(hours=3))
    assert again.state == "already" and len(main_messages(standin)) == 1


def test_reminders_still_go_after_an_extra_but_not_after_an_early_post(programme, standin):
    from handlers.reminders import send_reminders

    spring = summary_slots(2025, [(5, 20), (9, 20)], time(9), Context(programme).timezone)[0]
    hand_post(programme, standin, datetime(2025, 3, 3, 8, tzinfo=UTC))  # an extra
    messenger = SlackMessenger(web_client(settings_for(standin)))
    ctx = Context(engine=programme, language="en", now=lambda: datetime(2025, 5, 6, 6, tzinfo=UTC))
    assert send_reminders(ctx, messenger, slot=spring, day=spring.day - timedelta(14)).sent
    hand_post(programme, standin, datetime(2025, 5, 15, 8, tzinfo=UTC))  # May's, early
    ctx = Context(engine=programme, language="en", now=lambda: datetime(2025, 5, 19, 6, tzinfo=UTC))
    outcome = send_reminders(ctx, messenger, slot=spring, day=spring.day - timedelta(1))
    assert outcome.sent == [] and outcome.unreachable == []


# --- settings refused at start ---


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("DIGIBOT_SUMMARY_DATES", "02-30", "no day 30"),
        ("DIGIBOT_SUMMARY_DATES", "13-01", "month 13"),
        ("DIGIBOT_SUMMARY_DATES", "05-20,05-20", "twice"),
        ("DIGIBOT_SUMMARY_TIME", "25:00", "not a time of day"),
        ("DIGIBOT_REMINDER_DAYS", "14,3,14", "twice"),
        ("DIGIBOT_REMINDER_DAYS", "30", "gap"),
    ],
)
def test_invalid_schedule_settings_are_refused_at_start(tmp_path, name, value, said) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGIBOT_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="secret", DIGIBOT_SUMMARY_DATES="05-20,06-10",
    )  # fmt: skip
    env.update({name: value, "PYTHONPATH": str(ROOT)})  # this checkout's code, from any folder
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "summary", "preview"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert name in result.stderr and said in result.stderr
    assert "Traceback" not in result.stderr


# --- an existing database ---


def test_runs_posted_before_the_upgrade_keep_counting_for_their_half_year(standin) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from storage.db import MIGRATIONS, make_engine, migrate, session_scope
    from storage.programme_io import import_file
    from tests.conftest import EXAMPLE, db_url

    engine = make_engine(db_url("at0004.db"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO summary_run (id, period, channel, attempt, trigger, requested_by, "
                "as_of, cutoff_update_id, cutoff_at, claimed_by, claimed_at, posted_at, main_id) "
                "VALUES (1, '2025-H1', :channel, 0, 'schedule', 'schedule', '2025-05-20', 0, "
                "'2025-05-20 06:00:00', 'old:1', '2025-05-20 06:00:00', "
                "'2025-05-20 06:01:00', '1.0001')"
            ),
            {"channel": LEADERSHIP},
        )
    migrate(engine)
    with session_scope(engine) as session:
        import_file(session, EXAMPLE)
    schedule = schedule_for(engine, standin)
    schedule.tick(MAY_20_0900 + timedelta(hours=1))  # posted before the upgrade: not again
    assert main_messages(standin) == []
    schedule.tick(datetime(2025, 9, 22, 6, 0, tzinfo=UTC))
    assert len(main_messages(standin)) == 1
    assert runs(engine) == [
        ("2025-H1", "scheduled", 0, "schedule"),
        ("2025-H2", "scheduled", 0, "schedule"),
    ]
    engine.dispose()


# --- the calendar's part, pure ---


def test_the_reminder_window_starts_at_the_start_of_its_day() -> None:
    from zoneinfo import ZoneInfo

    from handlers.schedule import hand_post_key

    zone, calendar = ZoneInfo("Europe/Helsinki"), Calendar()
    before = datetime(2025, 5, 5, 23, 59, tzinfo=zone)  # 14 days before 20 May is 6 May
    assert hand_post_key(before, calendar, zone).name == "2025-05-05-extra"
    assert hand_post_key(before + timedelta(minutes=1), calendar, zone).name == "2025-H1"
    after = datetime(2025, 5, 27, 9, 0, tzinfo=zone)  # 7 days after: no longer May's
    assert hand_post_key(after - timedelta(minutes=1), calendar, zone).name == "2025-H1"
    assert hand_post_key(after, calendar, zone).kind == "extra"


def test_names_stay_unique_when_a_december_date_moves_into_january() -> None:
    from zoneinfo import ZoneInfo

    from handlers.schedule import scheduled_key

    zone, calendar = ZoneInfo("Europe/Helsinki"), Calendar.parse(["05-20", "12-31"], "09:00", [3])
    keys = [
        scheduled_key(slot, calendar, zone)
        for year in range(2020, 2031)
        for slot in summary_slots(year, list(calendar.month_days), calendar.at, zone)
    ]
    assert len({k.name for k in keys}) == len(keys)
    # 31 Dec 2022 was a Saturday: that summary moved to 2 Jan 2023, beside 22 May 2023.
    assert {"2023-01-02", "2023-05-22"} <= {k.name for k in keys}
