"""Every card the bot can send is a valid Adaptive Card 1.5: built from a representative set
of replies here, and collected from real flows through the Teams stand-in in test_teams.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import pytest

from bot.teams import cards
from handlers.commands import handle
from handlers.context import Actor, Context
from handlers.form import Form, open_form
from handlers.messages import Messages
from handlers.reminders import reminder_reply
from handlers.replies import (
    Action,
    Chart,
    Entry,
    Fields,
    Heading,
    Hint,
    Items,
    Paragraph,
    Reply,
    Table,
)
from handlers.schedule import summary_slots
from handlers.state.values import Problem
from storage import crud
from storage.db import session_scope
from tests.adaptive_cards import assert_valid, problems
from tests.conftest import COORDINATOR, OWNER, STRANGER, previewed

NOW = datetime(2025, 5, 20, 6, tzinfo=UTC)


def _card(*body: dict) -> dict:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body)}


def test_the_schema_refuses_a_string_in_a_number_input_and_unknown_elements() -> None:
    number = {"type": "Input.Number", "id": "progress", "min": 0, "max": 100}
    assert problems(_card({**number, "value": 35})) == []
    assert problems(_card({**number, "value": "35"}))
    assert problems(_card({"type": "TextBlokk", "text": "x"}))
    assert problems(_card({"type": "TextBlock", "text": "x", "size": "Huge"}))


def test_every_kind_of_block_makes_a_valid_card() -> None:
    reply = Reply(
        (
            Heading("1.1 *Title*", 1), Heading("Section", 2), Heading("Small", 3),
            Paragraph("Text with [markup](x) and\n- a list"), Hint("An example"),
            Fields((("Owner", "Kehitysjohtaja"), ("Due", "2025"))),
            Items(("one", "two")), Table(("a",), (("1",),), ("row 1",)),
            Entry("1.1 Title", Action("Update", "open_form", "1.1")), Entry("No button"),
            Chart("A chart"),
        )
    )  # fmt: skip
    built = cards.render_cards(reply)
    assert built and all(c["body"] for c in built)
    for card in built:
        assert_valid(card)
    assert_valid(cards.chart_card(b"\x89PNG\r\n\x1a\n", "Status of the measures"))


COMMANDS = [
    "help", "list", "list mine", "list 1", "show 1.1", "show 9.9", "history 1.1", "stale",
    "status 1.1 on-track 40% Pilot running", "status 1.1 delayed", "status 1.12 done",
    "status 1.1 finished", "undo", "undo", "summary", "frobnicate", "",
]  # fmt: skip


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_replies_of_every_command_make_valid_cards(programme, language) -> None:
    ctx = Context(
        engine=programme, language=language, coordinators=frozenset({COORDINATOR}),
        source="teams", prefix="", now=lambda: NOW,
    )  # fmt: skip
    built = 0
    for user in (OWNER, COORDINATOR, STRANGER):
        for text in COMMANDS:
            for card in cards.render_cards(handle(text, Actor.from_ref(user), ctx)):
                assert_valid(card)
                built += 1
    assert built >= 3 * len(COMMANDS)


def test_the_summary_parts_and_reminders_make_valid_cards(programme) -> None:
    ctx = Context(engine=programme, language="fi", now=lambda: NOW)
    _summary, parts = previewed(ctx)
    for card in (c for part in parts for c in cards.render_cards(part)):
        assert_valid(card)
    [slot, _] = summary_slots(2025, [(5, 20), (9, 20)], time(0, 0), ctx.timezone)
    with session_scope(programme) as session:
        measures = crud.measures(session, ids=[1, 2])
        for card in cards.render_cards(reminder_reply(measures, slot, ctx)):
            assert_valid(card)


def _form(programme) -> Form:
    form = open_form(Actor(email=OWNER), Context(engine=programme, language="en"))
    assert isinstance(form, Form)
    return form


@pytest.mark.parametrize(
    "values",
    [
        None,
        {"measure": "1.1", "status": "delayed", "progress": "35", "note": ""},
        {"measure": "1.1", "status": "on-track", "progress": "150", "note": "x" * 40},
        {"measure": "1.1", "status": None, "progress": "not a number", "note": None},
        {"measure": "1.1", "status": None, "progress": "NaN", "note": None},
        {"measure": "1.1", "status": None, "progress": "1e400", "note": None},
        {"measure": None, "status": None, "progress": None, "note": None},
    ],
)
def test_the_update_dialog_is_a_valid_card_fresh_and_after_a_refused_submit(
    programme, values
) -> None:
    refused = [Problem("progress", "A whole number from 0 to 100."), Problem("note", "Why?")]
    card = cards.form_card(
        _form(programme), Messages("en"), form_id="f1",
        problems=refused if values else (), values=values,
    )  # fmt: skip
    assert_valid(json.loads(json.dumps(card, allow_nan=False)))  # strict JSON, as Teams reads it


def test_a_refused_dialog_keeps_the_progress_typed_as_a_number(programme) -> None:
    values = {"measure": "1.1", "status": "delayed", "progress": "35", "note": ""}
    card = cards.form_card(
        _form(programme), Messages("en"), form_id="f1",
        problems=[Problem("note", "Why?")], values=values,
    )  # fmt: skip
    [number] = [e for e in card["body"] if e["type"] == "Input.Number"]
    assert number["value"] == 35
