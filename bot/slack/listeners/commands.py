"""`/digi`: acknowledged at once with the answer, or within Slack's 3 seconds with a
"working on it" and the answer through `response_url`. What the command asks beyond a
reply (open the form, post the summary) is carried out here, the Slack way."""

from __future__ import annotations

import logging
from concurrent.futures import TimeoutError as FutureTimeout

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack.blocks import render_messages
from bot.slack.deps import SlackDeps
from bot.slack.listeners.common import show_form
from handlers.commands import handle
from handlers.context import Actor
from handlers.effects import OpenForm, PostSummary, Result
from handlers.replies import Reply, error
from handlers.summary_post import post_command

log = logging.getLogger(__name__)
ACK_BUDGET = 2.0  # seconds; Slack shows a timeout after 3


def register(app: App, deps: SlackDeps) -> None:
    def tell(respond: Respond):
        def send(reply: Reply) -> None:
            for message in render_messages(reply):
                respond(**message, response_type="ephemeral", replace_original=False)

        return send

    def settle(result: Result) -> Result:
        """Posting needs a leadership channel: without one, say so."""
        if isinstance(result, PostSummary) and deps.publisher is None:
            return error(deps.t("summary.no_channel"))
        return result

    def carry_out(result: Result, actor: Actor, command: dict, client: WebClient, respond: Respond):
        """Do what the command asked, after the acknowledgement."""
        match result := settle(result):
            case OpenForm(measure=measure):
                show_form(
                    client, deps, user_id=command["user_id"], trigger_id=command["trigger_id"],
                    measure=measure, tell=tell(respond),
                )  # fmt: skip
            case PostSummary(force=force):
                tell(respond)(post_command(actor, deps.ctx, deps.publisher, force=force))
            case _:
                tell(respond)(result)

    @app.command("/digi")
    def digi(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        """Runs before the HTTP answer (process_before_response): anything slow or after the
        acknowledgement goes to the pool, so that Slack hears back at once."""
        text = command.get("text") or ""
        key = f"slack:command:{command['trigger_id']}"

        def answer() -> tuple[Result, Actor]:
            actor = deps.directory.actor(command["user_id"])
            return handle(text, actor, deps.ctx, idempotency_key=key), actor

        future = deps.pool.submit(answer)
        try:
            result, actor = future.result(timeout=ACK_BUDGET)
        except FutureTimeout:
            ack(text=deps.t("slack.working"))
            deps.background(lambda: carry_out(*future.result(), command, client, respond))
            return
        match result := settle(result):
            case OpenForm():
                ack()
            case PostSummary():
                ack(text=deps.t("slack.posting"))
            case _:
                first, *rest = render_messages(result)
                ack(**first)
                for message in rest:
                    deps.background(
                        respond, **message, response_type="ephemeral", replace_original=False
                    )
                return
        deps.background(carry_out, result, actor, command, client, respond)
