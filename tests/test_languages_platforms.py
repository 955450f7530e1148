"""A Swedish-speaking owner's story on Slack and on Teams in a Finnish city: the platform's
locale (sv-SE) picks the replies' language, the form and the reminder; an explicit choice
wins; the channel summary stays in the city's language."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time

import httpx
import pytest

from bot import platforms
from bot.serve import web_app
from bot.settings import Settings
from bot.slack.app import web_client
from bot.slack.publisher import SlackMessenger, SlackPublisher
from bot.teams.adapter import TeamsMessenger
from handlers.context import Context
from handlers.reminders import send_reminders
from handlers.schedule import summary_slots
from handlers.summary.post import post
from tests.conftest import count_updates
from tests.slack_standin import SECRET, SlackClient, SlackStandIn
from tests.teams_standin import ConnectorStandIn, activity, invoke, texts
from tests.test_slack import start_server, text_of
from tests.test_teams import ANONYMOUS, MEMBERS, OWNER, Running, served

SVEN, FINN = "U0OWNER", "U0ICT"  # owner of 1.1 (app in Swedish); deputy of 1.1 (no locale)
USERS = {SVEN: "kehitysjohtaja@example.org", FINN: "tietohallintopaallikko@example.org"}
LEADERSHIP = "C0LEADERS"


@pytest.fixture
def slack_api() -> Iterator[SlackStandIn]:
    with SlackStandIn(USERS, locales={SVEN: "sv-SE"}) as running:
        yield running


def settings_for(api: SlackStandIn) -> Settings:
    return Settings(
        _env_file=None, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
        slack_api_url=f"{api.url}/api/", digibot_leadership_channel=LEADERSHIP,
        digibot_language="fi",
    )  # fmt: skip


@pytest.fixture
def slack(programme, slack_api) -> Iterator[SlackClient]:
    settings = settings_for(slack_api)
    server, thread, url = start_server(
        web_app(settings, programme, platforms.build(settings, programme))
    )
    yield SlackClient(url, slack_api)
    server.should_exit = True
    thread.join(timeout=10)


def test_slack_answers_a_swedish_speaking_owner_in_swedish(programme, slack, slack_api) -> None:
    saved = text_of(slack.command("status 1.1 enligt-plan 40 % Pilotprojektet pågår", user=SVEN))
    assert "Sparat. Läget för åtgärd 1.1 nu:" in saved and "Framskrider enligt plan" in saved
    assert "Etenee suunnitellusti" in text_of(slack.command("show 1.1", user=FINN))
    assert "Ansvarsperson" in text_of(slack.command("visa 1.1", user=SVEN))
    assert count_updates(programme) == 1
    calls = slack_api.called("users.info")
    assert calls and all(str(c.get("include_locale")).lower() in ("1", "true") for c in calls)


def test_slack_opens_the_form_in_swedish(slack, slack_api) -> None:
    assert slack.command("uppdatera", user=SVEN).status_code == 200
    [opened] = slack_api.wait_for("views.open")
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    shown = json.dumps(view, ensure_ascii=False)
    assert view["title"]["text"] == "Lägesuppdatering" and view["submit"]["text"] == "Spara"
    assert "Framskrider enligt plan" in shown and "Etenee" not in shown


def test_on_slack_a_chosen_language_wins_over_the_locale(slack) -> None:
    assert "Selvä: vastaan sinulle" in text_of(slack.command("kieli fi", user=SVEN))
    assert "Etenee suunnitellusti" in text_of(slack.command("status 1.1 on-track", user=SVEN))


def test_reminders_in_the_persons_language_the_summary_in_the_citys(programme, slack_api) -> None:
    client = web_client(settings_for(slack_api))
    ctx = Context(engine=programme, language="fi", now=lambda: datetime(2025, 5, 20, 6, tzinfo=UTC))
    [spring, _] = summary_slots(2025, [(5, 20), (9, 20)], time(9, 0), ctx.timezone)
    outcome = send_reminders(ctx, SlackMessenger(client), slot=spring, day=date(2025, 5, 6))
    assert sorted(outcome.sent) == sorted(USERS.values())
    direct = {m["channel"]: json.dumps(m, ensure_ascii=False)
              for m in slack_api.called("chat.postMessage")}  # fmt: skip
    assert "Påminnelse: lägesuppdatering" in direct[SVEN] and "20.5.2025" in direct[SVEN]
    assert "Muistutus: tilannepäivitys" in direct[FINN]

    assert post(ctx, SlackPublisher(client, LEADERSHIP), trigger="cli", requested_by="t").state
    channel = [json.dumps(m, ensure_ascii=False) for m in slack_api.called("chat.postMessage")
               if m["channel"] == LEADERSHIP]  # fmt: skip
    assert channel and "tilannekatsaus, kevät 2025" in channel[0]
    assert not any("lägesöversikt" in message for message in channel)


# --- Teams ---


@pytest.fixture
def teams(programme, monkeypatch) -> Iterator[Running]:
    with ConnectorStandIn(MEMBERS) as connector:
        chat, app = served(monkeypatch, programme, ANONYMOUS)
        chat = replace(chat)
        server, thread, url = start_server(app)
        with httpx.Client(base_url=url, timeout=30) as http:
            running = Running(chat.teams, connector, http, programme)
            yield running
        server.should_exit = True
        thread.join(timeout=10)
        running.cards_sent()


def say(teams: Running, text: str, locale: str) -> None:
    teams.send(activity(teams.connector.url, OWNER, text=text, locale=locale))


def test_teams_answers_in_the_activitys_locale(teams: Running) -> None:
    say(teams, "status 1.1 enligt-plan 40 % Pilotprojektet pågår", "sv-SE")
    say(teams, "näytä 1.1", "fi-FI")
    say(teams, "show 1.1", "en-US")
    swedish, finnish, english = teams.connector.wait(3)
    assert "Sparat. Läget för åtgärd 1.1 nu:" in texts(swedish) and "40 %" in texts(swedish)
    assert "Etenee suunnitellusti" in texts(finnish)
    assert "On track" in texts(english) and "40%" in texts(english)


def test_teams_opens_the_dialog_in_swedish_and_a_choice_wins(teams: Running) -> None:
    fetched = teams.send(
        invoke(teams.connector.url, OWNER, "task/fetch", {"digi": "open_form"})
        | {"locale": "sv-SE"}
    )
    task = fetched.json()["task"]
    assert task["value"]["title"] == "Lägesuppdatering"
    assert "Framskrider enligt plan" in json.dumps(task, ensure_ascii=False)
    say(teams, "språk en", "sv-SE")
    say(teams, "visa 1.1", "sv-SE")
    chosen, shown = teams.connector.wait(2)
    assert "Done: I will answer you in English" in texts(chosen)
    assert "Owner" in texts(shown) and "Ansvarsperson" not in texts(shown)


def test_teams_reminds_in_the_locale_of_the_persons_chat(teams: Running) -> None:
    say(teams, "hjälp", "sv-FI")  # the personal chat, with its locale, is remembered
    teams.connector.sent.clear()
    ctx = Context(engine=teams.engine, language="fi")
    [slot, _] = summary_slots(2025, [(5, 20), (9, 20)], time(0, 0), ctx.timezone)
    outcome = send_reminders(ctx, TeamsMessenger(teams.bot), slot=slot, day=date(2025, 5, 6))
    assert outcome.sent == ["kehitysjohtaja@example.org"]
    [reminder] = teams.connector.activities()
    assert "Påminnelse: lägesuppdatering" in texts(reminder)
