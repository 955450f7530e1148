"""One list of commands: help, the parser, the Slack manifest's usage hint and the Teams
command menu all say the same, in each language."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.teams.package import manifest
from handlers.commands import COMMANDS, usage_hint
from handlers.messages import Messages
from tests.conftest import OWNER, ChatBot

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
        assert titles == [t(c.menu) for c in COMMANDS]
