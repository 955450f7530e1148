"""The leadership summary: its content, its documents, and posting it exactly once to the
local Slack stand-in, by hand, by the schedule and by two processes at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.scheduler import Schedule
from bot.settings import Settings
from bot.slack.app import web_client
from bot.slack.publisher import SlackMessenger, SlackPublisher
from handlers.context import Context
from handlers.render_text import render_text
from handlers.summary.document import render_html, render_markdown
from handlers.summary.post import post, preview
from handlers.summary.report import title
from storage import crud
from storage.db import session_scope
from tests.conftest import EXAMPLE, db_url, previewed, record
from tests.slack_standin import SlackStandIn
from tests.test_slack_blocks import assert_mentions_nobody, assert_within_slack_limits

LEADERSHIP = "C0LEADERS"
HELSINKI_0900_20_MAY_2025 = datetime(2025, 5, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def standin():
    users = {
        "U0OWNER": "kehitysjohtaja@example.org",
        "U0ICT": "tietohallintopaallikko@example.org",
        "U0CISO": "tietoturvapaallikko@example.org",
    }
    with SlackStandIn(users) as running:
        yield running


def settings_for(standin: SlackStandIn, **extra) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        slack_api_url=f"{standin.url}/api/",
        digibot_leadership_channel=LEADERSHIP,
        digibot_language="en",
        **extra,
    )


def posted_messages(standin: SlackStandIn) -> list[dict]:
    messages = []
    for call in standin.called("chat.postMessage"):
        blocks = call.get("blocks")
        messages.append(
            {**call, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}
        )
    return [m for m in messages if m.get("channel") == LEADERSHIP]


# --- content ---


def test_the_summary_compares_with_the_last_one_and_flags_what_needs_attention(programme) -> None:
    spring = datetime(2025, 3, 1, 8, tzinfo=UTC)
    record(programme, "1.1", "on_track", progress=20, when=spring)
    record(programme, "2.1", "on_track", progress=50, when=spring)
    record(programme, "3.1", "at_risk", progress=10, note="No trainer", when=spring)
    ctx = Context(engine=programme, language="en", now=lambda: HELSINKI_0900_20_MAY_2025)
    first, parts = previewed(ctx)
    assert first.first and first.period == "2025-H1"
    text = "\n".join(render_text(p) for p in parts)
    assert "Changes since the programme was imported" in text
    assert "3 measures changed status" in text
    assert "No trainer" in text and "Delayed and at risk (1)" in text

    with session_scope(programme) as session:  # the spring summary is posted
        from storage import summary_runs

        claim = summary_runs.claim_run(
            session, period="2025-H1", channel=LEADERSHIP, force=False, trigger="test",
            requested_by="test", claimed_by="test", as_of="2025-05-20",
        )  # fmt: skip
        summary_runs.finish_run(session, run=claim.run)
    autumn = datetime(2025, 9, 1, 8, tzinfo=UTC)
    record(programme, "1.1", "done", progress=100, when=autumn)
    record(programme, "2.1", "delayed", progress=50, note="Vendor bankrupt", when=autumn)
    ctx = replace(ctx, now=lambda: datetime(2025, 9, 22, 6, tzinfo=UTC))
    summary, parts = previewed(ctx)
    assert not summary.first and summary.period == "2025-H2"
    assert [c.row.code for c in summary.changes] == ["1.1", "2.1"]
    assert [c.row.code for c in summary.newly_done] == ["1.1"]
    assert [c.row.code for c in summary.newly_delayed] == ["2.1"]
    stale = {r.code for r in summary.rows if r.stale}
    assert "3.1" in stale and "1.1" not in stale and "2.1" not in stale
    text = "\n".join(render_text(p) for p in parts)
    assert "Changes since the last summary" in text
    assert "🟢 On track → ✅ Done" in text and "Vendor bankrupt" in text
    assert "Not updated since the last summary (20)" in text


def test_overdue_behind_schedule_and_the_overview_numbers(programme) -> None:
    now = datetime(2026, 5, 20, 6, tzinfo=UTC)
    record(programme, "6.1", "on_track", progress=10, when=now - timedelta(days=1))  # due 3/2025
    record(programme, "1.1", "on_track", progress=20, when=now - timedelta(days=1))  # due 6/2026
    record(programme, "3.1", "done", progress=100, when=now - timedelta(days=1))
    ctx = Context(engine=programme, language="en", now=lambda: now)
    summary, _ = previewed(ctx)
    rows = {r.code: r for r in summary.rows}
    assert rows["6.1"].overdue and not rows["3.1"].overdue
    assert rows["1.1"].behind and not rows["1.1"].overdue  # 20 % with 90 % of its time gone
    assert not rows["6.1"].behind  # overdue already says it
    assert summary.counts["done"] == 1 and summary.counts["on_track"] == 2
    assert summary.share_done == round(100 / 22)
    assert summary.average_progress == round((10 + 20 + 100) / 22)


def test_the_same_data_renders_the_same_way_every_time(programme) -> None:
    record(programme, "1.1", "on_track", progress=40, when=datetime(2025, 4, 1, tzinfo=UTC))
    ctx = Context(engine=programme, language="fi", now=lambda: HELSINKI_0900_20_MAY_2025)
    outputs = set()
    for _ in range(3):
        summary, parts = previewed(ctx)
        outputs.add(
            render_markdown(parts)
            + render_html(parts, title=title(summary, ctx), language="fi", chart_png=None)
        )
    assert len(outputs) == 1


class _Checker(HTMLParser):
    VOID = frozenset({"meta", "img", "br", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def handle_data(self, data) -> None:
        self.text.append(data)


def test_the_html_document_is_well_formed_escaped_and_complete(programme) -> None:
    record(
        programme,
        "2.1",
        "delayed",
        note="<script>alert(1)</script> & <!channel>",
        when=datetime(2025, 4, 1, tzinfo=UTC),
    )
    ctx = Context(engine=programme, language="fi", now=lambda: HELSINKI_0900_20_MAY_2025)
    summary, parts = previewed(ctx)
    document = render_html(
        parts, title=title(summary, ctx), language="fi", chart_png=b"\x89PNG fake"
    )
    checker = _Checker()
    checker.feed(document)
    assert checker.stack == []
    assert "<script>" not in document and "&lt;script&gt;" in document
    assert document.startswith("<!DOCTYPE html>") and '<html lang="fi">' in document
    assert 'src="data:image/png;base64,' in document
    assert '<span class="mark delayed"' in document  # drawn without an emoji font
    assert "ketjussa" not in document  # chat's "see the thread" has no place in a document
    text = "".join(checker.text)
    for code in ("1.1", "2.1", "6.4"):
        assert code in text
    assert "tilannekatsaus, kevät 2025" in text


def test_markdown_escapes_user_text(programme) -> None:
    record(
        programme,
        "2.1",
        "delayed",
        note="*bold* | [link](http://x) <b>",
        when=datetime(2025, 4, 1, tzinfo=UTC),
    )
    ctx = Context(engine=programme, language="en", now=lambda: HELSINKI_0900_20_MAY_2025)
    _, parts = previewed(ctx)
    markdown = render_markdown(parts)
    assert r"\*bold\* \| \[link\](http://x) \<b\>" in markdown
    assert markdown.startswith(
        "# Esimerkkikaupungin digiohjelma (esimerkki) — progress report, spring 2025"
    )


# --- posting to Slack ---


def test_a_300_measure_summary_posts_within_slacks_limits_with_every_measure(big, standin) -> None:
    ctx = Context(engine=big, language="fi", now=lambda: HELSINKI_0900_20_MAY_2025)
    publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
    outcome = post(ctx, publisher, trigger="cli", requested_by="test")
    assert outcome.state == "posted"
    messages = posted_messages(standin)
    assert len(messages) == outcome.messages > 10
    main, *thread = messages
    assert "thread_ts" not in main or not main["thread_ts"]
    main_ts = "1.0001"
    assert all(m["thread_ts"] == main_ts for m in thread)
    for message in messages:
        assert_within_slack_limits(message["blocks"], 50)
    everything = json.dumps([m["blocks"] for m in messages], ensure_ascii=False)
    for n in range(300):
        assert f" {n // 30 + 1}.{n % 30 + 1} Toimenpide {n}:" in everything
    for message in messages:
        assert_mentions_nobody(message["blocks"])
    assert "<!channel>" in everything  # a note, shown as plain_text
    [upload] = standin.called("files.getUploadURLExternal")
    [complete] = standin.called("files.completeUploadExternal")
    assert complete["channel_id"] == LEADERSHIP and complete["thread_ts"] == main_ts
    [png] = standin.uploads.values()
    assert png.startswith(b"\x89PNG") and int(upload["length"]) == len(png)


def test_a_429_in_the_middle_is_retried_and_the_summary_still_posts_once(big, standin) -> None:
    standin.fail("chat.postMessage", 429, retry_after=1, after=3)
    ctx = Context(engine=big, language="en", now=lambda: HELSINKI_0900_20_MAY_2025)
    publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
    outcome = post(ctx, publisher, trigger="cli", requested_by="test")
    assert outcome.state == "posted"
    calls = standin.called("chat.postMessage")
    assert len(calls) == outcome.messages + 1  # the one refused with 429, then its retry
    texts = [c.get("blocks") for c in calls]
    assert texts[3] == texts[4]  # the refused message, sent again
    assert len(set(map(str, texts))) == outcome.messages


def test_a_second_post_in_the_period_posts_nothing_and_force_reposts_on_record(
    programme, standin
) -> None:
    ctx = Context(engine=programme, language="en", now=lambda: HELSINKI_0900_20_MAY_2025)
    publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
    first = post(ctx, publisher, trigger="cli", requested_by="test")
    count = len(standin.called("chat.postMessage"))
    again = post(ctx, publisher, trigger="chat", requested_by="U0COORD")
    assert again.state == "already" and again.run.id == first.run.id
    assert len(standin.called("chat.postMessage")) == count
    forced = post(ctx, publisher, force=True, trigger="cli", requested_by="test")
    assert forced.state == "posted" and forced.run.attempt == 1
    assert len(standin.called("chat.postMessage")) == 2 * count


class _CrashingPublisher(SlackPublisher):
    """Dies after posting `survive` messages, as a process killed mid-post would."""

    def __init__(self, client, channel, survive: int) -> None:
        super().__init__(client, channel)
        self.survive = survive

    def post(self, message, *, thread, key):
        if self.survive == 0:
            raise ConnectionError("the process died")
        self.survive -= 1
        return super().post(message, thread=thread, key=key)


def test_a_crash_mid_post_resumes_in_the_same_thread_without_reposting(programme, standin) -> None:
    ctx = Context(engine=programme, language="en", now=lambda: HELSINKI_0900_20_MAY_2025)
    client = web_client(settings_for(standin))
    crashed = post(
        ctx,
        _CrashingPublisher(client, LEADERSHIP, survive=3),
        trigger="schedule",
        requested_by="schedule",
    )
    assert crashed.state == "failed"
    assert len(posted_messages(standin)) == 3
    resumed = post(
        ctx, SlackPublisher(client, LEADERSHIP), trigger="schedule", requested_by="schedule"
    )
    assert resumed.state == "posted"
    messages = posted_messages(standin)
    assert len(messages) == resumed.messages
    assert sum(1 for m in messages if not m.get("thread_ts")) == 1
    assert len({json.dumps(m["blocks"]) for m in messages}) == len(messages)


def test_two_processes_posting_at_once_post_one_summary(tmp_path, standin) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": db_url("shared.db"),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": f"{standin.url}/api/",
        "DIGIBOT_LEADERSHIP_CHANNEL": LEADERSHIP,
        "DIGIBOT_LANGUAGE": "en",
    }
    digibot = [sys.executable, "-m", "bot.cli"]
    subprocess.run(
        [*digibot, "import", str(EXAMPLE)], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    processes = [
        subprocess.Popen(
            [*digibot, "summary", "post"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert sum("is posted to" in out for out in outputs) == 1, outputs
    assert sum(1 for m in posted_messages(standin) if not m.get("thread_ts")) == 1
    assert len(standin.called("files.completeUploadExternal")) == 1
    third = subprocess.run(
        [*digibot, "summary", "post"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert third.returncode == 0 and "was already posted" in third.stdout


# --- the schedule ---


def test_the_schedule_posts_at_the_moved_time_once_and_catches_up_after_downtime(
    programme, standin
) -> None:
    settings = settings_for(standin, digibot_summary_dates=["09-20"])  # Saturday 2025-09-20
    ctx = Context(engine=programme, language="en")
    client = web_client(settings)
    schedule = Schedule(settings, ctx, [SlackPublisher(client, LEADERSHIP)], SlackMessenger(client))
    monday_0900 = datetime(2025, 9, 22, 6, 0, tzinfo=UTC)  # 09:00 in Helsinki (EEST)
    schedule.tick(monday_0900 - timedelta(days=2))  # Saturday: moved to Monday, nothing yet
    schedule.tick(monday_0900 - timedelta(minutes=1))
    assert posted_messages(standin) == []
    schedule.tick(monday_0900 + timedelta(days=3))  # the bot was down until Thursday
    count = len(posted_messages(standin))
    assert count > 0
    schedule.tick(monday_0900 + timedelta(days=3, minutes=1))
    schedule.tick(monday_0900 + timedelta(days=6))
    assert len(posted_messages(standin)) == count
    assert "autumn 2025" in json.dumps(posted_messages(standin)[0]["blocks"])


def test_a_summary_missed_by_more_than_seven_days_is_not_posted(programme, standin) -> None:
    settings = settings_for(standin)
    client = web_client(settings)
    schedule = Schedule(
        settings,
        Context(engine=programme),
        [SlackPublisher(client, LEADERSHIP)],
        SlackMessenger(client),
    )
    schedule.tick(HELSINKI_0900_20_MAY_2025 + timedelta(days=7, minutes=1))
    assert posted_messages(standin) == []


def test_reminders_go_once_to_owners_with_stale_measures(programme, standin) -> None:
    settings = settings_for(standin)
    client = web_client(settings)
    schedule = Schedule(
        settings, Context(engine=programme, language="fi"), [], SlackMessenger(client)
    )
    record(
        programme, "4.1", "on_track", when=datetime(2025, 5, 1, tzinfo=UTC)
    )  # tietoturvapäällikkö's
    record(programme, "4.3", "on_track", when=datetime(2025, 5, 1, tzinfo=UTC))
    record(programme, "5.3", "on_track", when=datetime(2025, 5, 1, tzinfo=UTC))
    record(programme, "4.2", "on_track", when=datetime(2025, 5, 1, tzinfo=UTC))
    record(programme, "6.1", "on_track", when=datetime(2025, 5, 1, tzinfo=UTC))  # deputy of 6.1
    fourteen_days_before = datetime(2025, 5, 6, 6, 0, tzinfo=UTC)  # Tuesday 6 May, 09:00
    schedule.tick(fourteen_days_before - timedelta(minutes=1))
    assert standin.called("chat.postMessage") == []
    schedule.tick(fourteen_days_before)
    schedule.tick(fourteen_days_before + timedelta(hours=3))
    direct = standin.called("chat.postMessage")
    assert sorted(m["channel"] for m in direct) == ["U0ICT", "U0OWNER"]  # U0CISO is up to date
    owner = json.dumps(next(m for m in direct if m["channel"] == "U0OWNER"), ensure_ascii=False)
    assert "digi_open_form" in owner and '"value": "1.1"' in owner and "20.5.2025" in owner
    three_days_before = datetime(2025, 5, 19, 6, 0, tzinfo=UTC)  # the 3-day reminder
    record(programme, "1.1", "on_track", when=three_days_before - timedelta(days=1))
    schedule.tick(three_days_before)
    schedule.tick(three_days_before + timedelta(minutes=5))
    assert len(standin.called("chat.postMessage")) == 4


def test_a_manual_remind_counts_for_the_day(tmp_path, standin) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": db_url("r.db"),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": f"{standin.url}/api/",
        "DIGIBOT_LANGUAGE": "en",
    }
    digibot = [sys.executable, "-m", "bot.cli"]
    subprocess.run(
        [*digibot, "import", str(EXAMPLE)], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    first = subprocess.run(
        [*digibot, "remind"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert first.returncode == 0 and "Reminders sent to 3 people" in first.stdout
    assert "could not be reached" in first.stdout
    second = subprocess.run(
        [*digibot, "remind"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert "Reminders sent to 0 people" in second.stdout
    assert len(standin.called("chat.postMessage")) == 3


# --- the command line ---


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "tilannekatsaus"),
        ("markdown", "## Toimenpiteet tiloittain"),
        ("html", "<!DOCTYPE html>"),
        ("csv", "id,theme,title,owner"),
    ],
)
def test_summary_preview_in_every_format(tmp_path: Path, fmt: str, expected: str) -> None:
    env = {**os.environ, "DATABASE_URL": db_url("p.db"), "DIGIBOT_LANGUAGE": "fi"}
    digibot = [sys.executable, "-m", "bot.cli"]
    subprocess.run(
        [*digibot, "import", str(EXAMPLE)], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    result = subprocess.run(
        [*digibot, "summary", "preview", "--format", fmt],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and expected in result.stdout
    assert "Traceback" not in result.stderr


def test_summary_post_without_a_channel_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGIBOT_"))}
    env.update(DATABASE_URL=db_url("n.db"), DIGIBOT_LANGUAGE="en")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "summary", "post"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "DIGIBOT_LEADERSHIP_CHANNEL" in result.stderr


def test_no_reminders_for_a_period_whose_summary_was_posted_early(programme, standin) -> None:
    from handlers.reminders import send_reminders
    from handlers.schedule import summary_slots

    ctx = Context(engine=programme, language="en", now=lambda: datetime(2025, 5, 7, 8, tzinfo=UTC))
    publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
    assert post(ctx, publisher, trigger="cli", requested_by="test").state == "posted"  # 7 May
    [spring, _] = summary_slots(2025, [(5, 20), (9, 20)], time(0, 0), ctx.timezone)
    outcome = send_reminders(ctx, SlackMessenger(web_client(settings_for(standin))), slot=spring,
                             day=date(2025, 5, 19))  # fmt: skip
    assert outcome.sent == [] and outcome.unreachable == []


def test_a_process_that_lost_its_claim_stops_posting(programme, standin) -> None:
    from sqlalchemy import update

    from storage.models import SummaryRun

    class Overtaken(SlackPublisher):
        def post(self, message, *, thread, key):
            posted = super().post(message, thread=thread, key=key)
            with programme.begin() as connection:  # another process takes the run over
                connection.execute(update(SummaryRun).values(claimed_by="another:1"))
            return posted

    ctx = Context(engine=programme, language="en", now=lambda: HELSINKI_0900_20_MAY_2025)
    publisher = Overtaken(web_client(settings_for(standin)), LEADERSHIP)
    outcome = post(ctx, publisher, trigger="schedule", requested_by="schedule")
    assert outcome.state == "busy"
    assert len(posted_messages(standin)) == 1  # it stopped after the message it had sent


def test_an_update_withdrawn_after_a_summary_does_not_rewrite_what_leadership_saw(
    programme, standin
) -> None:
    from storage import crud

    record(programme, "1.1", "delayed", note="Vendor late", when=datetime(2025, 5, 1, tzinfo=UTC))
    spring = Context(engine=programme, language="en", now=lambda: HELSINKI_0900_20_MAY_2025)
    publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
    assert post(spring, publisher, trigger="schedule", requested_by="schedule").state == "posted"
    with session_scope(programme) as session:  # withdrawn after leadership saw it
        update_ = crud.current_update(session, measure_id=crud.find_measure(session, code="1.1").id)
        crud.withdraw(session, update=update_, by="kehitysjohtaja@example.org")
    autumn = Context(
        engine=programme, language="en", now=lambda: datetime(2025, 9, 22, 6, tzinfo=UTC)
    )
    summary, _ = previewed(autumn)
    assert [(c.row.code, c.before.code, c.row.status.code) for c in summary.changes] == [
        ("1.1", "delayed", "not_started")
    ]


def test_a_preview_reads_in_the_callers_transaction(programme) -> None:
    """`summary preview` answers inside handle()'s transaction, not from a second one."""
    ctx = Context(engine=programme, language="en", now=lambda: HELSINKI_0900_20_MAY_2025)
    with session_scope(programme) as session:
        measure = crud.find_measure(session, code="3.1")
        crud.append_update(  # not committed yet: only this transaction sees it
            session, measure_id=measure.id, author="U0OWNER", status="at_risk", progress=10,
            note="Seen in this transaction", source="slack",
            created_at=HELSINKI_0900_20_MAY_2025 - timedelta(days=1),
        )  # fmt: skip
        _, parts = preview(session, ctx)
        assert "Seen in this transaction" in "\n".join(render_text(p) for p in parts)
