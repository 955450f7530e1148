"""Leavers: a user the platform says is deactivated or gone (Slack's signed `user_change`
through the real HTTP app, `users.info`'s `deleted`; Teams' 404 and `membersRemoved`) is
recorded as left; their measures are listed for the coordinators until reassigned, and
they are never reminded. A reactivated user is no longer a leaver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import select

from bot.settings import Settings
from bot.slack.app import web_client
from bot.slack.publisher import SlackMessenger
from bot.teams.adapter import TeamsMessenger
from handlers.context import Context
from handlers.reminders import send_reminders
from handlers.render_text import render_text
from handlers.schedule import summary_slots
from storage import crud
from storage.db import session_scope
from storage.models import Departure
from tests.conftest import ChatBot, previewed
from tests.slack_standin import SECRET, SlackClient, SlackStandIn
from tests.teams_standin import activity
from tests.test_slack import served, start_server
from tests.test_teams import OWNER as TEAMS_OWNER
from tests.test_teams import Running, connector, teams  # noqa: F401 (fixtures)

OWNER_EMAIL = "kehitysjohtaja@example.org"  # owns 1.1, 6.1 and 6.2
USERS = {
    "U0OWNER": "Kehitysjohtaja@example.org",
    "U0DEPUTY": "tietohallintopaallikko@example.org",
    "U0VIESTI": "viestintapaallikko@example.org",  # owns 1.3, which has no deputy
    "U0COORD": "koordinaattori@tornio.fi",
}
REMINDER_DAY = date(2025, 5, 6)


def departures(engine) -> list[Departure]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(Departure).order_by(Departure.id)))
        session.expunge_all()
    return rows


def spring(ctx: Context):
    return summary_slots(2025, [(5, 20), (9, 20)], time(0, 0), ctx.timezone)[0]


@dataclass
class Slack:
    client: SlackClient
    standin: SlackStandIn
    settings: Settings
    ctx: Context


@pytest.fixture
def slack(programme) -> Iterator[Slack]:
    with SlackStandIn(USERS) as standin:
        settings = Settings(
            _env_file=None, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
            slack_api_url=f"{standin.url}/api/", digibot_coordinators=["U0COORD"],
            digibot_language="en",
        )  # fmt: skip
        server, thread, url = start_server(served(settings, programme))
        ctx = Context(engine=programme, language="en", coordinators=frozenset({"U0COORD"}),
                      now=lambda: datetime(2025, 5, 6, 6, 0, tzinfo=UTC))  # fmt: skip
        yield Slack(SlackClient(url, standin), standin, settings, ctx)
        server.should_exit = True
        thread.join(timeout=10)


def user_change(slack: Slack, *, deleted: bool, event_id: str) -> None:
    user = {"id": "U0OWNER", "deleted": deleted, "profile": {"email": "Kehitysjohtaja@example.org"}}
    answer = slack.client.event({"type": "user_change", "user": user}, event_id=event_id)
    assert answer.status_code == 200


def home_of(slack: Slack, user: str, n: int) -> str:
    event = {"type": "app_home_opened", "user": user, "channel": "D0", "tab": "home"}
    slack.client.event(event, event_id=f"EvHome{n}")
    return json.dumps(slack.standin.wait_for("views.publish", n)[n - 1], ensure_ascii=False)


def test_a_deactivated_owner_is_listed_for_the_coordinators_and_never_reminded(
    slack: Slack,
) -> None:
    bot = ChatBot(slack.ctx)
    assert "Owner has left" not in bot.ask("stale", as_="U0COORD")
    user_change(slack, deleted=True, event_id="EvGone1")
    [left] = departures(slack.ctx.engine)
    assert left.source == "slack:user_change" and left.returned_at is None
    user_change(slack, deleted=True, event_id="EvGone2")  # said again: still one record
    assert len(departures(slack.ctx.engine)) == 1

    stale = bot.ask("stale", as_="U0COORD")
    assert "Owner has left (3)" in stale
    assert (
        "1.1 Suomi.fi-viestit käyttöön kaikissa päätöksissä — Kehitysjohtaja — owner has left"
        in stale
    )
    assert "Owner has left (3)" in home_of(slack, "U0COORD", 1)
    assert "Owner has left" not in home_of(slack, "U0DEPUTY", 2)  # for coordinators only

    _, parts = previewed(slack.ctx)
    main = render_text(parts[0])
    assert "owner has left" in main  # among what needs attention
    details = "\n".join(render_text(part) for part in parts[1:])
    assert "Owner has left (3)" in details

    outcome = send_reminders(slack.ctx, SlackMessenger(web_client(slack.settings)),
                             slot=spring(slack.ctx), day=REMINDER_DAY)  # fmt: skip
    channels = [m["channel"] for m in slack.standin.called("chat.postMessage")]
    assert "U0OWNER" not in channels and OWNER_EMAIL not in outcome.sent
    assert "U0DEPUTY" in channels


def test_a_reactivated_user_is_no_longer_a_leaver(slack: Slack) -> None:
    user_change(slack, deleted=True, event_id="EvGone1")
    user_change(slack, deleted=False, event_id="EvBack1")
    [row] = departures(slack.ctx.engine)  # kept, marked returned
    assert row.returned_source == "slack:user_change" and row.returned_at is not None
    assert "Owner has left" not in ChatBot(slack.ctx).ask("stale", as_="U0COORD")
    _, parts = previewed(slack.ctx)
    assert "owner has left" not in render_text(parts[0]).lower()


def test_a_measure_handed_to_someone_else_drops_out_of_the_leavers_list(slack: Slack) -> None:
    user_change(slack, deleted=True, event_id="EvGone1")
    with session_scope(slack.ctx.engine) as session:
        measure = crud.find_measure(session, code="1.1")
        new = crud.ensure_person(session, ref="uusi@example.org")
        crud.replace_roles(session, measure_id=measure.id, wanted=[(new.id, "owner")])
    stale = ChatBot(slack.ctx).ask("stale", as_="U0COORD")
    assert "Owner has left (2)" in stale and "1.1 Suomi.fi" not in stale.split("Owner has left")[1]


def test_users_info_saying_deleted_at_reminder_time_records_the_leaver_and_reminds_others(
    slack: Slack,
) -> None:
    slack.standin.deleted.add("U0VIESTI")
    outcome = send_reminders(slack.ctx, SlackMessenger(web_client(slack.settings)),
                             slot=spring(slack.ctx), day=REMINDER_DAY)  # fmt: skip
    assert outcome.left == ["viestintapaallikko@example.org"]
    [left] = departures(slack.ctx.engine)
    assert left.source == "slack:users.info"
    sent = {m["channel"]: json.dumps(m) for m in slack.standin.called("chat.postMessage")}
    assert "U0VIESTI" not in sent
    assert '"value": "1.3"' in sent["U0COORD"]  # 1.3 has no deputy: the coordinator is told
    assert "Owner has left (1)" in ChatBot(slack.ctx).ask("stale", as_="U0COORD")


# --- Teams ---


def test_a_teams_member_no_longer_found_is_recorded_left_and_not_reminded(
    teams: Running,  # noqa: F811 (the fixture)
) -> None:
    teams.say("help", TEAMS_OWNER)  # the personal chat is remembered
    teams.connector.sent.clear()
    teams.connector.gone.add("a:chat-29:owner")
    ctx = replace(teams.bot.ctx, now=lambda: datetime(2025, 5, 6, 6, 0, tzinfo=UTC))
    outcome = send_reminders(ctx, TeamsMessenger(teams.bot), slot=spring(ctx), day=REMINDER_DAY)
    assert outcome.left == [OWNER_EMAIL] and teams.connector.activities() == []
    [left] = departures(teams.engine)
    assert left.source == "teams:MemberNotFound"
    again = send_reminders(ctx, TeamsMessenger(teams.bot), slot=spring(ctx), day=date(2025, 5, 19))
    assert OWNER_EMAIL not in outcome.unreachable + again.unreachable + again.left


def test_a_teams_member_removed_from_the_personal_chat_has_left(
    teams: Running,  # noqa: F811 (the fixture)
) -> None:
    teams.say("help", TEAMS_OWNER)
    removed = activity(
        teams.connector.url, TEAMS_OWNER, type="conversationUpdate",
        membersRemoved=[{"id": TEAMS_OWNER["id"], "aadObjectId": TEAMS_OWNER["aadObjectId"]}],
    )  # fmt: skip
    assert teams.send(removed).status_code < 300
    [left] = departures(teams.engine)
    assert left.source == "teams:membersRemoved"
    assert "Owner has left (3)" in ChatBot(teams.bot.ctx).ask("stale", as_="coord@tornio.fi")
