"""What an operator's log collector gets: `digibot serve` logs at INFO (a summary posted,
reminders sent, each command answered), and with DIGIBOT_LOG_FORMAT=json every line is one
JSON object with the time, level, logger and message, and the command, platform, user and
measure where they are known. Unknown settings are refused at start."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, db_url
from tests.slack_standin import SlackClient, SlackStandIn, free_port, start_serve
from tests.test_replicas import digibot, environment

USERS = {
    "U0OWNER": "kehitysjohtaja@example.org",
    "U0ICT": "tietohallintopaallikko@example.org",
    "U0COORD": "digikoordinaattori@example.org",
}


def json_lines(output: str) -> list[dict]:
    """Every line of the output as a JSON object: anything else fails the test."""
    records = [json.loads(line) for line in output.splitlines() if line.strip()]
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
        assert datetime.fromisoformat(record["time"]).utcoffset() == timedelta(0), record
    return records


def find(records: list[dict], message: str) -> dict:
    found = [r for r in records if r["message"].startswith(message)]
    assert found, [r["message"] for r in records]
    return found[0]


@pytest.fixture
def standin():
    with SlackStandIn(USERS) as running:
        yield running


def test_serve_logs_commands_and_the_summary_as_json_lines_with_who_and_what(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    # No summary or reminder falls due by itself (the bot under test reads the real clock).
    far = datetime.now(UTC).date() + timedelta(days=60)
    far += timedelta(days=far.month == 2 and far.day == 29)  # 02-29 is no yearly date
    env = environment(
        standin, db_url(), DIGIBOT_LOG_FORMAT="json", DIGIBOT_COORDINATORS="U0COORD",
        DIGIBOT_SUMMARY_DATES=f"{far.month:02d}-{far.day:02d}", DIGIBOT_REMINDER_DAYS="1",
    )  # fmt: skip
    imported = digibot("import", str(EXAMPLE), env=env, cwd=tmp_path)
    assert imported.returncode == 0
    json_lines(imported.stderr)

    port = free_port()  # DIGIBOT_LOG_LEVEL unset: serve logs at INFO
    bot = start_serve(env, tmp_path, port)
    try:
        slack = SlackClient(f"http://127.0.0.1:{port}", standin)
        assert "Saved" in slack.command("status 1.1 on-track 40% Pilot", user="U0OWNER").text
        slack.command("summary post", user="U0COORD")
        standin.wait_for_text("is posted to")
    finally:
        bot.terminate()
        output, _ = bot.communicate(timeout=30)
    records = json_lines(output)  # stdout and stderr together: not one line of anything else
    assert all(r["level"] in ("INFO", "WARNING") for r in records), records

    command = find(records, "command answered")
    assert command["level"] == "INFO" and command["logger"] == "handlers.commands"
    assert (command["command"], command["platform"], command["user"], command["measure"]) == (
        "status", "slack", "U0OWNER", "1.1",
    )  # fmt: skip
    summary = find(records, "summary posted")
    assert summary["level"] == "INFO"
    assert (summary["command"], summary["platform"], summary["user"]) == (
        "summary post", "slack", "U0COORD",
    )  # fmt: skip
    assert "measure" not in summary
    assert "command" not in find(records, "Uvicorn running")  # outside any command

    reminded = digibot("remind", env={**env, "DIGIBOT_LOG_LEVEL": "info"}, cwd=tmp_path)
    assert reminded.returncode == 0
    sent = find(json_lines(reminded.stderr), "reminders sent")
    assert sent["level"] == "INFO" and sent["command"] == "remind"
    assert [c for c in standin.called("chat.postMessage") if c["channel"] == "U0OWNER"]


def test_a_command_line_stays_quiet_below_warning_by_default(tmp_path: Path) -> None:
    env = _clean({"DATABASE_URL": db_url(), "DIGIBOT_LANGUAGE": "en"})
    result = digibot("import", str(EXAMPLE), env=env, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.parametrize(
    ("variable", "value", "valid"),
    [("DIGIBOT_LOG_LEVEL", "verbose", "'INFO'"), ("DIGIBOT_LOG_FORMAT", "xml", "'json'")],
)
def test_an_unknown_log_setting_is_refused_at_start(
    tmp_path: Path, variable: str, value: str, valid: str
) -> None:
    env = _clean({"DATABASE_URL": db_url(), variable: value})
    result = digibot("export", env=env, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert variable in result.stderr and valid in result.stderr
    assert "Traceback" not in result.stderr


def _clean(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGIBOT_"))}
    return {**env, **extra}
