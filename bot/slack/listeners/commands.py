"""`/digi`: acknowledged at once with the answer, or within Slack's 3 seconds with a
"working on it" and the answer through `response_url`. What the command asks beyond a
reply (open the form, post the summary) is carried out here, the Slack way."""

from __future__ import annotations

import logging
from concurrent.futures import TimeoutError as FutureTimeout

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.blocks import render_messages
from bot.slack.deps import SlackDeps
from bot.slack.listeners.common import show_form
from bot.slack.publisher import SlackMessenger
from handlers.context import Actor, Context
from handlers.effects import Direct, OpenForm, PostSummary, Result, Tell
from handlers.messages import Messages
from handlers.replies import Reply, error

log = logging.getLogger(__name__)
ACK_BUDGET = 2.0  # seconds; Slack shows a timeout after 3
RESPONSE_URL_POSTS = 5  # Slack: a response_url takes 5 posts within 30 minutes


class Answer:
    """The private answers to one command through its `response_url`, counted: past what
    Slack takes, the rest goes to the user by direct message, or the answer says where to
    get it all (a preview of thousands of measures is many messages)."""

    def __init__(self, respond: Respond, client: WebClient, user_id: str, t: Messages):
        self.respond, self.client, self.user_id, self.t = respond, client, user_id, t
        self.used = 0

    def __call__(self, reply: Reply) -> None:
        self.send(render_messages(reply))

    def send(self, messages: list[dict]) -> None:
        room = RESPONSE_URL_POSTS - self.used
        if len(messages) > room:  # keep the last post for saying where the rest went
            here, rest = messages[: max(room - 1, 0)], messages[max(room - 1, 0) :]
        else:
            here, rest = messages, []
        for message in here:
            self._post(message)
        if rest and self.used < RESPONSE_URL_POSTS:
            self._post({"text": self._elsewhere(rest, shown=len(here))})

    def _post(self, message: dict) -> None:
        self.used += 1
        self.respond(**message, response_type="ephemeral", replace_original=False)

    def _elsewhere(self, rest: list[dict], *, shown: int) -> str:
        """Send `rest` by direct message; what the last answer here says about it."""
        t = self.t
        try:
            for message in rest:
                self.client.chat_postMessage(channel=self.user_id, **message)
        except SlackApiError as failed:
            log.warning("the rest of an answer to %s could not go by direct message: %s",
                        self.user_id, failed.response.get("error"))  # fmt: skip
            return t("slack.answer_cut", shown=shown, total=shown + len(rest))
        return t("slack.answer_in_dm", count=len(rest))


def send_direct(client: WebClient, direct: tuple[Direct, ...]) -> None:
    """The direct messages a command asks for (a handover tells the new owner)."""
    messenger = SlackMessenger(client)
    for message in direct:
        if not messenger.send_direct(message.person_ref, message.reply):
            log.warning("no Slack user to tell of a handover (person ref not found)")


def register(app: App, deps: SlackDeps) -> None:
    def tell(respond: Respond, client: WebClient, user_id: str, ctx: Context) -> Answer:
        return Answer(respond, client, user_id, ctx.t)

    def settle(result: Result, ctx: Context) -> Result:
        """Posting needs a leadership channel: without one, say so."""
        if isinstance(result, PostSummary) and deps.publisher is None:
            return error(ctx.t("summary.no_channel"))
        return result

    def carry_out(
        result: Result, actor: Actor, ctx: Context, command: dict, client: WebClient,
        respond: Respond,
    ) -> None:  # fmt: skip
        """Do what the command asked, after the acknowledgement (settle() has answered a
        PostSummary without a leadership channel)."""
        match result := settle(result, ctx):
            case OpenForm(measure=measure):
                show_form(
                    client, deps, user_id=command["user_id"], trigger_id=command["trigger_id"],
                    measure=measure, tell=tell(respond, client, command["user_id"], ctx),
                )  # fmt: skip
            case PostSummary(force=force) if deps.publisher is not None:
                answer = tell(respond, client, command["user_id"], ctx)
                answer(deps.metrics.post_command(actor, deps.ctx, deps.publisher, force=force))
            case Reply():
                tell(respond, client, command["user_id"], ctx)(result)
            case Tell(reply=reply, direct=direct):
                tell(respond, client, command["user_id"], ctx)(reply)
                send_direct(client, direct)

    @app.command("/digi")
    def digi(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        """Runs before the HTTP answer (process_before_response): anything slow or after the
        acknowledgement goes to the pool, so that Slack hears back at once."""
        text = command.get("text") or ""
        key = f"slack:command:{command['trigger_id']}"

        def answer() -> tuple[Result, Actor, Context]:
            actor = deps.directory.actor(command["user_id"])
            ctx = deps.ctx_for(actor)
            return deps.metrics.handle(text, actor, ctx, idempotency_key=key), actor, ctx

        future = deps.pool.submit(answer)
        try:
            result, actor, ctx = future.result(timeout=ACK_BUDGET)
        except FutureTimeout:
            ack(text=deps.t("slack.working"))
            deps.background(lambda: carry_out(*future.result(), command, client, respond))
            return
        match result := settle(result, ctx):
            case OpenForm():
                ack()
            case PostSummary():
                ack(text=ctx.t("summary.posting"))
            case Tell(reply=reply, direct=direct):
                first, *rest = render_messages(reply)
                ack(**first)
                if rest:
                    deps.background(tell(respond, client, command["user_id"], ctx).send, rest)
                deps.background(send_direct, client, direct)
                return
            case _:
                first, *rest = render_messages(result)
                ack(**first)  # the HTTP answer: not one of the response_url's posts
                if rest:
                    deps.background(tell(respond, client, command["user_id"], ctx).send, rest)
                return
        deps.background(carry_out, result, actor, ctx, command, client, respond)
