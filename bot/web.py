"""The one ASGI app: `/health`, Slack's `/slack/events`, Teams' `/api/messages`, and the
`/about` and `/privacy` pages the Teams app manifest links to."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import pages
from handlers.messages import Messages

if TYPE_CHECKING:
    from bot.teams.adapter import TeamsBot

log = logging.getLogger(__name__)


def create_web_app(
    engine: Engine,
    *,
    slack: App | None,
    messages: Messages,
    teams: TeamsBot | None = None,
    privacy_contact: str | None = None,
) -> Starlette:
    def database_answers() -> bool:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure means: not healthy
            log.exception("health check: database unreachable")
            return False

    async def health(_: Request) -> Response:
        if await run_in_threadpool(database_answers):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        try:
            bolt_request = to_bolt_request(request, body)
        except UnicodeDecodeError:
            return Response("not UTF-8", status_code=400)
        try:
            response = await run_in_threadpool(slack.dispatch, bolt_request)
        except Exception:
            log.exception("Slack request failed")
            response = None
        if response is None or response.status >= 500:
            # Never a 5xx to Slack: the user gets a message that nothing was saved.
            content = json.dumps({"response_type": "ephemeral", "text": messages("internal.error")})
            return Response(content, media_type="application/json")
        return to_starlette_response(response)

    routes = [Route("/health", health, methods=["GET"])]
    if slack is not None:
        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
    if teams is not None:
        routes.append(teams.route())
    routes += pages.routes(messages.language, privacy_contact=privacy_contact)
    app = Starlette(routes=routes)
    if teams is not None:  # what the per-route JWT check validates tokens against
        app.state.agent_configuration = teams.auth_config
    return app
