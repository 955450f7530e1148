"""The real Teams adapter (Microsoft 365 Agents SDK) over HTTP: Teams-shaped activities
posted to /api/messages, replies and look-ups at a local Bot Connector stand-in."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import httpx
import pytest
from starlette.applications import Starlette

from bot import platforms
from bot.http_body import TEAMS_MAX_BODY
from bot.platforms import Platforms
from bot.serve import web_app
from bot.settings import Settings
from bot.teams import cards
from bot.teams.adapter import TeamsBot, TeamsMessenger, TeamsPublisher
from handlers.context import Context
from handlers.reminders import send_reminders
from handlers.schedule import summary_slots
from handlers.summary.post import post
from storage import conversations
from storage.db import session_scope
from tests import raw_http
from tests.adaptive_cards import assert_all_valid
from tests.conftest import count_updates, previewed, tracebacks
from tests.slack_standin import SECRET, SlackClient, SlackStandIn
from tests.teams_standin import (
    CHANNEL,
    TEAM,
    ConnectorStandIn,
    activity,
    channel_message,
    dialog_submit,
    invoke,
    texts,
)
from tests.test_slack import start_server

OWNER = {"id": "29:owner", "aadObjectId": "aad-owner", "name": "Kehitysjohtaja"}
DEPUTY = {"id": "29:deputy", "aadObjectId": "aad-deputy"}
COORDINATOR = {"id": "29:coord", "aadObjectId": "aad-coord"}
STRANGER = {"id": "29:stranger", "aadObjectId": "aad-stranger"}
MEMBERS = {
    "29:owner": {
        "email": "Kehitysjohtaja@example.org",
        "userPrincipalName": "kj@tornio.onmicrosoft.com",
    },
    "29:deputy": {"email": "tietohallintopaallikko@example.org", "userPrincipalName": "tp@x"},
    "29:coord": {"email": "coord@tornio.fi", "userPrincipalName": "coord@tornio.fi"},
    "29:stranger": {"email": "someone@tornio.fi", "userPrincipalName": "someone@tornio.fi"},
}
ANONYMOUS = {"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "true"}
PRODUCTION = {
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": "00000000-0000-0000-0000-0000000b0700",
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": "secret",
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": "tenant-tornio",
}


@dataclass
class Running:
    bot: TeamsBot
    connector: ConnectorStandIn
    http: httpx.Client
    engine: object
    answers: list = field(default_factory=list)
    """Invoke responses (dialogs): with what the connector received, every card sent."""

    def send(self, body: dict) -> httpx.Response:
        response = self.http.post("/api/messages", json=body)
        if response.headers.get("content-type", "").startswith("application/json"):
            self.answers.append(response.json())
        return response

    def cards_sent(self) -> int:
        """Check every card the bot sent against the Adaptive Cards 1.5 schema; how many."""
        return assert_all_valid([s["body"] for s in self.connector.activities()] + self.answers)

    def say(self, text: str, user: dict = OWNER) -> httpx.Response:
        return self.send(activity(self.connector.url, user, text=text))


@pytest.fixture
def connector() -> Iterator[ConnectorStandIn]:
    with ConnectorStandIn(MEMBERS) as running:
        yield running


def served(monkeypatch, engine, env: dict[str, str], **settings) -> tuple[Platforms, Starlette]:
    """The platforms and the HTTP app exactly as `digibot serve` builds them, from the
    environment (where the Agents SDK reads its connection settings) and `settings`."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    chosen = Settings(_env_file=None, digibot_language="en", **settings)
    chat = platforms.build(chosen, engine)
    return chat, web_app(chosen, engine, chat)


@pytest.fixture
def teams(programme, connector, monkeypatch) -> Iterator[Running]:
    chat, app = served(monkeypatch, programme, ANONYMOUS, digibot_coordinators=["coord@tornio.fi"])
    server, thread, url = start_server(app)
    with httpx.Client(base_url=url, timeout=30) as http:
        running = Running(chat.teams, connector, http, programme)
        yield running
    server.should_exit = True
    thread.join(timeout=10)
    running.cards_sent()  # whatever the test did, Teams could render every card


# --- commands ---


def test_an_owner_listed_by_email_records_an_update_in_a_personal_chat(teams: Running) -> None:
    response = teams.say("status 1.1 on-track 40% Pilot running")
    assert response.status_code in (200, 202)
    [sent] = teams.connector.activities()
    assert sent["conversation"] == "a:chat-29:owner" and sent["reply_to"]
    card = sent["body"]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["version"] == "1.5"
    assert "Saved" in texts(sent) and "On track" in texts(sent) and "40%" in texts(sent)
    assert card["content"]["fallbackText"].startswith("Saved")
    assert count_updates(teams.engine) == 1
    assert "29:owner" in teams.connector.lookups
    teams.say("show 1.1")
    assert teams.connector.lookups.count("29:owner") == 1  # the e-mail is cached


def test_each_role_in_teams(teams: Running) -> None:
    teams.say("status 1.1 at-risk Vendor late", DEPUTY)
    teams.say("status 2.1 done", COORDINATOR)
    teams.say("status 1.1 done", STRANGER)
    teams.say("show 1.1", STRANGER)
    sent = teams.connector.wait(4)
    assert "Saved" in texts(sent[0]) and "Saved" in texts(sent[1])
    assert "can be updated by its owner Kehitysjohtaja" in texts(sent[2])
    assert "At risk" in texts(sent[3]) and "Vendor late" in texts(sent[3])
    assert count_updates(teams.engine) == 2


def test_teams_updates_are_recorded_and_shown_by_the_person_the_programme_knows(
    teams: Running,
) -> None:
    teams.say("status 1.1 on-track 40%", OWNER)  # the programme names the owner by e-mail
    teams.say("status 2.1 done", COORDINATOR)  # not in the people list
    teams.connector.sent.clear()
    teams.say("show 1.1", STRANGER)
    teams.say("show 2.1", STRANGER)
    teams.say("history 1.1", STRANGER)
    shown = [
        json.dumps(s["body"]["attachments"], ensure_ascii=False) for s in teams.connector.wait(3)
    ]
    # Not in the people list: the name of their Teams profile (the stand-in's "User").
    assert "by Kehitysjohtaja" in shown[0] and "by User" in shown[1]
    assert "Kehitysjohtaja" in shown[2]
    assert not any("aad-" in text for text in shown)
    with session_scope(teams.engine) as session:
        from storage.export import build_export

        exported = build_export(session, history=True)
        authors = {m.id: m.current.author for m in exported.measures if m.current}
    assert authors == {"1.1": "kehitysjohtaja@example.org", "2.1": "coord@tornio.fi"}


def test_a_teams_undo_records_who_withdrew_as_the_programme_knows_them(teams: Running) -> None:
    teams.say("status 1.1 on-track 40%", OWNER)
    teams.say("undo", OWNER)
    assert "withdrawn" in texts(teams.connector.wait(2)[1]).lower()
    with session_scope(teams.engine) as session:
        from storage.export import build_export

        [measure] = [m for m in build_export(session, history=True).measures if m.id == "1.1"]
    assert [(u.author, u.withdrawn_by) for u in measure.updates] == [
        ("kehitysjohtaja@example.org", "kehitysjohtaja@example.org")
    ]


def test_updates_recorded_by_object_id_earlier_show_the_persons_name(teams: Running) -> None:
    teams.say("help", OWNER)  # the personal chat, with the owner's e-mail, is remembered
    teams.say("help", COORDINATOR)
    with session_scope(teams.engine) as session:  # rows as the bot recorded them before
        from storage import crud

        for code, author in (("1.1", "aad-owner"), ("2.1", "aad-coord"), ("2.2", "aad-gone")):
            crud.append_update(
                session, measure_id=crud.find_measure(session, code=code).id, author=author,
                status="on_track", progress=None, note="", source="teams",
            )  # fmt: skip
    teams.connector.sent.clear()
    for text in ("show 1.1", "history 1.1", "show 2.1", "show 2.2"):
        teams.say(text, STRANGER)
    owner, history, coordinator, unknown = (
        json.dumps(s["body"]["attachments"], ensure_ascii=False) for s in teams.connector.wait(4)
    )
    assert "by Kehitysjohtaja" in owner and "Kehitysjohtaja" in history
    assert "aad-owner" not in owner + history
    assert "by coord@tornio.fi" in coordinator and "aad-coord" not in coordinator
    assert "by aad-gone" in unknown  # nothing better is known


def test_a_channel_message_mentioning_the_bot_is_answered_in_its_thread(teams: Running) -> None:
    response = teams.send(channel_message(teams.connector.url, OWNER, "show 1.1"))
    assert response.status_code in (200, 202)
    [sent] = teams.connector.activities()
    assert sent["conversation"] == f"{CHANNEL};messageid=1"
    assert "Suomi.fi-viestit" in texts(sent)
    with session_scope(teams.engine) as session:  # the channel is remembered for summaries
        assert conversations.find(session, platform="teams", conversation_id=CHANNEL)


@pytest.mark.parametrize("membership", ["private", "shared"])
def test_a_private_or_shared_channel_is_answered_remembered_and_gets_the_summary(
    teams: Running, membership: str
) -> None:
    """Such a channel's activities name the channel but need not name a team (a shared
    channel is seen from several): nothing of the bot's depends on `channelData.team`."""
    closed = f"19:{membership}-board@thread.tacv2"
    message = channel_message(teams.connector.url, COORDINATOR, "show 1.1")
    message["conversation"]["id"] = f"{closed};messageid=5"
    message["channelData"] = {
        "channel": {"id": closed, "membershipType": membership},
        "tenant": {"id": "tenant-tornio"},
    }
    assert teams.send(message).status_code in (200, 202)
    [answer] = teams.connector.activities()
    assert answer["conversation"] == f"{closed};messageid=5"
    assert "Suomi.fi-viestit" in texts(answer)
    teams.connector.sent.clear()
    ctx = Context(
        engine=teams.engine, language="en", now=lambda: datetime(2025, 5, 20, 6, tzinfo=UTC)
    )
    outcome = post(ctx, TeamsPublisher(teams.bot, closed), trigger="cli", requested_by="cli")
    assert outcome.state == "posted"
    main, *thread = teams.connector.activities()
    assert main["conversation"] == closed and thread
    assert all(s["conversation"] == f"{closed};messageid={main['id']}" for s in thread)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("frobnicate", "I don't recognise the command"),
        ("status 1.12 done", "Did you mean"),
        ("status 1.1 finished", "Unknown status"),
        ("status 1.1 on-track 140%", "whole number from 0 to 100%"),
        ("status 1.1 delayed", "needs a reason"),
        ("status 1.1 on-track " + "x" * 3001, "3,001 characters"),
    ],
)
def test_bad_input_gets_a_message_and_stores_nothing(
    teams: Running, text: str, expected: str
) -> None:
    teams.say(text)
    [sent] = teams.connector.activities()
    assert expected in texts(sent)
    assert count_updates(teams.engine) == 0


def test_user_text_cannot_inject_markup_or_mentions(teams: Running) -> None:
    teams.say("status 1.1 at-risk [click](https://evil.example) **now** <at>Boss</at>")
    content = teams.connector.activities()[0]["body"]["attachments"][0]["content"]
    flat = json.dumps(content, ensure_ascii=False)
    assert r"\\[click\\]\\(https://evil.example\\) \\*\\*now\\*\\*" in flat
    assert "msteams" not in content  # no mention entities, so nobody is mentioned


def test_the_help_lists_the_teams_commands(teams: Running) -> None:
    teams.say("help")
    shown = texts(teams.connector.activities()[0])
    assert "status <id>" in shown and "/digi" not in shown


def card_lines(sent: dict) -> list[str]:
    """The text lines a user reads in a sent card (not its fallback text)."""
    return [
        e["text"] for a in sent["body"]["attachments"] for e in a["content"]["body"]
        if e["type"] == "TextBlock"
    ]  # fmt: skip


def test_help_and_the_welcome_list_each_command_once(teams: Running) -> None:
    teams.say("help")
    added = activity(
        teams.connector.url, COORDINATOR, type="conversationUpdate",
        membersAdded=[{"id": "28:digibot-app"}],
    )  # fmt: skip
    teams.send(added)
    help_card, welcome = teams.connector.wait(2)
    for sent in (help_card, welcome):
        commands = [line.split(" ")[0] for line in card_lines(sent) if " — " in line]
        assert "update" in commands and "status" in commands
        assert len(commands) == len(set(commands)), commands


# --- the dialog ---


def test_the_update_dialog_invalid_then_valid_then_submitted_twice(teams: Running) -> None:
    teams.say("digi")
    [offer] = teams.connector.activities()
    assert '"type": "task/fetch"' in texts(offer)
    fetched = teams.send(invoke(teams.connector.url, OWNER, "task/fetch", {"digi": "open_form"}))
    assert fetched.status_code == 200
    task = fetched.json()["task"]
    assert task["type"] == "continue"
    form = task["value"]["card"]["content"]
    choices = {c["value"] for c in form["body"][0]["choices"]}
    assert {"1.1", "2.2", "6.1", "6.2"} <= choices and "3.1" not in choices
    form_id = form["actions"][0]["data"]["form"]

    bad = {
        "digi": "submit_form",
        "form": form_id,
        "measure": "1.1",
        "status": "delayed",
        "progress": "150",
        "note": "",
    }
    refused = teams.send(invoke(teams.connector.url, OWNER, "task/submit", bad)).json()["task"]
    assert refused["type"] == "continue"
    shown = json.dumps(refused, ensure_ascii=False)
    assert "whole number" in shown and "needs a reason" in shown
    assert count_updates(teams.engine) == 0

    assert teams.cards_sent() >= 3  # the offer, the dialog, the dialog re-sent

    good = {**bad, "progress": "30", "note": "Vendor late"}
    saved = teams.send(invoke(teams.connector.url, OWNER, "task/submit", good)).json()["task"]
    assert saved == {"type": "message", "value": "Saved. Measure 1.1 now stands at:"}
    again = teams.send(invoke(teams.connector.url, OWNER, "task/submit", good)).json()["task"]
    assert "already saved" in again["value"]
    assert count_updates(teams.engine) == 1


def _walk(node: object) -> Iterator[dict]:
    """Every object in a JSON document."""
    if isinstance(node, dict):
        yield node
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            yield from _walk(child)


def test_update_with_a_measure_offers_the_dialog_on_it(teams: Running) -> None:
    teams.say("status 1.1 on-track 40%")
    teams.connector.sent.clear()
    teams.say("update 1.1")
    [offer] = teams.connector.activities()
    [data] = [a["data"] for a in _walk(offer["body"]) if a.get("type") == "Action.Submit"]
    assert data["measure"] == "1.1"
    fetched = teams.send(invoke(teams.connector.url, OWNER, "task/fetch", data))
    form = fetched.json()["task"]["value"]["card"]["content"]
    assert form["body"][0]["value"] == "1.1" and form["body"][2]["value"] == 40


def test_the_dialog_takes_spending_and_asks_to_confirm_an_unusual_amount(
    teams: Running,
) -> None:
    from sqlmodel import Session, select

    from storage.models import Spending

    fetched = teams.send(invoke(teams.connector.url, OWNER, "task/fetch", {"digi": "open_form"}))
    form = fetched.json()["task"]["value"]["card"]["content"]
    typed = {"measure": "1.1", "status": "on_track", "spent": "2 500 000"}
    refused = teams.send(invoke(teams.connector.url, OWNER, "task/submit",
                                dialog_submit(form, **typed))).json()["task"]  # fmt: skip
    assert "tick “Yes, the amount is right”" in json.dumps(refused, ensure_ascii=False)
    resent = refused["value"]["card"]["content"]
    assert {"spent": "2 500 000"}.items() <= dialog_submit(resent).items()  # kept as typed
    again = dialog_submit(resent, spent_confirm="yes")
    saved = teams.send(invoke(teams.connector.url, OWNER, "task/submit", again)).json()["task"]
    assert saved["type"] == "message"
    assert teams.cards_sent() >= 2  # every card valid Adaptive Cards 1.5
    with Session(teams.engine) as session:
        assert [s.spent_cents for s in session.exec(select(Spending))] == [250_000_000]


def test_a_refused_dialog_resubmitted_keeps_the_progress_typed(teams: Running) -> None:
    fetched = teams.send(invoke(teams.connector.url, OWNER, "task/fetch", {"digi": "open_form"}))
    form = fetched.json()["task"]["value"]["card"]["content"]
    typed = {"measure": "1.1", "status": "delayed", "progress": "35", "note": ""}
    refused = teams.send(invoke(teams.connector.url, OWNER, "task/submit",
                                dialog_submit(form, **typed))).json()["task"]  # fmt: skip
    assert "needs a reason" in json.dumps(refused, ensure_ascii=False)
    resent = refused["value"]["card"]["content"]
    again = dialog_submit(resent, note="Vendor late")  # only the missing reason is typed
    saved = teams.send(invoke(teams.connector.url, OWNER, "task/submit", again)).json()["task"]
    assert saved["type"] == "message"
    with session_scope(teams.engine) as session:
        from storage import crud

        [update], _ = crud.history(session, measure_id=1, limit=5)
    assert (update.status, update.progress, update.note) == ("delayed", 35, "Vendor late")


def test_the_dialog_for_someone_without_measures_says_why(teams: Running) -> None:
    fetched = teams.send(invoke(teams.connector.url, STRANGER, "task/fetch", {"digi": "open_form"}))
    assert fetched.json()["task"] == {
        "type": "message",
        "value": "You are not the owner or a deputy of any measure.",
    }


def test_installation_remembers_the_personal_chat(teams: Running) -> None:
    installed = activity(teams.connector.url, DEPUTY, type="installationUpdate", action="add")
    assert teams.send(installed).status_code in (200, 202)
    with session_scope(teams.engine) as session:
        row = conversations.personal(
            session, platform="teams", person_ref="tietohallintopaallikko@example.org"
        )
        assert row is not None and row.aad_object_id == "aad-deputy"


# --- security ---


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-jwt", "Basic abc"])
def test_production_mode_refuses_requests_without_a_valid_token(
    programme, connector, monkeypatch, authorization
) -> None:
    server, thread, url = start_server(served(monkeypatch, programme, PRODUCTION)[1])
    try:
        headers = {"Authorization": authorization} if authorization else {}
        body = activity(connector.url, OWNER, text="status 1.1 done")
        response = httpx.post(f"{url}/api/messages", json=body, headers=headers, timeout=30)
        assert response.status_code == 401
        assert count_updates(programme) == 0 and connector.activities() == []
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _token(header: dict, claims: dict, signature: str = "") -> str:
    """A JWT as a client may forge one: any header, any claims, any signature."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.{signature}"


CLAIMS = {
    "aud": PRODUCTION["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"],
    "iss": "https://api.botframework.com",
    "serviceurl": "https://smba.trafficmanager.net/emea/",
    "nbf": 1700000000,
    "exp": 4100000000,
}


@pytest.mark.parametrize(
    "token",
    [
        _token({"alg": "none", "typ": "JWT"}, CLAIMS),
        _token({"alg": "RS256", "typ": "JWT"}, CLAIMS, "c2lnbmF0dXJl"),
        _token({"alg": "HS256", "typ": "JWT", "kid": "k"}, CLAIMS, "c2lnbmF0dXJl"),
    ],
    ids=["alg-none", "no-key-id", "not-rs256"],
)
def test_unsigned_tokens_and_tokens_without_a_key_id_get_401(
    programme, connector, logged, token: str, monkeypatch
) -> None:
    _, app = served(monkeypatch, programme, PRODUCTION)
    server, thread, url = start_server(app)
    try:
        body = activity(connector.url, OWNER, text="status 1.1 done")
        headers = {"Authorization": f"Bearer {token}"}
        response = httpx.post(f"{url}/api/messages", json=body, headers=headers, timeout=30)
        assert response.status_code == 401
        assert count_updates(programme) == 0 and connector.activities() == []
        assert tracebacks(logged) == []
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize(
    "body",
    [b"{}", b"[]", b'"message"', b"42", b'{"type": "message"}', b'{"type": "message", "conversa',
     b"[" * 100_000],
    ids=["{}", "[]", "string", "number", "no conversation", "cut short", "nested too deep"],
)  # fmt: skip
def test_a_body_that_is_not_an_activity_gets_400_and_changes_nothing(
    teams: Running, logged, body: bytes
) -> None:
    headers = {"Content-Type": "application/json"}
    response = teams.http.post("/api/messages", content=body, headers=headers)
    assert response.status_code == 400
    assert count_updates(teams.engine) == 0 and teams.connector.activities() == []
    assert tracebacks(logged) == []


def test_an_activity_with_a_field_of_the_wrong_type_gets_400(teams: Running) -> None:
    body = activity(teams.connector.url, OWNER, text="status 1.1 done", timestamp=[])
    response = teams.send(body)
    assert response.status_code == 400
    assert count_updates(teams.engine) == 0 and teams.connector.activities() == []


def test_oversized_bodies_get_413_before_they_are_read(teams: Running, logged) -> None:
    body = activity(teams.connector.url, OWNER, text="status 1.1 done " + "x" * TEAMS_MAX_BODY)
    raw = json.dumps(body).encode()
    url = str(teams.http.base_url.join("/api/messages"))
    headers = {"Content-Type": "application/json"}
    declared = {**headers, "Content-Length": str(300 * 1024 * 1024)}
    assert raw_http.post(url, headers=declared)[0] == 413
    assert raw_http.post(url, headers=headers, body=raw, chunked=True)[0] == 413
    assert count_updates(teams.engine) == 0 and teams.connector.activities() == []
    assert tracebacks(logged) == []


# --- proactive: the summary and the reminders ---


def test_the_summary_is_posted_once_into_the_channel_and_its_thread(teams: Running) -> None:
    teams.send(
        channel_message(teams.connector.url, COORDINATOR, "help")
    )  # the bot learns the channel
    teams.connector.sent.clear()
    ctx = Context(
        engine=teams.engine, language="en", now=lambda: datetime(2025, 5, 20, 6, tzinfo=UTC)
    )
    publisher = TeamsPublisher(teams.bot, CHANNEL)
    outcome = post(ctx, publisher, trigger="schedule", requested_by="schedule")
    assert outcome.state == "posted"
    sent = teams.connector.activities()
    main, *thread = sent
    assert main["conversation"] == CHANNEL and main["reply_to"] is None
    assert all(s["conversation"] == f"{CHANNEL};messageid={main['id']}" for s in thread)
    assert "progress report, spring 2025" in texts(main)
    assert '"type": "Image"' in texts(thread[-1])  # the chart, in the thread
    assert post(ctx, publisher, trigger="cli", requested_by="cli").state == "already"
    assert len(teams.connector.activities()) == len(sent)


def test_coordinators_post_the_summary_from_a_teams_chat_and_others_cannot(
    teams: Running,
) -> None:
    teams.say("summary post", COORDINATOR)
    assert "No leadership channel" in texts(teams.connector.wait(1)[0])
    teams.send(channel_message(teams.connector.url, COORDINATOR, "help"))  # the channel is seen
    teams.bot.publisher = TeamsPublisher(teams.bot, CHANNEL)
    teams.connector.sent.clear()

    teams.say("summary post", OWNER)
    assert "for coordinators" in texts(teams.connector.wait(1)[0])
    teams.connector.sent.clear()

    teams.say("yhteenveto julkaise", COORDINATOR)
    sent = teams.connector.activities()
    posted = [s for s in sent if s["conversation"].startswith(CHANNEL)]
    told = [texts(s) for s in sent if not s["conversation"].startswith(CHANNEL)]
    assert posted and "progress report" in texts(posted[0])
    assert "Posting the summary" in told[0] and "is posted to" in told[-1]
    teams.connector.sent.clear()
    teams.say("summary post", COORDINATOR)
    assert "was already posted" in texts(teams.connector.activities()[-1])


def test_a_300_measure_summary_fits_in_cards_within_the_size_limit(big) -> None:
    ctx = Context(engine=big, language="fi", now=lambda: datetime(2025, 5, 20, 6, tzinfo=UTC))
    _, parts = previewed(ctx)
    rendered = [c for p in parts for c in cards.render_cards(p)]
    assert len(rendered) > len(parts)  # split, not cut
    assert all(
        len(json.dumps(c, ensure_ascii=False).encode()) <= cards.CARD_BYTES for c in rendered
    )
    everything = json.dumps(rendered, ensure_ascii=False)
    for n in range(300):
        assert f"{n // 30 + 1}.{n % 30 + 1} Toimenpide {n}:" in everything


def test_reminders_reach_owners_who_have_talked_to_the_bot_once(teams: Running) -> None:
    teams.say("help", OWNER)  # the personal chat is remembered
    teams.connector.sent.clear()
    ctx = Context(engine=teams.engine, language="fi")
    [slot, _] = summary_slots(2025, [(5, 20), (9, 20)], time(0, 0), ctx.timezone)
    day = date(2025, 5, 6)
    outcome = send_reminders(ctx, TeamsMessenger(teams.bot), slot=slot, day=day)
    assert outcome.sent == ["kehitysjohtaja@example.org"]
    assert "tietohallintopaallikko@example.org" in outcome.unreachable  # never talked to the bot
    [reminder] = teams.connector.activities()
    assert reminder["conversation"] == "a:chat-29:owner"
    assert '"measure": "1.1"' in texts(reminder) and "task/fetch" in texts(reminder)
    again = send_reminders(ctx, TeamsMessenger(teams.bot), slot=slot, day=day)
    assert again.sent == [] and len(teams.connector.activities()) == 1


# --- one process, both platforms ---


def test_one_process_serves_slack_and_teams_side_by_side(programme, connector, monkeypatch) -> None:
    with SlackStandIn({"U0OWNER": "kehitysjohtaja@example.org"}) as slack_api:
        _, app = served(
            monkeypatch, programme, ANONYMOUS, slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET, slack_api_url=f"{slack_api.url}/api/",
        )  # fmt: skip
        server, thread, url = start_server(app)
        try:
            answered = SlackClient(url, slack_api).command(
                "status 1.1 on-track 10%", user="U0OWNER"
            )
            assert "Saved" in answered.text
            httpx.post(
                f"{url}/api/messages",
                json=activity(connector.url, OWNER, text="status 1.1 done 100%"),
                timeout=30,
            )
            assert "Saved" in texts(connector.wait(1)[0])
            with session_scope(programme) as session:
                from storage import crud

                sources = [u.source for u in crud.history(session, measure_id=1, limit=5)[0]]
            assert sources == ["teams", "slack"]
            assert httpx.get(f"{url}/health").json() == {"status": "ok"}
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def test_installed_team_channel_is_remembered(teams: Running) -> None:
    added = activity(
        teams.connector.url, COORDINATOR, type="conversationUpdate",
        membersAdded=[{"id": "28:digibot-app"}],
        conversation={"conversationType": "channel", "tenantId": "tenant-tornio", "id": TEAM},
        channelData={"eventType": "teamMemberAdded", "team": {"id": TEAM}, "channel": {"id": TEAM}},
    )  # fmt: skip
    assert teams.send(added).status_code in (200, 202)
    with session_scope(teams.engine) as session:
        assert conversations.find(session, platform="teams", conversation_id=TEAM)
    assert "commands" in texts(teams.connector.wait(1)[0])


# --- the app package ---


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_teams_app_package_holds_a_manifest_with_the_command_menu_languages_and_icons(
    tmp_path, language
) -> None:
    import os
    import struct
    import subprocess
    import sys
    import zipfile

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
        "DIGIBOT_LANGUAGE": language,
    }
    bot_id = "00000000-0000-0000-0000-0000000b0700"
    args = ["teams-package", "--bot-id", bot_id, "--host", "bot.tornio.fi", "--output"]
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args, str(tmp_path / "app.zip")],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    others = {"fi": ["en.json", "sv.json"], "en": ["fi.json", "sv.json"]}[language]
    with zipfile.ZipFile(tmp_path / "app.zip") as archive:
        assert sorted(archive.namelist()) == sorted(
            ["color.png", "manifest.json", "outline.png", *others]
        )
        manifest = json.loads(archive.read("manifest.json"))
        swedish = json.loads(archive.read("sv.json"))
        sizes = {
            name: struct.unpack(">II", archive.read(name)[16:24])
            for name in ("color.png", "outline.png")
        }
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}
    [bot] = manifest["bots"]
    assert manifest["id"] == bot["botId"] == bot_id and manifest["validDomains"] == [
        "bot.tornio.fi"
    ]
    assert manifest["localizationInfo"]["defaultLanguageTag"] == language
    titles = {c["title"] for c in bot["commandLists"][0]["commands"]}
    assert ("tila" in titles) if language == "fi" else ("status" in titles)
    assert "program" in swedish["description.short"]  # Swedish, whatever the bot's language


def test_the_same_message_id_in_two_chats_is_two_updates(teams: Running) -> None:
    owner = activity(teams.connector.url, OWNER, text="status 1.1 on-track 10%", id="1700000000001")
    deputy = activity(
        teams.connector.url, DEPUTY, text="status 2.1 on-track 20%", id="1700000000001"
    )
    teams.send(owner)
    teams.send(deputy)
    teams.send(owner)  # a redelivery of the first
    assert count_updates(teams.engine) == 2


def test_summary_post_before_the_bot_has_seen_the_channel_says_what_to_do(
    programme, tmp_path
) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, db_url

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGIBOT_"))}
    env.update(
        DATABASE_URL=db_url(), DIGIBOT_LANGUAGE="en", DIGIBOT_TEAMS_LEADERSHIP_CHANNEL=CHANNEL,
        PYTHONPATH=str(ROOT), **ANONYMOUS,
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "summary", "post"],
        env=env, cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr
    said = done.stdout + done.stderr
    assert f"has not seen the Teams channel {CHANNEL}" in said and "mention" in said


def test_a_turn_that_fails_apologises_and_logs_its_traceback(
    teams: Running, logged: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(context: object) -> None:
        raise RuntimeError("the turn broke")

    monkeypatch.setattr(teams.bot, "remember", broken)
    response = teams.say("help")

    assert response.status_code < 500
    [sent] = teams.connector.activities()
    assert "Something went wrong and nothing was saved" in texts(sent)
    [record] = [r for r in logged.records if r.getMessage() == "Teams turn failed"]
    assert record.levelname == "ERROR" and record.exc_info
    assert "RuntimeError: the turn broke" in logged.text
