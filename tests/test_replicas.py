"""Two real `digibot serve` processes on one database behave as one bot; a process killed
mid-post is resumed by another without doubling anything."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot import platforms
from bot.settings import Settings
from handlers.render_text import render_text
from handlers.schedule import SummaryKey, due_reminder, due_summary, half_year
from handlers.summary.post import outcome_reply, post
from storage.db import make_engine
from storage.models import SummaryRun
from tests.conftest import EXAMPLE, db_url
from tests.slack_standin import SECRET, SlackClient, SlackStandIn, free_port, start_serve

ZONE = ZoneInfo("Europe/Helsinki")
LEADERSHIP = "C0LEADERS"
USERS = {
    "U0OWNER": "kehitysjohtaja@example.org",
    "U0ICT": "tietohallintopaallikko@example.org",
    "U0CISO": "tietoturvapaallikko@example.org",
}


def summary_due_now() -> str:
    """A summary date missed a little while ago: owed now."""
    now = datetime.now(UTC)
    today = now.astimezone(ZONE).date()
    for back in range(7):
        past = today - timedelta(days=back)
        if (past.month, past.day) == (2, 29):  # no yearly date: the settings refuse it
            continue
        if due_summary(now, [(past.month, past.day)], clock(0, 0), ZONE):
            return f"{past.month:02d}-{past.day:02d}"
    raise AssertionError("no summary date is due now")  # a week always has a working day


def reminder_due_now() -> tuple[str, str]:
    """A summary date ahead, and reminder days for which its reminder is owed now."""
    now = datetime.now(UTC)
    today = now.astimezone(ZONE).date()
    for ahead in range(8, 60):
        future = today + timedelta(days=ahead)
        if (future.month, future.day) == (2, 29):  # no yearly date: the settings refuse it
            continue
        for days in range(ahead, ahead + 30):
            if due_reminder(now, [(future.month, future.day)], clock(0, 0), ZONE, [days]):
                return f"{future.month:02d}-{future.day:02d}", str(days)
    raise AssertionError("no reminder is due now")


def run_replicas(env: dict[str, str], cwd: Path):
    """Two replicas started together; stopped when the block ends."""
    from contextlib import contextmanager

    @contextmanager
    def running():
        first, first_url = serve(env, cwd)
        second, second_url = serve(env, cwd)
        try:
            yield first_url, second_url
        finally:
            for process in (first, second):
                process.terminate()
                process.communicate(timeout=20)

    return running()


def environment(standin: SlackStandIn, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGIBOT_"))}
    return {
        **env, "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"{standin.url}/api/", "DIGIBOT_LEADERSHIP_CHANNEL": LEADERSHIP,
        "DIGIBOT_LANGUAGE": "en", "DIGIBOT_SUMMARY_TIME": "00:00", **extra,
    }  # fmt: skip


def digibot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def serve(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    return start_serve(env, cwd, port), f"http://127.0.0.1:{port}"


def main_messages(standin: SlackStandIn) -> list[dict]:
    return [
        c
        for c in standin.called("chat.postMessage")
        if c["channel"] == LEADERSHIP and not c.get("thread_ts")
    ]


def settle(standin: SlackStandIn, seconds: float = 3.0) -> int:
    """Wait until the stand-in has heard nothing new for a second; how many calls in all."""
    deadline = time.monotonic() + seconds * 10
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(standin.calls)
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since > seconds:
            return count
        time.sleep(0.1)
    return seen


@pytest.fixture
def standin():
    with SlackStandIn(USERS) as running:
        yield running


def test_two_replicas_send_each_reminder_once_store_each_update_once_and_post_one_summary(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    ahead, reminder_days = reminder_due_now()
    env = environment(
        standin, db_url(), DIGIBOT_SUMMARY_DATES=ahead, DIGIBOT_REMINDER_DAYS=reminder_days
    )
    assert digibot("import", str(EXAMPLE), env=env, cwd=tmp_path).returncode == 0
    with run_replicas(env, tmp_path) as (first_url, second_url):
        settle(standin)  # both ticked at start: each reachable owner reminded once
        direct = [c["channel"] for c in standin.called("chat.postMessage")]
        assert sorted(direct) == sorted(USERS)

        clients = [SlackClient(first_url, standin), SlackClient(second_url, standin)]
        clients[1]._n = count(1000)  # Slack's trigger ids are unique across replicas
        for n in range(20):
            response = clients[n % 2].command(f"status 1.1 on-track {n}% step {n}", user="U0OWNER")
            assert "Saved" in response.text
        for client in clients:  # a double click on the form, landing on each replica
            answer = json.dumps(
                client.submit_form(
                    user="U0OWNER", view_id="V0SAME", measure="2.2", status="done"
                ).json()
            )
            assert "Saved" in answer or "already saved" in answer
    exported = json.loads(digibot("export", "--history", env=env, cwd=tmp_path).stdout)
    updates = {m["id"]: m["updates"] for m in exported["measures"]}
    assert [u["progress"] for u in updates["1.1"]] == list(range(20))
    assert len(updates["2.2"]) == 1

    env["DIGIBOT_SUMMARY_DATES"] = summary_due_now()  # a summary missed while both were down
    with run_replicas(env, tmp_path):
        settle(standin)
        assert len(main_messages(standin)) == 1
        assert len(standin.called("files.completeUploadExternal")) == 1


def test_a_replica_killed_mid_post_is_resumed_by_another_without_doubling(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    env = environment(standin, db_url())  # the default claim timeout, 300 s
    # Every hand post here is the summary of a date a week ahead (within its 14-day reminder
    # window): the same summary whichever side of midnight each process starts.
    ahead = datetime.now(UTC).astimezone(ZONE).date() + timedelta(days=7)
    ahead += timedelta(days=(ahead.month, ahead.day) == (2, 29))
    env.update(
        DIGIBOT_SUMMARY_DATES=f"{ahead.month:02d}-{ahead.day:02d}", DIGIBOT_REMINDER_DAYS="14"
    )
    assert digibot("import", str(EXAMPLE), env=env, cwd=tmp_path).returncode == 0
    standin.hold("chat.postMessage", after=3)  # Slack never answers the fourth message
    dying = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "summary", "post"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert standin.holding.wait(timeout=60)
    dying.send_signal(signal.SIGKILL)  # killed with its fourth message in flight
    dying.wait(timeout=10)
    standin.release()
    before = len(standin.called("chat.postMessage"))
    assert before == 3
    busy = digibot("summary", "post", env=env, cwd=tmp_path)  # however long it takes to start
    assert busy.returncode == 0 and "being posted right now" in busy.stdout

    # Another process, once the dead one's claim has gone stale: on the test's clock.
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        run = session.exec(select(SummaryRun)).one()
    claimed_at = run.claimed_at
    # The same summary the dead process claimed, whatever day the test's clock says it is.
    key = SummaryKey(run.period, run.kind, half_year(run.period))
    settings = Settings(
        _env_file=None, database_url=env["DATABASE_URL"], slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET, slack_api_url=f"{standin.url}/api/",
        digibot_leadership_channel=LEADERSHIP, digibot_language="en",
    )  # fmt: skip
    ctx = platforms.context(settings, engine, source="schedule")
    late = claimed_at + ctx.claim_timeout + timedelta(seconds=1)
    almost = claimed_at + ctx.claim_timeout - timedelta(seconds=1)
    [publisher] = platforms.build(settings, engine).publishers
    early = post(
        replace(ctx, now=lambda: almost), publisher, key=key, trigger="cli", requested_by="cli"
    )
    assert early.state == "busy"
    resumed = post(
        replace(ctx, now=lambda: late), publisher, key=key, trigger="cli", requested_by="cli"
    )
    assert "is posted to" in render_text(outcome_reply(resumed, ctx))
    engine.dispose()

    posted = [c for c in standin.called("chat.postMessage") if c["channel"] == LEADERSHIP]
    assert len(posted) > before
    assert len(main_messages(standin)) == 1
    main_ts = "1.0001"
    assert all(c["thread_ts"] == main_ts for c in posted[1:])
    bodies = [c.get("blocks") for c in posted]
    assert len(set(map(str, bodies))) == len(bodies)  # nothing posted twice
    assert len(standin.called("files.completeUploadExternal")) == 1
    again = digibot("summary", "post", env=env, cwd=tmp_path)
    assert "was already posted" in again.stdout
