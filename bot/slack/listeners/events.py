"""Events: each delivery handled once, however often Slack retries it; the Home tab; a user
deactivated or reactivated (`user_change`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError

from bot.slack.deps import SlackDeps
from bot.slack.listeners.common import publish_home
from handlers.presence import platform_says
from storage import crud
from storage.db import session_scope


def register(app: App, deps: SlackDeps) -> None:
    @app.middleware
    def once(body: dict, next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002 (Bolt's name)
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            try:
                with session_scope(deps.ctx.engine) as session:
                    first = crud.claim_delivery(session, key=f"slack:event:{event_id}")
            except OperationalError:  # the database is away (logged once): the user is told
                first = True
            if not first:
                return BoltResponse(status=200, body="")
        next()
        return None

    @app.event("app_home_opened")
    def home_opened(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            deps.background(publish_home, client, deps, event["user"])

    @app.event("user_change")
    def user_changed(event: dict) -> None:
        """A deactivated user has left: their measures go to the coordinators' lists."""
        user = event.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("deleted"), bool):
            return
        profile = user.get("profile")
        email = profile.get("email") if isinstance(profile, dict) else None
        refs = [user.get("id"), email]
        with suppress(OperationalError):  # the engine logs an outage; reminders look again
            platform_says(deps.ctx, refs, gone=user["deleted"], source="slack:user_change")
