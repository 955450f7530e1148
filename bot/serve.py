"""`digibot serve`: Slack over HTTP under uvicorn, or over Socket Mode."""

from __future__ import annotations

import logging
import sys

from sqlalchemy import Engine

from bot.scheduler import Schedule
from bot.settings import Settings
from bot.slack.app import build_app
from bot.slack.publisher import SlackMessenger, SlackPublisher
from bot.web import create_web_app
from handlers.context import Context
from handlers.messages import Messages

log = logging.getLogger(__name__)


def slack_context(settings: Settings, engine: Engine) -> Context:
    return Context(
        engine=engine,
        language=settings.digibot_language,
        timezone=settings.timezone,
        coordinators=frozenset(settings.digibot_coordinators),
        source="slack",
        commands=("update",) + Context.commands,
    )


def serve(settings: Settings, engine: Engine) -> int:
    t = Messages(settings.digibot_language)
    if not settings.slack_configured:
        print(t("slack.missing_credentials"), file=sys.stderr)
        return 1
    ctx = slack_context(settings, engine)
    slack = build_app(settings, ctx)
    schedule = Schedule(
        settings, ctx,
        SlackPublisher(slack.client, settings.digibot_leadership_channel)
        if settings.digibot_leadership_channel else None,
        SlackMessenger(slack.client),
    )  # fmt: skip
    schedule.start()
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("Slack over Socket Mode")
        SocketModeHandler(slack, settings.slack_app_token).start()
        return 0
    import uvicorn

    app = create_web_app(engine, slack=slack, messages=t)
    uvicorn.run(app, host="0.0.0.0", port=settings.digibot_port, log_level="info")
    return 0
