"""A turn that failed: logged for the operator, a short apology for the user."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from microsoft_agents.hosting.core import AgentApplication, TurnContext

if TYPE_CHECKING:
    from bot.teams.adapter import TeamsBot

log = logging.getLogger(__name__)


def register(app: AgentApplication, bot: TeamsBot) -> None:
    @app.error
    async def failed(context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed", exc_info=error)  # not in an except: the error given
        await context.send_activity(bot.ctx.t("internal.error"))
