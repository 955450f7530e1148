"""`/digi summary preview` of thousands of measures: Slack takes only 5 posts to one
`response_url`; the rest arrives by direct message, or the answer says where to get it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import yaml

from bot.platforms import context
from bot.settings import Settings
from bot.slack.app import build_app
from bot.web import create_web_app
from handlers.messages import Messages
from storage.db import session_scope
from storage.programme_io import import_file
from tests.slack_standin import RESPONSE_URL_POSTS, SECRET, SlackClient, SlackStandIn
from tests.test_slack import COORDINATOR, USERS, start_server

MEASURES = 5000  # a preview of 8 messages: the answer and 7 more


@pytest.fixture
def huge(engine, tmp_path):
    themes = [{"id": f"T{n}", "name": f"Teema {n}"} for n in range(1, 13)]
    measures = [
        {"id": f"{n % 12 + 1}.{n // 12 + 1}", "theme": f"T{n % 12 + 1}",
         "title": f"Toimenpide numero {n}: digitaalisen palvelun kehittäminen",
         "owner": "kehitysjohtaja@example.org"}
        for n in range(MEASURES)
    ]  # fmt: skip
    path = tmp_path / "huge.yaml"
    path.write_text(
        yaml.safe_dump({"programme": {"name": "Suuri ohjelma"}, "themes": themes,
                        "measures": measures}, allow_unicode=True),
        encoding="utf-8",
    )  # fmt: skip
    with session_scope(engine) as session:
        import_file(session, path)
    return engine


@pytest.fixture
def slack(huge, standin) -> Iterator[SlackClient]:
    settings = Settings(
        _env_file=None, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
        slack_api_url=f"{standin.url}/api/", digibot_coordinators=[COORDINATOR],
        digibot_language="en",
    )  # fmt: skip
    app = build_app(settings, context(settings, huge, source="slack"))
    server, thread, url = start_server(
        create_web_app(huge, slack=app, messages=Messages("en"), slack_signing_secret=SECRET)
    )
    yield SlackClient(url, standin)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(USERS) as running:
        yield running


def settle(standin: SlackStandIn, said: str, timeout: float = 120) -> None:
    """Until an answer says `said` (the last thing the preview sends)."""
    deadline = time.monotonic() + timeout
    while said not in json.dumps(standin.responses, ensure_ascii=False):
        assert time.monotonic() < deadline, f"no answer said {said!r}"
        time.sleep(0.1)


def everything(*parts: object) -> str:
    return json.dumps(parts, ensure_ascii=False)


@pytest.mark.parametrize("acknowledged", ["with the first message", "with working on it"])
def test_a_preview_of_thousands_of_measures_continues_by_direct_message(
    slack, standin, monkeypatch, acknowledged: str
) -> None:
    if acknowledged == "with working on it":  # as when the machine is slow: no waiting at all
        monkeypatch.setattr("bot.slack.listeners.commands.ACK_BUDGET", 0)
    answer = slack.command("summary preview", user=COORDINATOR)
    assert answer.status_code == 200
    settle(standin, "direct messages")
    assert max(standin.response_posts.values()) <= RESPONSE_URL_POSTS
    direct = [c for c in standin.called("chat.postMessage") if c["channel"] == COORDINATOR]
    assert direct  # the rest of the preview, to the coordinator alone
    # All eight messages, nothing lost: the first in the acknowledgement, or (when building
    # took longer than the acknowledgement may wait) through response_url like the rest.
    in_ack = int("Suuri ohjelma" in answer.text)
    assert in_ack + len(standin.responses) - 1 + len(direct) == 8
    shown = everything(answer.text, standin.responses, direct)
    assert f"Toimenpide numero {MEASURES - 1}" in shown and "Toimenpide numero 0" in shown


def test_when_no_direct_message_can_go_the_answer_says_where_to_get_the_preview(
    slack, standin
) -> None:
    standin.refusals[("chat.postMessage", COORDINATOR)] = "messages_tab_disabled"
    slack.command("summary preview", user=COORDINATOR)
    settle(standin, "digibot summary preview")
    assert max(standin.response_posts.values()) <= RESPONSE_URL_POSTS
    assert "--format html" in json.dumps(standin.responses[-1])  # or as the report file
