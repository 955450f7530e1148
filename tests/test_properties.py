"""Any text at all gets a reply, never an exception; a refused command stores nothing.

`handle()` turns every fault into a polite "something went wrong" reply, so a reply alone
cannot show a crash: each example also asserts that nothing was logged at ERROR, where the
operator would have seen the fault. The inputs are those of the campaign that tried to break
the bot: any Unicode, control characters, huge numbers and injection attempts, through the
command engine and through the console."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot import console
from handlers.commands import handle
from handlers.commands.status import parse_status_args
from handlers.context import Actor
from handlers.render_text import render_text
from handlers.vocabulary import status_words
from storage.db import make_engine
from tests.conftest import COORDINATOR, EXAMPLE, OWNER, STRANGER, ChatBot, unreachable_url
from tests.test_console import run

FAST = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Faults(logging.Handler):
    """Every record logged at ERROR or above: an internal fault behind a polite reply."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(self.format(record))

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture
def faults() -> Iterator[Faults]:
    watcher = Faults()
    root = logging.getLogger()
    root.addHandler(watcher)
    try:
        yield watcher
    finally:
        root.removeHandler(watcher)


# --- the campaign's inputs ---

INJECTIONS = [
    "<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123|general>", "<https://evil.example|ok>",
    "'; DROP TABLE status_update; --", "1.1' OR '1'='1", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "$x$", "$\\frac{1}{0}$", "$$", "%s%s%n", "{0}", "{id}",
    "*bold*", "_it_", "~s~", "`code`", "```", "> quote", "\\", "\\\\x00",
]  # fmt: skip
MAX_DIGITS = 10_000  # past Python's 4,300-digit int() limit
NUL = "\x00"  # PostgreSQL cannot store it: refused at the door on both databases

UNICODE = st.characters()
CONTROL = st.characters(categories=["Cc", "Cf", "Zl", "Zp"])
CONTROLS = [NUL, "\x1b[2J\x1b[31m", "\u202e", "\u200b", "\ufeff", "\r", "\x7f", "\x08"]
DIGITS = st.one_of(st.sampled_from([20, 309, MAX_DIGITS]), st.integers(20, MAX_DIGITS))
CAMPAIGN = [
    "status 1.1 on-track " + "9" * MAX_DIGITS + "%",
    "status 1.1 on-track " + "9" * MAX_DIGITS,
    f"status 1.1 on-track 40% a{NUL}b",
    f"show 1.1{NUL}",
    "status 1.1 delayed 1e999% <!channel> '; DROP TABLE status_update; --",
    "status 1.1 at-risk 40% <script>alert(1)</script> $\\frac{1}{0}$ <@U123>",
    "status 1.1 on-track 40% \x1b[2J\u202e\u200b\r\x7f",
    "list '; DROP TABLE measure; --",
    "history 1.1' OR '1'='1",
]
"""Inputs that broke the bot once, tried on every run."""


def campaign(test):
    for text in CAMPAIGN:
        test = example(text=text)(test)
    return test


huge_numbers = st.one_of(
    DIGITS.map(lambda n: "9" * n),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["1e999", "1e3", "-0", "+100", "100.0", "0,5", "NaN", "inf", "٤٠", "৪০"]),
)
pieces = st.one_of(
    st.sampled_from(
        ["status", "tila", "show", "näytä", "history", "historia", "list", "lista", "undo",
         "peru", "stale", "päivittämättä", "summary", "yhteenveto", "preview", "esikatselu",
         "post", "julkaise", "help", "ohje", "update", "1.1", "2.3", "omat", "mine", "T1",
         "40%", "40", "%", "-1", "101", '"', "“", "«", "\n", " ", "\t",
         *status_words(), *INJECTIONS, *CONTROLS]
    ),
    huge_numbers,
    huge_numbers.map(lambda n: n + "%"),
    st.text(CONTROL, min_size=1, max_size=4),
    st.text(UNICODE, max_size=12),
)  # fmt: skip
commandish = st.lists(pieces, max_size=8).map(" ".join)
valid_progress = st.one_of(st.just(""), st.integers(0, 100).map("{}%".format))
notes = st.lists(
    st.one_of(st.sampled_from(INJECTIONS + CONTROLS), st.text(CONTROL | UNICODE)),
    max_size=6,
).map(" ".join)
status_commands = st.builds(
    "{} {} {} {} {}".format,
    st.sampled_from(["status", "tila"]),
    st.sampled_from(["1.1", "2.3", "9.9"]),  # the owner's, another's, none
    st.sampled_from(status_words()),
    st.one_of(huge_numbers, huge_numbers.map(lambda n: n + "%"), valid_progress, pieces),
    notes,
)
any_text = st.one_of(st.text(UNICODE, max_size=200), st.text(CONTROL | UNICODE, max_size=60))
anything = st.one_of(any_text, commandish, status_commands)


# --- the command engine ---


@FAST
@campaign
@given(text=anything)
def test_any_text_from_a_stranger_gets_a_reply_and_stores_nothing(
    bot: ChatBot, faults: Faults, text: str
) -> None:
    reply = bot.push(text, as_=STRANGER)
    assert faults.take() == []
    assert isinstance(render_text(reply), str) and reply.blocks
    bot.pop()
    assert bot.updates() == []


@FAST
@campaign
@given(text=anything)
def test_any_text_from_an_owner_gets_a_reply(bot: ChatBot, faults: Faults, text: str) -> None:
    before = len(bot.updates())
    reply = bot.push(text, as_=OWNER)
    assert faults.take() == []
    assert render_text(reply)
    bot.pop()
    if not reply.ok:
        assert len(bot.updates()) == before


@FAST
@campaign
@given(text=anything)
def test_any_text_from_a_coordinator_gets_a_reply(bot: ChatBot, faults: Faults, text: str) -> None:
    reply = bot.push(text, as_=COORDINATOR)
    assert faults.take() == []
    assert render_text(reply)


@settings(FAST, max_examples=150)
@given(lines=st.lists(anything, min_size=1, max_size=5))
def test_any_lines_typed_in_the_console_get_an_answer(
    bot: ChatBot, faults: Faults, lines: list[str]
) -> None:
    typed = io.StringIO("\n".join(lines) + "\n")
    shown = io.StringIO()
    assert console.run(Actor.from_ref(OWNER), bot.ctx, stdin=typed, stdout=shown) == 0
    assert faults.take() == []


def test_the_campaign_typed_into_a_real_console_gets_answers_and_no_fault(tmp_path: Path) -> None:
    lines = CAMPAIGN + [f"status 1.1 on-track 40% {text}" for text in INJECTIONS + CONTROLS]
    assert run(["import", str(EXAMPLE)], tmp_path).returncode == 0
    result = run(["console", "--as", OWNER], tmp_path, "\n".join(lines) + "\n")
    assert result.returncode == 0 and result.stderr == ""
    assert "Saved" in result.stdout and "Something went wrong" not in result.stdout


def test_the_fault_check_sees_a_fault(bot: ChatBot, faults: Faults, tmp_path: Path) -> None:
    """The check above can fail: a database that cannot be reached is logged at ERROR."""
    engine: Engine = make_engine(unreachable_url(tmp_path))
    reply = handle("show 1.1", Actor.from_ref(OWNER), replace(bot.ctx, engine=engine))
    engine.dispose()
    assert not reply.ok
    [line] = faults.take()
    assert line.startswith("ERROR storage.availability: database unavailable: ")


@given(
    status=st.sampled_from(status_words()),
    progress=st.integers(0, 100),
    style=st.sampled_from(["{n}%", "{n} %", "{n}"]),
    note=st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1, max_size=40
    ),
)
def test_status_arguments_parse_back(status: str, progress: int, style: str, note: str) -> None:
    note = note.strip("\"“”«'„")
    args = parse_status_args(f"1.1 {status} {style.format(n=progress)} {note}")
    assert args is not None
    assert (args.code, args.status_word, args.progress_text) == ("1.1", status, str(progress))
    if note and not note[0].isdigit() and note[0] not in "+-%":
        assert args.note == note
