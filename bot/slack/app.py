"""The Bolt app: built from settings, with every kind of listener registered."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack import listeners
from bot.slack.deps import SlackDeps
from bot.slack.identity import Directory, SlackPeople
from bot.slack.publisher import SlackPublisher
from handlers.context import Context


def web_client(settings: Settings) -> WebClient:
    """Retries on connection errors, 429 (after Retry-After) and 5xx answers."""
    kwargs: dict[str, Any] = {"base_url": settings.slack_api_url} if settings.slack_api_url else {}
    return WebClient(
        token=settings.slack_bot_token,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
        **kwargs,
    )


def build_app(settings: Settings, ctx: Context, metrics: Metrics | None = None) -> App:
    client = web_client(settings)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        token_verification_enabled=False,
        # Listeners answer before the HTTP response and hand slow work to a pool: about a
        # tenth of the latency of Bolt's default thread-and-wait.
        process_before_response=True,
        # Socket Mode has no HTTP request to verify; HTTP always verifies.
        request_verification_enabled=not settings.slack_app_token,
    )
    publisher = (
        SlackPublisher(client, settings.digibot_leadership_channel)
        if settings.digibot_leadership_channel
        else None
    )
    ctx = replace(ctx, directory=SlackPeople(client))
    deps = SlackDeps(ctx, Directory(client), publisher, metrics=metrics or Metrics())
    listeners.register(app, deps)
    return app
