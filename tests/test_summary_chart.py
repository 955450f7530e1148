"""The summary's chart: user text in it is plain text, and it is put in the thread once
however a crash falls."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from bot.slack.app import web_client
from bot.slack.publisher import SlackPublisher
from handlers.context import Context
from handlers.summary.post import post
from storage.db import session_scope
from storage.programme_io import import_file
from tests.conftest import EXAMPLE, db_url
from tests.slack_standin import SlackStandIn
from tests.test_summary import LEADERSHIP, settings_for

MAY_20_0900 = datetime(2025, 5, 20, 6, 0, tzinfo=UTC)
MATH = "Tulot $5^$"  # matplotlib would read $…$ as mathtext, and this one does not parse


@pytest.fixture
def standin():
    with SlackStandIn({"U0OWNER": "kehitysjohtaja@example.org"}) as running:
        yield running


@pytest.fixture
def dollars(tmp_path):
    """The example programme with a theme named like a formula."""
    path = tmp_path / "dollars.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Digitaaliset palvelut,", f'name: "{MATH}",'), "utf-8")
    return path


def test_a_theme_named_like_a_formula_renders_the_html_report(tmp_path, dollars) -> None:
    env = {**os.environ, "DATABASE_URL": db_url("html.db"), "DIGIBOT_LANGUAGE": "fi"}
    digibot = [sys.executable, "-m", "bot.cli"]
    imported = subprocess.run(
        [*digibot, "import", str(dollars)], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert imported.returncode == 0, imported.stderr
    result = subprocess.run(
        [*digibot, "summary", "preview", "--format", "html"],
        env=env, cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert MATH in result.stdout and "data:image/png;base64," in result.stdout
    assert "Traceback" not in result.stderr


def test_a_theme_named_like_a_formula_posts_with_its_chart(engine, dollars, standin) -> None:
    with session_scope(engine) as session:
        import_file(session, dollars)
    ctx = Context(engine=engine, language="en", now=lambda: MAY_20_0900)
    publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
    outcome = post(ctx, publisher, trigger="schedule", requested_by="schedule")
    assert outcome.state == "posted", outcome.reason
    assert len(standin.called("files.completeUploadExternal")) == 1


class _DiesAfterTheUpload(SlackPublisher):
    """Slack has the chart, but the process dies before the database hears of it."""

    def upload_chart(self, png, **kwargs):
        super().upload_chart(png, **kwargs)
        raise ConnectionError("the process died")


def test_a_crash_after_the_chart_upload_then_resume_posts_one_chart(programme, standin) -> None:
    ctx = Context(engine=programme, language="en", now=lambda: MAY_20_0900)
    client = web_client(settings_for(standin))
    crashed = post(
        ctx, _DiesAfterTheUpload(client, LEADERSHIP), trigger="schedule", requested_by="schedule"
    )
    assert crashed.state == "failed"
    messages = len(standin.called("chat.postMessage"))
    resumed = post(
        ctx, SlackPublisher(client, LEADERSHIP), trigger="schedule", requested_by="schedule"
    )
    assert resumed.state == "posted"
    assert len(standin.called("files.completeUploadExternal")) == 1  # one chart in the thread
    assert len(standin.called("chat.postMessage")) == messages  # and no message again
