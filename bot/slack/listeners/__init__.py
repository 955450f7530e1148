"""Each kind of listener registers itself: `register(app, deps)`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import SlackDeps
from bot.slack.listeners import actions, commands, events, views


def register(app: App, deps: SlackDeps) -> None:
    for module in (events, commands, actions, views):
        module.register(app, deps)
