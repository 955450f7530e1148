"""Hostile text from users: control characters refused at the door the same on SQLite and
PostgreSQL, huge progress numbers answered with the range message, and terminal escapes and
bidi overrides shown inert by the console and the CSV export."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.console import run
from handlers.context import Actor
from handlers.form import submit_form
from storage.db import session_scope
from storage.export import export_csv
from storage.text import control_character, neutralise
from tests.conftest import OWNER, ROOT, ChatBot, count_updates, db_url, record

# --- control characters at the door (issue 9, item 5) ---


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x07", "\x7f", "\x85", "\ud800"])
def test_a_note_with_a_control_character_is_refused_and_nothing_stored(
    bot: ChatBot, bad: str
) -> None:
    answer = bot.ask(f"status 1.1 on-track 40% Pilot{bad}running")

    code = f"U+{ord(bad):04X}"
    assert f"control character ({code})" in answer
    assert "Nothing was saved" in answer
    assert count_updates(bot.ctx.engine) == 0


def test_the_refusal_is_in_finnish_too(bot: ChatBot) -> None:
    answer = bot.in_language("fi").ask("tila 1.1 aikataulussa Pilotti\x00käynnissä")

    assert "ohjausmerkki (U+0000)" in answer
    assert count_updates(bot.ctx.engine) == 0


def test_a_control_character_in_an_id_is_refused_not_a_fault(bot: ChatBot) -> None:
    answer = bot.ask("show 1.1\x00")

    assert "control character (U+0000)" in answer
    assert "went wrong" not in answer


def test_tabs_and_line_breaks_are_text(bot: ChatBot) -> None:
    answer = bot.ask("status 1.1 on-track 40% Pilot\trunning\r\nin two units")

    assert "Saved." in answer
    assert bot.updates()[0].note == "Pilot\trunning\r\nin two units"


def submit(bot: ChatBot, **values: str | None) -> object:
    fields = {"measure_code": "1.1", "status_code": "on_track", "progress": "40", "note": "ok"}
    return submit_form(Actor.from_ref(OWNER), bot.ctx, key=None, **(fields | values))


def test_the_form_refuses_a_note_with_nul_in_the_note_field(bot: ChatBot) -> None:
    problems = submit(bot, note="Pilotti\x00käynnissä")

    assert isinstance(problems, list)
    assert [p.field for p in problems] == ["note"]
    assert "control character (U+0000)" in problems[0].message
    assert count_updates(bot.ctx.engine) == 0


def test_the_form_refuses_nul_in_any_field(bot: ChatBot) -> None:
    problems = submit(bot, progress="4\x000")

    assert [(p.field, "U+0000" in p.message) for p in problems] == [("progress", True)]
    assert count_updates(bot.ctx.engine) == 0


def test_control_character_names_the_first_refused_character() -> None:
    assert control_character("tab\tnew\nline\r\n ok ÄÖ €") is None
    assert control_character("a\x1b[31mb\x00") == "U+001B"


# --- huge progress numbers (item 9) ---


def test_a_5000_digit_progress_gets_the_range_message_in_the_console(bot: ChatBot) -> None:
    out = io.StringIO()
    line = f"status 1.1 on-track {'9' * 5000}% Pilot\n"

    run(Actor.from_ref(OWNER), bot.ctx, stdin=io.StringIO(line), stdout=out)

    assert "Progress must be a whole number from 0 to 100%" in out.getvalue()
    assert count_updates(bot.ctx.engine) == 0


def test_a_5000_digit_bare_progress_gets_the_range_message(bot: ChatBot) -> None:
    answer = bot.ask(f"status 1.1 on-track {'1' * 5000} Pilot")

    assert "Progress must be a whole number from 0 to 100%" in answer


def test_a_5000_digit_progress_gets_the_range_message_in_the_form(bot: ChatBot) -> None:
    problems = submit(bot, progress="5" * 5000)

    assert isinstance(problems, list)
    assert [p.field for p in problems] == ["progress"]
    assert problems[0].message.startswith("Progress must be a whole number from 0 to 100%")
    assert count_updates(bot.ctx.engine) == 0


def test_leading_zeros_do_not_make_a_progress_too_big(bot: ChatBot) -> None:
    assert "Saved." in bot.ask(f"status 1.1 on-track {'0' * 5000}40%")
    assert bot.updates()[0].progress == 40


# --- terminal escapes and bidi overrides where rendered raw (item 12) ---

NOTE = "Pilot \x1b[2J\x1b]0;pwned\x07 \u202eevil\u202c \u2066iso\u2069 end\rcover"
HOSTILE = {"\x1b", "\x07", "\r", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


def bot_time() -> datetime:
    return datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


def test_the_console_shows_escape_sequences_and_bidi_overrides_inert(bot: ChatBot) -> None:
    record(bot.ctx.engine, "1.1", "on_track", progress=40, note=NOTE, when=bot_time())
    out = io.StringIO()

    run(Actor.from_ref(OWNER), bot.ctx, stdin=io.StringIO("show 1.1\nhistory 1.1\n"), stdout=out)

    text = out.getvalue()
    assert not HOSTILE & set(text)
    assert "Pilot �[2J�]0;pwned� �evil� �iso� end�cover" in text


def test_the_csv_export_has_no_escape_or_bidi_override_characters(bot: ChatBot) -> None:
    record(bot.ctx.engine, "1.1", "on_track", progress=40, note=NOTE, when=bot_time())
    with session_scope(bot.ctx.engine) as session:
        current = export_csv(session, history=False)
        history = export_csv(session, history=True)

    for text in (current, history):
        assert not HOSTILE & set(text)
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert "Pilot �[2J�]0;pwned� �evil� �iso� end�cover" in [r["note"] for r in rows]


def test_neutralise_keeps_tabs_line_breaks_and_letters() -> None:
    assert neutralise("a\tb\nc\r\nÄ €") == "a\tb\nc\r\nÄ €"


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "csv"])
def test_the_summary_preview_on_a_terminal_shows_them_inert(programme: Engine, fmt: str) -> None:
    record(programme, "1.1", "delayed", progress=40, note=NOTE, when=bot_time())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGIBOT_", "DATABASE_"))}
    env |= {"DATABASE_URL": db_url(), "DIGIBOT_LANGUAGE": "en", "PYTHONPATH": str(ROOT)}

    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "summary", "preview", "--format", fmt],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "pwned" in result.stdout
    assert not HOSTILE & set(result.stdout)


# --- people's ids from the command line and the settings ---


def digibot(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": db_url("refs.db"), "DIGIBOT_LANGUAGE": "en"}
    environment.pop("DIGIBOT_COORDINATORS", None)
    environment.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=tmp_path,
        env=environment, input="", timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    "ref", ["a\x01b@tornio.fi", "x\x1b[2J@tornio.fi", "pomo\u202e@tornio.fi", "Matti Meikäläinen"]
)
def test_a_coordinator_with_control_characters_or_no_id_is_refused_shown_inert(
    tmp_path, ref: str
) -> None:
    """Such a coordinator would make every later backup unrestorable (item 5)."""
    added = digibot(tmp_path, "coordinator", "add", ref)
    assert added.returncode == 1 and "neither a user id nor an e-mail" in added.stderr
    assert not control_character(added.stderr) and "\u202e" not in added.stderr
    assert "\x1b" not in added.stderr
    listed = digibot(tmp_path, "coordinator", "list")
    assert listed.returncode == 0 and "There are no coordinators" in listed.stdout


def test_console_as_someone_who_is_no_id_is_refused(tmp_path) -> None:
    refused = digibot(tmp_path, "console", "--as", "Matti M")
    assert refused.returncode == 1 and "neither a user id nor an e-mail" in refused.stderr


def test_a_coordinator_setting_that_is_no_id_is_refused_at_start(tmp_path) -> None:
    refused = digibot(tmp_path, "coordinator", "list", DIGIBOT_COORDINATORS="ok@tornio.fi,Matti M")
    assert refused.returncode == 2
    assert "DIGIBOT_COORDINATORS" in refused.stderr and "'Matti M'" in refused.stderr
    assert "Traceback" not in refused.stderr
