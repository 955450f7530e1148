"""Messages: the text goes to `handle()`; its reply is sent as cards, or what it asks is
carried out the Teams way (the form is offered with a button that opens the dialog; the
summary is posted into the leadership channel)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from handlers.effects import OpenForm, PostSummary, Tell
from handlers.form import OPEN_FORM
from handlers.messages import Messages
from handlers.replies import Action, Entry, Reply, error
from handlers.vocabulary import strip_prefix

if TYPE_CHECKING:
    from bot.teams.adapter import TeamsBot


def register(app: AgentApplication, bot: TeamsBot) -> None:
    @app.message()
    async def message(context: TurnContext, state: TurnState) -> None:
        await bot.remember(context)
        text = strip_prefix(mentions_as_ids(context.activity.text or "", context.activity.entities))
        actor = await bot.actor(context)
        ctx = await bot.ctx_for(actor)
        a = context.activity
        key = f"teams:message:{a.conversation.id}:{a.id}" if a.id else None
        result = await asyncio.to_thread(bot.metrics.handle, text, actor, ctx, idempotency_key=key)
        match result:
            case OpenForm(measure=measure):
                await bot.reply(context, form_button(ctx.t, measure))
            case PostSummary(force=force) if bot.publisher is not None:
                await context.send_activity(ctx.t("summary.posting"))
                outcome = await asyncio.to_thread(
                    bot.metrics.post_command, actor, bot.ctx, bot.publisher, force=force
                )
                await bot.reply(context, outcome)
            case PostSummary():
                await bot.reply(context, error(ctx.t("summary.no_channel")))
            case Tell(reply=reply, direct=direct):
                await bot.reply(context, reply)
                from bot.teams.adapter import TeamsMessenger  # the adapter imports us

                messenger = TeamsMessenger(bot)
                for message in direct:
                    await asyncio.to_thread(
                        messenger.send_direct, message.person_ref, message.reply
                    )
            case _:
                await bot.reply(context, result)


def mentions_as_ids(text: str, entities: list[Any] | None) -> str:
    """`<at>Name</at>` of a mention in the text becomes the mentioned user's id, so that a
    command names them as the platform knows them."""
    for entity in entities or ():
        data = entity if isinstance(entity, dict) else entity.model_dump(by_alias=True)
        mentioned = data.get("mentioned") or {}
        if data.get("type") == "mention" and data.get("text") and mentioned.get("id"):
            text = text.replace(data["text"], mentioned["id"])
    return text


def form_button(t: Messages, measure: str | None) -> Reply:
    """Teams opens a dialog from a button: the form is offered with one."""
    return Reply(
        (Entry(t("teams.form_intro"), Action(t("home.update"), OPEN_FORM, measure or "")),)
    )
