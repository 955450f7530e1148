"""`digibot serve`: Slack and/or Teams in one HTTP app under uvicorn (Slack over Socket
Mode when SLACK_APP_TOKEN is set), and the summary and reminder schedule."""

from __future__ import annotations

import logging
import sys

from sqlalchemy import Engine
from starlette.applications import Starlette

from bot import platforms
from bot.public import PublicConfig
from bot.scheduler import Schedule
from bot.settings import Settings
from bot.web import create_web_app
from handlers.messages import Messages

log = logging.getLogger(__name__)


def serve(settings: Settings, engine: Engine) -> int:
    t = Messages(settings.digibot_language)
    if not (settings.slack_configured or settings.teams_configured or settings.webhook_url):
        print(t("slack.missing_credentials"), file=sys.stderr)
        return 1
    chat = platforms.build(settings, engine)
    if not chat.publishers:
        log.warning("no leadership channel is set: summaries will not be posted")
    ctx = platforms.context(settings, engine, source="schedule")
    if not chat.messengers:
        log.info("no chat platform reaches people: summaries only, no reminders")
    messenger = chat.messenger if chat.messengers else None
    Schedule(settings, ctx, chat.publishers, messenger, chat.metrics).start()
    if chat.slack and settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("Slack over Socket Mode")
        handler = SocketModeHandler(chat.slack, settings.slack_app_token)
        if not chat.teams:
            handler.start()
            return 0
        handler.connect()  # Teams still needs the HTTP server
    import uvicorn

    app = web_app(settings, engine, chat)
    level = logging.getLevelName(logging.getLogger().level).lower()
    uvicorn.run(  # its lines go through our logging (log_config=None), JSON lines included
        app, host="0.0.0.0", port=settings.digibot_port, log_config=None, log_level=level
    )
    return 0


def web_app(settings: Settings, engine: Engine, chat: platforms.Platforms) -> Starlette:
    """The HTTP app that `serve` runs (and the tests drive): Teams, and Slack's events unless
    Slack uses Socket Mode."""
    slack_http = chat.slack if not settings.slack_app_token else None
    messages = Messages(settings.digibot_language)
    return create_web_app(
        engine, slack=slack_http, teams=chat.teams, messages=messages,
        privacy_contact=settings.digibot_privacy_contact,
        slack_signing_secret=settings.slack_signing_secret or "",
        health_timeout=settings.digibot_health_timeout,
        metrics=chat.metrics, metrics_access=settings.digibot_metrics,
        public=public_config(settings),
    )  # fmt: skip


def public_config(settings: Settings) -> PublicConfig | None:
    """DIGIBOT_PUBLIC_PAGE=true: the public page, as the other DIGIBOT_PUBLIC_* say."""
    if not settings.digibot_public_page:
        return None
    return PublicConfig(
        notes=settings.digibot_public_notes,
        licence=settings.digibot_open_data_licence.strip() or "CC BY 4.0",
        contact=settings.digibot_accessibility_contact,
        timezone=settings.timezone,
    )
