"""`/digi`: acknowledged at once with the answer, or within Slack's 3 seconds with a
"working on it" and the answer through `response_url`."""

from __future__ import annotations

import logging
from concurrent.futures import TimeoutError as FutureTimeout

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack.blocks import render_messages
from bot.slack.deps import SlackDeps
from bot.slack.listeners.common import show_form
from handlers.commands import handle, wants_form
from handlers.summary_post import post_command, post_refusal
from handlers.vocabulary import parse_summary

log = logging.getLogger(__name__)
ACK_BUDGET = 2.0  # seconds; Slack shows a timeout after 3


def register(app: App, deps: SlackDeps) -> None:
    def tell(respond: Respond):
        def send(reply) -> None:
            for message in render_messages(reply):
                respond(**message, response_type="ephemeral", replace_original=False)

        return send

    @app.command("/digi")
    def digi(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        """Runs before the HTTP answer (process_before_response): anything slow or after the
        acknowledgement goes to the pool, so that Slack hears back at once."""
        text = command.get("text") or ""
        user_id = command["user_id"]
        if wants_form(text):
            ack()
            deps.background(
                show_form, client, deps, user_id=user_id, trigger_id=command["trigger_id"],
                measure=None, tell=tell(respond),
            )  # fmt: skip
            return
        if (summary := parse_summary(text)) and summary[0] == "post":
            actor = deps.directory.actor(user_id)
            if refusal := post_refusal(actor, deps.ctx, deps.publisher):
                ack(**render_messages(refusal)[0])
                return
            ack(text=deps.t("slack.posting"))
            deps.background(
                lambda: tell(respond)(
                    post_command(actor, deps.ctx, deps.publisher, force=summary[1])
                )
            )
            return
        key = f"slack:command:{command['trigger_id']}"
        future = deps.pool.submit(
            lambda: handle(text, deps.directory.actor(user_id), deps.ctx, idempotency_key=key)
        )
        try:
            reply = future.result(timeout=ACK_BUDGET)
        except FutureTimeout:
            ack(text=deps.t("slack.working"))
            deps.background(lambda: tell(respond)(future.result()))
            return
        first, *rest = render_messages(reply)
        ack(**first)
        for message in rest:
            deps.background(respond, **message, response_type="ephemeral", replace_original=False)
