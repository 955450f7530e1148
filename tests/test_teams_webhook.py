"""The summary into Teams through a Workflows webhook, no bot: against a local stand-in of the
webhook, exactly once a period through retries and a crash, split to the size limit, every
card valid Adaptive Cards 1.5, the URL never logged whole."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot import platforms
from bot.cli import main
from bot.scheduler import Schedule
from bot.settings import Settings
from bot.teams.webhook import BUDGET, WebhookPublisher
from handlers.context import Context
from handlers.messages import Messages
from handlers.summary.post import post
from tests.adaptive_cards import assert_valid
from tests.conftest import EXAMPLE, Clock, db_url
from tests.teams_webhook_standin import PATH, SIGNATURE, WebhookStandIn

HELSINKI_0900_20_MAY_2025 = datetime(2025, 5, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def webhook():
    with WebhookStandIn() as running:
        yield running


class Waits(list[float]):
    """The publisher's sleep: records each wait instead of taking it."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def publisher_for(webhook: WebhookStandIn, waits: Waits | None = None) -> WebhookPublisher:
    return WebhookPublisher(webhook.url, Messages("en"), sleep=Waits() if waits is None else waits)


def context(engine, now=lambda: HELSINKI_0900_20_MAY_2025) -> Context:
    return Context(engine=engine, language="en", now=now)


def everything(webhook: WebhookStandIn) -> str:
    return json.dumps(webhook.cards(), ensure_ascii=False)


def assert_no_duplicates(webhook: WebhookStandIn) -> None:
    sent = [json.dumps(card, sort_keys=True) for card in webhook.cards()]
    assert len(set(sent)) == len(sent), "a card arrived twice"


def test_the_summary_arrives_once_as_valid_cards_with_the_chart(programme, webhook) -> None:
    ctx, publisher = context(programme), publisher_for(webhook)
    outcome = post(ctx, publisher, trigger="cli", requested_by="test")
    assert outcome.state == "posted"
    assert len(webhook.accepted) == outcome.messages + 1  # the parts, then the chart
    for message in webhook.accepted:
        assert message["type"] == "message" and len(message["attachments"]) == 1
        assert_valid(message["attachments"][0]["content"])
    assert all(status == 202 and size <= BUDGET for status, size in webhook.requests)
    first = everything(webhook)
    assert "Esimerkkikaupungin digiohjelma" in first and "spring 2025" in first
    [image] = [e for e in webhook.cards()[-1]["body"] if e["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,") and image["altText"]

    again = post(ctx, publisher, trigger="schedule", requested_by="schedule")
    assert again.state == "already" and again.run.id == outcome.run.id
    assert everything(webhook) == first  # nothing more arrived
    assert outcome.run.channel == "teams-webhook"


def test_a_large_programme_is_split_into_cards_each_within_the_limit(big, webhook) -> None:
    outcome = post(context(big), publisher_for(webhook), trigger="cli", requested_by="test")
    assert outcome.state == "posted" and outcome.messages > 10
    assert len(webhook.accepted) == outcome.messages + 1
    assert all(status == 202 and size <= BUDGET for status, size in webhook.requests)
    for card in webhook.cards():
        assert_valid(card)
    text = everything(webhook)
    for n in range(300):
        assert f"{n // 30 + 1}.{n % 30 + 1} Toimenpide {n}:" in text
    assert "Action.Submit" not in text  # a webhook card has no bot to answer a button
    chart = webhook.cards()[-1]
    assert not any(e["type"] == "Image" for e in chart["body"])  # 10 themes: too large
    assert "The chart is left out" in json.dumps(chart)


def test_429_with_retry_after_and_500_are_retried_and_the_summary_arrives_once(
    programme, webhook
) -> None:
    webhook.fail(429, after=2, retry_after="7")
    webhook.fail(500, after=2)
    webhook.fail(429, after=4, retry_after="3600")  # asks too much: the wait is bounded
    waits = Waits()
    outcome = post(context(programme), publisher_for(webhook, waits), trigger="cli",
                   requested_by="test")  # fmt: skip
    assert outcome.state == "posted"
    assert waits == [7.0, 2.0, 30.0]  # Retry-After; the backoff's second step; the bound
    statuses = [status for status, _ in webhook.requests]
    assert statuses[:5] == [202, 202, 429, 500, 202] and statuses.count(202) == len(statuses) - 3
    assert len(webhook.accepted) == outcome.messages + 1
    assert_no_duplicates(webhook)


def test_a_webhook_that_keeps_failing_gives_up_and_the_next_try_adds_no_duplicate(
    programme, webhook, caplog
) -> None:
    webhook.fail(*[503] * 5, after=3)
    waits = Waits()
    ctx = context(programme)
    failed = post(ctx, publisher_for(webhook, waits), trigger="schedule", requested_by="schedule")
    assert failed.state == "failed" and "503" in failed.reason
    assert waits == [1.0, 2.0, 4.0, 8.0] and len(webhook.requests) == 3 + 5
    assert len(webhook.accepted) == 3
    assert not [r for r in caplog.records if r.exc_info]
    resumed = post(ctx, publisher_for(webhook), trigger="schedule", requested_by="schedule")
    assert resumed.state == "posted" and resumed.run.id == failed.run.id
    assert len(webhook.accepted) == resumed.messages + 1
    assert_no_duplicates(webhook)


def test_a_permanent_refusal_fails_at_once_with_an_operator_line_and_no_traceback(
    programme, webhook, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    webhook.fail(403)
    waits = Waits()
    outcome = post(context(programme), publisher_for(webhook, waits), trigger="cli",
                   requested_by="test")  # fmt: skip
    assert outcome.state == "failed" and "403" in outcome.reason
    assert waits == [] and len(webhook.requests) == 1 and webhook.accepted == []
    [line] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "posting the summary 2025-H1 failed" in line.getMessage() and "403" in line.getMessage()
    assert not [r for r in caplog.records if r.exc_info]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request: POST http://127.0.0.1:" in logged  # httpx's own line, redacted:
    assert SIGNATURE not in logged and PATH not in logged and SIGNATURE not in outcome.reason


class Crash(BaseException):
    """The process dies: nothing of ours catches it, the claim stays held."""


class _CrashingPublisher(WebhookPublisher):
    def __init__(self, url: str, survive: int) -> None:
        super().__init__(url, Messages("en"), sleep=Waits())
        self.survive = survive

    def post(self, message, *, thread, key):
        if self.survive == 0:
            raise Crash
        self.survive -= 1
        return super().post(message, thread=thread, key=key)


def test_a_crash_mid_post_resumes_without_reposting_what_the_webhook_took(
    programme, webhook
) -> None:
    clock = Clock(HELSINKI_0900_20_MAY_2025)
    ctx = context(programme, now=clock)
    with pytest.raises(Crash):
        post(ctx, _CrashingPublisher(webhook.url, survive=3), trigger="schedule",
             requested_by="schedule")  # fmt: skip
    assert len(webhook.accepted) == 3
    busy = post(ctx, publisher_for(webhook), trigger="schedule", requested_by="schedule")
    assert busy.state == "busy"  # the dead process's claim holds until it times out
    clock.advance(seconds=ctx.claim_timeout.total_seconds() + 1)
    resumed = post(ctx, publisher_for(webhook), trigger="schedule", requested_by="schedule")
    assert resumed.state == "posted"
    assert len(webhook.accepted) == resumed.messages + 1
    assert_no_duplicates(webhook)


def test_the_webhook_alone_is_the_schedules_channel_and_reminds_nobody(programme, webhook) -> None:
    settings = Settings(
        _env_file=None, digibot_teams_webhook_url=webhook.url, digibot_language="en"
    )
    chat = platforms.build(settings, programme)
    assert chat.slack is None and chat.teams is None and chat.messengers == []
    [publisher] = chat.publishers
    assert isinstance(publisher, WebhookPublisher)
    schedule = Schedule(settings, Context(engine=programme), chat.publishers, None)
    schedule.tick(HELSINKI_0900_20_MAY_2025 - timedelta(days=3))  # a reminder day: no one
    assert webhook.accepted == []
    schedule.tick(HELSINKI_0900_20_MAY_2025)
    count = len(webhook.accepted)
    assert count > 1
    schedule.tick(HELSINKI_0900_20_MAY_2025 + timedelta(minutes=1))
    assert len(webhook.accepted) == count


def _digibot(env: dict[str, str], *args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env=env, cwd=cwd, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def test_summary_post_from_the_command_line_through_the_webhook(tmp_path, webhook) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGIBOT_"))}
    env.update(
        DATABASE_URL=db_url("cli.db"), DIGIBOT_LANGUAGE="en",
        DIGIBOT_TEAMS_WEBHOOK_URL=webhook.url,
    )  # fmt: skip
    assert _digibot(env, "import", str(EXAMPLE), cwd=tmp_path).returncode == 0
    webhook.fail(403)
    refused = _digibot(env, "summary", "post", cwd=tmp_path)
    assert refused.returncode == 1 and webhook.accepted == []
    assert "403" in refused.stderr and "stopped" in refused.stdout
    assert "Traceback" not in refused.stderr + refused.stdout
    first = _digibot(env, "summary", "post", cwd=tmp_path)
    assert first.returncode == 0 and "is posted to teams-webhook" in first.stdout
    count = len(webhook.accepted)
    assert count > 1
    second = _digibot(env, "summary", "post", cwd=tmp_path)
    assert second.returncode == 0 and "was already posted" in second.stdout
    assert len(webhook.accepted) == count
    for run in (refused, first, second):
        assert SIGNATURE not in run.stdout + run.stderr


@pytest.mark.parametrize(
    "url",
    ["http://teams.example.org/workflows/x?sig=abc", "ftp://127.0.0.1/x", "not a url at all"],
)
def test_a_webhook_url_that_is_not_https_is_refused_at_start(
    url, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGIBOT_TEAMS_WEBHOOK_URL", url)
    monkeypatch.setenv("DATABASE_URL", db_url("refused.db"))
    assert main(["summary", "post"]) == 2
    err = capsys.readouterr().err
    assert "DIGIBOT_TEAMS_WEBHOOK_URL" in err and "https://" in err
    assert url not in err and "Traceback" not in err
    assert not (tmp_path / "refused.db").exists()


def test_serve_with_the_webhook_alone_runs_the_schedule_through_it(
    programme, webhook, monkeypatch
) -> None:
    """No Slack, no Teams bot: `digibot serve` still serves /health and keeps the schedule."""
    import uvicorn

    from bot import serve as serving

    started: list[object] = []

    def start(schedule: Schedule) -> None:
        started.append(schedule)

    monkeypatch.setattr(Schedule, "start", start)
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: started.append(app))
    settings = Settings(_env_file=None, digibot_teams_webhook_url=webhook.url)
    assert serving.serve(settings, programme) == 0
    schedule, app = started
    assert isinstance(schedule, Schedule) and schedule.messenger is None
    [publisher] = schedule.publishers
    assert isinstance(publisher, WebhookPublisher) and app is not None
    schedule.tick(HELSINKI_0900_20_MAY_2025)
    assert len(webhook.accepted) > 1


def test_cards_sized_for_the_bot_are_split_again_for_the_webhook(monkeypatch) -> None:
    """The bot may send larger cards than a webhook takes: the webhook's messages are measured
    whole and split again, nothing dropped."""
    from bot.teams import cards
    from handlers.replies import Heading, Items, Reply

    monkeypatch.setattr(cards, "CARD_BYTES", 100_000)
    lines = [
        f"{n}. Toimenpide {n}: " + "digitaalisen palvelun kehittäminen " * 4 for n in range(400)
    ]
    part = Reply((Heading("Teema", 2), Items(tuple(lines))))
    [bot_card] = cards.render_cards(part)
    messages = WebhookPublisher("https://example.org/x", Messages("en")).render(part)
    assert len(json.dumps(cards.activity(bot_card)).encode()) > BUDGET
    assert len(messages) > 1
    for message in messages:
        sent = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        assert len(sent) <= BUDGET  # as sent: compact UTF-8
        assert_valid(message["attachments"][0]["content"])
    text = json.dumps(messages, ensure_ascii=False)
    assert all(json.dumps(line, ensure_ascii=False)[1:-1] in text for line in lines)
