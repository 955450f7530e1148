"""`GET /metrics` of the app `digibot serve` runs, read with Prometheus' own text parser after
commands over real HTTP: signed Slack requests (the Slack stand-in) and Teams activities (the
Bot Connector stand-in), the schedule's reminders, and a database that cannot be reached."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from bot import platforms
from bot.platforms import Platforms
from bot.scheduler import Schedule
from bot.serve import web_app
from bot.settings import Settings
from handlers.reminders import due_people
from storage.db import make_engine
from tests.conftest import unreachable_url
from tests.slack_standin import SECRET, SlackClient, SlackStandIn
from tests.teams_standin import ConnectorStandIn, activity, texts
from tests.test_slack import COORDINATOR, OWNER, STRANGER, USERS, start_server
from tests.test_teams import ANONYMOUS, MEMBERS
from tests.test_teams import OWNER as TEAMS_OWNER
from tests.test_teams import STRANGER as TEAMS_STRANGER

LEADERS = "C0LEADERS"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str, **headers: str) -> Samples:
    response = httpx.get(f"{url}/metrics", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def series(samples: Samples, name: str, *labels: str) -> dict[tuple[str, ...], float]:
    """Every sample of `name`, keyed by the values of `labels`."""
    return {
        tuple(dict(found)[label] for label in labels): number
        for (sample, found), number in samples.items()
        if sample == name
    }


@dataclass
class Served:
    chat: Platforms
    settings: Settings
    engine: object
    url: str
    slack: SlackClient
    standin: SlackStandIn
    connector: ConnectorStandIn


@pytest.fixture
def served(programme, monkeypatch) -> Iterator[Served]:
    """Slack and Teams in one app, exactly as `digibot serve` builds it."""
    for name, setting in ANONYMOUS.items():
        monkeypatch.setenv(name, setting)
    with SlackStandIn(USERS) as standin, ConnectorStandIn(MEMBERS) as connector:
        settings = Settings(
            _env_file=None, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
            slack_api_url=f"{standin.url}/api/", digibot_coordinators=[COORDINATOR],
            digibot_language="en", digibot_leadership_channel=LEADERS,
        )  # fmt: skip
        chat = platforms.build(settings, programme)
        server, thread, url = start_server(web_app(settings, programme, chat))
        try:
            yield Served(
                chat, settings, programme, url, SlackClient(url, standin), standin, connector
            )
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def test_a_known_sequence_of_commands_is_counted_exactly(served: Served) -> None:
    slack, connector = served.slack, served.connector
    assert "Saved" in slack.command("status 1.1 on-track 40% Pilot", user=OWNER).text
    assert "Saved" not in slack.command("status 1.1 done", user=STRANGER).text
    assert "9.9" in slack.command("show 9.9", user=OWNER).text
    slack.command("frobnicate", user=OWNER)
    assert "1.1" in slack.command("näytä 1.1", user=OWNER).text
    slack.command("summary post", user=COORDINATOR)
    served.standin.wait_for_text(f"is posted to {LEADERS}")
    slack.command("yhteenveto julkaise", user=COORDINATOR)
    served.standin.wait_for_text("was already posted")
    for user, text in ((TEAMS_OWNER, "historia 1.1"), (TEAMS_STRANGER, "status 1.1 done")):
        httpx.post(f"{served.url}/api/messages", json=activity(connector.url, user, text=text))
    replies = connector.wait(2)
    assert "Saved" not in texts(replies[1])

    samples = scrape(served.url)
    assert series(samples, "digibot_commands_total", "command", "platform", "outcome") == {
        ("status", "slack", "ok"): 1,
        ("status", "slack", "refused"): 1,  # not the owner's
        ("show", "slack", "refused"): 1,  # no such measure
        ("unknown", "slack", "refused"): 1,
        ("show", "slack", "ok"): 1,
        ("summary", "slack", "ok"): 2,
        ("history", "teams", "ok"): 1,
        ("status", "teams", "refused"): 1,
    }
    assert value(samples, "digibot_command_seconds_count", platform="slack") == 7
    assert value(samples, "digibot_command_seconds_count", platform="teams") == 2
    assert value(samples, "digibot_command_seconds_bucket", platform="slack", le="+Inf") == 7
    assert value(samples, "digibot_slack_ack_seconds_count") == 7  # one a signed request
    assert series(samples, "digibot_summaries_total", "platform", "outcome") == {
        ("slack", "posted"): 1,
        ("slack", "already"): 1,
    }
    assert series(samples, "digibot_database_errors_total", "kind") == {
        ("unavailable",): 0,
        ("busy",): 0,
    }
    [(labels, one)] = series(samples, "digibot_build_info", "version").items()
    assert one == 1 and labels[0].count(".") >= 1  # the installed version, e.g. 0.1.0


def test_the_schedules_reminders_are_counted_sent_and_failed(served: Served) -> None:
    """Owners on the Slack stand-in get theirs; those Slack does not know count as failed."""
    schedule = Schedule(
        served.settings,
        platforms.context(served.settings, served.engine, source="schedule"),
        served.chat.publishers,
        served.chat.messenger,
        served.chat.metrics,
    )
    due = due_people(schedule.ctx)
    reminder_day = datetime(2025, 5, 6, 7, 0, tzinfo=UTC)  # 14 days before 20 May, 10:00 local
    schedule.tick(reminder_day)
    sent = [c for c in served.standin.called("chat.postMessage") if c["channel"] != LEADERS]
    assert 0 < len(sent) < len(due)
    samples = scrape(served.url)
    assert series(samples, "digibot_reminders_total", "outcome") == {
        ("sent",): len(sent),
        ("failed",): len(due) - len(sent),
    }
    schedule.tick(reminder_day)  # the same day again: nobody is reminded twice
    assert scrape(served.url) == samples  # nothing moved
    assert series(samples, "digibot_summaries_total", "platform", "outcome") == {}


def test_a_database_that_cannot_be_reached_counts_as_errors(tmp_path) -> None:
    engine = make_engine(unreachable_url(tmp_path))
    with SlackStandIn(USERS) as standin:
        settings = Settings(
            _env_file=None, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
            slack_api_url=f"{standin.url}/api/", digibot_language="en",
        )  # fmt: skip
        server, thread, url = start_server(
            web_app(settings, engine, platforms.build(settings, engine))
        )
        try:
            answer = SlackClient(url, standin).command("status 1.1 done", user=OWNER)
            assert "nothing was saved" in answer.text
            samples = scrape(url)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    engine.dispose()
    assert series(samples, "digibot_commands_total", "command", "platform", "outcome") == {
        ("status", "slack", "error"): 1
    }
    # Two operations failed: looking up the person's chosen language (the answer then falls
    # back to the platform's locale), and the command's own unit of work.
    assert value(samples, "digibot_database_errors_total", kind="unavailable") == 2
    assert value(samples, "digibot_database_errors_total", kind="busy") == 0


def test_two_apps_in_one_process_count_apart(served: Served, programme) -> None:
    other = web_app(served.settings, programme, platforms.build(served.settings, programme))
    server, thread, url = start_server(other)
    try:
        served.slack.command("show 1.1", user=OWNER)
        assert value(scrape(served.url), "digibot_commands_total", command="show",
                     platform="slack", outcome="ok") == 1  # fmt: skip
        assert series(scrape(url), "digibot_commands_total", "command") == {}
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_metrics_answer_this_host_only_by_default_and_can_be_turned_off(
    served: Served, programme
) -> None:
    assert served.settings.digibot_metrics == "local"
    relayed = httpx.get(f"{served.url}/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert relayed.status_code == 403 and "DIGIBOT_METRICS" in relayed.text
    assert "digibot_" not in relayed.text
    for access, status in (("off", 404), ("on", 200)):
        settings = served.settings.model_copy(update={"digibot_metrics": access})
        server, thread, url = start_server(
            web_app(settings, programme, platforms.build(settings, programme))
        )
        try:
            relayed = httpx.get(f"{url}/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
            assert relayed.status_code == status
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.mark.parametrize("given", ["yes", "public", "127.0.0.1"])
def test_an_unknown_metrics_setting_is_refused_at_start(given: str) -> None:
    with pytest.raises(ValidationError, match="digibot_metrics"):
        Settings(_env_file=None, digibot_metrics=given)
