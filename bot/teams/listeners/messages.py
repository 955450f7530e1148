"""Messages: the text goes to `handle()`; its reply is sent as cards, or what it asks is
carried out the Teams way (the form is offered with a button that opens the dialog; the
summary is posted into the leadership channel)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from handlers.effects import OpenForm, PostSummary
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
        text = strip_prefix(context.activity.text or "")
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
            case _:
                await bot.reply(context, result)


def form_button(t: Messages, measure: str | None) -> Reply:
    """Teams opens a dialog from a button: the form is offered with one."""
    return Reply(
        (Entry(t("teams.form_intro"), Action(t("home.update"), OPEN_FORM, measure or "")),)
    )
