"""The console end to end, as a subprocess: what a new user does in the first minute; and
what it says instead of what only a chat platform can do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.vocabulary import strip_prefix
from tests.conftest import (
    COORDINATOR,
    EXAMPLE,
    OWNER,
    ROOT,
    ChatBot,
    db_url,
    unreachable_url,
)

DIGIBOT = [sys.executable, "-m", "bot.cli"]


def run(args: list[str], cwd: Path, stdin: str = "", language: str = "en", **env: str):
    environment = {
        **os.environ,
        "DATABASE_URL": db_url("digibot.db"),
        "DIGIBOT_LANGUAGE": language,
        **env,
    }
    environment.pop("DIGIBOT_COORDINATORS", None)
    environment.update(env)
    result = subprocess.run(
        DIGIBOT + args,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=60,
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    assert run(["import", str(EXAMPLE)], tmp_path).returncode == 0
    return tmp_path


SESSION = """\
/digi status 1.1 on-track 40% Pilot in two units
status 1.1 delayed
/digi status 2.1 done
show 1.1
status 1.1 at-risk 50% "Vendor <!channel> is late"
undo
list mine
"""


def test_a_piped_session_as_owner_answers_each_line_and_exits_0(workdir: Path) -> None:
    result = run(["console", "--as", OWNER], workdir, SESSION)
    assert result.returncode == 0
    answers = result.stdout.strip().split("\n\n")
    assert len(answers) == 7
    assert "Saved" in answers[0] and "40%" in answers[0]
    assert "needs a reason" in answers[1]
    assert "can be updated by its owner Tietohallintopäällikkö" in answers[2]
    assert "Pilot in two units" in answers[3]
    assert "Vendor <!channel> is late" in answers[4]
    assert "Withdrawn" in answers[5]
    assert "Your measures (5)" in answers[6]


def test_export_shows_exactly_the_accepted_updates(workdir: Path) -> None:
    run(["console", "--as", OWNER], workdir, SESSION)
    run(["console", "--as", "U0STRANGER"], workdir, "status 1.1 done\nstatus 6.1 done 100%\n")
    exported = json.loads(run(["export", "--format", "json", "--history"], workdir).stdout)
    updates = [
        (m["id"], u["status"], u["progress"], u["note"], u["withdrawn_at"] is not None)
        for m in exported["measures"]
        for u in m["updates"]
    ]
    assert updates == [
        ("1.1", "on_track", 40, "Pilot in two units", False),
        ("1.1", "at_risk", 50, "Vendor <!channel> is late", True),
    ]


def test_the_console_without_as_is_the_local_coordinator(workdir: Path) -> None:
    result = run(["console"], workdir, "status 3.2 on-track 10%\n")
    assert result.returncode == 0 and "Saved" in result.stdout


def test_deputy_stranger_and_coordinator_in_finnish(workdir: Path) -> None:
    deputy = run(
        ["console", "--as", "tietohallintopaallikko@example.org"],
        workdir,
        "tila 1.1 valmis\n",
        "fi",
    )
    assert "Tallennettu" in deputy.stdout
    stranger = run(["console", "--as", "U0STRANGER"], workdir, "tila 1.1 valmis\n", "fi")
    assert "voivat päivittää sen vastuuhenkilö Kehitysjohtaja" in stranger.stdout
    coordinator = run(
        ["console", "--as", "U0COORD"], workdir, "tila 1.1 viivästynyt Budjetti puuttuu\n", "fi",
        DIGIBOT_COORDINATORS="U0COORD",
    )  # fmt: skip
    assert "Tallennettu" in coordinator.stdout
    assert run(["coordinator", "add", "Helena@Tornio.fi"], workdir).returncode == 0
    added = run(["console", "--as", "helena@tornio.fi"], workdir, "status 2.1 done\n")
    assert "Saved" in added.stdout
    listed = run(["coordinator", "list"], workdir, DIGIBOT_COORDINATORS="U0COORD").stdout
    assert "helena@tornio.fi" in listed and "U0COORD" in listed
    assert run(["coordinator", "remove", "helena@tornio.fi"], workdir).returncode == 0
    removed = run(["console", "--as", "helena@tornio.fi"], workdir, "status 2.1 done\n")
    assert "can be updated by its owner" in removed.stdout


def test_bad_coordinator_reference_is_refused(workdir: Path) -> None:
    result = run(["coordinator", "add", "not an id"], workdir)
    assert result.returncode == 1 and "neither a user id nor an e-mail" in result.stderr


def test_demo_loads_the_example_and_answers(tmp_path: Path) -> None:
    result = run(["demo"], tmp_path, "list\nstatus 1.1 on-track 40% Demo\n")
    assert result.returncode == 0
    assert "synthetic" in result.stdout
    assert "Measures (22)" in result.stdout and "Saved" in result.stdout
    assert (tmp_path / "digibot-demo.db").exists()
    assert not (tmp_path / "digibot.db").exists()  # the demo keeps out of the real database


def test_bare_digibot_with_no_credentials_runs_the_demo(tmp_path: Path) -> None:
    result = run([], tmp_path, "show 1.1\n")
    assert result.returncode == 0 and "Suomi.fi-viestit" in result.stdout


def test_an_unreachable_database_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = run(["export"], tmp_path, DATABASE_URL=unreachable_url(tmp_path))
    assert result.returncode == 1
    assert "Cannot reach the database" in result.stderr


def test_the_demo_shows_a_programme_under_way_and_adds_its_history_once(tmp_path: Path) -> None:
    first = run(["demo"], tmp_path, "list\n")
    assert "🔴 2.1" in first.stdout and "⏸️ 6.2" in first.stdout
    run(["demo"], tmp_path, "")
    again = run(["demo"], tmp_path, "history 2.1\n")
    assert again.stdout.count("Delayed") == 1


@pytest.mark.parametrize("variable", ["DIGIBOT_DB_STATEMENT_TIMEOUT", "DIGIBOT_HEALTH_TIMEOUT"])
def test_a_database_wait_must_be_bounded(tmp_path: Path, variable: str) -> None:
    # PYTHONPATH: this checkout's code (from tmp_path, `-m bot.cli` finds the installed one)
    result = run(["export"], tmp_path, PYTHONPATH=str(ROOT), **{variable: "0"})
    assert result.returncode == 2 and f"{variable}: " in result.stderr
    assert "more than 0" in result.stderr


@pytest.mark.parametrize(
    ("language", "command", "expected"),
    [
        ("en", "summary post", "The console does not post summaries. Post in chat (/digi summary"),
        ("fi", "yhteenveto julkaise", "Konsolista katsausta ei julkaista. Julkaise chatissa"),
    ],
)
def test_summary_post_in_the_console_says_where_to_post_and_posts_nothing(
    bot: ChatBot, language: str, command: str, expected: str
) -> None:
    from sqlalchemy import text

    answer = bot.in_language(language).ask(command, as_=COORDINATOR)

    assert expected in answer
    with bot.ctx.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM summary_run")).scalar() == 0


@pytest.mark.parametrize(
    ("language", "command", "expected"),
    [
        ("en", "update", "The update form opens in chat. Here, record an update with a command"),
        ("en", "update 1.1", "The update form opens in chat."),
        ("fi", "päivitä", "Päivityslomake avautuu chatissa. Täällä kirjaa päivitys komennolla"),
    ],
)
def test_update_in_the_console_says_the_form_opens_in_chat(
    bot: ChatBot, language: str, command: str, expected: str
) -> None:
    answer = bot.in_language(language).ask(command)

    assert expected in answer
    assert bot.updates() == []


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("/digi status 1.1 done", "status 1.1 done"),  # the console and Teams
        ("digi status 1.1 done", "status 1.1 done"),  # Teams, and now the console too
        ("  /DIGI   show 1.1  ", "show 1.1"),
        ("Digi\nshow 1.1", "show 1.1"),  # Teams may break the line after the name
        ("/digi", ""),
        ("status 1.1 done", "status 1.1 done"),
        ("digital 1.1", "digital 1.1"),  # only the whole word is the prefix
        ("status 1.1 at-risk Budget  cut\nby half", "status 1.1 at-risk Budget  cut\nby half"),
    ],
)
def test_the_console_and_teams_strip_the_same_prefix(typed: str, command: str) -> None:
    from bot import console
    from bot.teams.listeners import messages

    assert strip_prefix(typed) == command
    assert console.strip_prefix is messages.strip_prefix is strip_prefix
