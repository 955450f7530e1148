"""One list of commands: help, the parser, the Slack manifest's usage hint and the Teams
command menu all say the same, in each language."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.teams.package import COMMAND_SCOPES, LANGUAGES, localization, manifest
from handlers import auth, commands
from handlers.commands import COMMANDS, usage_hint
from handlers.commands.registry import Command, Request, Who, first_word
from handlers.context import Actor
from handlers.messages import MESSAGES, Messages
from handlers.replies import Paragraph, Reply
from storage import crud
from storage.db import session_scope
from tests.conftest import COORDINATOR, DEPUTY, OWNER, STRANGER, ChatBot

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["manifest.yaml", "manifest-socket-mode.yaml"])
def test_the_slack_usage_hint_is_the_one_the_commands_declare(name: str) -> None:
    document = yaml.safe_load((ROOT / "slack" / name).read_text(encoding="utf-8"))
    [command] = document["features"]["slash_commands"]
    assert command["usage_hint"] == usage_hint("fi")


@pytest.mark.parametrize("language", ["fi", "en"])
def test_every_word_of_every_command_calls_it(bot: ChatBot, language: str) -> None:
    """Each command answers to its words in both languages, whatever the bot's language."""
    bot = bot.in_language(language)
    for command in COMMANDS:
        for word in (w for words in command.words.values() for w in words):
            answer = bot.ask(word, as_=OWNER)
            assert "recognise" not in answer and "tunnista" not in answer, (word, answer)


@pytest.mark.parametrize("language", ["fi", "en"])
def test_help_lists_each_offered_command_once_in_the_declared_order(
    bot: ChatBot, language: str
) -> None:
    t = Messages(language)
    for forms in (False, True):
        chat = replace(bot, ctx=replace(bot.ctx, language=language, forms=forms))
        shown = chat.ask("help")
        lines = [t(c.help, p=chat.ctx.prefix) for c in COMMANDS if forms or not c.needs_forms]
        positions = [shown.index(line) for line in lines]
        assert positions == sorted(positions)
        assert all(shown.count(line) == 1 for line in lines)
        assert (t("help.update", p=chat.ctx.prefix) in shown) is forms


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_teams_menu_offers_every_command(language: str) -> None:
    t = Messages(language)
    document = manifest(bot_id="00000000-0000-0000-0000-0000000b0700", host="bot.example", t=t)
    for command_list in document["bots"][0]["commandLists"]:
        titles = [c["title"] for c in command_list["commands"]]
        assert titles == [t(c.menu) for c in COMMANDS if c.menu]


def test_each_languages_teams_menu_is_the_registrys_in_that_language() -> None:
    """Each localization file names every command in its language, in the registry's order;
    a language the catalogue lacks a menu text in has none (Teams then shows the manifest's)."""
    for language in LANGUAGES:
        strings = localization(language)
        menu = [
            (MESSAGES[c.menu].get(language), MESSAGES[f"{c.menu}.help"].get(language))
            for c in COMMANDS
            if c.menu
        ]
        whole = all(title and description for title, description in menu)
        assert whole or language == "sv"  # Swedish arrives in the catalogue separately
        listed = {key: text for key, text in strings.items() if key.startswith("bots[0].")}
        assert listed == {
            f"bots[0].commandLists[{index}].commands[{i}].{field}": text
            for index, _ in enumerate(COMMAND_SCOPES)
            for i, texts in enumerate(menu if whole else [])
            for field, text in zip(("title", "description"), texts, strict=True)
        }


def test_a_members_command_is_authorized_by_handle_not_by_itself(
    bot: ChatBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new command declared for members runs only for those who may act on its measure,
    though its own code checks nothing: it receives the measure handle() found."""
    ran: list[str] = []

    def run(request: Request) -> Reply:
        assert request.measure is not None
        ran.append(request.measure.code)
        return Reply((Paragraph(f"ran on {request.measure.code}"),))

    probe = Command(
        name="probe", words={"en": ("probe",)}, help="help.show", example="example.show",
        menu="teams.command.show", who=Who.MEMBER, measure=first_word, run=run,
    )  # fmt: skip
    monkeypatch.setitem(commands._BY_WORD, "probe", probe)
    assert "Measure 1.1 can be updated by its owner" in bot.ask("probe 1.1", as_=STRANGER)
    assert "Measure “9.9” not found" in bot.ask("probe 9.9", as_=OWNER)
    assert ran == []
    assert bot.ask("probe 1.1", as_=OWNER) == "ran on 1.1"
    assert bot.ask("probe 1.1", as_=COORDINATOR) == "ran on 1.1"
    assert ran == ["1.1", "1.1"]


def test_the_form_offers_exactly_the_measures_the_user_may_act_on(bot: ChatBot) -> None:
    """One rule, in auth.py, for the form's list and for what a command lets a user do."""
    with session_scope(bot.ctx.engine) as session:
        everything = crud.measures(session)
        for who in (OWNER, DEPUTY, COORDINATOR, STRANGER):
            actor = Actor.from_ref(who)
            ids = auth.actable_ids(session, actor, bot.ctx)
            offered = {m.id for m in everything if ids is None or m.id in ids}
            allowed = {m.id for m in everything if auth.may_act(session, m, actor, bot.ctx)}
            assert offered == allowed, who
