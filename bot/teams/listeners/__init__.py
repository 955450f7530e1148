"""Each kind of Teams activity registers its own listener: `register(app, bot)`, as the
Slack adapter's listeners do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from microsoft_agents.hosting.core import AgentApplication

from bot.teams.listeners import dialog, errors, installation, messages

if TYPE_CHECKING:
    from bot.teams.adapter import TeamsBot


def register(app: AgentApplication, bot: TeamsBot) -> None:
    for module in (installation, dialog, messages, errors):
        module.register(app, bot)
