"""Joining and leaving: the bot remembers where it may speak, greets with the help, and
forgets a conversation it was removed from; a user removed from their personal chat with
the bot has left (their measures go to the coordinators' lists)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from handlers.commands import handle
from handlers.context import Actor
from handlers.presence import platform_says
from handlers.replies import Reply
from storage import conversations
from storage.db import session_scope

if TYPE_CHECKING:
    from bot.teams.adapter import TeamsBot


def register(app: AgentApplication, bot: TeamsBot) -> None:
    @app.conversation_update("membersAdded")
    async def added(context: TurnContext, state: TurnState) -> None:
        a, me = context.activity, context.activity.recipient
        if me and any(m.id == me.id for m in a.members_added or []):
            await bot.remember(context)
            personal = (a.conversation.conversation_type or "personal") == "personal"
            welcome = handle("help", Actor(locale=a.locale if personal else None), bot.ctx)
            if isinstance(welcome, Reply):  # help always answers with a reply
                await bot.reply(context, welcome)

    @app.conversation_update("membersRemoved")
    async def removed(context: TurnContext, state: TurnState) -> None:
        a, me = context.activity, context.activity.recipient
        if (a.conversation.conversation_type or "personal") != "personal":
            return
        for member in a.members_removed or []:
            if not me or member.id != me.id:
                refs = [member.id, member.aad_object_id]
                await asyncio.to_thread(
                    platform_says, bot.ctx, refs, gone=True, source="teams:membersRemoved"
                )

    @app.installation_update()
    async def installed(context: TurnContext, state: TurnState) -> None:
        if (context.activity.action or "").startswith("add"):
            await bot.remember(context)
        else:
            await asyncio.to_thread(_forget, bot, context.activity.conversation.id)


def _forget(bot: TeamsBot, conversation_id: str) -> None:
    with session_scope(bot.ctx.engine) as session:
        conversations.forget(session, platform=bot.PLATFORM, conversation_id=conversation_id)
