"""Buttons: "Update" on the Home tab and in reminders opens the form for that measure."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack.blocks import ACTION_IDS
from bot.slack.deps import SlackDeps
from bot.slack.listeners.common import direct_message, show_form


def register(app: App, deps: SlackDeps) -> None:
    @app.action(ACTION_IDS["open_form"])
    def open_form_button(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        user_id = body["user"]["id"]
        action = (body.get("actions") or [{}])[0]
        deps.background(
            show_form,
            client, deps, user_id=user_id, trigger_id=body["trigger_id"],
            measure=action.get("value") or None,
            tell=lambda reply: direct_message(client, user_id, reply),
        )  # fmt: skip
