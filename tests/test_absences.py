"""Absences: `away until …` and `back`, set by the person or a coordinator; while away their
reminders go to their deputies (the coordinators where there is none), and `show`, the Home
tab, `stale` and the summary say so. The clock is the test's own, never the wall clock."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import select

from bot.console import respond
from bot.settings import Settings
from bot.slack.app import build_app, web_client
from bot.slack.publisher import SlackMessenger
from bot.teams.adapter import TeamsMessenger
from bot.web import create_web_app
from handlers.commands.away import mentioned, parse, parse_day
from handlers.context import Actor, Context
from handlers.messages import Messages
from handlers.reminders import send_reminders
from handlers.render_text import render_text
from handlers.schedule import summary_slots
from storage.db import session_scope
from storage.models import Absence
from tests.conftest import COORDINATOR, DEPUTY, OWNER, STRANGER, ChatBot, Clock, previewed
from tests.slack_standin import SECRET, SlackClient, SlackStandIn
from tests.teams_standin import texts
from tests.test_slack import start_server
from tests.test_teams import COORDINATOR as TEAMS_COORDINATOR
from tests.test_teams import DEPUTY as TEAMS_DEPUTY
from tests.test_teams import OWNER as TEAMS_OWNER
from tests.test_teams import connector, teams  # noqa: F401 (fixtures)

VIESTINTA = "viestintapaallikko@example.org"  # owns 1.3, which has no deputy
REMINDER_DAY = datetime(2025, 5, 6, 6, 0, tzinfo=UTC)  # 09:00 in Helsinki, 14 days before
SLACK_USERS = {
    "U0OWNER": OWNER,
    "U0DEPUTY": DEPUTY,
    "U0CISO": "tietoturvapaallikko@example.org",
    "U0DIGI": "digikoordinaattori@example.org",
    "U0VIESTI": VIESTINTA,
    COORDINATOR: "koordinaattori@tornio.fi",
}


def absences(engine) -> list[Absence]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(Absence).order_by(Absence.id)))
        session.expunge_all()
    return rows


def spring(ctx: Context):
    return summary_slots(2025, [(5, 20), (9, 20)], time(0, 0), ctx.timezone)[0]


# --- setting and ending an absence ---


def test_an_owner_sets_their_absence_show_says_so_and_back_ends_it(bot: ChatBot) -> None:
    answer = bot.ask("away until 30.4.2025 Summer holiday")
    assert "is away until 30 Apr 2025" in answer and "back" in answer
    [row] = absences(bot.ctx.engine)
    assert (row.starts_on, row.until, row.note, row.set_by) == (
        "2025-04-01", "2025-04-30", "Summer holiday", OWNER,
    )  # fmt: skip
    assert "Kehitysjohtaja (kehitysjohtaja@example.org) — away until 30 Apr 2025" in bot.ask(
        "show 1.1", as_=STRANGER
    )
    assert "poissa 30.4.2025 asti" in bot.in_language("fi").ask("näytä 1.1", as_=STRANGER)
    assert "Welcome back" in bot.ask("back")
    assert "away until" not in bot.ask("show 1.1", as_=STRANGER)
    [row] = absences(bot.ctx.engine)  # the row stays: "back" only marks it ended
    assert row.ended_by == OWNER and row.ended_at is not None
    assert "is not marked away" in bot.ask("back")


def test_finnish_word_order_and_iso_dates(bot: ChatBot) -> None:
    fi = bot.in_language("fi")
    assert "on poissa 30.4.2025 asti" in fi.ask("poissa 2025-04-30 asti Vanhempainvapaa")
    assert "paikalla" in fi.ask("paikalla")
    fi.ask("poissa asti 1.5.2025", as_=DEPUTY)
    assert [(r.until, r.note) for r in absences(bot.ctx.engine)] == [
        ("2025-04-30", "Vanhempainvapaa"),
        ("2025-05-01", ""),
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("away until 31.3.2025", "31 Mar 2025 has passed"),  # the clock says 1 April 2025
        ("away until 2.4.2026", "at most a year ahead (until 1 Apr 2026)"),
        ("away until tomorrow", "“tomorrow” is not a date"),
        ("away until 31.2.2025", "“31.2.2025” is not a date"),
        ("away until 2025/04/30", "is not a date"),
        ("away", "Say until which day you are away"),
        ("away until 30.4.2025 " + "x" * 501, "501"),
    ],
)
def test_a_bad_date_shows_the_right_form_and_stores_nothing(
    bot: ChatBot, text: str, said: str
) -> None:
    answer = bot.ask(text)
    assert said in answer
    assert "Example: /digi away until 10.1.2027" in answer
    assert absences(bot.ctx.engine) == []


def test_an_absence_may_end_today_or_a_year_from_now(bot: ChatBot) -> None:
    assert "Recorded" in bot.ask("away until 1.4.2025")
    assert "Recorded" in bot.ask("away until 1.4.2026", as_=DEPUTY)
    assert len(absences(bot.ctx.engine)) == 2


def test_a_coordinator_sets_anothers_absence_and_nobody_else_may(bot: ChatBot) -> None:
    for who in (STRANGER, DEPUTY):
        answer = bot.ask(f"away @{OWNER} until 30.4.2025", as_=who)
        assert "Only a coordinator can set someone else's absence" in answer
    assert "Only a coordinator" in bot.ask(f"back @{OWNER}", as_=DEPUTY)
    assert absences(bot.ctx.engine) == []
    assert "is not among the programme's people" in bot.ask(
        "away @nobody@example.org until 30.4.2025", as_=COORDINATOR
    )
    assert absences(bot.ctx.engine) == []
    assert "Kehitysjohtaja (kehitysjohtaja@example.org) is away until 30 Apr 2025" in bot.ask(
        f"away {OWNER} until 30.4.2025 Sick leave", as_=COORDINATOR
    )
    [row] = absences(bot.ctx.engine)
    assert (row.set_by, row.note) == (COORDINATOR, "Sick leave")
    assert "away until 30 Apr 2025" in bot.ask("show 1.1")
    assert "Welcome back" in bot.ask(f"back @{OWNER}", as_=COORDINATOR)
    assert absences(bot.ctx.engine)[0].ended_by == COORDINATOR
    # naming oneself needs no coordinator
    assert "Recorded" in bot.ask(f"away @{DEPUTY} until 2.4.2025", as_=DEPUTY)


def test_the_person_is_named_by_a_slack_mention_an_at_ref_or_an_e_mail() -> None:
    assert mentioned("<@U0OWNER|kehitysjohtaja>") == "U0OWNER"
    assert mentioned("<@U0OWNER>") == "U0OWNER"
    assert mentioned("@U0OWNER") == "U0OWNER"
    assert mentioned(OWNER) == OWNER
    assert mentioned("until") is None and mentioned("10.1.2027") is None
    assert parse("<@U0X|x> until 10.1.2027 Loma ja   lapset") == parse(
        "<@U0X> 10.1.2027 asti Loma ja   lapset"
    )
    assert parse_day("10.1.2027") == parse_day("2027-01-10") == date(2027, 1, 10)


def test_an_absence_ends_by_itself_on_its_date(bot: ChatBot, clock: Clock) -> None:
    bot.ask("away until 3.4.2025")
    clock.value = datetime(2025, 4, 3, 20, 59, tzinfo=UTC)  # 23:59 in Helsinki: the last day
    assert "away until 3 Apr 2025" in bot.ask("show 1.1")
    clock.advance(minutes=1)  # 4 April, 00:00 in Helsinki
    assert "away until" not in bot.ask("show 1.1")
    assert "owner away" not in bot.ask("stale", as_=COORDINATOR)
    [row] = absences(bot.ctx.engine)
    assert row.ended_at is None  # nothing had to mark it


def test_stale_and_the_summary_note_the_absence_instead_of_blaming_the_owner(
    bot: ChatBot,
) -> None:
    bot.ask("away until 30.4.2025")
    stale = bot.in_language("fi").ask("päivittämättä", as_=COORDINATOR)
    line = next(line for line in stale.splitlines() if " 1.1 " in line)
    assert line.endswith("Kehitysjohtaja — omistaja poissa 30.4. asti")
    assert "omistaja poissa" not in next(line for line in stale.splitlines() if " 1.2 " in line)
    _, parts = previewed(replace(bot.ctx, language="fi"))
    details = "\n".join(render_text(part) for part in parts[1:])  # listed theme by theme
    assert "(Kehitysjohtaja, omistaja poissa 30.4. asti)" in details
    assert "(Sivistysjohtaja)" in details  # 1.2's owner is not away: listed as before


# --- reminders while away ---


def reminded(standin: SlackStandIn) -> dict[str, str]:
    """Each direct message's channel and what it said."""
    return {
        m["channel"]: json.dumps(m, ensure_ascii=False) for m in standin.called("chat.postMessage")
    }


def test_an_absence_across_a_reminder_day_reminds_the_deputies_or_coordinators_on_slack(
    programme,
) -> None:
    clock = Clock(REMINDER_DAY)
    ctx = Context(engine=programme, language="fi", coordinators=frozenset({COORDINATOR}), now=clock)
    respond("poissa 10.5.2025 asti", Actor.from_ref(OWNER), ctx)
    respond(f"poissa @{VIESTINTA} 10.5.2025 asti", Actor.from_ref(COORDINATOR), ctx)
    with SlackStandIn(SLACK_USERS) as standin:
        messenger = SlackMessenger(
            web_client(Settings(_env_file=None, slack_api_url=f"{standin.url}/api/"))
        )
        outcome = send_reminders(ctx, messenger, slot=spring(ctx), day=REMINDER_DAY.date())
        sent = reminded(standin)
        assert "U0OWNER" not in sent and "U0VIESTI" not in sent  # the absent are not reminded
        assert OWNER not in outcome.sent
        assert '"value": "1.1"' in sent["U0DEPUTY"]  # 1.1's deputy
        assert '"value": "6.1"' in sent["U0CISO"] and '"value": "6.2"' in sent["U0DIGI"]
        # 1.3 has no deputy: the coordinator is reminded of it, and of nothing else
        assert '"value": "1.3"' in sent[COORDINATOR]
        assert sent[COORDINATOR].count('"value"') == 1
        # on the 3-day reminder the absence is over: the owner is reminded again
        standin.calls.clear()
        clock.value = datetime(2025, 5, 19, 6, 0, tzinfo=UTC)
        send_reminders(ctx, messenger, slot=spring(ctx), day=clock.value.date())
        sent = reminded(standin)
        assert '"value": "1.1"' in sent["U0OWNER"] and "U0VIESTI" in sent
        assert COORDINATOR not in sent


# --- the Slack Home tab, through the real HTTP app ---


def test_the_home_tab_says_who_is_away(programme) -> None:
    clock = Clock(REMINDER_DAY)
    with SlackStandIn(SLACK_USERS) as standin:
        settings = Settings(
            _env_file=None, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
            slack_api_url=f"{standin.url}/api/", digibot_language="fi",
        )  # fmt: skip
        ctx = Context(engine=programme, language="fi", source="slack", forms=True, now=clock,
                      coordinators=frozenset({COORDINATOR}))  # fmt: skip
        app = create_web_app(
            programme, slack=build_app(settings, ctx), messages=Messages("fi"),
            slack_signing_secret=SECRET,
        )  # fmt: skip
        server, thread, url = start_server(app)
        try:
            slack = SlackClient(url, standin)
            slack.command("poissa 10.5.2025 asti Loma", user="U0OWNER")
            assert [a.until for a in absences(programme)] == ["2025-05-10"]
            views = []
            for n, user in enumerate(("U0OWNER", "U0DEPUTY")):
                event = {"type": "app_home_opened", "user": user, "channel": "D0", "tab": "home"}
                slack.event(event, event_id=f"EvHome{n}")
                published = standin.wait_for("views.publish", n + 1)[n]
                views.append(json.dumps(published, ensure_ascii=False))
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    assert "Olet poissa 10.5.2025 asti" in views[0]
    # the deputy sees that 1.1's owner is away; their own measures carry no such note
    deputy = json.loads(views[1])
    view = json.loads(deputy["view"]) if isinstance(deputy["view"], str) else deputy["view"]
    lines = [b["text"]["text"] for b in view["blocks"] if b.get("accessory")]
    assert any("1.1" in line and "omistaja poissa 10.5. asti" in line for line in lines)
    assert not any("2.1" in line and "poissa" in line for line in lines)


def test_an_absence_across_a_reminder_day_on_teams(teams) -> None:  # noqa: F811 (the fixture)
    for user in (TEAMS_OWNER, TEAMS_DEPUTY, TEAMS_COORDINATOR):
        teams.say("help", user)  # each personal chat is remembered
    teams.connector.sent.clear()
    ctx = replace(teams.bot.ctx, now=Clock(REMINDER_DAY))
    respond("away until 10.5.2025", Actor.from_ref(OWNER), ctx)
    respond(f"away @{VIESTINTA} until 10.5.2025", Actor.from_ref("coord@tornio.fi"), ctx)
    send_reminders(ctx, TeamsMessenger(teams.bot), slot=spring(ctx), day=REMINDER_DAY.date())
    assert teams.connector.activities("a:chat-29:owner") == []  # away: not reminded
    [deputy] = teams.connector.activities("a:chat-29:deputy")
    assert '"measure": "1.1"' in texts(deputy)
    [coordinator] = teams.connector.activities("a:chat-29:coord")  # 1.3 has no deputy
    assert '"measure": "1.3"' in texts(coordinator) and texts(coordinator).count('"measure"') == 1
