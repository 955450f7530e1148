"""Opening the form and showing the Home tab: shared by commands, buttons and events."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError

from bot.slack.blocks import render_messages
from bot.slack.deps import SlackDeps
from bot.slack.views import form_view, home_view
from handlers.form import home, open_form
from handlers.replies import Reply, error

log = logging.getLogger(__name__)


def show_form(
    client: WebClient,
    deps: SlackDeps,
    *,
    user_id: str,
    trigger_id: str,
    measure: str | None,
    tell: Callable[[Reply], None],
) -> None:
    """Open the modal; a user with no measures is told why instead."""
    actor = deps.directory.actor(user_id)
    ctx = deps.ctx_for(actor)
    form = open_form(actor, ctx, measure_code=measure)
    if isinstance(form, Reply):
        tell(form)
        return
    client.views_open(trigger_id=trigger_id, view=form_view(form, ctx.t))


def publish_home(client: WebClient, deps: SlackDeps, user_id: str) -> None:
    actor = deps.directory.actor(user_id)
    ctx = deps.ctx_for(actor)
    try:
        reply = home(actor, ctx)
    except OperationalError:  # the engine logs an outage once; the tab says so
        reply = error(ctx.t("db.unavailable"))
    try:
        client.views_publish(user_id=user_id, view=home_view(reply, ctx.t))
    except SlackApiError as failed:
        log.warning("views.publish for %s failed: %s", user_id, failed.response.get("error"))


def direct_message(client: WebClient, user_id: str, reply: Reply) -> None:
    for message in render_messages(reply):
        client.chat_postMessage(channel=user_id, **message)
