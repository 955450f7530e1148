"""The real Bolt app behind uvicorn, over real HTTP, against the local Slack stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette

from bot import platforms
from bot.http_body import SLACK_MAX_BODY
from bot.platforms import context
from bot.serve import web_app
from bot.settings import Settings
from bot.slack.app import build_app
from bot.web import create_web_app
from handlers.messages import Messages
from storage.db import make_engine
from tests import raw_http
from tests.conftest import EXAMPLE, count_updates, db_url, tracebacks, unreachable_url
from tests.slack_standin import SECRET, SlackClient, SlackStandIn, free_port, sign, start_serve

OWNER, DEPUTY, COORDINATOR, STRANGER = "U0OWNER", "U0DEPUTY", "U0COORD", "U0STRANGER"
USERS = {
    OWNER: "Kehitysjohtaja@Example.org",  # matched to the owner of 1.1 by e-mail, any case
    DEPUTY: "tietohallintopaallikko@example.org",
    STRANGER: "someone@example.org",
}


@dataclass
class Running:
    slack: SlackClient
    standin: SlackStandIn
    engine: object
    server: uvicorn.Server
    url: str


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(USERS) as running:
        yield running


def start_server(app) -> tuple[uvicorn.Server, threading.Thread, str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def served(settings: Settings, engine) -> Starlette:
    """The HTTP app exactly as `digibot serve` builds it from `settings`."""
    return web_app(settings, engine, platforms.build(settings, engine))


@pytest.fixture
def bot(programme, standin: SlackStandIn) -> Iterator[Running]:
    settings = Settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=f"{standin.url}/api/",
        digibot_coordinators=[COORDINATOR],
        digibot_language="en",
    )
    server, thread, url = start_server(served(settings, programme))
    yield Running(SlackClient(url, standin), standin, programme, server, url)
    server.should_exit = True
    thread.join(timeout=10)


def text_of(response) -> str:
    """Everything a user would read in a Slack answer (blocks and text, or plain text)."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return response.text
    return json.dumps(response.json(), ensure_ascii=False)


# --- signing ---


def test_slacks_documented_signature_example() -> None:
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
        "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
        "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F3977008"
        "85554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c"
        "447fce8b6703c"
    )
    headers = sign(body, secret="8f742231b10e8888abcd99yyyzzz85a5", timestamp=1531420618)
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert headers["X-Slack-Signature"] == expected
    verifier = SignatureVerifier("8f742231b10e8888abcd99yyyzzz85a5", clock=_FixedClock(1531420618))
    assert verifier.is_valid(body, "1531420618", expected)


class _FixedClock:
    def __init__(self, now: float) -> None:
        self.value = now

    def now(self) -> float:
        return self.value


def test_forged_unsigned_and_stale_requests_get_401_and_change_nothing(bot: Running) -> None:
    forged = SlackClient(bot.url, bot.standin, secret="not-the-secret")
    assert forged.command("status 1.1 done", user=OWNER).status_code == 401
    body = "command=%2Fdigi&text=status+1.1+done&user_id=U0OWNER&trigger_id=1"
    unsigned = bot.slack.http.post(
        "/slack/events", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert unsigned.status_code == 401
    stale = bot.slack.http.post(
        "/slack/events",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            **sign(body, timestamp=int(time.time()) - 301),
        },
    )
    assert stale.status_code == 401
    assert count_updates(bot.engine) == 0
    assert bot.standin.called("users.info") == []


def _command_body(text: str) -> str:
    return urlencode({"command": "/digi", "text": text, "user_id": OWNER, "trigger_id": "1.2.3"})


def test_oversized_bodies_get_413_before_they_are_read(bot: Running, logged) -> None:
    body = _command_body("status 1.1 done " + "x" * SLACK_MAX_BODY).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body.decode())}
    # a declared 300 MB is refused at once: the client sends none of it
    declared = {**headers, "Content-Length": str(300 * 1024 * 1024)}
    assert raw_http.post(f"{bot.url}/slack/events", headers=declared)[0] == 413
    # a chunked body with no Content-Length is counted as it comes
    assert (
        raw_http.post(f"{bot.url}/slack/events", headers=headers, body=body, chunked=True)[0] == 413
    )
    assert count_updates(bot.engine) == 0 and bot.standin.called("users.info") == []
    assert tracebacks(logged) == []


@pytest.mark.parametrize(
    ("content_type", "body", "signature"),
    [
        ("application/json", '{"type": "event_callback", "event": ', None),
        ("application/x-www-form-urlencoded", "payload=garbage", None),
        ("application/x-www-form-urlencoded", "payload=%7B%22type%22%3A", None),
        ("application/json", "[]", None),
        (
            "application/x-www-form-urlencoded",
            _command_body("status 1.1 done"),
            {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
        ),
        (
            "application/x-www-form-urlencoded",
            _command_body("status 1.1 done"),
            {"X-Slack-Request-Timestamp": "1" * 5000, "X-Slack-Signature": "v0=00"},
        ),
        (
            "application/x-www-form-urlencoded",
            _command_body("status 1.1 done"),
            sign(_command_body("status 1.1 on-track")),
        ),
        (
            "application/x-www-form-urlencoded",
            _command_body("status 1.1 done"),
            {**sign(_command_body("status 1.1 done")), "X-Slack-Signature": b"v0=\xe9"},
        ),
    ],
    ids=[
        "unsigned-broken-json", "unsigned-payload-garbage", "unsigned-payload-broken-json",
        "unsigned-json-array", "timestamp-not-a-number", "timestamp-5000-digits",
        "signature-of-another-body", "signature-not-ascii",
    ],
)  # fmt: skip
def test_anything_not_signed_by_slack_gets_401_before_it_is_parsed(
    bot: Running, logged, content_type: str, body: str, signature: dict | None
) -> None:
    headers = {"Content-Type": content_type, **(signature or {})}
    response = bot.slack.http.post("/slack/events", content=body.encode(), headers=headers)
    assert response.status_code == 401
    assert count_updates(bot.engine) == 0 and bot.standin.called("users.info") == []
    assert tracebacks(logged) == []


def test_without_a_signing_secret_every_slack_request_is_refused(programme, standin) -> None:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-test", digibot_language="en")
    slack = build_app(settings, context(settings, programme, source="slack"))
    server, thread, url = start_server(
        create_web_app(programme, slack=slack, messages=Messages("en"))
    )
    try:
        assert SlackClient(url, standin).command("status 1.1 done", user=OWNER).status_code == 401
        assert count_updates(programme) == 0
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"type": "event_callback", "event": '),
        ("application/json", "[]"),
        ("application/json", '{"type": "event_callback", "event": []}'),
        ("application/x-www-form-urlencoded", "payload=garbage"),
        ("application/x-www-form-urlencoded", "payload=%5B%5D"),
        ("application/x-www-form-urlencoded", "payload=%7B%22type%22%3A%22block_actions%22%7D"),
        ("application/x-www-form-urlencoded", "command=%2Fdigi"),
    ],
)
def test_a_signed_but_malformed_payload_never_gets_a_5xx(
    bot: Running, content_type: str, body: str
) -> None:
    response = bot.slack.post(body, content_type)
    assert response.status_code < 500
    assert count_updates(bot.engine) == 0


# --- the slash command ---


def test_owner_by_email_records_an_update_and_sees_the_state(bot: Running) -> None:
    response = bot.slack.command("status 1.1 on-track 40% Pilot running", user=OWNER)
    assert response.status_code == 200
    body = response.json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    shown = text_of(response)
    assert "Saved" in shown and "On track" in shown and "40%" in shown and "Pilot running" in shown
    assert count_updates(bot.engine) == 1
    bot.slack.command("show 1.1", user=OWNER)
    assert len(bot.standin.called("users.info")) == 1  # the profile is cached


def test_each_role_in_slack(bot: Running) -> None:
    assert "Saved" in text_of(bot.slack.command("status 1.1 at-risk Vendor late", user=DEPUTY))
    assert "Saved" in text_of(bot.slack.command("status 2.1 done", user=COORDINATOR))
    refused = text_of(bot.slack.command("status 1.1 done", user=STRANGER))
    assert "can be updated by its owner Kehitysjohtaja" in refused
    assert count_updates(bot.engine) == 2
    shown = text_of(bot.slack.command("show 1.1", user=COORDINATOR, channel="D0DIRECT"))
    assert "At risk" in shown and "Vendor late" in shown
    assert "1.1" in text_of(bot.slack.command("list mine", user=OWNER))
    assert "Stale" in text_of(bot.slack.command("stale", user=COORDINATOR))
    assert "for coordinators" in text_of(bot.slack.command("stale", user=STRANGER))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("frobnicate", "I don't recognise the command"),
        ("status 1.12 done", "Did you mean"),
        ("status 1.1 finished", "Unknown status"),
        ("status 1.1 on-track 140%", "whole number from 0 to 100%"),
        ("status 1.1 delayed", "needs a reason"),
        ("status 1.1 on-track " + "x" * 3001, "3,001 characters"),
        ("status 2.1 done", "can be updated by its owner"),
        ("status", "Give the measure's id"),
    ],
)
def test_every_bad_input_gets_200_a_message_and_stores_nothing(
    bot: Running, text: str, expected: str
) -> None:
    response = bot.slack.command(text, user=OWNER)
    assert response.status_code == 200
    assert expected in text_of(response)
    assert count_updates(bot.engine) == 0


def test_user_text_cannot_ping_anyone(bot: Running) -> None:
    response = bot.slack.command("status 1.1 at-risk <!channel> and <@U0BOSS> & co", user=OWNER)
    shown = json.dumps(response.json()["blocks"])
    assert "&lt;!channel&gt;" in shown and "&lt;@U0BOSS&gt;" in shown and "&amp; co" in shown
    assert "<!channel>" not in shown and "<@U0BOSS>" not in shown


def test_a_slow_database_is_acknowledged_in_time_and_answered_later(
    bot: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.slack.listeners.commands.ACK_BUDGET", 0.2)
    with bot.engine.connect() as blocker:  # another writer holds the database for 3 seconds
        if bot.engine.dialect.name == "sqlite":
            blocker.exec_driver_sql("BEGIN EXCLUSIVE")
        else:
            blocker.exec_driver_sql("BEGIN")
            blocker.exec_driver_sql("LOCK TABLE status_update IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        response = bot.slack.command("status 1.1 on-track 50%", user=OWNER)
        acknowledged = time.monotonic() - started
        time.sleep(max(0.0, 3.0 - acknowledged))
        blocker.exec_driver_sql("ROLLBACK")
    assert response.status_code == 200 and acknowledged < 3.0
    assert "working on it" in text_of(response)
    [answer] = bot.standin.wait_for_response(1)
    assert "Saved" in json.dumps(answer) and answer["response_type"] == "ephemeral"
    assert count_updates(bot.engine) == 1


# --- the form ---


def test_digi_alone_opens_the_form_with_the_users_measures(bot: Running) -> None:
    assert bot.slack.command("", user=OWNER).status_code == 200
    [opened] = bot.standin.wait_for("views.open")
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    assert view["callback_id"] == "digi_update_form"
    values = json.dumps(view["blocks"][0])
    for mine in ("1.1", "2.2", "6.1", "6.2"):
        assert f'"value": "{mine}"' in values
    assert '"value": "3.1"' not in values
    assert opened["trigger_id"].endswith("abcdef1")


def test_a_stranger_asking_for_the_form_is_told_why_there_is_none(bot: Running) -> None:
    bot.slack.command("update", user=STRANGER)
    [answer] = bot.standin.wait_for_response(1)
    assert "not the owner or a deputy" in json.dumps(answer)
    assert bot.standin.called("views.open") == []


def test_form_with_nul_or_a_5000_digit_progress_shows_field_errors(bot: Running) -> None:
    response = bot.slack.submit_form(
        user=OWNER, measure="1.1", status="on_track", progress="9" * 5000, note="Pilot\x00ok"
    )

    body = response.json()
    assert response.status_code == 200 and body["response_action"] == "errors"
    assert "control character (U+0000)" in body["errors"]["note"]
    assert count_updates(bot.engine) == 0
    response = bot.slack.submit_form(
        user=OWNER, measure="1.1", status="on_track", progress="9" * 5000, note="Pilot ok"
    )
    assert "whole number from 0 to 100" in response.json()["errors"]["progress"]
    assert count_updates(bot.engine) == 0


def test_form_submission_invalid_then_valid_then_twice(bot: Running) -> None:
    invalid = bot.slack.submit_form(
        user=OWNER, measure="1.1", status="delayed", progress="150", note=""
    )
    assert invalid.status_code == 200
    body = invalid.json()
    assert body["response_action"] == "errors"
    assert (
        "whole number" in body["errors"]["progress"] and "needs a reason" in body["errors"]["note"]
    )
    assert count_updates(bot.engine) == 0
    unchosen = bot.slack.submit_form(user=OWNER, measure=None, status=None)
    assert "Choose a measure" in unchosen.json()["errors"]["measure"]
    refused = bot.slack.submit_form(user=STRANGER, measure="1.1", status="done")
    assert "can be updated by its owner" in refused.json()["errors"]["measure"]

    valid = bot.slack.submit_form(
        user=OWNER, measure="1.1", status="delayed", progress="30", note="Vendor late"
    )
    body = valid.json()
    assert body["response_action"] == "update"
    assert "Saved" in json.dumps(body["view"]) and "Vendor late" in json.dumps(body["view"])
    again = bot.slack.submit_form(
        user=OWNER, measure="1.1", status="delayed", progress="30", note="Vendor late"
    )
    assert "already saved" in json.dumps(again.json())
    assert count_updates(bot.engine) == 1
    bot.standin.wait_for("views.publish")  # the Home tab shows the new state


def test_the_form_takes_spending_and_asks_to_confirm_an_unusual_amount(bot: Running) -> None:
    bot.slack.command("", user=OWNER)
    [opened] = bot.standin.wait_for("views.open")  # the stand-in checks it as Block Kit
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["spent"]["optional"] and blocks["spent_confirm"]["element"]["type"] == (
        "checkboxes"
    )
    base = {"user": OWNER, "measure": "1.1", "status": "on_track"}
    bad = bot.slack.submit_form(**base, spent="lots", view_id="V1")
    assert "is not an amount of euros" in bad.json()["errors"]["spent"]
    # 1.1's budget is 20 000 €: over 2 000 000 € asks for the confirmation.
    huge = bot.slack.submit_form(**base, spent="2 500 000", view_id="V1")
    assert "tick “Yes, the amount is right”" in huge.json()["errors"]["spent"]
    assert count_updates(bot.engine) == 0 and _spent(bot.engine) == []
    saved = bot.slack.submit_form(**base, spent="2 500 000", spent_confirm="yes", view_id="V1")
    assert saved.json()["response_action"] == "update"
    assert "€2,500,000" in json.dumps(saved.json()["view"], ensure_ascii=False)
    assert _spent(bot.engine) == [250_000_000]
    bot.slack.submit_form(**base, spent="2 500 000", spent_confirm="yes", view_id="V1")
    assert _spent(bot.engine) == [250_000_000]  # a repeated submission: stored once


def _spent(engine) -> list[int]:
    from sqlmodel import Session, select

    from storage.models import Spending

    with Session(engine) as session:
        return [s.spent_cents for s in session.exec(select(Spending))]


def test_the_update_button_opens_the_form_on_that_measure(bot: Running) -> None:
    bot.slack.command("status 1.1 on-track 40%", user=OWNER)
    assert bot.slack.click(user=OWNER, action_id="digi_open_form", value="1.1").status_code == 200
    [opened] = bot.standin.wait_for("views.open")
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["measure"]["element"]["initial_option"]["value"] == "1.1"
    assert blocks["status"]["element"]["initial_option"]["value"] == "on_track"
    assert blocks["progress"]["element"]["initial_value"] == "40"


def test_update_with_a_measure_opens_the_form_on_it(bot: Running) -> None:
    bot.slack.command("status 1.1 on-track 40%", user=OWNER)
    assert bot.slack.command("päivitä 1.1", user=OWNER).status_code == 200
    [opened] = bot.standin.wait_for("views.open")
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["measure"]["element"]["initial_option"]["value"] == "1.1"
    assert blocks["progress"]["element"]["initial_value"] == "40"


def test_a_rate_limited_views_open_is_retried(bot: Running) -> None:
    bot.standin.fail("views.open", 429, retry_after=1)
    bot.slack.command("", user=OWNER)
    attempts = bot.standin.wait_for("views.open", 2)
    assert len(attempts) == 2


# --- the Home tab and events ---


def test_home_tab_lists_own_measures_with_update_buttons_once_per_event(bot: Running) -> None:
    event = {"type": "app_home_opened", "user": OWNER, "channel": "D0HOME", "tab": "home"}
    assert bot.slack.event(event, event_id="Ev001").status_code == 200
    assert bot.slack.event(event, event_id="Ev001", retry=1).status_code == 200
    [published] = bot.standin.wait_for("views.publish")
    time.sleep(0.3)
    assert len(bot.standin.called("views.publish")) == 1
    view = (
        json.loads(published["view"]) if isinstance(published["view"], str) else published["view"]
    )
    buttons = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert {b["value"] for b in buttons} == {"1.1", "2.2", "4.2", "6.1", "6.2"}
    assert all(b["action_id"] == "digi_open_form" for b in buttons)


def test_home_tab_shows_coordinators_the_stale_measures(bot: Running) -> None:
    event = {"type": "app_home_opened", "user": COORDINATOR, "channel": "D0HOME", "tab": "home"}
    bot.slack.event(event, event_id="Ev002")
    [published] = bot.standin.wait_for("views.publish")
    assert "Stale" in json.dumps(published, ensure_ascii=False)


# --- health ---


def test_health_answers_200_with_the_database_and_503_without(bot: Running, tmp_path) -> None:
    assert httpx.get(f"{bot.url}/health").json() == {"status": "ok"}
    missing = make_engine(unreachable_url(tmp_path))
    server, thread, url = start_server(create_web_app(missing, slack=None, messages=Messages("en")))
    try:
        assert httpx.get(f"{url}/health").status_code == 503
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# --- digibot serve, as a city runs it ---


def _serve(tmp_path, standin: SlackStandIn, port: int):
    env = {
        **os.environ,
        "DATABASE_URL": db_url("city.db"),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"{standin.url}/api/",
        "DIGIBOT_LANGUAGE": "fi",
    }
    env.pop("SLACK_APP_TOKEN", None)
    return start_serve(env, tmp_path, port)


def test_serve_answers_and_a_restart_keeps_the_data(tmp_path, standin: SlackStandIn) -> None:
    env_db = {"DATABASE_URL": db_url("city.db")}
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "import", str(EXAMPLE)], cwd=tmp_path,
        env={**os.environ, **env_db}, check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    process = _serve(tmp_path, standin, port)
    try:
        client = SlackClient(f"http://127.0.0.1:{port}", standin)
        saved = client.command("tila 1.1 aikataulussa 40 % Pilotti käynnissä", user=OWNER)
        assert saved.status_code == 200 and "Tallennettu" in text_of(saved)
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert "Traceback" not in output
    process = _serve(tmp_path, standin, port)
    try:
        shown = client.command("näytä 1.1", user=STRANGER)
        assert "Pilotti käynnissä" in text_of(shown) and "40 %" in text_of(shown)
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_serve_without_credentials_says_what_is_missing(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"], cwd=tmp_path, capture_output=True, text=True,
        env={**env, "DATABASE_URL": db_url("x.db"), "DIGIBOT_LANGUAGE": "en"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


# --- the summary from chat ---


def test_a_coordinator_hands_a_measure_over_by_mention_and_the_new_owner_gets_a_dm(
    bot: Running,
) -> None:
    refused = text_of(bot.slack.command(f"owner 1.1 <@{DEPUTY}>", user=OWNER))
    assert "reassigned by coordinators" in refused
    unknown = text_of(bot.slack.command("owner 1.1 <@U0NOBODY|nobody>", user=COORDINATOR))
    assert "No user U0NOBODY was found" in unknown
    assert "No user" in text_of(bot.slack.command("owner 1.1 ghost@example.org", user=COORDINATOR))
    assert bot.standin.called("chat.postMessage") == []
    done = text_of(bot.slack.command(f"owner 1.1 <@{DEPUTY}|tietohallinto>", user=COORDINATOR))
    assert "Kehitysjohtaja → Tietohallintopäällikkö" in done
    (dm,) = bot.standin.wait_for("chat.postMessage")
    assert dm["channel"] == DEPUTY and "1.1 Suomi.fi-viestit" in json.dumps(dm, ensure_ascii=False)
    history = text_of(bot.slack.command("history 1.1", user=COORDINATOR))
    assert "owner Kehitysjohtaja → Tietohallintopäällikkö" in history
    assert "can be updated by its owner Tieto" in text_of(
        bot.slack.command("status 1.1 done", user=OWNER)
    )


def test_summary_post_without_a_leadership_channel_says_what_to_set(bot: Running) -> None:
    answer = text_of(bot.slack.command("summary post", user=COORDINATOR))
    assert "No leadership channel is set" in answer
    assert "for coordinators" in text_of(bot.slack.command("summary post", user=OWNER))
    assert bot.standin.called("chat.postMessage") == []


def test_coordinators_preview_and_post_the_summary_from_slack(
    programme, standin: SlackStandIn
) -> None:
    settings = Settings(
        _env_file=None, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
        slack_api_url=f"{standin.url}/api/", digibot_coordinators=[COORDINATOR],
        digibot_language="en", digibot_leadership_channel="C0LEADERS",
    )  # fmt: skip
    server, thread, url = start_server(served(settings, programme))
    try:
        client = SlackClient(url, standin)
        refused = client.command("summary preview", user=STRANGER)
        assert "for coordinators" in text_of(refused)
        shown = text_of(client.command("yhteenveto esikatselu", user=COORDINATOR))
        assert "progress report" in shown and "Measures by status" in shown
        assert standin.called("chat.postMessage") == []  # a preview posts nothing
        assert "for coordinators" in text_of(client.command("summary post", user=OWNER))
        assert "Posting the summary" in text_of(client.command("summary post", user=COORDINATOR))
        answer = standin.wait_for_text("is posted to C0LEADERS")
        assert answer["response_type"] == "ephemeral"
        posted = [c for c in standin.called("chat.postMessage") if c["channel"] == "C0LEADERS"]
        assert posted and "thread_ts" not in posted[0]
        client.command("summary post", user=COORDINATOR)
        standin.wait_for_text("was already posted")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_show_on_a_retired_measure_in_slack_says_when_and_refuses_updates(bot: Running) -> None:
    from storage import crud, plan
    from storage.db import session_scope

    assert "Saved" in text_of(bot.slack.command("status 1.1 on-track 40% Pilot", user=OWNER))
    with session_scope(bot.engine) as session:
        revision = plan.new_revision(session, label="TA 2027", by="test")
        measure = crud.find_measure(session, code="1.1")
        assert measure is not None
        plan.retire(measure, revision=revision)
        plan.record_plans(session, revision=revision)
    shown = text_of(bot.slack.command("show 1.1", user=STRANGER))
    assert "No longer in the programme" in shown and "by revision TA 2027" in shown
    assert "Pilot" in shown  # its history is kept
    refused = text_of(bot.slack.command("status 1.1 done", user=OWNER))
    assert "Measure 1.1 is no longer in the programme" in refused and "Nothing was saved" in refused
    assert count_updates(bot.engine) == 1
