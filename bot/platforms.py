"""The chat platforms that the settings switch on, and what the summary and reminders use
of each: one place, for `digibot serve` and the command line alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.metrics import Metrics
from bot.settings import Settings
from handlers.context import Context
from handlers.messages import Messages
from handlers.reminders import FirstReachable, Messenger
from handlers.summary.post import Publisher

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.teams.adapter import TeamsBot


def context(
    settings: Settings, engine: Engine, *, source: str, coordinators: frozenset[str] = frozenset()
) -> Context:
    """The handlers' context for a platform; chat platforms also offer the form."""
    return Context(
        engine=engine,
        language=settings.digibot_language,
        languages=settings.languages,
        timezone=settings.timezone,
        coordinators=frozenset(settings.digibot_coordinators) | coordinators,
        source=source,
        forms=source != "console",
        claim_timeout=timedelta(seconds=settings.digibot_claim_timeout),
        schedule=settings.calendar,
    )


@dataclass
class Platforms:
    slack: App | None = None
    teams: TeamsBot | None = None
    publishers: list[Publisher] = field(default_factory=list)
    messengers: list[Messenger] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)
    """What all of them count, for `GET /metrics`."""

    @property
    def messenger(self) -> Messenger:
        return FirstReachable(self.messengers)


def build(settings: Settings, engine: Engine) -> Platforms:
    platforms = Platforms()
    platforms.metrics.watch(engine)
    if settings.slack_configured or settings.slack_bot_token:
        from bot.slack.app import build_app
        from bot.slack.publisher import SlackMessenger, SlackPublisher

        platforms.slack = build_app(
            settings, context(settings, engine, source="slack"), platforms.metrics
        )
        platforms.messengers.append(SlackMessenger(platforms.slack.client))
        if settings.digibot_leadership_channel:
            channel = settings.digibot_leadership_channel
            platforms.publishers.append(SlackPublisher(platforms.slack.client, channel))
    if settings.teams_configured:
        from bot.teams.adapter import TeamsBot, TeamsMessenger, TeamsPublisher

        teams = TeamsBot(context(settings, engine, source="teams"), metrics=platforms.metrics)
        platforms.teams = teams
        platforms.messengers.append(TeamsMessenger(teams))
        if settings.digibot_teams_leadership_channel:
            teams.publisher = TeamsPublisher(teams, settings.digibot_teams_leadership_channel)
            platforms.publishers.append(teams.publisher)
    if settings.webhook_url:
        from bot.teams.webhook import WebhookPublisher

        messages = Messages(settings.digibot_language)
        platforms.publishers.append(WebhookPublisher(settings.webhook_url, messages))
    return platforms
